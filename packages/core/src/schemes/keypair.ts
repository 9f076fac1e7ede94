/** Key pairs: `Authorization: Bearer pk_<env>_…` identifies the key, the secret header proves it. */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256 } from '../crypto.js';
import { KeygateError } from '../errors.js';
import { hasBadChecksum } from '../keys/format.js';
import { digestOf, secretsAt } from '../keys/secrets.js';
import { singleHeader } from '../request/single-header.js';
import type { Environment, KeyStore, PairSecret } from '../types.js';
import type { CredentialScheme } from './scheme.js';

const PUBLIC_KEY = /^pk_(test|live)_[\x21-\x7e]{1,504}$/;
const SECRET_KEY = /^sk_(test|live)_[\x21-\x7e]{1,504}$/;

export type KeyPairParseResult =
  | { ok: true; publicKey: string; secretKey: string; environment: Environment }
  | { ok: false; code: 'INVALID_API_KEY' | 'ENVIRONMENT_MISMATCH'; reason: 'malformed' | 'checksum' | 'environment' };

/**
 * Checks the shape of `Bearer pk_<env>_…` + the secret header, before any store is asked: a malformed pair
 * is `INVALID_API_KEY` (so is a generated key with a wrong checksum), prefixes that disagree
 * `ENVIRONMENT_MISMATCH` (all say nothing about stored keys).
 */
export function parseKeyPair(bearer: string, secret: string | null | undefined): KeyPairParseResult {
  const publicMatch = PUBLIC_KEY.exec(bearer);
  const secretMatch = typeof secret === 'string' ? SECRET_KEY.exec(secret) : null;
  if (publicMatch === null || secretMatch === null) return { ok: false, code: 'INVALID_API_KEY', reason: 'malformed' };
  if (hasBadChecksum(bearer) || hasBadChecksum(secretMatch[0]))
    return { ok: false, code: 'INVALID_API_KEY', reason: 'checksum' };
  const environment = publicMatch[1] as Environment;
  if (secretMatch[1] !== environment) return { ok: false, code: 'ENVIRONMENT_MISMATCH', reason: 'environment' };
  return { ok: true, publicKey: bearer, secretKey: secretMatch[0], environment };
}

// Compared against when a public key is unknown, so that path costs what a wrong secret costs. Random, so no
// presented secret can ever match it.
const DUMMY_SECRET_DIGEST = randomBytes(32);

export interface KeyPairSettings {
  keyStore: KeyStore;
  secretHeader: string;
  maxHeaderLength: number;
  environments: ReadonlySet<Environment>;
}

/** The key-pair scheme: `Bearer pk_…`, proven by the secret header in constant time against each live secret. */
export function keyPairScheme(settings: KeyPairSettings): CredentialScheme {
  const { keyStore, secretHeader, maxHeaderLength, environments } = settings;
  return {
    name: 'keypair',
    challenge: (realm) => `Bearer realm="${realm}"`,
    claims: (authorization) => authorization.scheme === 'bearer' && authorization.credentials.startsWith('pk_'),
    async identify(authorization, headers, now) {
      const parsed = parseKeyPair(authorization.credentials, singleHeader(headers, secretHeader, maxHeaderLength));
      if (!parsed.ok) throw new KeygateError(parsed.code, { reason: parsed.reason });
      if (!environments.has(parsed.environment)) throw new KeygateError('ENVIRONMENT_MISMATCH');
      const record = await keyStore.findByPublicKey(parsed.publicKey);
      // The secret is checked even when the public key is unknown, so both failures cost the same.
      const secrets = record?.kind === 'keypair' ? secretsAt(record, now) : [];
      if (!matchesAny(sha256(parsed.secretKey), secrets) || record?.kind !== 'keypair') {
        throw new KeygateError('INVALID_API_KEY', {
          reason: record?.kind === 'keypair' ? 'bad-secret' : 'unknown-key',
        });
      }
      return record;
    },
  };
}

/** Whether `presented` is the digest of one of `secrets`, each compared in constant time (none skipped). */
function matchesAny(presented: Uint8Array, secrets: readonly PairSecret[]): boolean {
  if (secrets.length === 0) {
    timingSafeEqual(presented, DUMMY_SECRET_DIGEST); // the same work as a wrong secret
    return false;
  }
  let matched = false;
  for (const secret of secrets) matched = timingSafeEqual(presented, digestOf(secret)) || matched;
  return matched;
}
