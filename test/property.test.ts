/**
 * Property-based test (issue 8): thousands of generated requests — credentials valid, invalid, tampered or
 * garbage, in every header shape; signatures valid, tampered or garbage; request ids carrying credentials;
 * bodies, methods and targets — thrown at the verifier directly and through the Express 5 and Koa 3 adapters,
 * under a few configurations (signature policies and versions, environments, a store that fails, failing open).
 *
 * Invariants, whatever the request:
 * 1. no 5xx except 503 AUTH_UNAVAILABLE;
 * 2. every rejection is the envelope `{ success: false, error: { message, code, details }, requestId }` with
 *    `x-request-id` equal to `requestId` (and `WWW-Authenticate` on 401); every admission carries
 *    `x-request-id` equal to `auth.requestId`;
 * 3. no credential or secret (keys, public and secret keys, the base64 of Basic credentials, passwords,
 *    signatures) anywhere in any answer, headers or body, nor a request id that is part of one;
 * 4. no admission without valid credentials: admitted ⇒ the request carried an active key (or an active pair
 *    with its own secret, and a valid signature when one is required or sent), and `auth` names that key.
 *
 * The model of "valid" below is computed from what was generated, with node:crypto, independently of keygate.
 * Seeded and bounded: the same requests every run; the whole file takes a few seconds.
 */
import { createHash, createHmac } from 'node:crypto';
import type { RequestListener } from 'node:http';
import {
  createVerifier,
  MemoryDecisionStore,
  MemoryKeyStore,
  type DecisionStore,
  type KeygateOptions,
  type KeyStore,
  type RequestInput,
  type Verifier,
} from '@keygate/core';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SECRETS, BASIC, PAIRS, VECTOR_NOW, keysFile } from './support/fixtures.js';
import { buildApp, listen, type Framework } from './support/servers.js';

const SEED = 20261126;
const RUNS = { core: 2000, http: 500 };
const TIME_LIMIT_MS = 15_000;

// ---------------------------------------------------------------------------------------------------------
// What is valid: the fixtures' keys, as the model sees them (independently of keygate's key store).

interface ValidKey {
  id: string;
  environment: 'test' | 'live' | null;
}
const VALID_BASIC: ReadonlyMap<string, ValidKey> = new Map([
  [BASIC.valid, { id: 'key_basic', environment: 'live' }],
  [BASIC.notYetExpired, { id: 'key_future', environment: 'live' }],
  [BASIC.hashed, { id: 'key_hashed', environment: 'live' }],
  [BASIC.test, { id: 'key_sandbox', environment: 'test' }],
  [BASIC.limited, { id: 'key_limited', environment: 'live' }],
  [BASIC.readOnly, { id: 'key_readonly', environment: 'live' }],
]);
const VALID_PAIRS: ReadonlyMap<string, ValidKey & { secretKey: string }> = new Map(
  [PAIRS.test, PAIRS.live, PAIRS.readOnly, PAIRS.limited].map((pair) => [
    pair.publicKey,
    { id: pair.id, secretKey: pair.secretKey, environment: pair.publicKey.startsWith('pk_live_') ? 'live' : 'test' },
  ]),
);
const ALL_PAIRS = Object.values(PAIRS);

// ---------------------------------------------------------------------------------------------------------
// Configurations: each is used by the verifier and by both adapters (each with its own verifier and store).

interface Config {
  name: string;
  schemes: readonly ('basic' | 'keypair')[];
  environments: readonly ('test' | 'live')[];
  allowPassword: boolean;
  signatures: 'required' | 'optional' | 'off';
  versions: readonly ('v1' | 'v2')[];
  maxBodyBytes: number;
  /** Every n-th decision store call fails (0: never). */
  failEvery: number;
  /** Every n-th key lookup fails (0: never). */
  keysFailEvery: number;
  failOpen: boolean;
}

