import { admit } from './decision/decide.js';
import { KeygateError, type AnyKeygateError } from './errors.js';
import { rememberRealm } from './jwt/scope-challenge.js';
import { refusal } from './keys/refusal.js';
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
 * Creates a verifier. Options are validated here, once; a bad option throws a `TypeError` naming it.
 * @example
 * const verifier = createVerifier({ keys: './keys.json' });
 * const result = await verifier.verify({ method: 'GET', target: '/v1/payments', headers });
 * if (!result.ok) console.log(result.error.code);
 */
export function createVerifier(options: KeygateOptions): Verifier {
  const config = resolveOptions(options);
  const schemes = enabledSchemes(config);
  const wwwAuthenticate = [...new Set(schemes.map((scheme) => scheme.challenge(config.realm)))].join(', ');
  const credentialHeaders = [config.keypair.secretHeader, config.keypair.signatureHeader];

  /** The pipeline, in the order a request meets it: credential → key → refusal → signature → decision. */
  async function verify(request: RequestInput): Promise<VerifyResult> {
    const authorization = singleHeader(request.headers, 'authorization', config.maxHeaderLength);
    const presented = [authorization, ...credentialHeaders.map((name) => singleHeader(request.headers, name, config.maxHeaderLength))];
    const requestId = requestIdFor(request.headers, config.trustRequestId, presented);
    const headers: Record<string, string> = { 'x-request-id': requestId };
    let scheme: CredentialScheme | undefined;
    try {
      const parts =
        typeof authorization === 'string' ? splitAuthorization(authorization) : authorization === null ? oversizedAuthorization(request.headers) : undefined;
      scheme = parts && schemes.find((candidate) => candidate.claims(parts));
      if (parts === undefined || scheme === undefined) throw new KeygateError('INVALID_API_KEY');
      const now = Math.floor(config.now());
      const record = await scheme.identify(parts, request.headers, now);
      const refused = refusal(record, now, config.environments);
      if (refused !== undefined) throw new KeygateError(refused);
      const signed = scheme.name === 'keypair' && config.keypair.signatures !== 'off' ? signatureHeaders(request, config) : undefined;
      const signature = signed && (await checkSignature(request, signed, record, now, config));
      await admit(record, signature, now, headers, config);
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
      return { ok: true, auth, requestId, headers };
    } catch (error) {
      return { ok: false, error: rejection(error, requestId, headers, scheme), requestId, headers };
    }
  }

  /** The rejection for what the pipeline threw, carrying the request id and the headers gathered so far. */
  function rejection(error: unknown, requestId: string, headers: Record<string, string>, scheme: CredentialScheme | undefined): AnyKeygateError {
    let failure = error as AnyKeygateError;
    if (!(error instanceof KeygateError)) {
      // A store that threw or answered nonsense: a server-side fault, reported, never a crash or a leaked detail.
      config.onStoreError(error);
      failure = new KeygateError('AUTH_UNAVAILABLE');
    }
    failure.requestId = requestId;
    Object.assign(headers, failure.headers);
    if (failure.status === 401) headers['www-authenticate'] = scheme?.refusedChallenge?.(config.realm) ?? wwwAuthenticate;
    failure.headers = headers;
    return failure;
  }

  async function reload(): Promise<void> {
    await config.keyStore.reload?.();
  }

  async function close(): Promise<void> {
    await config.keyStore.close?.();
  }

  return { verify, reload, close };
}
