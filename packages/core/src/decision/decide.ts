import { isThenable } from '../awaitable.js';
import { KeygateError } from '../errors.js';
import type { Reporter } from '../observe/reporter.js';
import type { Configuration } from '../options.js';
import type { VerifiedSignature } from '../signature/check.js';
import type { Admission, Awaitable, Decision, DecisionStore, KeyRecord, RateLimit } from '../types.js';
import { setRateLimitHeaders } from './rate-limit-headers.js';
import { StoreFullError } from './store-full-error.js';

/**
 * Admits the request of `record` in one store call: its signature must be new and its key under the limit;
 * only then is it counted and remembered. Sets the rate-limit headers on `headers`; throws the rejection.
 *
 * When the store fails: 503 (fail closed) or the in-process fallback (`failOpen`); the next request tries the
 * store again, so recovery needs no restart. A full store never falls back, and an answer of the wrong shape
 * is a broken store, not a store that is down: 503 whatever the policy.
 */
export function admit(
  record: KeyRecord,
  signature: VerifiedSignature | undefined,
  now: number,
  headers: Record<string, string>,
  config: Configuration,
): Awaitable<void> {
  const limit = record.rateLimit ?? config.rateLimit;
  if (limit === false && signature === undefined) return;
  const admission: Admission = {
    key: record.rateLimitKey ?? record.id,
    now,
    limit: limit === false ? undefined : { limit: limit.limit, windowMs: Math.ceil(limit.windowSeconds * 1000) },
    signature,
  };
  let decision: Awaitable<Decision>;
  try {
    decision = config.store.decide(admission);
    if (isThenable(decision))
      decision = Promise.resolve(decision).catch((error) => storeFailed(error, admission, config));
  } catch (error) {
    decision = storeFailed(error, admission, config);
  }
  // No closure on the way of a store that answers at once (the memory store).
  if (!isThenable(decision)) return conclude(decision, admission, limit, headers, config);
  return decision.then((answer) => conclude(answer, admission, limit, headers, config));
}

/** The store failed: 503 (fail closed), or the fallback's decision (`failOpen`); a full store never falls back. */
function storeFailed(error: unknown, admission: Admission, config: Configuration): Awaitable<Decision> {
  config.report.storeError(error, 'decisions');
  if (error instanceof StoreFullError) throw new KeygateError('AUTH_UNAVAILABLE', { reason: 'store-full' });
  if (config.fallbackStore === undefined) throw new KeygateError('AUTH_UNAVAILABLE');
  return decideOnFallback(config.fallbackStore, admission, config.report);
}

/** The store's answer turned into the rate-limit headers, or the rejection it means. */
function conclude(
  decision: Decision,
  admission: Admission,
  limit: RateLimit | false,
  headers: Record<string, string>,
  config: Configuration,
): void {
  try {
    checkShape(decision, admission);
  } catch (error) {
    config.report.storeError(error, 'decisions');
    throw new KeygateError('AUTH_UNAVAILABLE');
  }
  if (decision.outcome === 'replayed') throw new KeygateError('REPLAYED_REQUEST');
  if (limit !== false)
    setRateLimitHeaders(headers, limit, decision.rateLimit!, decision.outcome === 'rate-limited', admission.now);
  if (decision.outcome === 'rate-limited') throw new KeygateError('RATE_LIMIT_EXCEEDED');
}

/** The in-process store's decision; its failure (a full replay table) is reported once and answered 503. */
async function decideOnFallback(store: DecisionStore, admission: Admission, report: Reporter): Promise<Decision> {
  try {
    return await store.decide(admission);
  } catch (error) {
    report.storeError(error, 'decisions');
    throw new KeygateError('AUTH_UNAVAILABLE', error instanceof StoreFullError ? { reason: 'store-full' } : undefined);
  }
}

const OUTCOMES = new Set(['admitted', 'replayed', 'rate-limited']);

/** A store that answers something else is broken: fail closed (503) rather than guess. */
function checkShape(decision: Decision, admission: Admission): void {
  const outcome = decision?.outcome;
  const rate = decision?.rateLimit;
  const needsRate = admission.limit !== undefined && outcome !== 'replayed';
  if (
    !OUTCOMES.has(outcome) ||
    (outcome === 'replayed' && admission.signature === undefined) ||
    (outcome === 'rate-limited' && admission.limit === undefined) ||
    (needsRate && !(Number.isFinite(rate?.remaining) && Number.isFinite(rate?.resetAt)))
  ) {
    throw new TypeError(
      'decision store: decide() must answer { outcome, rateLimit: { remaining, resetAt } } as documented',
    );
  }
}
