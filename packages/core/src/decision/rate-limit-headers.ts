import type { RateLimit, RateLimitResult } from '../types.js';

/** Sets the `x-ratelimit-*` headers (and `Retry-After` when refused) of one decision on `headers`. */
export function setRateLimitHeaders(
  headers: Record<string, string>,
  limit: RateLimit,
  result: RateLimitResult,
  refused: boolean,
  now: number,
): void {
  // Both round up, so a client that waits Retry-After seconds, or until x-ratelimit-reset, is admitted.
  headers['x-ratelimit-limit'] = String(limit.limit);
  headers['x-ratelimit-remaining'] = String(result.remaining);
  headers['x-ratelimit-reset'] = String(Math.ceil(result.resetAt / 1000));
  if (refused) headers['retry-after'] = String(Math.max(1, Math.ceil((result.resetAt - now) / 1000)));
}
