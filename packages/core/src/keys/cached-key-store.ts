import { isThenable } from '../awaitable.js';
import { KeygateConfigError } from '../config-error.js';
import { LRUCache } from 'lru-cache';
import type { Awaitable, KeyRecord, KeyStore, TenantRecord } from '../types.js';

/** Options of `CachedKeyStore`. */
export interface CachedKeyStoreOptions {
  /** Most "found" answers held; the least recently used leaves first. Default 10 000. */
  max?: number | undefined;
  /**
   * Most "not found" answers held, in a cache of their own: a flood of made-up keys (anyone can compute a valid
   * checksum) evicts other "not found" answers, never the cached keys of real clients. Default `max`.
   */
  negativeMax?: number | undefined;
  /**
   * How long a found key is answered from the cache, in ms. Default 30 000. This is the bound on how long a
   * key revoked, expired or suspended in the inner store can still be accepted when nobody calls `invalidate`.
   */
  ttlMs?: number | undefined;
  /** How long a "not found" answer is kept, in ms (so a key created in the inner store appears within it). Default `ttlMs`. */
  negativeTtlMs?: number | undefined;
  /** Clock (Unix ms) the TTLs are measured with. Default `Date.now`. */
  now?: (() => number) | undefined;
}

const DEFAULT_MAX = 10_000;
const DEFAULT_TTL_MS = 30_000;

/** One cached answer: the record, or `undefined` for "not found", and when it stops being served. */
interface Entry {
  record: KeyRecord | undefined;
  expiresAt: number;
}

/**
 * A bounded in-process cache in front of any `KeyStore` (a database, a remote service).
 *
 * - Positive and negative answers are cached per lookup (`findByKeyHash` and `findByPublicKey` are cached apart),
 *   at most `max` found and `negativeMax` not-found answers, each least recently used evicted first. Cache keys are the key hash or the public key the
 *   verifier asked with; no raw secret key is ever a cache key.
 * - An answer is served for `ttlMs` (found) or `negativeTtlMs` (not found) after the inner store gave it, measured
 *   with `now`: a key revoked in the inner store is refused at most `ttlMs` later, or at once after `invalidate(id)`.
 * - Concurrent misses of one key share one inner lookup. A failed inner lookup (throw or rejection) is not cached:
 *   it reaches every caller waiting on it (the verifier answers 503 `AUTH_UNAVAILABLE`) and the next call asks again.
 * - Answers synchronously on a hit or when the inner store answers synchronously; with a promise otherwise.
 */
export class CachedKeyStore implements KeyStore {
  private readonly inner: KeyStore;
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly now: () => number;
  private readonly cache: LRUCache<string, Entry>;
  private readonly misses: LRUCache<string, Entry>;
  /** Key id → the cache keys holding that id's record (kept in step with the cache through `dispose`). */
  private readonly byId = new Map<string, Set<string>>();
  /** Lookups under way, one per cache key; each removed when it settles, so never more than the concurrent misses. */
  private inFlight = new Map<string, Promise<KeyRecord | undefined>>();
  /** Bumped by `invalidate` and `clear`: a lookup started before it may not store its (possibly stale) answer. */
  private generation = 0;

