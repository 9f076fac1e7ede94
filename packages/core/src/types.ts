/** Public types shared by the verifier, the stores and the adapters. */

/** A value, or a promise of it (any thenable). */
export type Awaitable<T> = T | PromiseLike<T>;

/** `test` = sandbox (`pk_test_`/`sk_test_`), `live` = production (`pk_live_`/`sk_live_`). */
export type Environment = 'test' | 'live';

/** The credential schemes a verifier can accept. */
export type Scheme = 'basic' | 'keypair';

/** Header values as Node gives them: lower-case names, a string, an array for repeated headers, or absent. */
export type IncomingHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** A plain description of one HTTP request: everything the verifier needs and nothing framework-specific. */
export interface RequestInput {
  /** HTTP method, any case. */
  method: string;
  /** The request target as sent: path plus `?query` when there is one (Express `req.originalUrl`, Koa `ctx.originalUrl`). */
  target: string;
  /** Request headers with lower-case names. */
  headers: IncomingHeaders;
  /**
   * The raw request body exactly as received, or a function that reads it on demand (called only when a
   * signature must be verified). `undefined` means "no body".
   */
  body?: Uint8Array | string | (() => Promise<Uint8Array | string | undefined>) | undefined;
  /**
   * The client's address, for future per-address limits. No decision uses it yet, so the adapters leave it
   * out (Express computes `req.ip` through its trust-proxy rules on every read).
   */
  ip?: string | undefined;
}

/** A rate limit: at most `limit` requests in any `windowSeconds`-long span. */
export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

/** A stored credential, as a key store returns it. The tenant's status is joined in by the store. */
export interface KeyRecord {
  /** Stable key id: the identity used for rate limiting, logs and `auth.keyId`. Never a secret. */
  id: string;
  /** The tenant (account) the key belongs to. */
  tenantId: string;
  /** Whether that tenant may use the API. */
  tenantStatus: 'active' | 'suspended';
  /** `basic`: one secret key sent as the Basic username. `keypair`: public key + secret key. */
  kind: Scheme;
  /** Environment from the key prefix, or `null` for a Basic key without a `pk_`/`sk_` prefix. */
  environment: Environment | null;
  /** Key pairs: the secret key. Kept in clear because it is the HMAC key of request signatures. */
  secretKey?: string;
  /** Key pairs: SHA-256 digest of `secretKey`, for the constant-time secret check (computed if absent). */
  secretKeyDigest?: Uint8Array;
  /** Scopes granted; `undefined` means unrestricted. */
  scopes?: readonly string[] | undefined;
  revoked?: boolean | undefined;
  /** Expiry as Unix time in milliseconds; absent = never expires. */
  expiresAt?: number | undefined;
  /** Overrides the verifier's rate limit for this key. */
  rateLimit?: RateLimit | undefined;
}

/**
 * Where keys live. Lookups may be async so that a database can stand behind the store.
 * Implementations must not throw for "not found": return `undefined`.
 */
export interface KeyStore {
  /** Find a Basic-auth key by the SHA-256 digest (lower-case hex) of the presented key. */
  findByKeyHash(keyHash: string): Awaitable<KeyRecord | undefined>;
  /** Find a key pair by its public key (`pk_<env>_…`). */
  findByPublicKey(publicKey: string): Awaitable<KeyRecord | undefined>;
}

/** The outcome of one rate-limit decision. */
export interface RateLimitResult {
  /** Whether this request was admitted (and counted). */
  allowed: boolean;
  /** Requests the key may still make in the current window, after this one. */
  remaining: number;
  /** Unix time in milliseconds at which the next request slot frees. */
  resetAt: number;
}

/**
 * Counts requests per key for the sliding-window limiter. `hit` is one atomic decision: count the request
 * if it fits, otherwise refuse it without counting. A store failure throws or rejects with an `Error`; it
 * never signals "over the limit" that way. An in-process store may answer synchronously (no promise), which
 * keeps a microtask off every request.
 */
export interface RateLimitStore {
  /**
   * Admit and count one request for `key` if fewer than `limit` requests were admitted in
   * `(now - windowMs, now]`.
   * @param key   the key id (`KeyRecord.id`, unique per key store); never a raw secret
   * @param limit the number of requests allowed per window
   * @param windowMs the window length in milliseconds
   * @param now  current Unix time in milliseconds (from the verifier's clock)
   */
  hit(key: string, limit: number, windowMs: number, now: number): Awaitable<RateLimitResult>;
  /** Release resources (connections, timers). Optional. */
  close?(): Awaitable<void>;
}

/**
 * Remembers signatures already used, so that a signed request cannot be replayed inside the window.
 * `remember` is atomic: exactly one of several concurrent calls for one id returns `true`. An in-process
 * store may answer synchronously; a failure throws or rejects with an `Error`.
 */
export interface ReplayStore {
  /**
   * Record `id` for `ttlMs` milliseconds.
   * @returns `true` if `id` was new, `false` if it was already recorded and not yet expired.
   */
  remember(id: string, ttlMs: number): Awaitable<boolean>;
  close?(): Awaitable<void>;
}

/** Who made a verified request: what `req.auth` / `ctx.state.auth` hold. */
export interface AuthContext {
  scheme: Scheme;
  keyId: string;
  tenantId: string;
  /** Verified environment; `null` for a Basic key without an environment prefix. */
  environment: Environment | null;
  /** Scopes granted; `null` means unrestricted. */
  scopes: readonly string[] | null;
  /** Whether the request carried a valid signature. */
  signed: boolean;
  requestId: string;
}
