import type { RateLimit, RateLimitResult } from './types.js';

/** `x-ratelimit-*` headers (and `Retry-After` when refused) for one decision. */
export function rateLimitHeaders(limit: RateLimit, result: RateLimitResult, now: number): Record<string, string> {
  // Both round up, so a client that waits Retry-After seconds, or until x-ratelimit-reset, is admitted.
  const resetSeconds = Math.ceil(result.resetAt / 1000);
  const headers: Record<string, string> = {
    'x-ratelimit-limit': String(limit.limit),
    'x-ratelimit-remaining': String(result.remaining),
    'x-ratelimit-reset': String(resetSeconds),
  };
  if (!result.allowed) headers['retry-after'] = String(Math.max(1, Math.ceil((result.resetAt - now) / 1000)));
  return headers;
}
