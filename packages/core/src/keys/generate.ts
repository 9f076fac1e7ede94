import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../crypto.js';
import type { Environment } from '../types.js';

/** 24 random bytes as base62-ish text (URL- and header-safe, no `:`), ~143 bits. */
function randomToken(): string {
  return randomBytes(24).toString('base64url').replace(/[-_]/g, (c) => (c === '-' ? 'A' : 'z'));
}

/** A new Basic-auth API key, with the `keyHash` to store instead of the key. */
export function generateApiKey(environment: Environment = 'live'): { key: string; keyHash: string } {
  const key = `pk_${environment}_${randomToken()}`;
  return { key, keyHash: `sha256:${sha256Hex(key)}` };
}

/** A new key pair of one environment. */
export function generateKeyPair(environment: Environment = 'live'): { publicKey: string; secretKey: string } {
  return { publicKey: `pk_${environment}_${randomToken()}`, secretKey: `sk_${environment}_${randomToken()}` };
}
