/** Verification is fast unless a store is slow: fine buckets at the bottom, up to a store timeout at the top. */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

/** The buckets as upper bounds, checked once: finite and increasing, as the bucket search needs. */
export function bucketBounds(buckets: readonly number[]): readonly number[] {
  buckets.forEach((bound, i) => {
    if (typeof bound !== 'number' || !Number.isFinite(bound) || (i > 0 && bound <= (buckets[i - 1] as number))) {
      throw new TypeError(
        `prometheusMetrics(): buckets must be finite numbers in increasing order (+Inf is always added); got [${buckets.join(', ')}]`,
      );
    }
  });
  return Object.freeze([...buckets]);
}
