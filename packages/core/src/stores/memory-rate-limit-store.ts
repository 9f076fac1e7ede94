import { LRUCache } from 'lru-cache';
import type { RateLimitResult, RateLimitStore } from '../types.js';
import { SlidingLog } from './sliding-log.js';

export interface MemoryRateLimitStoreOptions {
  /**
   * Most keys tracked at once; the least recently used key is forgotten first (it then starts a fresh
   * window, so keep this above the number of keys active inside one window). Default 100 000.
   */
  maxKeys?: number;
}

/**
 * The embedded rate-limit store: one process, exact sliding-window logs in an `lru-cache`.
 * `hit` is synchronous inside, so concurrent requests in one process cannot race.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly logs: LRUCache<string, SlidingLog>;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    const maxKeys = options.maxKeys ?? 100_000;
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
      throw new TypeError('MemoryRateLimitStore: maxKeys must be a positive integer');
    }
    this.logs = new LRUCache({ max: maxKeys });
  }

  hit(key: string, limit: number, windowMs: number, now: number): Promise<RateLimitResult> {
    let log = this.logs.get(key);
    if (log === undefined) {
      log = new SlidingLog();
      this.logs.set(key, log);
    }
    return Promise.resolve(log.hit(limit, windowMs, now));
  }

  /** Number of keys currently tracked. */
  get size(): number {
    return this.logs.size;
  }
}
