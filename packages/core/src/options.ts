import { KeygateConfigError, type ConfigErrorCode } from './config-error.js';
import { MemoryDecisionStore } from './decision/memory-store.js';
import type { KeysFile, LoadedKeys } from './keys/keys-file.js';
import { resolveJwtOptions, type JwtConfiguration, type JwtOptions } from './jwt/options.js';
import { MemoryKeyStore } from './keys/memory-key-store.js';
import type { DecisionEvent } from './observe/decision-event.js';
import type { KeygateLogger } from './observe/logger.js';
import { createReporter, type Reporter, type StoreName } from './observe/reporter.js';
import { DEFAULT_SIGNATURE_HEADER, DEFAULT_TIMESTAMP_HEADER, type SignatureVersion } from './signature/sign.js';
import type { DecisionStore, Environment, KeyStore, RateLimit, Scheme } from './types.js';

export type SignaturePolicy = 'required' | 'optional' | 'off';

/** Options of the key-pair scheme (`Authorization: Bearer pk_…` + secret header, optionally signed). */
export interface KeyPairOptions {
  /** Header carrying the secret key. Default `X-Api-Secret`. */
  secretHeader?: string;
  /** `required`, `optional` (verified when the headers are sent) or `off`. Default `optional`. */
  signatures?: SignaturePolicy;
  /** Signature header names. Default `X-Pelago-Timestamp` and `X-Pelago-Signature`. */
  signatureHeaders?: { timestamp?: string; signature?: string };
  /** Signature versions accepted. Default `['v1', 'v2']`; `['v2']` refuses the ambiguous v1. */
  signatureVersions?: readonly SignatureVersion[];
}

