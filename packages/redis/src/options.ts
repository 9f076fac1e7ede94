import { KeygateConfigError } from '@keygate/core';
import type { Cluster, Redis } from 'ioredis';

/** Options of `RedisDecisionStore`. */
export interface RedisStoreOptions {
  /**
   * A connected (or connecting) ioredis 5 client: a `Redis`, or a `Cluster`. The store never connects, quits or
   * reconfigures it, so one client can serve the store and the rest of the app.
   */
  client: Redis | Cluster;
  /**
   * Prepended to every key. Default `'keygate:'`. It may not contain `{` or `}`: the store puts the hash tag
   * (`{<key id>}`) in each key itself, and a brace in the prefix would change what Redis Cluster hashes.
   */
  prefix?: string;
  /** Longest a store call may take before it rejects, in milliseconds. Default 1000. */
  timeoutMs?: number;
}

/** Options with every default applied. */
export interface RedisStoreConfiguration {
  client: Redis | Cluster;
  prefix: string;
  timeoutMs: number;
}

const defaults = { prefix: 'keygate:', timeoutMs: 1000 } as const;

/** The largest delay `setTimeout` honours. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Validates the options once, when a store is built; a mistake throws a `TypeError` naming the field. */
export function resolveOptions(owner: string, options: RedisStoreOptions): RedisStoreConfiguration {
  const invalid = (field: string, rule: string) =>
    new KeygateConfigError('ERR_KEYGATE_INVALID_VALUE', `${owner}: ${field} ${rule}`);
  if (typeof options !== 'object' || options === null) {
    throw new KeygateConfigError('ERR_KEYGATE_OPTIONS_NOT_OBJECT', `${owner}: options must be an object`);
  }
  const { client, prefix = defaults.prefix, timeoutMs = defaults.timeoutMs } = options;
  if (typeof client !== 'object' || client === null || typeof client.defineCommand !== 'function') {
    throw invalid('client', 'must be an ioredis client');
  }
  if (typeof prefix !== 'string') throw invalid('prefix', 'must be a string');
  if (/[{}]/.test(prefix)) throw invalid('prefix', 'must not contain "{" or "}" (the store sets the hash tag itself)');
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
    throw invalid('timeoutMs', `must be an integer number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`);
  }
  return { client, prefix, timeoutMs };
}