const CONFIGS: readonly Config[] = [
  {
    name: 'defaults',
    schemes: ['basic', 'keypair'],
    environments: ['test', 'live'],
    allowPassword: false,
    signatures: 'optional',
    versions: ['v1', 'v2'],
    maxBodyBytes: 1024 * 1024,
    failEvery: 0,
    keysFailEvery: 0,
    failOpen: false,
  },
  {
    name: 'strict',
    schemes: ['basic', 'keypair'],
    environments: ['live'],
    allowPassword: true,
    signatures: 'required',
    versions: ['v2'],
    maxBodyBytes: 64,
    failEvery: 0,
    keysFailEvery: 0,
    failOpen: false,
  },
  {
    name: 'pairs, unsigned, flaky stores failing open',
    schemes: ['keypair'],
    environments: ['test', 'live'],
    allowPassword: false,
    signatures: 'off',
    versions: ['v1', 'v2'],
    maxBodyBytes: 1024,
    failEvery: 3,
    keysFailEvery: 11,
    failOpen: true,
  },
  {
    name: 'v1 only, flaky store failing closed',
    schemes: ['basic', 'keypair'],
    environments: ['test', 'live'],
    allowPassword: false,
    signatures: 'optional',
    versions: ['v1'],
    maxBodyBytes: 1024,
    failEvery: 4,
    keysFailEvery: 0,
    failOpen: false,
  },
];

function flaky(every: number): DecisionStore {
  const memory = new MemoryDecisionStore();
  let calls = 0;
  return {
    decide(admission) {
      calls++;
      if (calls % every === 0) return calls % (2 * every) === 0 ? Promise.reject(new Error('store down')) : thrown();
      return memory.decide(admission);
    },
  };
}

/** The fixtures' keys, behind a lookup that fails every n-th time (a database that drops connections). */
function flakyKeys(every: number): KeyStore {
  const memory = new MemoryKeyStore(keysFile);
  let calls = 0;
  const fail = <T>(lookup: () => T): T | Promise<T> =>
    ++calls % every === 0 ? Promise.reject(new Error('database down')) : lookup();
  return {
    findByKeyHash: (hash) => fail(() => memory.findByKeyHash(hash)),
    findByPublicKey: (publicKey) => fail(() => memory.findByPublicKey(publicKey)),
  };
}

function thrown(): never {
  throw new Error('store down');
}

