import type { DecisionEvent, StoreName } from '@keygate/core';
import { register as globalRegistry, type Registry, type RegistryContentType } from 'prom-client';
import { bucketBounds, DEFAULT_BUCKETS } from './buckets.js';
import { ClosedLabelCounter } from './closed-label-counter.js';
import { ClosedLabelHistogram } from './closed-label-histogram.js';
import { findOrRegister, layoutOf } from './keygate-metric.js';
import { CODE, OUTCOME, SCHEME, STORE } from './labels.js';

export interface PrometheusMetricsOptions {
  /** Where the metrics are registered (text format or OpenMetrics). Default: prom-client's global `register`. */
  registry?: Registry<RegistryContentType>;
  /** Buckets of `keygate_decision_duration_seconds`, in seconds, increasing. Default from 0.25 ms to 1 s. */
  buckets?: readonly number[];
}

/** The hooks to spread into keygate's options: `keygate({ ...options, ...prometheusMetrics() })`. */
export interface PrometheusHooks {
  onDecision(event: DecisionEvent): void;
  onStoreError(error: unknown, context: { store: StoreName }): void;
}

const DECISIONS = 'keygate_decisions_total';
const DURATION = 'keygate_decision_duration_seconds';
const STORE_ERRORS = 'keygate_store_errors_total';

/**
 * keygate's decisions as Prometheus metrics, on labels of few values (never a key id, tenant, address or path):
 * - `keygate_decisions_total{outcome,code,scheme}`: `code` and `scheme` are `none` when there is none;
 * - `keygate_decision_duration_seconds{outcome}`: how long verification took (histogram);
 * - `keygate_store_errors_total{store}`: `keys`, `decisions` or `jwks` (a JWT issuer's key set endpoint).
 * Called again with the same registry (a second middleware, a hot reload), it reuses the metrics already there; a
 * metric of one of these names that it did not create is an error.
 *
 * An event costs a few array increments: the counts are kept in arrays indexed by label values and turned into
 * prom-client's samples when the registry is scraped.
 * @example
 * app.use(keygate({ keys: './keys.json', ...prometheusMetrics() }));
 * app.get('/metrics', async (_req, res) => res.type(register.contentType).send(await register.metrics()));
 */
export function prometheusMetrics(options: PrometheusMetricsOptions = {}): PrometheusHooks {
  const registry = options.registry ?? globalRegistry;
  const bounds = bucketBounds(options.buckets ?? DEFAULT_BUCKETS);
  const decisionLabels = [OUTCOME, CODE, SCHEME];
  const decisions = findOrRegister(
    registry,
    DECISIONS,
    layoutOf(DECISIONS, decisionLabels),
    () =>
      new ClosedLabelCounter(DECISIONS, 'Requests keygate decided, by outcome, error code and scheme.', decisionLabels),
  );
  const duration = findOrRegister(
    registry,
    DURATION,
    layoutOf(DURATION, [OUTCOME]),
    () => new ClosedLabelHistogram(DURATION, 'Time keygate took to decide a request, in seconds.', OUTCOME, bounds),
  );
  const storeErrors = findOrRegister(
    registry,
    STORE_ERRORS,
    layoutOf(STORE_ERRORS, [STORE]),
    () => new ClosedLabelCounter(STORE_ERRORS, 'Failures of the key store and of the decision store.', [STORE]),
  );
  const codes = CODE.values.length;
  const schemes = SCHEME.values.length;

  return {
    onDecision(event) {
      const outcome = OUTCOME.indexOf(event.outcome);
      // The series number of ClosedLabelCounter: outcome, code, scheme as digits, outcome the most significant.
      decisions.inc((outcome * codes + CODE.indexOf(event.code)) * schemes + SCHEME.indexOf(event.scheme));
      const seconds = event.durationMs / 1000;
      // prom-client refused (threw on) a non-finite value; one must not turn the sum into NaN for good.
      if (Number.isFinite(seconds)) duration.observe(outcome, seconds);
    },
    onStoreError(_error, { store }) {
      storeErrors.inc(STORE.indexOf(store));
    },
  };
}
