import { isThenable } from './awaitable.js';
import { admit } from './decision/decide.js';
import { failedAuthClient } from './decision/failed-auth-client.js';
import { countFailedAuth, refuseThrottled } from './decision/failed-auth.js';
import { KeygateError, type AnyKeygateError } from './errors.js';
import { JwksUnavailableError } from './jwt/key-source.js';
import { rememberRealm } from './jwt/scope-challenge.js';
import { refusal } from './keys/refusal.js';
import { withSecurityDescription } from './openapi/description.js';
import { decisionEvent, type Seen } from './observe/decision-event.js';
import { VERIFY_DEFERRED, type DeferredVerification } from './observe/deferred.js';
import { resolveOptions, type KeygateOptions } from './options.js';
import { oversizedAuthorization, splitAuthorization } from './request/authorization.js';
import { requestIdFor } from './request/request-id.js';
import { singleHeader } from './request/single-header.js';
import { enabledSchemes } from './schemes/index.js';
import type { CredentialScheme } from './schemes/scheme.js';
import { checkSignature, signatureHeaders } from './signature/check.js';
import type { AuthContext, RequestInput } from './types.js';

export type VerifyResult =
  | { ok: true; auth: AuthContext; requestId: string; headers: Record<string, string> }
  | { ok: false; error: AnyKeygateError; requestId: string; headers: Record<string, string> };

export interface Verifier {
  /** Verifies one request. Never throws for anything the client sent; every rejection is a `KeygateError`. */
  verify(request: RequestInput): Promise<VerifyResult>;
  /**
   * Re-reads the keys when the key store can (`reload()`: a keys file given by path, or a custom store that has
   * it); a no-op otherwise. A failed reload rejects with the error (a `KeysFileError` naming the file, entry and
   * field) and the last good keys stay in use.
   */
  reload(): Promise<void>;
  /** Stops watching a keys file given by path (its watchers never keep the process alive anyway). */
  close(): Promise<void>;
}

/**
 * Creates a verifier. Options are validated here, once; a bad option throws a `KeygateConfigError` (a
 * `TypeError`) naming it.
 * @example
 * const verifier = createVerifier({ keys: './keys.json' });
 * const result = await verifier.verify({ method: 'GET', target: '/v1/payments', headers });
 * if (!result.ok) console.log(result.error.code);
 */
