import type { Metric, Registry, RegistryContentType } from 'prom-client';
import type { ClosedLabel } from './closed-label.js';

/**
 * Marks a metric this package created, with its label layout. A symbol from the global registry, so a second copy
 * of the package (a hot reload) still recognises the metrics the first one registered and adds into them.
 */
export const KEYGATE_METRIC = Symbol.for('@keygate/prometheus metric');

/** What prom-client's `Registry` asks of a metric (its own Counter and Histogram have more). */
export interface KeygateMetric {
  /** Written by the registry: on OpenMetrics it removes a counter's `_total` suffix and adds it back per sample. */
  name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  /** The metric's name and labels with their values: reused only by a metric of the same layout. */
  readonly [KEYGATE_METRIC]: string;
  reset(): void;
}

export function layoutOf(name: string, labels: readonly ClosedLabel[]): string {
  return `${name}{${labels.map((label) => `${label.name}=${label.values.join('|')}`).join(',')}}`;
}

/**
 * The metric of this name already in `registry` if this package registered it with the same layout (two
 * middlewares count into the same series), else `create()`'s, registered. A metric of the name that is not ours
 * is an error: counting beside it would be a second series of the same name.
 */
export function findOrRegister<M extends KeygateMetric>(
  registry: Registry<RegistryContentType>,
  name: string,
  layout: string,
  create: () => M,
): M {
  const existing: unknown = registry.getSingleMetric(name);
  if (existing === undefined) {
    const metric = create();
    // prom-client types registerMetric() for its own classes; at run time it needs only what KeygateMetric has.
    registry.registerMetric(metric as unknown as Metric);
    return metric;
  }
  if (
    typeof existing === 'object' &&
    existing !== null &&
    (existing as Partial<KeygateMetric>)[KEYGATE_METRIC] === layout
  ) {
    return existing as M;
  }
  throw new Error(
    `@keygate/prometheus: the registry already holds a metric named ${name} that it did not create (or created with ` +
      'other labels); remove that metric or give prometheusMetrics({ registry }) a registry of its own.',
  );
}
