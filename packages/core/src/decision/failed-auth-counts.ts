import { LRUCache } from 'lru-cache';
import type { FailureCount } from '../types.js';

const NONE: FailureCount = Object.freeze({ count: 0, resetAt: 0 });

/**
 * Failed attempts per client address, in memory: a fixed window from each address's first failure. Bounded by
 * `maxClients`; the least recently failing address is forgotten first (it then starts again at zero).
 */
export class FailedAuthCounts {
  private readonly counts: LRUCache<string, { count: number; resetAt: number }>;

  constructor(maxClients: number) {
    this.counts = new LRUCache({ max: maxClients });
  }

  failures(client: string, now: number): FailureCount {
    const entry = this.counts.get(client);
    return entry === undefined || entry.resetAt <= now ? NONE : { count: entry.count, resetAt: entry.resetAt };
  }

  countFailure(client: string, now: number, windowMs: number): FailureCount {
    let entry = this.counts.get(client);
    if (entry === undefined || entry.resetAt <= now) {
      entry = { count: 0, resetAt: now + windowMs };
      this.counts.set(client, entry);
    }
    entry.count += 1;
    return { count: entry.count, resetAt: entry.resetAt };
  }
}
