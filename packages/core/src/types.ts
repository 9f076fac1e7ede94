/** Public types shared by the verifier, the stores and the adapters. */

/** A value, or a promise of it (any thenable). */
export type Awaitable<T> = T | PromiseLike<T>;

/** `test` = sandbox (`pk_test_`/`sk_test_`), `live` = production (`pk_live_`/`sk_live_`). */
export type Environment = 'test' | 'live';

/** The credential schemes a verifier can accept. */
export type Scheme = 'basic' | 'keypair' | 'jwt';

/** The verified claims of a JWT (`auth.claims`): the registered ones typed, any other as `unknown`. */
export interface JwtClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [claim: string]: unknown;
}

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
   * signature must be verified, with the most bytes to read). `undefined` means "no body".
   */
  body?: Uint8Array | string | ((maxBytes: number) => Promise<Uint8Array | string | undefined>) | undefined;
  /**
   * The client's address as the framework sees it (Express `req.ip`, Koa `ctx.ip`, so the app's trust-proxy
   * setting holds): what `failedAuthLimit` counts under, and the decision event's `clientIp`. Without it a
   * request is not throttled.
   */
  clientIp?: string | undefined;
}

/** A rate limit: at most `limit` requests in any `windowSeconds`-long span. */
export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

/**
 * An identified credential: as a key store returns it (the tenant's status joined in by the store), or as the
 * `jwt` scheme builds it from a verified token's claims.
 */
export interface KeyRecord {
  /** Stable key id: the identity used for rate limiting, logs and `auth.keyId`. Never a secret. */
  id: string;
  /** The tenant (account) the key belongs to. */
  tenantId: string;
  /** Whether that tenant may use the API. */
  tenantStatus: 'active' | 'suspended';
  /** `basic`: one secret key sent as the Basic username. `keypair`: public key + secret key. `jwt`: a verified token. */
  kind: Scheme;
  /** Environment from the key prefix, or `null` for a Basic key without a `pk_`/`sk_` prefix. */
  environment: Environment | null;
  /** Key pairs: the secret key. Kept in clear because it is the HMAC key of request signatures. */
  secretKey?: string;
  /** Key pairs: SHA-256 digest of `secretKey`, for the constant-time secret check (computed if absent). */
  secretKeyDigest?: Uint8Array;
  /**
   * Key pairs during a rotation: every secret with its optional end. When present it replaces `secretKey`;
   * `X-Api-Secret` and signatures are accepted under any secret that has not ended.
   */
  secrets?: readonly PairSecret[] | undefined;
  /** Scopes granted; `undefined` means unrestricted. */
  scopes?: readonly string[] | undefined;
  revoked?: boolean | undefined;
  /** Expiry as Unix time in milliseconds; absent = never expires. */
  expiresAt?: number | undefined;
  /** Overrides the verifier's rate limit for this key. */
  rateLimit?: RateLimit | undefined;
  /** What the rate limit counts this credential under, when not `id` (a JWT: its issuer and subject). */
  rateLimitKey?: string | undefined;
  /** A JWT: its verified claims, handed to the app as `auth.claims`. Never set by a key store. */
  claims?: Readonly<JwtClaims> | undefined;
}

/** A tenant (account) as a key store knows it. */
export interface TenantRecord {
  id: string;
  status: 'active' | 'suspended';
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
  /**
   * Optional: find a tenant by id. JWTs name their tenant in a claim; a tenant this answers as `suspended` is
   * refused (`TENANT_INACTIVE`), one it does not know (or a store without this method) is the issuer's word.
   */
  findTenant?(tenantId: string): Awaitable<TenantRecord | undefined>;
  /**
   * Optional: re-reads the keys (what `verifier.reload()` calls). Throwing or rejecting must keep the last good
   * keys. `MemoryKeyStore` built from a file path has it.
   */
  reload?(): Awaitable<void>;
  /** Optional: releases what the store holds open (file watchers, …); what `verifier.close()` calls. */
  close?(): Awaitable<void>;
}

/** The rate-limit state of one key after a decision. */
export interface RateLimitResult {
  /** Requests the key may still make in the current window (after this one, when it was admitted). */
  remaining: number;
  /** Unix time in milliseconds at which the next request slot frees. */
  resetAt: number;
}

/** One request to admit: its key, its clock, and what must hold for it to be admitted. */
export interface Admission {
  /** The key id (`KeyRecord.id`, unique per key store); never a raw secret. */
  key: string;
  /** Current Unix time in milliseconds, from the verifier's clock. */
  now: number;
  /** The key's sliding-window limit, or absent when the key is not limited. */
  limit?: { limit: number; windowMs: number } | undefined;
  /** A signed request: its signature (unique per key) and when it may be forgotten (Unix ms). */
  signature?: { id: string; expiresAt: number } | undefined;
}

/**
 * What a `DecisionStore` decided. `admitted` means the request was counted and its signature remembered;
 * `replayed` and `rate-limited` mean nothing was recorded.
 */
export interface Decision {
  outcome: 'admitted' | 'replayed' | 'rate-limited';
  /** The key's limit state; absent when the admission had no `limit`, or when it was `replayed`. */
  rateLimit?: RateLimitResult | undefined;
}

/**
 * The state behind admission: sliding-window counts per key and the signatures already used. `decide` is one
 * atomic step: a request is admitted only if its signature (if any) is new **and** its key is under its limit
 * (if any), and only then is it counted and its signature remembered. So a replay uses no quota, and a request
 * refused with 429 may be sent again later. A store that cannot decide (down, or full) throws or rejects with
 * an `Error`; it never signals a refusal that way, and never forgets a signature before `expiresAt`.
 * In-process stores may answer synchronously; the verifier awaits either.
 */
export interface DecisionStore {
  decide(admission: Admission): Awaitable<Decision>;
  /**
   * Failed-credential throttling (needed by `failedAuthLimit`): the failures of `client` (an address) counted in
   * its current window at `now` (Unix ms); `{ count: 0 }` when it has none or its window has ended.
   */
  failures?(client: string, now: number): Awaitable<FailureCount>;
  /**
   * Counts one failure of `client` at `now`: a window of `windowMs` starts at its first failure, and every failure
   * inside it counts, until it ends. Answers the count after this one. Atomic, like `decide`.
   */
  countFailure?(client: string, now: number, windowMs: number): Awaitable<FailureCount>;
}

/** The failed attempts of one client address in its current window. */
export interface FailureCount {
  count: number;
  /** Unix time in milliseconds at which the window ends (0 when `count` is 0). */
  resetAt: number;
}

/** One secret of a key pair. */
export interface PairSecret {
  /** The secret key (the HMAC key of signatures). */
  secretKey?: string | undefined;
  /** SHA-256 digest of `secretKey` (computed if absent). */
  digest?: Uint8Array | undefined;
  /** When the secret ends, as Unix time in milliseconds; absent = it does not end. */
  notAfter?: number | undefined;
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
  /** A JWT (`scheme: 'jwt'`): its verified claims. Absent for API keys. */
  claims?: Readonly<JwtClaims>;
}