function optionsFor(config: Config): KeygateOptions {
  return {
    keys: config.keysFailEvery > 0 ? flakyKeys(config.keysFailEvery) : keysFile,
    schemes: config.schemes,
    environments: config.environments,
    basic: { allowPassword: config.allowPassword },
    keypair: { signatures: config.signatures, signatureVersions: config.versions },
    // Large, so that most keys keep being admitted; the fixtures' limited keys (2 per 60 s) still hit 429.
    rateLimit: { limit: 1_000_000, windowSeconds: 60 },
    maxBodyBytes: config.maxBodyBytes,
    ...(config.failEvery > 0 && { store: flaky(config.failEvery) }),
    failOpen: config.failOpen,
    logger: { warn: () => {}, error: () => {} }, // store failures are expected here
    now: () => VECTOR_NOW,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Generated requests: a description, built into headers and a body, with the model's verdict.

type BasicVariant = 'canonical' | 'lower' | 'upper' | 'spaces' | 'tab' | 'unpadded' | 'base64url' | 'no-colon';
type BearerVariant = 'canonical' | 'lower' | 'spaces' | 'tab';
type Credential =
  | { kind: 'none' }
  | { kind: 'basic'; key: string; variant: BasicVariant; password: string }
  | { kind: 'pair'; publicKey: string; secret: string | undefined; variant: BearerVariant; repeatedSecret: boolean }
  | { kind: 'garbage'; value: string }
  | { kind: 'repeated'; first: string; second: string };
type Mutation =
  | 'none'
  | 'upper-hex'
  | 'flip-hex'
  | 'truncate'
  | 'drop-timestamp'
  | 'drop-signature'
  | 'seconds'
  | 'garbage-timestamp'
  | 'toggle-prefix';
type Tamper = 'none' | 'method' | 'target' | 'body' | 'resplit';
type Signature =
  | { kind: 'none' }
  | {
      kind: 'signed';
      version: 'v1' | 'v2';
      skewMs: number;
      signer: 'own' | 'other' | 'presented';
      mutation: Mutation;
      tamper: Tamper;
    }
  | { kind: 'garbage'; timestamp: string | undefined; signature: string | undefined };
type RequestIdKind = 'none' | 'random' | 'malformed' | 'credential' | 'credential-part' | 'credential-inside';

interface Generated {
  method: string;
  target: string;
  body: string | undefined;
  json: boolean;
  credential: Credential;
  signature: Signature;
  requestId: { kind: RequestIdKind; pick: number; random: string };
}

const HTTP_SAFE = /^[\t\x20-\x7e]*$/;

function arbitraries(http: boolean) {
  // Header text: any string for the verifier; what an HTTP client may send through the adapters.
  const text = (maxLength: number) =>
    http
      ? fc.string({ unit: 'binary-ascii', maxLength }).map((s) => s.replace(/[^\t\x20-\x7e]/g, '~'))
      : fc.string({ unit: 'binary', maxLength });
  const tampered = (values: readonly string[]) =>
    fc
      .tuple(fc.constantFrom(...values), fc.nat(), fc.constantFrom('A', 'z', '0', '_', '', 'é'))
      .map(([value, at, char]) => {
        const i = at % value.length;
        const changed = `${value.slice(0, i)}${char}${value.slice(i + 1)}`;
        return http ? changed.replace(/é/g, 'e') : changed;
      });
  const keyString = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...VALID_BASIC.keys()) },
    { weight: 3, arbitrary: fc.constantFrom(...Object.values(BASIC)) },
    { weight: 1, arbitrary: fc.constantFrom(...ALL_PAIRS.flatMap((pair) => [pair.publicKey, pair.secretKey])) },
    { weight: 1, arbitrary: tampered(Object.values(BASIC)) },
  );
  const publicKey = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...VALID_PAIRS.keys()) },
    { weight: 2, arbitrary: fc.constantFrom(...ALL_PAIRS.map((pair) => pair.publicKey)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('pk_test_UnknownPublicKeyForKeygate01', BASIC.valid, PAIRS.test.secretKey),
    },
    { weight: 1, arbitrary: tampered(ALL_PAIRS.map((pair) => pair.publicKey)) },
  );
  const secret = fc.oneof(
    { weight: 8, arbitrary: fc.constant('own') },
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...ALL_PAIRS.map((pair) => pair.secretKey), 'sk_live_WrongSecretForKeygateTests01'),
    },
    { weight: 1, arbitrary: tampered(ALL_PAIRS.map((pair) => pair.secretKey)) },
  );
  const credential: fc.Arbitrary<Credential> = fc.oneof(
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('basic' as const),
        key: keyString,
        variant: fc.constantFrom<BasicVariant>(
          ...Array<BasicVariant>(6).fill('canonical'),
          'lower',
          'upper',
          'spaces',
          'tab',
          'unpadded',
          'base64url',
          'no-colon',
        ),
        password: fc.oneof(
          { weight: 5, arbitrary: fc.constant('') },
          { weight: 1, arbitrary: fc.constantFrom('MyPassword12345', PAIRS.live.secretKey) },
        ),
      }),
    },
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('pair' as const),
        publicKey,
        secret,
        variant: fc.constantFrom<BearerVariant>(...Array<BearerVariant>(6).fill('canonical'), 'lower', 'spaces', 'tab'),
        repeatedSecret: fc.nat(20).map((n) => n === 0),
      }),
    },
    { weight: 1, arbitrary: text(80).map((value) => ({ kind: 'garbage' as const, value })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...Object.values(BASIC)), fc.constantFrom(...Object.values(BASIC)))
        .map(([first, second]) => ({
          kind: 'repeated' as const,
          first: `Basic ${Buffer.from(`${first}:`).toString('base64')}`,
          second: `Basic ${Buffer.from(`${second}:`).toString('base64')}`,
        })),
    },
  );
  const signature: fc.Arbitrary<Signature> = fc.oneof(
    { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('signed' as const),
        version: fc.constantFrom<'v1' | 'v2'>('v1', 'v2'),
        skewMs: fc.oneof(
          { weight: 6, arbitrary: fc.integer({ min: -300_000, max: 300_000 }) },
          { weight: 1, arbitrary: fc.integer({ min: -900_000, max: 900_000 }) },
        ),
        signer: fc.constantFrom<'own' | 'other' | 'presented'>('own', 'own', 'own', 'other', 'presented'),
        mutation: fc.constantFrom<Mutation>(
          ...Array<Mutation>(8).fill('none'),
          'upper-hex',
          'flip-hex',
          'truncate',
          'drop-timestamp',
          'drop-signature',
          'seconds',
          'garbage-timestamp',
          'toggle-prefix',
        ),
        tamper: fc.constantFrom<Tamper>(...Array<Tamper>(8).fill('none'), 'method', 'target', 'body', 'resplit'),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('garbage' as const),
        timestamp: fc.option(text(20), { nil: undefined }),
        signature: fc.option(text(80), { nil: undefined }),
      }),
    },
  );
  const segment = fc.stringMatching(/^[a-zA-Z0-9_.~-]{1,12}$/);
  const target = fc
    .tuple(
      fc.constantFrom('/echo', '/payments', '/v1/payments', '/v1/refunds', '/v1/payments/pay_%2F123', '/'),
      fc.option(
        fc.array(fc.tuple(segment, fc.stringMatching(/^[a-zA-Z0-9_.:%-]{0,16}$/)), { minLength: 1, maxLength: 3 }),
        { nil: undefined },
      ),
    )
    .map(([path, query]) => (query === undefined ? path : `${path}?${query.map(([k, v]) => `${k}=${v}`).join('&')}`));
  const body = fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant('') },
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value) ?? 'null') },
    { weight: 2, arbitrary: text(120) },
  );
  const methods = http
    ? ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']
    : ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'get', 'post', 'OPTIONS'];
  return fc.record({
    method: fc.constantFrom(...methods),
    target,
    body,
    json: fc.boolean(),
    credential,
    signature,
    requestId: fc.record({
      kind: fc.constantFrom<RequestIdKind>(
        'none',
        'random',
        'malformed',
        'credential',
        'credential',
        'credential-part',
        'credential-inside',
      ),
      pick: fc.nat(),
      random: fc.stringMatching(/^[A-Za-z0-9._:-]{8,40}$/),
    }),
  });
}

