/**
 * An exact sliding-window log: the admission times of the last `limit` admitted requests, in a ring buffer
 * that grows on demand (a key that sends 3 requests holds 3 numbers, not `limit`).
 * Admits a request at `now` iff fewer than `limit` admissions lie in `(now - windowMs, now]`.
 */
export class SlidingLog {
  private times: Float64Array;
  private head = 0;
  private count = 0;

  constructor(limit: number) {
    this.times = new Float64Array(Math.min(4, limit));
  }

  hit(limit: number, windowMs: number, now: number): { allowed: boolean; remaining: number; resetAt: number } {
    this.evictBefore(now - windowMs);
    if (this.count >= limit) {
      // Full: the oldest admission frees its slot when it leaves the window.
      return { allowed: false, remaining: 0, resetAt: this.oldest() + windowMs };
    }
    this.push(now, limit);
    return { allowed: true, remaining: limit - this.count, resetAt: this.oldest() + windowMs };
  }

  /** Bytes of the buffer a log needs at most for `limit` (it grows by doubling up to the limit). */
  static bytesFor(limit: number): number {
    return Float64Array.BYTES_PER_ELEMENT * limit;
  }

  private oldest(): number {
    return this.times[this.head] as number;
  }

  private evictBefore(cutoff: number): void {
    const capacity = this.times.length;
    while (this.count > 0 && (this.times[this.head] as number) <= cutoff) {
      this.head = (this.head + 1) % capacity;
      this.count--;
    }
  }

  private push(time: number, limit: number): void {
    if (this.count === this.times.length) this.grow(limit);
    this.times[(this.head + this.count) % this.times.length] = time;
    this.count++;
  }

  private grow(limit: number): void {
    const old = this.times;
    const next = new Float64Array(Math.max(old.length + 1, Math.min(old.length * 2, limit)));
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) % old.length] as number;
    this.times = next;
    this.head = 0;
  }
}