export function createVerifier(options: KeygateOptions): Verifier {
  const config = resolveOptions(options);
  const schemes = enabledSchemes(config);
  const wwwAuthenticate = [...new Set(schemes.map((scheme) => scheme.challenge(config.realm)))].join(', ');
  const { secretHeader, signatureHeader } = config.keypair;
  const { report, failedAuthLimit: throttle } = config;

  /** One request decided: the result, what was learned on the way, and how long it took. */
  interface Decided {
    result: VerifyResult;
    seen: Seen;
    durationMs: number;
  }

  // Only a decision event reports the duration: no clock read for nobody.
  const readClock = report.decision === undefined ? () => 0 : () => performance.now();

  /** The pipeline, in the order a request meets it: throttle → credential → key → refusal → signature → decision. */
  async function decide(request: RequestInput): Promise<Decided> {
    const started = readClock();
    const incoming = request.headers;
    const { maxHeaderLength } = config;
    const authorization = singleHeader(incoming, 'authorization', maxHeaderLength);
    const presented = [
      authorization,
      singleHeader(incoming, secretHeader, maxHeaderLength),
      singleHeader(incoming, signatureHeader, maxHeaderLength),
    ];
    const requestId = requestIdFor(incoming, config.trustRequestId, presented);
    const headers: Record<string, string> = { 'x-request-id': requestId };
    const seen: Seen = { scheme: undefined, record: undefined };
    const now = Math.floor(config.now());
    const client = throttle === false ? '' : failedAuthClient(request.clientIp);
    try {
      if (throttle !== false) await refuseThrottled(client, now, throttle, config);
      const parts =
        typeof authorization === 'string'
          ? splitAuthorization(authorization)
          : authorization === null
            ? oversizedAuthorization(incoming)
            : undefined;
      if (parts === undefined)
        throw new KeygateError('INVALID_API_KEY', {
          reason: authorization === undefined ? 'missing-credentials' : 'malformed',
        });
      const scheme = schemes.find((candidate) => candidate.claims(parts));
      if (scheme === undefined)
        throw new KeygateError('INVALID_API_KEY', { reason: parts.oversized ? 'malformed' : 'unsupported-scheme' });
      seen.scheme = scheme.name;
      // The memory stores answer at once: awaiting only a real promise saves a microtask per step.
      const identified = scheme.identify(parts, incoming, now);
      const record = isThenable(identified) ? await identified : identified;
      seen.record = record;
      const refused = refusal(record, now, config.environments);
      if (refused !== undefined) throw refused;
      const signed =
        scheme.name === 'keypair' && config.keypair.signatures !== 'off'
          ? signatureHeaders(request, config)
          : undefined;
      const signature = signed && (await checkSignature(request, signed, record, now, config));
      const admitted = admit(record, signature, now, headers, config);
      if (isThenable(admitted)) await admitted;
      const auth: AuthContext = {
        scheme: scheme.name,
        keyId: record.id,
        tenantId: record.tenantId,
        environment: record.environment,
        scopes: record.scopes ?? null,
        signed: signature !== undefined,
        requestId,
      };
      if (record.claims !== undefined) {
        auth.claims = record.claims;
        rememberRealm(auth, config.realm);
      }
      return { result: { ok: true, auth, requestId, headers }, seen, durationMs: readClock() - started };
    } catch (error) {
      const failure = rejection(
        error,
        requestId,
        headers,
        schemes.find((scheme) => scheme.name === seen.scheme),
      );
      // Every 401 counts against the address (not 403, 429 or 503): a guessing client is slowed down whatever it guesses.
      if (throttle !== false && failure.status === 401) await countFailedAuth(client, now, throttle, config);
      return {
        result: { ok: false, error: failure, requestId, headers },
        seen,
        durationMs: readClock() - started,
      };
    }
  }

  /** The rejection for what the pipeline threw, carrying the request id and the headers gathered so far. */
  function rejection(
    error: unknown,
    requestId: string,
    headers: Record<string, string>,
    scheme: CredentialScheme | undefined,
  ): AnyKeygateError {
    let failure = error as AnyKeygateError;
    if (!(error instanceof KeygateError)) {
      // A key store (or a JWT issuer's JWKS) that failed or answered nonsense: a server-side fault, reported, never a
      // crash or a leaked detail.
      report.storeError(error, error instanceof JwksUnavailableError ? 'jwks' : 'keys');
      failure = new KeygateError('AUTH_UNAVAILABLE');
    }
    if (failure.fix !== undefined) report.misconfiguration(failure.fix);
    failure.requestId = requestId;
    Object.assign(headers, failure.headers);
    if (failure.status === 401)
      headers['www-authenticate'] = scheme?.refusedChallenge?.(config.realm) ?? wwwAuthenticate;
    failure.headers = headers;
    return failure;
  }

  /** Hands the decision of `request` to `onDecision` (`override`: a refusal that came after, such as a scope check). */
  function emit(
    hook: NonNullable<typeof report.decision>,
    request: RequestInput,
    decided: Decided,
    override?: KeygateError,
  ): void {
    const error = override ?? (decided.result.ok ? undefined : decided.result.error);
    hook(decisionEvent(request, decided.result.requestId, decided.seen, error, decided.durationMs));
  }

  async function verify(request: RequestInput): Promise<VerifyResult> {
    const decided = await decide(request);
    if (report.decision !== undefined) emit(report.decision, request, decided);
    return decided.result;
  }

  async function verifyDeferred(request: RequestInput): Promise<DeferredVerification> {
    const decided = await decide(request);
    const hook = report.decision;
    if (hook === undefined) return { result: decided.result };
    let settled = false;
    const settle = (override?: KeygateError) => {
      if (settled) return;
      settled = true;
      emit(hook, request, decided, override);
    };
    return { result: decided.result, settle };
  }

  async function reload(): Promise<void> {
    await config.keyStore.reload?.();
  }

  async function close(): Promise<void> {
    await config.keyStore.close?.();
  }

  return withSecurityDescription({ verify, reload, close, [VERIFY_DEFERRED]: verifyDeferred } as Verifier, config);
}
