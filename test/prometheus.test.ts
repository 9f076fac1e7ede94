/**
 * @keygate/prometheus through Express 5, Express 4, Koa 3 and Koa 2: the counters and the histogram after
 * admitted and rejected requests, store errors by store, read back from the registry's text format.
 */
import type { DecisionStore } from '@keygate/core';
import { prometheusMetrics } from '@keygate/prometheus';
import { Registry } from 'prom-client';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ALL_SECRETS, BASIC, PAIRS, basic, keysFile, pairHeaders } from './support/fixtures.js';
import { buildApp, frameworks } from './support/servers.js';

const silent = { warn: () => {}, error: () => {} };

/** The value of one sample line of the text format, or undefined. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((candidate) => candidate.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

/** The hooks run on the next turn of the event loop: let them. */
const hooksRan = () => new Promise((done) => setTimeout(done, 30));

describe.each(frameworks)('Prometheus metrics — $name', (fw) => {
  it('decisions by outcome, code and scheme; the duration histogram; no key id or credential in the text', async () => {
    const registry = new Registry();
    const app = buildApp(fw, { keys: keysFile, logger: silent, ...prometheusMetrics({ registry }) });
    await request(app.handler).get('/echo').set(basic(BASIC.valid));
    await request(app.handler).get('/echo').set(pairHeaders(PAIRS.test));
    await request(app.handler).get('/echo').set(pairHeaders(PAIRS.test));
    await request(app.handler).get('/echo').set(basic(BASIC.unknown));
    await request(app.handler).get('/echo');
    await request(app.handler).get('/echo').set(basic(BASIC.suspended));
    await request(app.handler).post('/payments').set(basic(BASIC.readOnly)).send({});
    await hooksRan();
    const text = await registry.metrics();
    expect(sample(text, 'keygate_decisions_total{outcome="admitted",code="none",scheme="basic"}')).toBe(1);
    expect(sample(text, 'keygate_decisions_total{outcome="admitted",code="none",scheme="keypair"}')).toBe(2);
    expect(sample(text, 'keygate_decisions_total{outcome="rejected",code="INVALID_API_KEY",scheme="basic"}')).toBe(1);
    expect(sample(text, 'keygate_decisions_total{outcome="rejected",code="INVALID_API_KEY",scheme="none"}')).toBe(1);
    expect(sample(text, 'keygate_decisions_total{outcome="rejected",code="TENANT_INACTIVE",scheme="basic"}')).toBe(1);
    expect(sample(text, 'keygate_decisions_total{outcome="rejected",code="INSUFFICIENT_SCOPE",scheme="basic"}')).toBe(
      1,
    );
    expect(sample(text, 'keygate_decision_duration_seconds_count{outcome="admitted"}')).toBe(3);
    expect(sample(text, 'keygate_decision_duration_seconds_count{outcome="rejected"}')).toBe(4);
    expect(sample(text, 'keygate_decision_duration_seconds_bucket{le="+Inf",outcome="rejected"}')).toBe(4);
    expect(sample(text, 'keygate_decision_duration_seconds_sum{outcome="admitted"}')).toBeGreaterThan(0);
    expect(text).toContain('# TYPE keygate_decision_duration_seconds histogram');
    expect(text).not.toMatch(/key_basic|pair_test|acme|127\.0\.0\.1|\/echo/);
    for (const secret of ALL_SECRETS) expect(text).not.toContain(secret);
  });

  it('store errors by store, beside the 503 decisions they caused', async () => {
    const registry = new Registry();
    const down: DecisionStore = {
      decide: () => {
        throw new Error('store down');
      },
    };
    const app = buildApp(fw, { keys: keysFile, store: down, logger: silent, ...prometheusMetrics({ registry }) });
    await request(app.handler).get('/echo').set(basic(BASIC.valid));
    await request(app.handler).get('/echo').set(basic(BASIC.valid));
    await hooksRan();
    const text = await registry.metrics();
    expect(sample(text, 'keygate_store_errors_total{store="decisions"}')).toBe(2);
    expect(sample(text, 'keygate_decisions_total{outcome="rejected",code="AUTH_UNAVAILABLE",scheme="basic"}')).toBe(2);
  });
});

describe('prometheusMetrics()', () => {
  it('twice on one registry (two middlewares) reuses the metrics: both count into them', async () => {
    const registry = new Registry();
    const first = prometheusMetrics({ registry });
    const second = prometheusMetrics({ registry });
    const event = {
      requestId: 'r',
      outcome: 'admitted',
      status: 200,
      method: 'GET',
      path: '/',
      durationMs: 1,
    } as const;
    first.onDecision(event);
    second.onDecision(event);
    second.onStoreError(new Error('x'), { store: 'keys' });
    const text = await registry.metrics();
    expect(sample(text, 'keygate_decisions_total{outcome="admitted",code="none",scheme="none"}')).toBe(2);
    expect(sample(text, 'keygate_store_errors_total{store="keys"}')).toBe(1);
  });

  it('labels only take values of closed lists: 1000 garbage codes, schemes and stores make one `other` series each', async () => {
    const registry = new Registry();
    const metrics = prometheusMetrics({ registry });
    for (let i = 0; i < 1000; i++) {
      const garbage = `sk_live_guess${i}`;
      metrics.onDecision({
        requestId: 'r',
        outcome: (i % 2 === 0 ? 'rejected' : garbage) as 'rejected',
        status: 401,
        code: garbage as 'INVALID_API_KEY',
        scheme: garbage as 'basic',
        method: 'GET',
        path: '/',
        durationMs: 1,
      });
      metrics.onStoreError(new Error(garbage), { store: garbage as 'keys' });
    }
    const text = await registry.metrics();
    expect(text).not.toContain('sk_live_guess');
    expect(sample(text, 'keygate_decisions_total{outcome="rejected",code="other",scheme="other"}')).toBe(500);
    expect(sample(text, 'keygate_decisions_total{outcome="other",code="other",scheme="other"}')).toBe(500);
    expect(sample(text, 'keygate_store_errors_total{store="other"}')).toBe(1000);
    expect(text.split('\n').filter((line) => line.startsWith('keygate_decisions_total{'))).toHaveLength(2);
  });
});
