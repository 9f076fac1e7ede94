import { basicAuthorization, signRequest, type SignatureVersion } from '@keygate/core';

/** A credential a test request is sent with: what `TestKeys` hands out, or a JWT from `createTestJwtIssuer`. */
export type TestCredential =
  | { scheme: 'basic'; key: string; id?: string }
  | { scheme: 'keypair'; publicKey: string; secretKey: string; id?: string }
  | { scheme: 'jwt'; token: string };

/** How a request is authorized; every field matches the keygate option of the same name. */
export interface AuthorizeOptions {
  /** Key pairs: sign with `v2` (default), `v1`, or send the secret alone (`none`). */
  signature?: SignatureVersion | 'none';
  /** The signing clock in Unix ms (give the verifier's `now` when it is a test clock). Default `Date.now`. */
  now?: () => number;
  /** Key pairs: the secret header (keygate's `keypair.secretHeader`). Default `X-Api-Secret`. */
  secretHeader?: string;
  /** Key pairs: the signature header names (keygate's `keypair.signatureHeaders`). */
  signatureHeaders?: { timestamp?: string; signature?: string };
}

/** The request being authorized: the bytes that a signature covers. */
export interface RequestToAuthorize {
  method: string;
  /** Path plus `?query`, exactly as sent. */
  path: string;
  /** The body exactly as sent; absent for none. */
  body?: string | Uint8Array | undefined;
}

/**
 * The headers that carry a credential for one request: `Authorization` for every scheme, plus the secret and,
 * by default, a v2 signature for key pairs.
 */
export function credentialHeaders(
  credential: TestCredential,
  request: RequestToAuthorize,
  options: AuthorizeOptions = {},
): Record<string, string> {
  switch (credential.scheme) {
    case 'basic':
      return { Authorization: basicAuthorization(credential.key) };
    case 'jwt':
      return { Authorization: `Bearer ${credential.token}` };
    case 'keypair': {
      const headers: Record<string, string> = {
        Authorization: `Bearer ${credential.publicKey}`,
        [options.secretHeader ?? 'X-Api-Secret']: credential.secretKey,
      };
      const version = options.signature ?? 'v2';
      if (version === 'none') return headers;
      const signature = signRequest({
        method: request.method.toUpperCase(),
        path: request.path,
        body: request.body ?? '',
        secret: credential.secretKey,
        timestamp: (options.now ?? Date.now)(),
        version,
        headers: options.signatureHeaders,
      });
      return { ...headers, ...signature };
    }
  }
}
