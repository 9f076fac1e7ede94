import type { RateLimitResult } from '../types.js';

/**
 * An exact sliding-window log: the admission times of the last `limit` admitted requests, in a ring buffer
 * that grows on demand (a key that sends 3 requests holds 3 numbers, not `limit`).
 * A request at `now` has room iff fewer than `limit` admissions lie in `(now - windowMs, now]`.
 * Checking and counting are separate steps, so a caller can refuse for another reason in between and
 * leave nothing counted.
 */
export class SlidingLog {
  private times: Float64Array;
  private head = 0;
  private count = 0;

  constructor(limit: number) {
    this.times = new Float64Array(Math.min(4, limit));
  }

  /** Bytes of the buffer a log needs at most for `limit` (it grows by doubling up to the limit). */
  static bytesFor(limit: number): number {
    return Float64Array.BYTES_PER_ELEMENT * limit;
  }

  /** Whether one more request at `now` fits the limit. Forgets admissions that left the window; counts nothing. */
  hasRoom(limit: number, windowMs: number, now: number): boolean {
    this.forgetBefore(now - windowMs);
    return this.count < limit;
  }

  /** The state to report when refusing: no request left until the oldest admission leaves the window. */
  refusal(windowMs: number): RateLimitResult {
    return { remaining: 0, resetAt: this.oldest() + windowMs };
  }

  /** Counts a request admitted at `now`; call only after `hasRoom` answered true for the same `now`. */
  admit(limit: number, windowMs: number, now: number): RateLimitResult {
    if (this.count === this.times.length) this.grow(limit);
    this.times[(this.head + this.count) % this.times.length] = now;
    this.count++;
    return { remaining: Math.max(0, limit - this.count), resetAt: this.oldest() + windowMs };
  }

  private oldest(): number {
    return this.times[this.head] as number;
  }

  private forgetBefore(cutoff: number): void {
    const capacity = this.times.length;
    while (this.count > 0 && (this.times[this.head] as number) <= cutoff) {
      this.head = (this.head + 1) % capacity;
      this.count--;
    }
  }

  private grow(limit: number): void {
    const old = this.times;
    const next = new Float64Array(Math.max(old.length + 1, Math.min(old.length * 2, limit)));
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) % old.length] as number;
    this.times = next;
    this.head = 0;
  }
}
