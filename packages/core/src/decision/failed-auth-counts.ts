import type { FailureCount } from '../types.js';
import { StoreFullError } from './store-full-error.js';

const NONE: FailureCount = Object.freeze({ count: 0, resetAt: 0 });

/**
 * Failed attempts per client address, in memory: a fixed window from each address's first failure, at most
 * `maxClients` addresses at once. An address is never forgotten inside its window: evicting one (as an LRU
 * would) lets a guesser with more addresses than the table restart every address at zero, and so guess without
 * limit. A full table refuses instead (`StoreFullError`, 503) any address it does not hold, until windows end.
 */
export class FailedAuthCounts {
  /** In the order the windows started, so the first entry is the first to end (for one window length). */
  private readonly counts = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly maxClients: number) {}

  /** The address's failures in its running window. Throws `StoreFullError` for an address a full table cannot hold. */
  failures(client: string, now: number): FailureCount {
    const entry = this.counts.get(client);
    if (entry === undefined) this.refuseWhenFull(now);
    return entry === undefined || entry.resetAt <= now ? NONE : { count: entry.count, resetAt: entry.resetAt };
  }

  countFailure(client: string, now: number, windowMs: number): FailureCount {
    let entry = this.counts.get(client);
    if (entry === undefined || entry.resetAt <= now) {
      // A new window goes to the end of the order; an address that had one keeps its place in the table.
      if (entry === undefined) this.refuseWhenFull(now);
      else this.counts.delete(client);
      entry = { count: 0, resetAt: now + windowMs };
      this.counts.set(client, entry);
    }
    entry.count += 1;
    return { count: entry.count, resetAt: entry.resetAt };
  }

  get size(): number {
    return this.counts.size;
  }

  /** Forgets the windows that have ended, oldest first; throws when the table is still full. */
  private refuseWhenFull(now: number): void {
    if (this.counts.size < this.maxClients) return;
    for (const [client, entry] of this.counts) {
      if (this.counts.size < this.maxClients || entry.resetAt > now) break;
      this.counts.delete(client);
    }
    if (this.counts.size >= this.maxClients) {
      throw new StoreFullError(
        `MemoryDecisionStore: ${this.maxClients} client addresses are inside their failedAuthLimit window; raise maxFailedClients`,
      );
    }
  }
}
