import type { Environment } from './types.js';

const PUBLIC_KEY = /^pk_(test|live)_[\x21-\x7e]{1,504}$/;
const SECRET_KEY = /^sk_(test|live)_[\x21-\x7e]{1,504}$/;

export type KeyPairParseResult =
  | { ok: true; publicKey: string; secretKey: string; environment: Environment }
  | { ok: false; code: 'INVALID_API_KEY' | 'ENVIRONMENT_MISMATCH' };

/**
 * Checks the shape of `Bearer pk_<env>_…` + the secret header, before any store is asked: a malformed pair
 * is `INVALID_API_KEY`, prefixes that disagree `ENVIRONMENT_MISMATCH` (both say nothing about stored keys).
 */
export function parseKeyPair(bearer: string, secret: string | null | undefined): KeyPairParseResult {
  const publicMatch = PUBLIC_KEY.exec(bearer);
  const secretMatch = typeof secret === 'string' ? SECRET_KEY.exec(secret) : null;
  if (publicMatch === null || secretMatch === null) return { ok: false, code: 'INVALID_API_KEY' };
  const environment = publicMatch[1] as Environment;
  if (secretMatch[1] !== environment) return { ok: false, code: 'ENVIRONMENT_MISMATCH' };
  return { ok: true, publicKey: bearer, secretKey: secretMatch[0], environment };
}
