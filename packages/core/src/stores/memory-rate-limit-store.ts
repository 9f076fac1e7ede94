import { LRUCache } from 'lru-cache';
import type { RateLimitResult, RateLimitStore } from '../types.js';
import { SlidingLog } from './sliding-log.js';

export interface MemoryRateLimitStoreOptions {
  /**
   * Most keys tracked at once; the least recently used key is forgotten first (it then starts a fresh
   * window, so keep this above the number of keys active inside one window). Default 100 000.
   */
  maxKeys?: number;
  /**
   * Most bytes held at once, counting each key at its largest (8 bytes per request of its limit, plus
   * overhead: ~930 B at a limit of 60, ~80 KB at 10 000). Least recently used keys go first. Default 64 MiB.
   */
  maxBytes?: number;
}

/** Per-entry overhead besides the log's buffer (object, cache node, key string), measured on Node 20. */
const ENTRY_OVERHEAD_BYTES = 450;

/**
 * The embedded rate-limit store: one process, exact sliding-window logs in an `lru-cache`.
 * `hit` is synchronous, so concurrent requests in one process cannot race.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly logs: LRUCache<string, SlidingLog>;
  private readonly maxBytes: number;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    const maxKeys = options.maxKeys ?? 100_000;
    const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
      throw new TypeError('MemoryRateLimitStore: option "maxKeys" must be a positive integer');
    }
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1024) {
      throw new TypeError('MemoryRateLimitStore: option "maxBytes" must be an integer of at least 1024');
    }
    this.logs = new LRUCache({ max: maxKeys, maxSize: maxBytes });
    this.maxBytes = maxBytes;
  }

  /** Synchronous: the answer is a value, never a promise (see `RateLimitStore`). */
  hit(key: string, limit: number, windowMs: number, now: number): RateLimitResult {
    let log = this.logs.get(key);
    if (log === undefined) {
      const size = this.bytesPerKey(limit);
      log = new SlidingLog(limit);
      // Accounted at its largest (a full window), so the byte bound holds however the log grows.
      this.logs.set(key, log, { size });
    }
    return log.hit(limit, windowMs, now);
  }

  /**
   * Bytes one key is accounted at for `limit`. Throws a `RangeError` when that is over `maxBytes`: lru-cache
   * would silently refuse such an entry, and the key would never be counted.
   */
  bytesPerKey(limit: number): number {
    const size = SlidingLog.bytesFor(limit) + ENTRY_OVERHEAD_BYTES;
    if (size > this.maxBytes) {
      throw new RangeError(`MemoryRateLimitStore: a limit of ${limit} needs ${size} bytes per key, more than maxBytes (${this.maxBytes})`);
    }
    return size;
  }

  /** Number of keys currently tracked. */
  get size(): number {
    return this.logs.size;
  }

  /** Bytes accounted to the tracked logs (bounded by `maxBytes`). */
  get calculatedSize(): number {
    return this.logs.calculatedSize;
  }
}
