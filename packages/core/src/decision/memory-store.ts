import { LRUCache } from 'lru-cache';
import { KeygateConfigError } from '../config-error.js';
import type { Admission, Decision, DecisionStore, FailureCount } from '../types.js';
import { FailedAuthCounts } from './failed-auth-counts.js';
import { ReplayTable, type Fingerprint } from './replay-table.js';
import { SlidingLog } from './sliding-log.js';

export interface MemoryDecisionStoreOptions {
  /**
   * Limiter: most keys tracked at once; the least recently used key is forgotten first (it then starts a
   * fresh window, so keep this above the number of keys active inside one window). Default 100 000.
   */
  maxKeys?: number;
  /**
   * Limiter: most bytes held at once, counting each key at its largest (8 bytes per request of its limit,
   * plus overhead: ~930 B at a limit of 60, ~80 KB at 10 000). Least recently used keys go first.
   * Default 64 MiB.
   */
  maxBytes?: number;
  /**
   * Replay table: most bytes the remembered signatures may take (12 bytes a slot, 13 in tables of 65 536 slots
   * and more, tables at most 75 % full).
   * Past it, signed requests get `StoreFullError` (503) until signatures expire; none is ever forgotten early.
   * Default 256 MiB; at most 4 GiB.
   */
  maxReplayBytes?: number;
  /**
   * Failed-credential throttling (`failedAuthLimit`): most client addresses inside their window at once. None is
   * forgotten inside its window; when all are, a request from another address gets `StoreFullError` (503) until
   * windows end. Default 100 000.
   */
  maxFailedClients?: number;
}

/** Per-entry overhead besides the log's buffer (object, cache node, key string), measured on Node 20. */
const ENTRY_OVERHEAD_BYTES = 450;
/** Replay generations: expiries within one minute share a table. */
const GENERATION_MS = 60_000;
const MIB = 1024 * 1024;

const REPLAYED: Decision = Object.freeze({ outcome: 'replayed' });
const ADMITTED: Decision = Object.freeze({ outcome: 'admitted' });

/**
 * The embedded decision store: one process, exact sliding-window logs in an `lru-cache`, and a replay table
 * bounded by memory (see `ReplayTable`). `decide` is synchronous (it answers a value, never a promise), so
 * concurrent requests in one process cannot race, and a request is counted and its signature remembered only
 * when it is admitted.
 *
 * Replay capacity with the default `maxReplayBytes` of 256 MiB (measured on Node 20 by
 * `test/decision/replay-capacity.ts`; signatures kept for the default 300 s window + 60 s margin):
 * - 10 000 signed requests/s, honest clocks (each signature kept 360 s): 3.6 M live signatures in 91 MiB of
 *   tables (7 generations of 2^20 slots, 13 MiB each with their summary), 26.6 bytes per signature; at most
 *   110.5 MiB (8 tables and one doubling, asserted in `test/decision/replay-bound.test.ts`).
 * - 10 000/s with every timestamp 300 s ahead (kept 660 s): 6.6 M live in 156 MiB (12 generations); at most
 *   175.5 MiB.
 * - Full at about 26 000 signed requests/s with honest clocks, about 13 000/s with every timestamp 300 s
 *   ahead. Past that, signed requests get `StoreFullError` (503) until signatures expire.
 * Dropped tables are freed by the garbage collector, so the process may hold some tens of MiB more than the
 * tables for a while (at 10 000/s: about 148 MiB of array buffers seen at most, 220 MiB with every
 * timestamp 300 s ahead).
 */
export class MemoryDecisionStore implements DecisionStore {
  private readonly logs: LRUCache<string, SlidingLog>;
  private readonly maxBytes: number;
  private readonly replay: ReplayTable;
  private readonly failedAuth: FailedAuthCounts;

