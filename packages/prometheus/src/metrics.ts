import { ERROR_STATUS, type DecisionEvent, type StoreName } from '@keygate/core';
import { Counter, Histogram, register as globalRegistry, type Registry } from 'prom-client';

export interface PrometheusMetricsOptions {
  /** Where the metrics are registered. Default: prom-client's global `register`. */
  registry?: Registry;
  /** Buckets of `keygate_decision_duration_seconds`, in seconds. Default from 0.25 ms to 1 s. */
  buckets?: readonly number[];
}

/** The hooks to spread into keygate's options: `keygate({ ...options, ...prometheusMetrics() })`. */
export interface PrometheusHooks {
  onDecision(event: DecisionEvent): void;
  onStoreError(error: unknown, context: { store: StoreName }): void;
}

/** Verification is fast unless a store is slow: fine buckets at the bottom, up to a store timeout at the top. */
const DEFAULT_BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/**
 * keygate's decisions as Prometheus metrics, on labels of few values (never a key id, tenant, address or path):
 * - `keygate_decisions_total{outcome,code,scheme}`: `code` and `scheme` are `none` when there is none;
 * - `keygate_decision_duration_seconds{outcome}`: how long verification took (histogram);
 * - `keygate_store_errors_total{store}`: `keys`, `decisions` or `jwks` (a JWT issuer's key set endpoint).
 * Called again with the same registry (a second middleware, a hot reload), it reuses the metrics already there.
 * @example
 * app.use(keygate({ keys: './keys.json', ...prometheusMetrics() }));
 * app.get('/metrics', async (_req, res) => res.type(register.contentType).send(await register.metrics()));
 */
export function prometheusMetrics(options: PrometheusMetricsOptions = {}): PrometheusHooks {
  const registry = options.registry ?? globalRegistry;
  const registers = [registry];
  const decisions =
    existing<Counter<'outcome' | 'code' | 'scheme'>>(registry, 'keygate_decisions_total') ??
    new Counter({
      name: 'keygate_decisions_total',
      help: 'Requests keygate decided, by outcome, error code and scheme.',
      labelNames: ['outcome', 'code', 'scheme'],
      registers,
    });
  const duration =
    existing<Histogram<'outcome'>>(registry, 'keygate_decision_duration_seconds') ??
    new Histogram({
      name: 'keygate_decision_duration_seconds',
      help: 'Time keygate took to decide a request, in seconds.',
      labelNames: ['outcome'],
      buckets: [...(options.buckets ?? DEFAULT_BUCKETS)],
      registers,
    });
  const storeErrors =
    existing<Counter<'store'>>(registry, 'keygate_store_errors_total') ??
    new Counter({
      name: 'keygate_store_errors_total',
      help: 'Failures of the key store and of the decision store.',
      labelNames: ['store'],
      registers,
    });

  // Labels only ever take a value of these closed lists (`other` for anything else), so an event of a custom
  // store's error, or one an app built itself, cannot create a series per value.
  return {
    onDecision(event) {
      const outcome = labelOf(event.outcome, OUTCOMES);
      decisions.inc({
        outcome,
        code: event.code === undefined ? 'none' : labelOf(event.code, CODES),
        scheme: event.scheme === undefined ? 'none' : labelOf(event.scheme, SCHEMES),
      });
      duration.observe({ outcome }, event.durationMs / 1000);
    },
    onStoreError(_error, { store }) {
      storeErrors.inc({ store: labelOf(store, STORES) });
    },
  };
}

const OUTCOMES: ReadonlySet<string> = new Set(['admitted', 'rejected']);
const CODES: ReadonlySet<string> = new Set(Object.keys(ERROR_STATUS));
const SCHEMES: ReadonlySet<string> = new Set(['basic', 'keypair', 'jwt']);
const STORES: ReadonlySet<string> = new Set(['keys', 'decisions', 'jwks']);

function labelOf(value: unknown, allowed: ReadonlySet<string>): string {
  return typeof value === 'string' && allowed.has(value) ? value : 'other';
}

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}
