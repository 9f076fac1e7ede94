import { sha256Hex } from '../crypto.js';
import type { Environment } from '../types.js';
import { generateKey } from './format.js';

/** A new Basic-auth API key (`pk_<env>_…`, checksummed), with the `keyHash` to store instead of the key. */
export function generateApiKey(environment: Environment = 'live'): { key: string; keyHash: string } {
  const key = generateKey('pk', environment);
  return { key, keyHash: `sha256:${sha256Hex(key)}` };
}

/** A new key pair of one environment (`pk_<env>_…` and `sk_<env>_…`, each checksummed). */
export function generateKeyPair(environment: Environment = 'live'): { publicKey: string; secretKey: string } {
  return { publicKey: generateKey('pk', environment), secretKey: generateKey('sk', environment) };
}
