import { KeygateError } from '../errors.js';
import type { Configuration } from '../options.js';
import type { DecisionStore, FailureCount } from '../types.js';
import { StoreFullError } from './store-full-error.js';

type Throttle = Exclude<Configuration['failedAuthLimit'], false>;

/**
 * Failed-credential throttling, before any key is looked up: a client address past `limit` failures in its
 * window gets 429 `TOO_MANY_FAILED_ATTEMPTS` with `Retry-After` until the window ends. A store that fails is
 * handled as the limiter handles it: 503 (fail closed), or the in-process fallback with `failOpen`.
 */
export async function refuseThrottled(
  client: string,
  now: number,
  throttle: Throttle,
  config: Configuration,
): Promise<void> {
  const counted = await askStores(config, (store) => store.failures!(client, now));
  if (!(counted.count >= throttle.limit)) return;
  const retryAfter = Math.max(1, Math.ceil((counted.resetAt - now) / 1000));
  throw new KeygateError('TOO_MANY_FAILED_ATTEMPTS', { headers: { 'retry-after': String(retryAfter) } });
}

/**
 * Counts a 401 of `client`. The answer is a 401 whatever happens here: a store that fails is reported (and,
 * with `failOpen`, the failure counted in the fallback), never turned into another answer.
 */
export async function countFailedAuth(
  client: string,
  now: number,
  throttle: Throttle,
  config: Configuration,
): Promise<void> {
  try {
    await askStores(config, (store) => store.countFailure!(client, now, throttle.windowMs));
  } catch {
    // already reported by askStores
  }
}

/** The store's answer, else (reported) the fallback's with `failOpen`, else 503. An answer of the wrong shape is a failure. */
async function askStores(config: Configuration, ask: (store: DecisionStore) => unknown): Promise<FailureCount> {
  try {
    return checked(await ask(config.store));
  } catch (error) {
    config.report.storeError(error, 'decisions');
    // A full table refuses rather than forget an address inside its window; the fallback would not know it either.
    if (error instanceof StoreFullError) throw new KeygateError('AUTH_UNAVAILABLE', { reason: 'store-full' });
    if (config.fallbackStore === undefined) throw new KeygateError('AUTH_UNAVAILABLE');
    try {
      return checked(await ask(config.fallbackStore));
    } catch (fallbackError) {
      config.report.storeError(fallbackError, 'decisions');
      throw new KeygateError('AUTH_UNAVAILABLE');
    }
  }
}

function checked(answer: unknown): FailureCount {
  const { count, resetAt } = (answer ?? {}) as Partial<FailureCount>;
  if (!Number.isSafeInteger(count) || count! < 0 || !Number.isFinite(resetAt)) {
    throw new TypeError('decision store: failures() and countFailure() must answer { count, resetAt } as documented');
  }
  return answer as FailureCount;
}
