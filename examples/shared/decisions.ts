import type { DecisionEvent, KeygateOptions } from '@keygate/core';
import { prometheusMetrics } from '@keygate/prometheus';
import type { RequestListener } from 'node:http';
import { Registry } from 'prom-client';

/** What the operator sees of the example's decisions, and how it slows down a guessing client. */
export interface DecisionSetup {
  /** keygate options: `onDecision`, `onStoreError`, `failedAuthLimit`, as the environment asks. */
  options: Partial<KeygateOptions>;
  /** The metrics registry when `KEYGATE_METRICS=1`. */
  registry: Registry | undefined;
}

/** `N/Ss`: at most N failed credentials per client address in S seconds. */
const FAILED_AUTH_LIMIT = /^([1-9][0-9]{0,8})\/([1-9][0-9]{0,6})s$/;

/**
 * Reads KEYGATE_LOG=json (one JSON line per decision on stdout), KEYGATE_METRICS=1 (Prometheus metrics, served
 * at GET /metrics) and KEYGATE_FAILED_AUTH_LIMIT=N/Ss. Throws an Error naming the variable when one is invalid.
 */
export function decisionSetup(env: NodeJS.ProcessEnv = process.env): DecisionSetup {
  const log = env.KEYGATE_LOG || undefined;
  if (log !== undefined && log !== 'json') throw new Error(`KEYGATE_LOG must be json (or unset), got "${log}"`);
  const metricsFlag = env.KEYGATE_METRICS || undefined;
  if (metricsFlag !== undefined && metricsFlag !== '1' && metricsFlag !== '0')
    throw new Error(`KEYGATE_METRICS must be 1 or 0, got "${metricsFlag}"`);
  const limit = env.KEYGATE_FAILED_AUTH_LIMIT || undefined;
  const parsed = limit === undefined ? undefined : FAILED_AUTH_LIMIT.exec(limit);
  if (parsed === null)
    throw new Error(
      `KEYGATE_FAILED_AUTH_LIMIT must be N/Ss (e.g. 10/60s: 10 failures per address per minute), got "${limit}"`,
    );

  const registry = metricsFlag === '1' ? new Registry() : undefined;
  const metrics = registry && prometheusMetrics({ registry });
  const hooks: ((event: DecisionEvent) => void)[] = [];
  if (metrics) hooks.push(metrics.onDecision);
  // The event's fields at the top level, plus when: no key, secret, signature or query string is in an event.
  if (log === 'json')
    hooks.push(
      (event) => void process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`),
    );
  const options: Partial<KeygateOptions> = {
    ...(hooks.length > 0 && {
      onDecision: (event: DecisionEvent) => {
        for (const hook of hooks) hook(event);
      },
    }),
    ...(metrics && { onStoreError: metrics.onStoreError }),
    ...(parsed && { failedAuthLimit: { limit: Number(parsed[1]), windowSeconds: Number(parsed[2]) } }),
  };
  return { options, registry };
}

/**
 * Serves `GET /metrics` (Prometheus text format, no credentials) in front of the app: such requests never reach
 * keygate, so they are not decisions.
 */
export function serveMetrics(registry: Registry, handler: RequestListener): RequestListener {
  return (req, res) => {
    const path = req.url?.split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) return handler(req, res);
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => {
        res.writeHead(500).end();
      },
    );
  };
}