  constructor(options: MemoryDecisionStoreOptions = {}) {
    const maxKeys = integerOption('maxKeys', options.maxKeys, 100_000, 1);
    this.maxBytes = integerOption('maxBytes', options.maxBytes, 64 * MIB, 1024);
    const maxReplayBytes = integerOption('maxReplayBytes', options.maxReplayBytes, 256 * MIB, 12 * 1024, 4096 * MIB);
    this.logs = new LRUCache({ max: maxKeys, maxSize: this.maxBytes });
    this.replay = new ReplayTable({ maxBytes: maxReplayBytes, generationMs: GENERATION_MS });
    this.failedAuth = new FailedAuthCounts(integerOption('maxFailedClients', options.maxFailedClients, 100_000, 1));
  }

  failures(client: string, now: number): FailureCount {
    return this.failedAuth.failures(client, now);
  }

  countFailure(client: string, now: number, windowMs: number): FailureCount {
    return this.failedAuth.countFailure(client, now, windowMs);
  }

  /**
   * One synchronous step: replayed? over the limit? room to remember? then count and remember. Throws
   * `StoreFullError` when the signature cannot be remembered, and `RangeError` when the key's limit does not
   * fit `maxBytes` or a time is not a finite number; then nothing was recorded.
   */
  decide(admission: Admission): Decision {
    const { key, now, limit, signature } = admission;
    // NaN compares false with everything: it would make every signature look expired.
    if (!Number.isFinite(now) || (signature !== undefined && !Number.isFinite(signature.expiresAt))) {
      throw new RangeError(
        'MemoryDecisionStore: now and signature.expiresAt must be finite Unix times in milliseconds',
      );
    }
    let print: Fingerprint | undefined;
    if (signature !== undefined) {
      this.replay.forgetExpired(now);
      print = this.replay.fingerprint(key, signature.id);
      if (this.replay.has(print, now)) return REPLAYED;
    }

    let log: SlidingLog | undefined;
    let newLogBytes = 0;
    if (limit !== undefined) {
      log = this.logs.get(key);
      if (log === undefined) newLogBytes = this.bytesPerKey(limit.limit);
      else if (!log.hasRoom(limit.limit, limit.windowMs, now))
        return { outcome: 'rate-limited', rateLimit: log.refusal(limit.windowMs) };
    }

    // Nothing below may fail once the first thing is recorded.
    const remember = signature !== undefined && signature.expiresAt > now;
    if (remember) this.replay.reserve(signature.expiresAt);

    let decision = ADMITTED;
    if (limit !== undefined) {
      if (log === undefined) {
        log = new SlidingLog(limit.limit);
        // Accounted at its largest (a full window), so the byte bound holds however the log grows.
        this.logs.set(key, log, { size: newLogBytes });
      }
      decision = { outcome: 'admitted', rateLimit: log.admit(limit.limit, limit.windowMs, now) };
    }
    if (remember && print !== undefined) this.replay.add(print, signature.expiresAt);
    return decision;
  }

  /**
   * Bytes one key is accounted at for `limit`. Throws a `RangeError` when that is over `maxBytes`: lru-cache
   * would silently refuse such an entry, and the key would never be counted.
   */
  bytesPerKey(limit: number): number {
    const size = SlidingLog.bytesFor(limit) + ENTRY_OVERHEAD_BYTES;
    if (size > this.maxBytes) {
      throw new RangeError(
        `MemoryDecisionStore: a limit of ${limit} needs ${size} bytes per key, more than maxBytes (${this.maxBytes})`,
      );
    }
    return size;
  }

  /** What the store holds now, for tests and monitoring. */
  get usage(): { keys: number; limiterBytes: number; replayBytes: number; replayGenerations: number } {
    return {
      keys: this.logs.size,
      limiterBytes: this.logs.calculatedSize,
      replayBytes: this.replay.bytes,
      replayGenerations: this.replay.generationCount,
    };
  }
}

function integerOption(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new KeygateConfigError(
      'ERR_KEYGATE_INVALID_VALUE',
      `MemoryDecisionStore: option "${name}" must be an integer ${range}`,
    );
  }
  return value;
}