/** A built request: what is sent, every credential string it carries, and the model's verdict. */
interface Built {
  input: RequestInput & { headers: Record<string, string | string[]>; body: string | undefined };
  /** Strings that must never come back (with the fixtures' own secrets). */
  presented: string[];
  /** The key a verifier may admit the request for, or undefined when it must not be admitted. */
  admissible: { id: string; signed: boolean } | undefined;
  /** The incoming request id, if any. */
  incomingId: string | undefined;
}

function isJsonContainer(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
}

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmacHex = (secret: string, data: string) => createHmac('sha256', secret).update(data, 'utf8').digest('hex');

function build(generated: Generated, config: Config): Built {
  let { method, target, body } = generated;
  const headers: Record<string, string | string[]> = {};
  const presented: string[] = [];
  let identified: ValidKey | undefined;
  let pairSecret: string | undefined; // the true secret of a valid, proven pair
  let presentedSecret: string | undefined;
  const credential = generated.credential;

  switch (credential.kind) {
    case 'none':
      break;
    case 'garbage':
      headers.authorization = credential.value;
      break;
    case 'repeated':
      headers.authorization = [credential.first, credential.second];
      presented.push(
        ...[credential.first, credential.second].map((value) =>
          Buffer.from(value.slice(6), 'base64').toString('utf8').replace(/:$/, ''),
        ),
      );
      break;
    case 'basic': {
      const { key, variant, password } = credential;
      const userPass = variant === 'no-colon' ? key : `${key}:${password}`;
      let token = Buffer.from(userPass, 'utf8').toString('base64');
      const canonicalToken = token;
      if (variant === 'unpadded') token = token.replace(/=+$/, '');
      if (variant === 'base64url') token = token.replace(/\+/g, '-').replace(/\//g, '_');
      const scheme = variant === 'lower' ? 'basic' : variant === 'upper' ? 'BASIC' : 'Basic';
      headers.authorization =
        variant === 'tab'
          ? `Basic\t${token}`
          : variant === 'spaces'
            ? `  ${scheme}   ${token}  `
            : `${scheme} ${token}`;
      presented.push(key, token, canonicalToken);
      if (password !== '' && variant !== 'no-colon') presented.push(password);
      const encodingKept =
        variant !== 'tab' && variant !== 'no-colon' && (variant !== 'base64url' || token === canonicalToken);
      const valid = VALID_BASIC.get(key);
      if (
        valid !== undefined &&
        encodingKept &&
        (password === '' || config.allowPassword) &&
        config.schemes.includes('basic') &&
        (valid.environment === null || config.environments.includes(valid.environment))
      ) {
        identified = valid;
      }
      break;
    }
    case 'pair': {
      const { publicKey, variant } = credential;
      const own =
        VALID_PAIRS.get(publicKey)?.secretKey ??
        ALL_PAIRS.find((pair) => pair.publicKey === publicKey)?.secretKey ??
        PAIRS.test.secretKey;
      presentedSecret = credential.secret === 'own' ? own : credential.secret;
      const bearer =
        variant === 'lower'
          ? `bearer ${publicKey}`
          : variant === 'spaces'
            ? `Bearer    ${publicKey} `
            : variant === 'tab'
              ? `Bearer\t${publicKey}`
              : `Bearer ${publicKey}`;
      headers.authorization = bearer;
      presented.push(publicKey);
      if (presentedSecret !== undefined) {
        headers['x-api-secret'] = credential.repeatedSecret ? [presentedSecret, presentedSecret] : presentedSecret;
        presented.push(presentedSecret);
      }
      const valid = VALID_PAIRS.get(publicKey);
      if (
        valid !== undefined &&
        variant !== 'tab' &&
        !credential.repeatedSecret &&
        presentedSecret === valid.secretKey &&
        config.schemes.includes('keypair') &&
        config.environments.includes(valid.environment as 'test' | 'live')
      ) {
        identified = valid;
        pairSecret = valid.secretKey;
      }
      break;
    }
  }

  // The signature, made over the request as generated, then possibly tampered with.
  const signature = generated.signature;
  let signatureValid = false;
  let signatureSent = false;
  if (signature.kind === 'garbage') {
    if (signature.timestamp !== undefined) headers['x-pelago-timestamp'] = signature.timestamp;
    if (signature.signature !== undefined) headers['x-pelago-signature'] = signature.signature;
    signatureSent = signature.timestamp !== undefined || signature.signature !== undefined;
  } else if (signature.kind === 'signed' && credential.kind === 'pair') {
    const trueSecret =
      VALID_PAIRS.get(credential.publicKey)?.secretKey ??
      ALL_PAIRS.find((pair) => pair.publicKey === credential.publicKey)?.secretKey;
    const signer =
      signature.signer === 'own'
        ? trueSecret
        : signature.signer === 'presented'
          ? presentedSecret
          : PAIRS.live.secretKey === trueSecret
            ? PAIRS.test.secretKey
            : PAIRS.live.secretKey;
    const timestampMs = VECTOR_NOW + signature.skewMs;
    let timestamp = String(timestampMs);
    const METHOD = method.toUpperCase();
    const signedBody = body ?? '';
    const hex =
      signature.version === 'v2'
        ? hmacHex(signer ?? 'sk_test_NoSecret', `v2\n${timestamp}\n${METHOD}\n${target}\n${sha256Hex(signedBody)}`)
        : hmacHex(signer ?? 'sk_test_NoSecret', `${timestamp}.${METHOD}.${target}.${signedBody}`);
    let value = signature.version === 'v2' ? `v2=${hex}` : hex;
    let intact = true;
    switch (signature.mutation) {
      case 'none':
        break;
      case 'upper-hex':
        value = signature.version === 'v2' ? `v2=${hex.toUpperCase()}` : hex.toUpperCase();
        break;
      case 'flip-hex':
        value = value.slice(0, -1) + (value.endsWith('0') ? '1' : '0');
        intact = false;
        break;
      case 'truncate':
        value = value.slice(0, -2);
        intact = false;
        break;
      case 'toggle-prefix':
        value = signature.version === 'v2' ? hex : `v2=${hex}`;
        intact = false;
        break;
      case 'seconds':
        timestamp = String(Math.floor(timestampMs / 1000));
        intact = false;
        break;
      case 'garbage-timestamp':
        timestamp = `${timestamp}x`;
        intact = false;
        break;
      case 'drop-timestamp':
      case 'drop-signature':
        intact = false;
        break;
    }
    if (signature.mutation !== 'drop-timestamp') headers['x-pelago-timestamp'] = timestamp;
    if (signature.mutation !== 'drop-signature') {
      headers['x-pelago-signature'] = value;
      presented.push(value.replace(/^v2=/, '')); // the hex as sent: never to be echoed in a request id
    }
    signatureSent = true;

    let tamper = signature.tamper;
    const dot = target.lastIndexOf('.');
    const bodiless = METHOD === 'GET' || METHOD === 'HEAD';
    // v1 cannot tell query from body on a method that may carry one: that ambiguity is documented, not tested.
    if (tamper === 'resplit' && (dot < 0 || (signature.version === 'v1' && !bodiless))) tamper = 'body';
    switch (tamper) {
      case 'none':
        break;
      case 'method':
        method = METHOD === 'POST' ? 'PUT' : 'POST';
        intact = false;
        break;
      case 'target':
        target = `${target}${target.includes('?') ? '&' : '?'}admin=1`;
        intact = false;
        break;
      case 'body':
        body = `${body ?? ''}x`;
        intact = false;
        break;
      case 'resplit':
        body = `${target.slice(dot + 1)}.${body ?? ''}`;
        target = target.slice(0, dot);
        intact = false;
        break;
    }
    const bodyBytes = Buffer.byteLength(body ?? '');
    signatureValid =
      intact &&
      signer === pairSecret &&
      pairSecret !== undefined &&
      Math.abs(signature.skewMs) <= 300_000 &&
      config.versions.includes(signature.version) &&
      bodyBytes <= config.maxBodyBytes &&
      !(
        signature.version === 'v1' &&
        (method.toUpperCase() === 'GET' || method.toUpperCase() === 'HEAD') &&
        bodyBytes > 0
      );
  }

  let admissible: Built['admissible'];
  if (identified !== undefined) {
    if (pairSecret === undefined || config.signatures === 'off') admissible = { id: identified.id, signed: false };
    else if (!signatureSent)
      admissible = config.signatures === 'required' ? undefined : { id: identified.id, signed: false };
    else admissible = signatureValid ? { id: identified.id, signed: true } : undefined;
  }

  // The incoming request id.
  const { kind, pick, random } = generated.requestId;
  const pool = presented.filter((value) => value.length >= 8 && /^[A-Za-z0-9._:-]+$/.test(value));
  let incomingId: string | undefined;
  if (kind === 'random') incomingId = random;
  else if (kind === 'malformed') incomingId = `${random} !`;
  else if (kind !== 'none' && pool.length > 0) {
    const chosen = pool[pick % pool.length]!;
    if (kind === 'credential') incomingId = chosen;
    else if (kind === 'credential-part')
      incomingId = chosen.slice(pick % 4, (pick % 4) + Math.min(12, chosen.length - (pick % 4)));
    else incomingId = `req-${chosen}-1`;
  }
  if (incomingId !== undefined) headers['x-request-id'] = incomingId;
  // JSON only for an object or array (what the apps' body parsers accept): the apps' own 400s are not keygate's.
  if (body !== undefined)
    headers['content-type'] = generated.json && isJsonContainer(body) ? 'application/json' : 'text/plain';

  return { input: { method, target, headers, body }, presented, admissible, incomingId };
}

// ---------------------------------------------------------------------------------------------------------
// The invariants.

/** Whether the answer holds any credential (or base64 of one), or a request id that is part of one. */
function expectNoCredential(answer: string, requestId: string | undefined, built: Built): void {
  const secrets = [...new Set([...ALL_SECRETS, ...built.presented])].filter((secret) => secret.length >= 8);
  for (const secret of secrets) {
    if (answer.includes(secret))
      expect.fail(`the answer holds the credential ${JSON.stringify(secret.slice(0, 14))}…: ${answer.slice(0, 300)}`);
  }
  if (requestId !== undefined && requestId === built.incomingId) {
    for (const secret of secrets) {
      if (secret.includes(requestId) || requestId.includes(secret))
        expect.fail(`the request id ${JSON.stringify(requestId)} echoes part of a credential`);
    }
  }
}

interface Outcome {
  status: number;
  /** The error code, or 'ok'. */
  code: string;
  /** Whether keygate admitted the request (a route answered, or a scope check refused it after admission). */
  admitted: boolean;
  keyId?: string;
  signed?: boolean;
}

function checkOutcome(outcome: Outcome, built: Built, where: string): void {
  const context = () => `${where}: ${built.input.method} ${built.input.target} → ${outcome.status} ${outcome.code}`;
  if (outcome.status >= 500 && !(outcome.status === 503 && outcome.code === 'AUTH_UNAVAILABLE'))
    expect.fail(`a 5xx other than 503 AUTH_UNAVAILABLE: ${context()}`);
  if (outcome.admitted) {
    if (built.admissible === undefined)
      expect.fail(
        `admitted without valid credentials: ${context()} (${JSON.stringify(built.input.headers).slice(0, 400)})`,
      );
    if (outcome.keyId !== undefined) expect(outcome.keyId, context()).toBe(built.admissible.id);
    if (outcome.signed !== undefined) expect(outcome.signed, context()).toBe(built.admissible.signed);
  }
}

function checkVerifierResult(result: Awaited<ReturnType<Verifier['verify']>>, built: Built): void {
  if (result.ok) {
    expect(result.headers['x-request-id']).toBe(result.auth.requestId);
    expect(result.requestId).toBe(result.auth.requestId);
    checkOutcome(
      { status: 200, code: 'ok', admitted: true, keyId: result.auth.keyId, signed: result.auth.signed },
      built,
      'verifier',
    );
    expectNoCredential(`${JSON.stringify(result.auth)}\n${JSON.stringify(result.headers)}`, result.requestId, built);
    return;
  }
  const { error } = result;
  const envelope = JSON.parse(JSON.stringify(error.toJSON())) as Record<string, unknown>;
  expect(Object.keys(envelope).sort()).toEqual(['error', 'requestId', 'success']);
  expect(envelope.success).toBe(false);
  expect(Object.keys(envelope.error as object).sort()).toEqual(['code', 'details', 'message']);
  expect(envelope.requestId).toBe(result.requestId);
  expect(result.headers['x-request-id']).toBe(result.requestId);
  expect(error.headers['x-request-id']).toBe(result.requestId);
  if (error.status === 401) expect(result.headers['www-authenticate']).toMatch(/^(Basic|Bearer) realm="api"/);
  expect(error.expose).toBe(error.status < 500);
  checkOutcome({ status: error.status, code: error.code, admitted: false }, built, 'verifier');
  expectNoCredential(
    `${JSON.stringify(envelope)}\n${error.message}\n${JSON.stringify(result.headers)}`,
    result.requestId,
    built,
  );
}

interface HttpAnswer {
  status: number;
  headers: Record<string, unknown>;
  text: string;
}

function checkHttpAnswer(res: HttpAnswer, built: Built, where: string): void {
  const requestId = res.headers['x-request-id'];
  expect(typeof requestId, `${where}: every answer carries x-request-id`).toBe('string');
  expectNoCredential(`${res.text}\n${JSON.stringify(res.headers)}`, requestId as string, built);
  if (res.status === 200) {
    const body = JSON.parse(res.text) as { auth: { keyId: string; signed: boolean; requestId: string } | null };
    expect(body.auth, `${where}: a 200 is an admitted request`).not.toBeNull();
    expect(requestId).toBe(body.auth!.requestId);
    checkOutcome(
      { status: 200, code: 'ok', admitted: true, keyId: body.auth!.keyId, signed: body.auth!.signed },
      built,
      where,
    );
    return;
  }
  expect(String(res.headers['content-type']), `${where}: ${res.status} ${res.text.slice(0, 200)}`).toMatch(
    /^application\/json/,
  );
  const envelope = JSON.parse(res.text) as {
    success: unknown;
    error: { code: string; message: unknown; details: unknown };
    requestId: unknown;
  };
  expect(Object.keys(envelope).sort(), `${where}: ${res.text.slice(0, 200)}`).toEqual([
    'error',
    'requestId',
    'success',
  ]);
  expect(envelope.success).toBe(false);
  expect(Object.keys(envelope.error).sort()).toEqual(['code', 'details', 'message']);
  expect(envelope.requestId).toBe(requestId);
  if (res.status === 401) expect(res.headers['www-authenticate']).toMatch(/^(Basic|Bearer) realm="api"/);
  checkOutcome(
    { status: res.status, code: envelope.error.code, admitted: envelope.error.code === 'INSUFFICIENT_SCOPE' },
    built,
    where,
  );
}

// ---------------------------------------------------------------------------------------------------------

// A bound on time as well as on runs: past it, the runs done so far count (and the coverage checks still apply).
const PARAMETERS = { seed: SEED, endOnFailure: true, plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)] };