/** Everything a verifier (and so each adapter) accepts. Every field but `keys` is optional. */
export interface KeygateOptions {
  /**
   * Where keys come from: a `KeyStore`, keys-file data, or the path of a keys file (read at start-up, then
   * watched and reloaded within about a second of a change; a failed reload keeps the last good keys and is
   * passed to `onStoreError`).
   */
  keys: KeyStore | KeysFile | string;
  /** Schemes accepted. Default `['basic', 'keypair']`, and `'jwt'` too when the `jwt` option is given. */
  schemes?: readonly Scheme[];
  /** Environments accepted, e.g. `['live']` in production. Default `['test', 'live']`. */
  environments?: readonly Environment[];
  /** Basic-auth API keys. `allowPassword`: accept (and ignore) a non-empty password. Default `false`. */
  basic?: { allowPassword?: boolean };
  /** Key pairs and their request signatures. */
  keypair?: KeyPairOptions;
  /** JWT bearer tokens: their keys (`jwksUrl`, `jwks`, `publicKeys` or `secret`), `issuer`, `audience` and claims. */
  jwt?: JwtOptions;
  /** Replay protection: how far a signature timestamp may be from now, either side. Default 300 s. */
  replay?: { windowSeconds?: number };
  /** Default rate limit per key, or `false` for none. Default 60 requests per 60 seconds. */
  rateLimit?: RateLimit | false;
  /** Where rate-limit counts and used signatures live. Default: a `MemoryDecisionStore` (one process). */
  store?: DecisionStore;
  /**
   * When `store` fails: `false` answers 503 `AUTH_UNAVAILABLE`; `true` carries on with an in-process store
   * (whose replay memory starts empty) until the shared one answers again. A full store always answers 503.
   * Default `false`.
   */
  failOpen?: boolean;
  /**
   * Called with each store failure (e.g. for a metrics counter), and with each failed reload of a keys file given
   * by path (a `KeysFileError` naming the file, entry and field), after the logger was told. `store` says which
   * failed. Default: none.
   */
  onStoreError?: (error: unknown, context: { store: StoreName }) => void;
  /**
   * Called once per request, admitted or rejected, with who asked, what was decided and the internal reason
   * (never a credential or a query string). Called on the next turn of the event loop, after the answer is
   * written: a slow or throwing hook never delays or changes it (what it throws or rejects with goes to the
   * logger). Default: none.
   */
  onDecision?: (event: DecisionEvent) => unknown;
  /** Where keygate reports store failures, failed reloads, hook failures and a misconfigured app. Default `console`. */
  logger?: KeygateLogger;
  /**
   * Failed-credential throttling per client address (`req.ip` / `ctx.ip`): past `limit` 401s within
   * `windowSeconds` (a window starting at the first failure), the address gets 429 `TOO_MANY_FAILED_ATTEMPTS`
   * before any key is looked up, until the window ends. Counted in `store`, so shared on Redis. Default off.
   */
  failedAuthLimit?: RateLimit | false;
  /** Longest credential header read; longer ones are rejected before decoding. Default 4096. */
  maxHeaderLength?: number;
  /** Largest body read to verify a signature, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Longest wait for a signed request's body, in milliseconds (408 `REQUEST_TIMEOUT` past it). Default 10 000. */
  bodyTimeoutMs?: number;
  /** Realm in `WWW-Authenticate`. Default `api`. */
  realm?: string;
  /** Reuse a well-formed incoming `x-request-id` instead of generating one. Default `true`. */
  trustRequestId?: boolean;
  /** Clock in Unix milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
}

/** Every default, in one place. */
const DEFAULTS = {
  schemes: ['basic', 'keypair'],
  environments: ['test', 'live'],
  allowPassword: false,
  secretHeader: 'X-Api-Secret',
  signatures: 'optional',
  timestampHeader: DEFAULT_TIMESTAMP_HEADER,
  signatureHeader: DEFAULT_SIGNATURE_HEADER,
  signatureVersions: ['v1', 'v2'],
  replayWindowSeconds: 300,
  rateLimit: { limit: 60, windowSeconds: 60 },
  failOpen: false,
  maxHeaderLength: 4096,
  maxBodyBytes: 1024 * 1024,
  bodyTimeoutMs: 10_000,
  realm: 'api',
  trustRequestId: true,
  now: Date.now,
  logger: console,
} as const;

/** Options resolved once, in the factory: complete, validated and never parsed again per request. Internal. */
export interface Configuration {
  keyStore: KeyStore;
  schemes: ReadonlySet<Scheme>;
  /** The `jwt` option, resolved; `undefined` when JWTs are not accepted. */
  jwt: JwtConfiguration | undefined;
  environments: ReadonlySet<Environment>;
  basic: { allowPassword: boolean };
  keypair: {
    secretHeader: string;
    signatures: SignaturePolicy;
    timestampHeader: string;
    signatureHeader: string;
    signatureVersions: ReadonlySet<SignatureVersion>;
  };
  replayWindowMs: number;
  rateLimit: RateLimit | false;
  store: DecisionStore;
  /** `failOpen`: the in-process store used while `store` fails. */
  fallbackStore: DecisionStore | undefined;
  /** `failedAuthLimit` in milliseconds, or `false` when off. */
  failedAuthLimit: { limit: number; windowMs: number } | false;
  /** The logger and the hooks, behind one object. */
  report: Reporter;
  maxHeaderLength: number;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  realm: string;
  trustRequestId: boolean;
  now: () => number;
}

const OPTION_NAMES = [
  'keys',
  'schemes',
  'environments',
  'basic',
  'keypair',
  'jwt',
  'replay',
  'rateLimit',
  'store',
  'failOpen',
  'onStoreError',
  'onDecision',
  'logger',
  'failedAuthLimit',
  'maxHeaderLength',
  'maxBodyBytes',
  'bodyTimeoutMs',
  'realm',
  'trustRequestId',
  'now',
];
/** Options of earlier versions, and where they went. */
const MOVED: Record<string, string> = {
  signatures: 'keypair.signatures',
  signatureHeaders: 'keypair.signatureHeaders',
  secretHeader: 'keypair.secretHeader',
  replayWindowSeconds: 'replay.windowSeconds',
  allowBasicPassword: 'basic.allowPassword',
  onStoreFailure: 'failOpen',
  rateLimitStore: 'store',
  replayStore: 'store',
};
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const REALM = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

function invalid(field: string, message: string, code: ConfigErrorCode = 'ERR_KEYGATE_INVALID_VALUE'): never {
  throw new KeygateConfigError(code, `keygate: option "${field}" ${message}`);
}

function known(field: string, value: object, names: readonly string[]): void {
  for (const name of Object.keys(value)) {
    if (names.includes(name)) continue;
    const path = field === '' ? name : `${field}.${name}`;
    if (field === '' && MOVED[name] !== undefined) invalid(path, `is now "${MOVED[name]}"`, 'ERR_KEYGATE_OPTION_MOVED');
    invalid(path, `is not an option (known: ${names.join(', ')})`, 'ERR_KEYGATE_OPTION_UNKNOWN');
  }
}

function group<T extends object>(field: string, value: T | undefined, names: readonly string[]): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid(field, 'must be an object', 'ERR_KEYGATE_OPTIONS_NOT_OBJECT');
  known(field, value, names);
  return value;
}

