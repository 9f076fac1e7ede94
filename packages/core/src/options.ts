import { DEFAULT_SIGNATURE_HEADER, DEFAULT_TIMESTAMP_HEADER } from './signature.js';
import { MemoryKeyStore } from './stores/memory-key-store.js';
import type { KeysFile } from './stores/keys-file.js';
import { MemoryRateLimitStore } from './stores/memory-rate-limit-store.js';
import { MemoryReplayStore } from './stores/memory-replay-store.js';
import type { Environment, KeyStore, RateLimit, RateLimitStore, ReplayStore, Scheme } from './types.js';

export type SignaturePolicy = 'required' | 'optional' | 'off';

/** Everything a verifier (and so each adapter) accepts. Every field but `keys` is optional. */
export interface KeygateOptions {
  /** Where keys come from: a `KeyStore`, keys-file data, or the path of a keys file (read once, at start-up). */
  keys: KeyStore | KeysFile | string;
  /**
   * Schemes accepted. Default `['basic', 'keypair']`, or `['keypair']` when `signatures` is `required`
   * (Basic keys have no secret to sign with). Listing `basic` explicitly with `required` accepts Basic keys
   * unsigned beside signed key pairs.
   */
  schemes?: readonly Scheme[];
  /** Environments accepted, e.g. `['live']` in production. Default `['test', 'live']`. */
  environments?: readonly Environment[];
  /** Request signatures for key pairs: `required`, `optional` (verified when sent) or `off`. Default `optional`. */
  signatures?: SignaturePolicy;
  /** Signature header names. Default `X-Pelago-Timestamp` and `X-Pelago-Signature`. */
  signatureHeaders?: { timestamp?: string; signature?: string };
  /** Header carrying the secret key of a key pair. Default `X-Api-Secret`. */
  secretHeader?: string;
  /** How far a signature timestamp may be from now, either side, in seconds. Default 300. */
  replayWindowSeconds?: number;
  /** Where used signatures are remembered. Default: a `MemoryReplayStore` (one process). */
  replayStore?: ReplayStore;
  /** Default rate limit per key, or `false` for none. Default 60 requests per 60 seconds. */
  rateLimit?: RateLimit | false;
  /** Where rate-limit counts live. Default: a `MemoryRateLimitStore` (one process). */
  rateLimitStore?: RateLimitStore;
  /**
   * When the rate-limit or replay store fails: `closed` answers 503 `AUTH_UNAVAILABLE`; `open` carries on with
   * an in-process fallback store until the shared one answers again. Default `closed`.
   */
  onStoreFailure?: 'closed' | 'open';
  /** Called with each store failure (for logs/metrics). Default: `console.error` of the error message. */
  onStoreError?: (error: unknown) => void;
  /** Accept a Basic header whose password is not empty (the password is then ignored). Default `false`. */
  allowBasicPassword?: boolean;
  /** Longest credential header read; longer ones are rejected before decoding. Default 4096. */
  maxHeaderLength?: number;
  /** Largest body read to verify a signature, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Realm in `WWW-Authenticate`. Default `api`. */
  realm?: string;
  /** Reuse a well-formed incoming `x-request-id` instead of generating one. Default `true`. */
  trustRequestId?: boolean;
  /** Clock in Unix milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
}

/** Options resolved once, in the factory: complete, validated and never parsed again per request. */
export interface Configuration {
  keyStore: KeyStore;
  basic: boolean;
  keypair: boolean;
  environments: ReadonlySet<Environment>;
  signatures: SignaturePolicy;
  timestampHeader: string;
  signatureHeader: string;
  secretHeader: string;
  replayWindowMs: number;
  replayStore: ReplayStore;
  rateLimit: RateLimit | false;
  rateLimitStore: RateLimitStore;
  /** `onStoreFailure: 'open'`: the in-process stores used while the configured ones fail. */
  fallbackRateLimitStore: MemoryRateLimitStore | undefined;
  fallbackReplayStore: MemoryReplayStore | undefined;
  onStoreError: (error: unknown) => void;
  allowBasicPassword: boolean;
  maxHeaderLength: number;
  maxBodyBytes: number;
  wwwAuthenticate: string;
  trustRequestId: boolean;
  now: () => number;
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

function invalid(field: string, message: string): never {
  throw new TypeError(`keygate: option "${field}" ${message}`);
}

function headerName(field: string, value: string | undefined, fallback: string): string {
  const name = value ?? fallback;
  if (typeof name !== 'string' || !HEADER_NAME.test(name)) invalid(field, 'must be a valid HTTP header name');
  return name.toLowerCase();
}

function positive(field: string, value: number | undefined, fallback: number, integer = false): number {
  const number = value ?? fallback;
  if (typeof number !== 'number' || !Number.isFinite(number) || number <= 0 || (integer && !Number.isSafeInteger(number))) {
    invalid(field, `must be a positive ${integer ? 'integer' : 'number'}`);
  }
  return number;
}

function oneOf<T extends string>(field: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  const chosen = value ?? fallback;
  if (!allowed.includes(chosen)) invalid(field, `must be one of ${allowed.map((v) => `"${v}"`).join(', ')}`);
  return chosen;
}

function subset<T extends string>(field: string, value: readonly T[] | undefined, allowed: readonly T[]): Set<T> {
  const list = value ?? allowed;
  if (!Array.isArray(list) || list.length === 0 || list.some((item) => !allowed.includes(item))) {
    invalid(field, `must be a non-empty array of ${allowed.map((v) => `"${v}"`).join(', ')}`);
  }
  return new Set(list);
}

function resolveKeyStore(keys: KeygateOptions['keys']): KeyStore {
  if (typeof keys === 'string') return MemoryKeyStore.fromFile(keys);
  if (typeof keys === 'object' && keys !== null) {
    if ('findByKeyHash' in keys && 'findByPublicKey' in keys) return keys;
    if ('tenants' in keys || 'keys' in keys) return new MemoryKeyStore(keys as KeysFile);
  }
  return invalid('keys', 'must be a KeyStore, keys-file data { tenants, keys } or the path of a keys file');
}

/**
 * With the memory rate-limit store, a limit too large for its byte bound would fail every request of the
 * key; say so at start-up instead, naming the option or the key.
 */
function checkLimitsFit(store: RateLimitStore | undefined, storeName: string, keyStore: KeyStore, rateLimit: RateLimit | false): void {
  if (!(store instanceof MemoryRateLimitStore)) return;
  const fits = (limit: number, what: string) => {
    try {
      store.bytesPerKey(limit);
    } catch (error) {
      throw new TypeError(
        `keygate: ${what} is too large for ${storeName} (${(error as Error).message}): lower it, or pass ` +
          'rateLimitStore: new MemoryRateLimitStore({ maxBytes }) with a larger bound',
      );
    }
  };
  if (rateLimit !== false) fits(rateLimit.limit, 'option "rateLimit.limit"');
  if (keyStore instanceof MemoryKeyStore) {
    for (const record of keyStore.records()) if (record.rateLimit) fits(record.rateLimit.limit, `key "${record.id}": field "rateLimit.limit"`);
  }
}

export function resolveOptions(options: KeygateOptions): Configuration {
  if (typeof options !== 'object' || options === null) invalid('(options)', 'must be an object');
  const signatures = oneOf('signatures', options.signatures, ['required', 'optional', 'off'], 'optional');
  // Basic keys cannot sign: unless the Basic scheme is asked for explicitly, "required" means key pairs only.
  const schemes = subset('schemes', options.schemes ?? (signatures === 'required' ? ['keypair'] : undefined), ['basic', 'keypair'] as const);
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') invalid('now', 'must be a function returning Unix milliseconds');
  let rateLimit: RateLimit | false = false;
  if (options.rateLimit !== false) {
    const given = options.rateLimit ?? { limit: 60, windowSeconds: 60 };
    rateLimit = {
      limit: positive('rateLimit.limit', given.limit, 60, true),
      windowSeconds: positive('rateLimit.windowSeconds', given.windowSeconds, 60),
    };
  }
  const realm = options.realm ?? 'api';
  if (typeof realm !== 'string' || !/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(realm)) {
    invalid('realm', 'must be printable ASCII without quotes or backslashes');
  }
  const challenges: string[] = [];
  if (schemes.has('basic')) challenges.push(`Basic realm="${realm}", charset="UTF-8"`);
  if (schemes.has('keypair')) challenges.push(`Bearer realm="${realm}"`);
  const keyStore = resolveKeyStore(options.keys);
  const rateLimitStore = options.rateLimitStore ?? new MemoryRateLimitStore();
  const failOpen = oneOf('onStoreFailure', options.onStoreFailure, ['closed', 'open'], 'closed') === 'open';
  // Fail open: in-process stores that take over while the shared ones fail.
  const fallbackRateLimitStore = failOpen ? new MemoryRateLimitStore() : undefined;
  checkLimitsFit(rateLimitStore, 'the memory rate-limit store', keyStore, rateLimit);
  checkLimitsFit(fallbackRateLimitStore, 'the in-process limiter that onStoreFailure "open" falls back on', keyStore, rateLimit);
  return {
    keyStore,
    basic: schemes.has('basic'),
    keypair: schemes.has('keypair'),
    environments: subset('environments', options.environments, ['test', 'live'] as const),
    signatures,
    timestampHeader: headerName('signatureHeaders.timestamp', options.signatureHeaders?.timestamp, DEFAULT_TIMESTAMP_HEADER),
    signatureHeader: headerName('signatureHeaders.signature', options.signatureHeaders?.signature, DEFAULT_SIGNATURE_HEADER),
    secretHeader: headerName('secretHeader', options.secretHeader, 'X-Api-Secret'),
    replayWindowMs: positive('replayWindowSeconds', options.replayWindowSeconds, 300) * 1000,
    replayStore: options.replayStore ?? new MemoryReplayStore({ now }),
    rateLimit,
    rateLimitStore,
    fallbackRateLimitStore,
    fallbackReplayStore: failOpen ? new MemoryReplayStore({ now }) : undefined,
    onStoreError: options.onStoreError ?? ((error) => console.error(`keygate: store failure: ${(error as Error)?.message ?? String(error)}`)),
    allowBasicPassword: options.allowBasicPassword ?? false,
    maxHeaderLength: positive('maxHeaderLength', options.maxHeaderLength, 4096, true),
    maxBodyBytes: positive('maxBodyBytes', options.maxBodyBytes, 1024 * 1024, true),
    wwwAuthenticate: challenges.join(', '),
    trustRequestId: options.trustRequestId ?? true,
    now,
  };
}