describe('property: the verifier, given any request', () => {
  it.each(CONFIGS.map((config) => [config.name, config] as const))(
    '%s',
    async (_name, config) => {
      const verifier = createVerifier(optionsFor(config));
      const seen = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(arbitraries(false), async (generated) => {
          const built = build(generated, config);
          const result = await verifier.verify(built.input);
          const key = result.ok ? 'ok' : result.error.code;
          seen.set(key, (seen.get(key) ?? 0) + 1);
          checkVerifierResult(result, built);
        }),
        { ...PARAMETERS, numRuns: RUNS.core },
      );
      // The generator reaches admissions and the main refusals (else the property would prove little).
      const runs = [...seen.values()].reduce((sum, n) => sum + n, 0);
      const share = (code: string) => (seen.get(code) ?? 0) / runs;
      const distribution = JSON.stringify(Object.fromEntries(seen));
      expect(share('ok'), distribution).toBeGreaterThan(0.1);
      expect(share('INVALID_API_KEY'), distribution).toBeGreaterThan(0.1);
      expect(share('RATE_LIMIT_EXCEEDED'), distribution).toBeGreaterThan(0.01);
      if (config.signatures !== 'off')
        expect(share('INVALID_SIGNATURE') + share('TIMESTAMP_OUT_OF_RANGE'), distribution).toBeGreaterThan(0.03);
      if ((config.failEvery > 0 && !config.failOpen) || config.keysFailEvery > 0)
        expect(share('AUTH_UNAVAILABLE'), distribution).toBeGreaterThan(0.01);
    },
    60_000,
  );
});