function headerName(field: string, value: string | undefined, fallback: string): string {
  const name = value ?? fallback;
  if (typeof name !== 'string' || !HEADER_NAME.test(name)) invalid(field, 'must be a valid HTTP header name');
  return name.toLowerCase();
}

function positive(field: string, value: number | undefined, fallback: number, integer = false): number {
  const number = value ?? fallback;
  if (
    typeof number !== 'number' ||
    !Number.isFinite(number) ||
    number <= 0 ||
    (integer && !Number.isSafeInteger(number))
  ) {
    invalid(field, `must be a positive ${integer ? 'integer' : 'number'}`);
  }
  return number;
}

function boolean(field: string, value: boolean | undefined, fallback: boolean): boolean {
  const chosen = value ?? fallback;
  if (typeof chosen !== 'boolean') invalid(field, 'must be true or false');
  return chosen;
}

function oneOf<T extends string>(field: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  const chosen = value ?? fallback;
  if (!allowed.includes(chosen)) invalid(field, `must be one of ${allowed.map((v) => `"${v}"`).join(', ')}`);
  return chosen;
}

function subset<T extends string>(field: string, value: readonly T[] | undefined, allowed: readonly T[]): Set<T> {
  const list = value ?? allowed;
  if (!Array.isArray(list) || list.length === 0 || list.some((item) => !allowed.includes(item))) {
    invalid(field, `must be a non-empty array of ${allowed.map((v) => `"${v}"`).join(', ')}`);
  }
  return new Set(list);
}

function resolveKeyStore(
  keys: KeygateOptions['keys'],
  onError: (error: unknown) => void,
  check: (keys: LoadedKeys) => void,
): KeyStore {
  if (typeof keys === 'string') return MemoryKeyStore.watchFile(keys, { onError, check });
  if (typeof keys === 'object' && keys !== null) {
    if ('findByKeyHash' in keys && 'findByPublicKey' in keys) return keys;
    if ('tenants' in keys || 'keys' in keys) return new MemoryKeyStore(keys as KeysFile);
  }
  return invalid('keys', 'must be a KeyStore, keys-file data { tenants, keys } or the path of a keys file');
}

/** Basic and key pairs by default, plus `jwt` when its option is given; a list that contradicts the `jwt` option throws. */
function resolveSchemes(value: readonly Scheme[] | undefined, jwt: JwtOptions | undefined): Set<Scheme> {
  const schemes = subset<Scheme>(
    'schemes',
    value ?? (jwt === undefined ? DEFAULTS.schemes : [...DEFAULTS.schemes, 'jwt']),
    ['basic', 'keypair', 'jwt'],
  );
  if (schemes.has('jwt') && jwt === undefined)
    invalid('schemes', 'contains "jwt" but option "jwt" (its keys, issuer and audience) is not set');
  if (!schemes.has('jwt') && jwt !== undefined) invalid('jwt', 'is set but option "schemes" does not contain "jwt"');
  return schemes;
}

