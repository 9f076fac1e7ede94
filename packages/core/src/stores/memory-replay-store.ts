import { LRUCache } from 'lru-cache';
import type { ReplayStore } from '../types.js';

export interface MemoryReplayStoreOptions {
  /** Most signatures remembered at once. Default 100 000. */
  maxEntries?: number;
  /** Clock used for expiry, in Unix milliseconds. Default `Date.now`. */
  now?: () => number;
}

/**
 * The embedded replay store: signatures seen, in an `lru-cache` whose entries expire with the window.
 * When it is full, the oldest entries go first; size it above the signed requests per window.
 */
export class MemoryReplayStore implements ReplayStore {
  /** id → Unix ms at which it may be used again. Expiry is checked against the injectable clock. */
  private readonly expiry: LRUCache<string, number>;
  private readonly now: () => number;

  constructor(options: MemoryReplayStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new TypeError('MemoryReplayStore: option "maxEntries" must be a positive integer');
    }
    this.now = options.now ?? Date.now;
    this.expiry = new LRUCache<string, number>({ max: maxEntries });
  }

  /** Synchronous: the answer is a value, never a promise (see `ReplayStore`). */
  remember(id: string, ttlMs: number): boolean {
    const expiresAt = this.expiry.get(id);
    const now = this.now();
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.expiry.set(id, now + ttlMs);
    return true;
  }
}