  constructor(inner: KeyStore, options: CachedKeyStoreOptions = {}) {
    if (
      typeof inner !== 'object' ||
      inner === null ||
      typeof inner.findByKeyHash !== 'function' ||
      typeof inner.findByPublicKey !== 'function'
    ) {
      throw new KeygateConfigError(
        'ERR_KEYGATE_INVALID_VALUE',
        'CachedKeyStore: "inner" must be a KeyStore (findByKeyHash and findByPublicKey)',
      );
    }
    if (typeof options !== 'object' || options === null)
      throw new KeygateConfigError('ERR_KEYGATE_OPTIONS_NOT_OBJECT', 'CachedKeyStore: options must be an object');
    const known = new Set(['max', 'negativeMax', 'ttlMs', 'negativeTtlMs', 'now']);
    for (const name of Object.keys(options)) {
      if (!known.has(name))
        throw new KeygateConfigError(
          'ERR_KEYGATE_OPTION_UNKNOWN',
          `CachedKeyStore: unknown option "${name}" (known: ${[...known].join(', ')})`,
        );
    }
    this.inner = inner;
    const max = positiveInteger('max', options.max, DEFAULT_MAX);
    const negativeMax = positiveInteger('negativeMax', options.negativeMax, max);
    this.ttlMs = positiveInteger('ttlMs', options.ttlMs, DEFAULT_TTL_MS);
    this.negativeTtlMs = positiveInteger('negativeTtlMs', options.negativeTtlMs, this.ttlMs);
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new KeygateConfigError(
        'ERR_KEYGATE_INVALID_VALUE',
        'CachedKeyStore: option "now" must be a function returning Unix ms',
      );
    }
    this.now = options.now ?? Date.now;
    this.cache = new LRUCache<string, Entry>({
      max,
      dispose: (entry, cacheKey) => this.unindex(entry, cacheKey),
    });
    this.misses = new LRUCache<string, Entry>({ max: negativeMax });
  }

  // A hit allocates nothing: no joined cache key for a key hash, no closure.
  findByKeyHash(keyHash: string): KeyRecord | undefined | Promise<KeyRecord | undefined> {
    const cacheKey = hashCacheKey(keyHash);
    const entry = this.fresh(cacheKey);
    return entry !== undefined ? entry.record : this.lookup(cacheKey, () => this.inner.findByKeyHash(keyHash));
  }

  findByPublicKey(publicKey: string): KeyRecord | undefined | Promise<KeyRecord | undefined> {
    const cacheKey = `p:${publicKey}`;
    const entry = this.fresh(cacheKey);
    return entry !== undefined ? entry.record : this.lookup(cacheKey, () => this.inner.findByPublicKey(publicKey));
  }

  /** The inner store's tenant, asked each time (not cached: a suspension must reach JWTs at once); none if it has no `findTenant`. */
  findTenant(tenantId: string): Awaitable<TenantRecord | undefined> {
    return this.inner.findTenant?.(tenantId);
  }

  /**
   * Drops every cached answer whose record has key id `id` (by key hash and by public key), so the next lookup
   * asks the inner store. Call it when a key is revoked, rotated or changed. "Not found" answers carry no id: a
   * newly created key appears within `negativeTtlMs`, or at once after `clear()`.
   */
  invalidate(id: string): void {
    this.generation++;
    this.inFlight = new Map();
    const cacheKeys = this.byId.get(id);
    if (cacheKeys === undefined) return;
    for (const cacheKey of [...cacheKeys]) this.cache.delete(cacheKey);
    this.byId.delete(id);
  }

  /**
   * Drops the cached answer, found or not found, of one lookup: a key created under that hash or public key is
   * then seen at once instead of after `negativeTtlMs`.
   */
  forget(lookup: { keyHash: string } | { publicKey: string }): void {
    this.generation++;
    this.inFlight = new Map();
    const cacheKey = 'keyHash' in lookup ? hashCacheKey(lookup.keyHash) : `p:${lookup.publicKey}`;
    this.cache.delete(cacheKey);
    this.misses.delete(cacheKey);
  }

  /** Drops every cached answer (for example after a tenant was suspended, or many keys changed). */
  clear(): void {
    this.generation++;
    this.inFlight = new Map();
    this.cache.clear();
    this.misses.clear();
    this.byId.clear();
  }

  /** Number of answers held (found and not found, expired ones included until they are read or evicted). */
  get size(): number {
    return this.cache.size + this.misses.size;
  }

  /** The entry of `cacheKey` (found first, then not found) while it is served; an expired one is dropped. */
  private fresh(cacheKey: string): Entry | undefined {
    const entry = this.cache.get(cacheKey) ?? this.misses.get(cacheKey);
    if (entry === undefined) return undefined;
    if (this.now() < entry.expiresAt) return entry;
    (entry.record === undefined ? this.misses : this.cache).delete(cacheKey);
    return undefined;
  }

  /** A miss: joins the lookup under way for `cacheKey`, or asks the inner store. */
  private lookup(
    cacheKey: string,
    ask: () => KeyRecord | undefined | PromiseLike<KeyRecord | undefined>,
  ): KeyRecord | undefined | Promise<KeyRecord | undefined> {
    const pending = this.inFlight.get(cacheKey);
    if (pending !== undefined) return pending;

    const generation = this.generation;
    const answer = ask(); // a synchronous throw reaches the caller as it is, and nothing is cached
    if (!isThenable(answer)) {
      this.remember(cacheKey, answer);
      return answer;
    }
    const shared: Promise<KeyRecord | undefined> = Promise.resolve(answer).then(
      (record) => {
        if (this.inFlight.get(cacheKey) === shared) this.inFlight.delete(cacheKey);
        if (generation === this.generation) this.remember(cacheKey, record);
        return record;
      },
      (error: unknown) => {
        if (this.inFlight.get(cacheKey) === shared) this.inFlight.delete(cacheKey);
        throw error;
      },
    );
    this.inFlight.set(cacheKey, shared);
    return shared;
  }

  private remember(cacheKey: string, record: KeyRecord | undefined): void {
    const found = record !== undefined && record !== null;
    if (!found) {
      this.cache.delete(cacheKey);
      this.misses.set(cacheKey, { record: undefined, expiresAt: this.now() + this.negativeTtlMs });
      return;
    }
    this.misses.delete(cacheKey);
    this.cache.set(cacheKey, { record, expiresAt: this.now() + this.ttlMs });
    // After `set`: replacing an entry disposes the old one first, which unindexes it.
    const id = record.id;
    if (typeof id !== 'string' || !this.cache.has(cacheKey)) return;
    let cacheKeys = this.byId.get(id);
    if (cacheKeys === undefined) this.byId.set(id, (cacheKeys = new Set()));
    cacheKeys.add(cacheKey);
  }

  private unindex(entry: Entry, cacheKey: string): void {
    const id = entry.record?.id;
    if (typeof id !== 'string') return;
    const cacheKeys = this.byId.get(id);
    if (cacheKeys === undefined) return;
    cacheKeys.delete(cacheKey);
    if (cacheKeys.size === 0) this.byId.delete(id);
  }
}

/**
 * A key hash is its own cache key (64 hex digits never hold ':'); public keys are kept as `p:<key>`. Anything
 * else passed as a hash that looks like `x:…` is kept as `h:x:…`, so the two lookups never share an entry.
 */
function hashCacheKey(keyHash: string): string {
  return keyHash.charCodeAt(1) === 58 ? `h:${keyHash}` : keyHash;
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new KeygateConfigError(
      'ERR_KEYGATE_INVALID_VALUE',
      `CachedKeyStore: option "${name}" must be a positive integer`,
    );
  }
  return value;
}
