import type { TimestampFailure } from '../errors.js';

const DIGITS = /^[0-9]{1,16}$/;
/** Below this a timestamp is taken to be in seconds, not milliseconds (1e11 ms is March 1973). */
const SECONDS_THRESHOLD = 1e11;

export type TimestampCheck =
  | { ok: true; timestampMs: number }
  | { ok: false; reason: TimestampFailure; timestampMs?: number };

/** Checks that `raw` is Unix milliseconds within `windowMs` of `now`, either side. */
export function checkTimestamp(raw: string | undefined, now: number, windowMs: number): TimestampCheck {
  if (raw === undefined || raw === '') return { ok: false, reason: 'missing' };
  if (!DIGITS.test(raw)) return { ok: false, reason: 'malformed' };
  const timestampMs = Number(raw);
  if (timestampMs < SECONDS_THRESHOLD) return { ok: false, reason: 'seconds', timestampMs };
  if (timestampMs < now - windowMs) return { ok: false, reason: 'too-old', timestampMs };
  if (timestampMs > now + windowMs) return { ok: false, reason: 'too-new', timestampMs };
  return { ok: true, timestampMs };
}