function resolveRateLimit(value: RateLimit | false | undefined): RateLimit | false {
  if (value === false) return false;
  const given = group('rateLimit', value, ['limit', 'windowSeconds']);
  return {
    limit: positive('rateLimit.limit', given.limit, DEFAULTS.rateLimit.limit, true),
    windowSeconds: positive('rateLimit.windowSeconds', given.windowSeconds, DEFAULTS.rateLimit.windowSeconds),
  };
}

/** Off unless given; both fields are required, as no default count of failures suits every API. */
function resolveFailedAuthLimit(
  value: RateLimit | false | undefined,
  store: DecisionStore,
): Configuration['failedAuthLimit'] {
  if (value === undefined || value === false) return false;
  const given = group('failedAuthLimit', value, ['limit', 'windowSeconds']);
  const limit = positive('failedAuthLimit.limit', given.limit ?? Number.NaN, 1, true);
  const windowSeconds = positive('failedAuthLimit.windowSeconds', given.windowSeconds ?? Number.NaN, 1);
  if (typeof store.failures !== 'function' || typeof store.countFailure !== 'function') {
    invalid(
      'failedAuthLimit',
      'needs a store that counts failures (failures() and countFailure()): MemoryDecisionStore and RedisDecisionStore do',
      'ERR_KEYGATE_STORE_UNSUPPORTED',
    );
  }
  return { limit, windowMs: Math.ceil(windowSeconds * 1000) };
}

function optionalFunction<T>(field: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') invalid(field, 'must be a function');
  return value;
}

function resolveStore(value: DecisionStore | undefined): DecisionStore {
  if (value === undefined) return new MemoryDecisionStore();
  if (typeof value !== 'object' || value === null || typeof value.decide !== 'function') {
    invalid('store', 'must be a DecisionStore (an object with decide())');
  }
  return value;
}

/**
 * With a memory store, a limit too large for its byte bound would fail every request of the key; say so at
 * start-up instead, naming the option or the key.
 */
function checkLimitsFit(
  store: DecisionStore | undefined,
  storeName: string,
  keyStore: KeyStore,
  rateLimit: RateLimit | false,
): void {
  if (!(store instanceof MemoryDecisionStore)) return;
  const fits = (limit: number, what: string) => {
    try {
      store.bytesPerKey(limit);
    } catch (error) {
      throw new KeygateConfigError(
        'ERR_KEYGATE_LIMIT_TOO_LARGE',
        `keygate: ${what} is too large for ${storeName} (${(error as Error).message}): lower it, or pass ` +
          'store: new MemoryDecisionStore({ maxBytes }) with a larger bound',
      );
    }
  };
  if (rateLimit !== false) fits(rateLimit.limit, 'option "rateLimit.limit"');
  if (keyStore instanceof MemoryKeyStore) {
    for (const record of keyStore.records())
      if (record.rateLimit) fits(record.rateLimit.limit, `key "${record.id}": field "rateLimit.limit"`);
  }
}