const ADAPTERS: readonly Framework[] = [
  { name: 'express5', kind: 'express' },
  { name: 'koa3', kind: 'koa' },
];

describe.each(ADAPTERS)('property: the $name adapter, given any request', (framework) => {
  const servers: { url: string; close: () => Promise<void> }[] = [];
  beforeAll(async () => {
    for (const config of CONFIGS)
      servers.push(await listen(buildApp(framework, optionsFor(config)).handler as RequestListener));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  it.each(CONFIGS.map((config, index) => [config.name, config, index] as const))(
    '%s',
    async (_name, config, index) => {
      const seen = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(arbitraries(true), async (generated) => {
          const built = build(generated, config);
          const { method, target, headers, body } = built.input;
          for (const value of Object.values(headers).flat()) if (!HTTP_SAFE.test(value)) return; // not sendable
          let call = request(servers[index]!.url)[method.toLowerCase() as 'get'](target);
          for (const [name, value] of Object.entries(headers)) call = call.set(name, value as string);
          const res = await (body === undefined ? call : call.send(body)).ok(() => true);
          seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
          checkHttpAnswer(
            { status: res.status, headers: res.headers as Record<string, unknown>, text: res.text },
            built,
            framework.name,
          );
        }),
        { ...PARAMETERS, numRuns: RUNS.http },
      );
      const runs = [...seen.values()].reduce((sum, n) => sum + n, 0);
      const share = (status: number) => (seen.get(status) ?? 0) / runs;
      const distribution = JSON.stringify(Object.fromEntries(seen));
      expect(share(200), distribution).toBeGreaterThan(0.1);
      expect(share(401), distribution).toBeGreaterThan(0.1);
      expect(share(429), distribution).toBeGreaterThan(0.01);
    },
    60_000,
  );
});
