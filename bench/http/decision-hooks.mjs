// keygate's decision hooks in the HTTP cases: `ondecision` a no-op onDecision (the cost of building and handing
// over one event per request), `prometheus` the @keygate/prometheus metrics on their own registry.
import { prometheusMetrics } from '@keygate/prometheus';
import { Registry } from 'prom-client';

/** The keygate options of a `…-keygate-basic-<hooks>` case: `{}` for plain `keygate-basic`. */
export function decisionHooks(setup) {
  if (setup.endsWith('-ondecision')) return { onDecision: () => {} };
  if (setup.endsWith('-prometheus')) return prometheusMetrics({ registry: new Registry() });
  return {};
}
