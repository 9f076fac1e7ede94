import type { Environment } from '../types.js';

const PREFIX = /^(pk|sk)_(test|live)_/;

/** `pk_live_…` → `{ kind: 'pk', environment: 'live' }`; anything else → `undefined`. */
export function parseKeyPrefix(key: string): { kind: 'pk' | 'sk'; environment: Environment } | undefined {
  const match = PREFIX.exec(key);
  return match ? { kind: match[1] as 'pk' | 'sk', environment: match[2] as Environment } : undefined;
}