/** Validates `options` once and fills in every default; a bad option throws a `KeygateConfigError` naming it. */
export function resolveOptions(options: KeygateOptions): Configuration {
  if (typeof options !== 'object' || options === null)
    invalid('(options)', 'must be an object', 'ERR_KEYGATE_OPTIONS_NOT_OBJECT');
  known('', options, OPTION_NAMES);
  const basic = group('basic', options.basic, ['allowPassword']);
  const keypair = group('keypair', options.keypair, [
    'secretHeader',
    'signatures',
    'signatureHeaders',
    'signatureVersions',
  ]);
  const signatureHeaders = group('keypair.signatureHeaders', keypair.signatureHeaders, ['timestamp', 'signature']);
  const replay = group('replay', options.replay, ['windowSeconds']);
  const now = options.now ?? DEFAULTS.now;
  if (typeof now !== 'function') invalid('now', 'must be a function returning Unix milliseconds');
  const realm = options.realm ?? DEFAULTS.realm;
  if (typeof realm !== 'string' || !REALM.test(realm))
    invalid('realm', 'must be printable ASCII without quotes or backslashes');
  const logger = options.logger ?? DEFAULTS.logger;
  if (typeof logger?.warn !== 'function' || typeof logger.error !== 'function') {
    invalid('logger', 'must be an object with warn(message) and error(message), such as console or a pino logger');
  }
  const report = createReporter({
    logger,
    onDecision: optionalFunction('onDecision', options.onDecision),
    onStoreError: optionalFunction('onStoreError', options.onStoreError),
  });
  const onKeysError = (error: unknown) => report.storeError(error, 'keys');

  // A reloaded keys file meets the same per-key limit check as at start-up (store and fallbackStore are set by then).
  const checkReloaded = (loaded: LoadedKeys) => {
    const reloaded = new MemoryKeyStore(loaded);
    checkLimitsFit(store, 'the memory store', reloaded, false);
    checkLimitsFit(fallbackStore, 'the in-process store that failOpen falls back on', reloaded, false);
  };
  const keyStore = resolveKeyStore(options.keys, onKeysError, checkReloaded);
  const rateLimit = resolveRateLimit(options.rateLimit);
  const store = resolveStore(options.store);
  const fallbackStore = boolean('failOpen', options.failOpen, DEFAULTS.failOpen)
    ? new MemoryDecisionStore()
    : undefined;
  checkLimitsFit(store, 'the memory store', keyStore, rateLimit);
  checkLimitsFit(fallbackStore, 'the in-process store that failOpen falls back on', keyStore, rateLimit);
  return {
    keyStore,
    schemes: resolveSchemes(options.schemes, options.jwt),
    jwt: options.jwt === undefined ? undefined : resolveJwtOptions(options.jwt),
    environments: subset('environments', options.environments, DEFAULTS.environments),
    basic: { allowPassword: boolean('basic.allowPassword', basic.allowPassword, DEFAULTS.allowPassword) },
    keypair: {
      secretHeader: headerName('keypair.secretHeader', keypair.secretHeader, DEFAULTS.secretHeader),
      signatures: oneOf('keypair.signatures', keypair.signatures, ['required', 'optional', 'off'], DEFAULTS.signatures),
      timestampHeader: headerName(
        'keypair.signatureHeaders.timestamp',
        signatureHeaders.timestamp,
        DEFAULTS.timestampHeader,
      ),
      signatureHeader: headerName(
        'keypair.signatureHeaders.signature',
        signatureHeaders.signature,
        DEFAULTS.signatureHeader,
      ),
      signatureVersions: subset('keypair.signatureVersions', keypair.signatureVersions, DEFAULTS.signatureVersions),
    },
    replayWindowMs: positive('replay.windowSeconds', replay.windowSeconds, DEFAULTS.replayWindowSeconds) * 1000,
    rateLimit,
    store,
    fallbackStore,
    failedAuthLimit: resolveFailedAuthLimit(options.failedAuthLimit, store),
    report,
    maxHeaderLength: positive('maxHeaderLength', options.maxHeaderLength, DEFAULTS.maxHeaderLength, true),
    maxBodyBytes: positive('maxBodyBytes', options.maxBodyBytes, DEFAULTS.maxBodyBytes, true),
    bodyTimeoutMs: positive('bodyTimeoutMs', options.bodyTimeoutMs, DEFAULTS.bodyTimeoutMs, true),
    realm,
    trustRequestId: boolean('trustRequestId', options.trustRequestId, DEFAULTS.trustRequestId),
    now,
  };
}
