/**
 * @keygate/prometheus through Express 5, Express 4, Koa 3 and Koa 2: the counters and the histogram after
 * admitted and rejected requests, store errors by store, read back from the registry's text format. Then the
 * metrics on their own: bucket bounds, scrapes, resets, sharing a registry, and the same events fed to
 * prom-client's own Counter and Histogram, whose output ours must match byte for byte.
 */
import { type DecisionEvent, type DecisionStore, ERROR_STATUS, type StoreName } from '@keygate/core';
import { type PrometheusHooks, prometheusMetrics } from '@keygate/prometheus';
import fc from 'fast-check';
import { AggregatorRegistry, Counter, Histogram, Registry, type RegistryContentType } from 'prom-client';
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

const DEFAULT_BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

function decision(outcome: string, durationMs: number, code?: string, scheme?: string): DecisionEvent {
  return {
    requestId: 'r',
    outcome: outcome as DecisionEvent['outcome'],
    status: outcome === 'admitted' ? 200 : 401,
    code: code as DecisionEvent['code'],
    scheme: scheme as DecisionEvent['scheme'],
    method: 'GET',
    path: '/',
    durationMs,
  };
}

/** The sample lines of a text exposition (no HELP, TYPE or blank lines). */
const samples = (text: string) => text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

/** What @keygate/prometheus did before it aggregated itself: prom-client's Counter and Histogram, `inc` per event. */
function promClientMetrics(registry: Registry<RegistryContentType>, buckets = DEFAULT_BUCKETS): PrometheusHooks {
  const registers = [registry];
  const decisions = new Counter({
    name: 'keygate_decisions_total',
    help: 'Requests keygate decided, by outcome, error code and scheme.',
    labelNames: ['outcome', 'code', 'scheme'],
    registers,
  });
  const duration = new Histogram({
    name: 'keygate_decision_duration_seconds',
    help: 'Time keygate took to decide a request, in seconds.',
    labelNames: ['outcome'],
    buckets,
    registers,
  });
  const storeErrors = new Counter({
    name: 'keygate_store_errors_total',
    help: 'Failures of the key store and of the decision store.',
    labelNames: ['store'],
    registers,
  });
  const labelOf = (value: unknown, allowed: readonly string[]) =>
    typeof value === 'string' && allowed.includes(value) ? value : 'other';
  return {
    onDecision(event) {
      const outcome = labelOf(event.outcome, ['admitted', 'rejected']);
      decisions.inc({
        outcome,
        code: event.code === undefined ? 'none' : labelOf(event.code, Object.keys(ERROR_STATUS)),
        scheme: event.scheme === undefined ? 'none' : labelOf(event.scheme, ['basic', 'keypair', 'jwt']),
      });
      duration.observe({ outcome }, event.durationMs / 1000);
    },
    onStoreError(_error, { store }) {
      storeErrors.inc({ store: labelOf(store, ['keys', 'decisions', 'jwks']) });
    },
  };
}

/** Our metrics and prom-client's, each in a registry of its own, fed the same events. */
function twins(contentType: RegistryContentType = Registry.PROMETHEUS_CONTENT_TYPE) {
  const ours = new Registry<RegistryContentType>();
  const theirs = new Registry<RegistryContentType>();
  for (const registry of [ours, theirs]) registry.setContentType(contentType);
  const hooks = [prometheusMetrics({ registry: ours }), promClientMetrics(theirs)];
  return {
    ours,
    theirs,
    decide: (event: DecisionEvent) => {
      for (const h of hooks) h.onDecision(event);
    },
    storeError: (store: string) => {
      for (const h of hooks) h.onStoreError(new Error('down'), { store: store as StoreName });
    },
  };
}

describe('prometheusMetrics(): the histogram', () => {
  it('a duration exactly on a bound is in that bucket (`le` is inclusive); buckets are cumulative; +Inf, _sum, _count', async () => {
    const registry = new Registry();
    const metrics = prometheusMetrics({ registry });
    metrics.onDecision(decision('admitted', 1)); // 0.001 s: exactly the third bound
    metrics.onDecision(decision('admitted', 1.2)); // into le=0.0025
    metrics.onDecision(decision('admitted', 2000)); // above every bound: +Inf only
    const lines = samples(await registry.metrics()).filter((line) => line.startsWith('keygate_decision_duration'));
    expect(lines).toEqual([
      'keygate_decision_duration_seconds_bucket{le="0.00025",outcome="admitted"} 0',
      'keygate_decision_duration_seconds_bucket{le="0.0005",outcome="admitted"} 0',
      'keygate_decision_duration_seconds_bucket{le="0.001",outcome="admitted"} 1',
      'keygate_decision_duration_seconds_bucket{le="0.0025",outcome="admitted"} 2',
      'keygate_decision_duration_seconds_bucket{le="0.005",outcome="admitted"} 2',
      'keygate_decision_duration_seconds_bucket{le="0.01",outcome="admitted"} 2',
      'keygate_decision_duration_seconds_bucket{le="0.025",outcome="admitted"} 2',
      'keygate_decision_duration_seconds_bucket{le="0.05",outcome="admitted"} 2',
      'keygate_decision_duration_seconds_bucket{le="0.1",outcome="admitted"} 2',
      'keygate_decision_duration_seconds_bucket{le="0.25",outcome="admitted"} 2',
      'keygate_decision_duration_seconds_bucket{le="0.5",outcome="admitted"} 2',
      'keygate_decision_duration_seconds_bucket{le="1",outcome="admitted"} 2',
      'keygate_decision_duration_seconds_bucket{le="+Inf",outcome="admitted"} 3',
      `keygate_decision_duration_seconds_sum{outcome="admitted"} ${0.001 + 0.0012 + 2}`,
      'keygate_decision_duration_seconds_count{outcome="admitted"} 3',
    ]);
  });

  it('takes its own buckets, and refuses ones out of order or not finite', async () => {
    const registry = new Registry();
    prometheusMetrics({ registry, buckets: [0.01, 0.1] }).onDecision(decision('rejected', 10));
    expect(samples(await registry.metrics()).filter((line) => line.includes('_bucket'))).toEqual([
      'keygate_decision_duration_seconds_bucket{le="0.01",outcome="rejected"} 1',
      'keygate_decision_duration_seconds_bucket{le="0.1",outcome="rejected"} 1',
      'keygate_decision_duration_seconds_bucket{le="+Inf",outcome="rejected"} 1',
    ]);
    for (const buckets of [[0.1, 0.01], [0.1, 0.1], [0.1, Number.POSITIVE_INFINITY], [Number.NaN]]) {
      expect(() => prometheusMetrics({ registry: new Registry(), buckets })).toThrow(TypeError);
    }
  });
});

describe('prometheusMetrics(): publishing at scrape time', () => {
  it('before any event: HELP and TYPE only, as prom-client prints them', async () => {
    const { ours, theirs } = twins();
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(samples(await ours.metrics())).toEqual([]);
  });

  it('two scrapes in a row give the same numbers; events after a scrape add to them', async () => {
    const registry = new Registry();
    const metrics = prometheusMetrics({ registry });
    metrics.onDecision(decision('admitted', 3, undefined, 'basic'));
    const first = await registry.metrics();
    expect(await registry.metrics()).toBe(first);
    expect(await registry.getMetricsAsJSON()).toEqual(await registry.getMetricsAsJSON());
    metrics.onDecision(decision('admitted', 3, undefined, 'basic'));
    const text = await registry.metrics();
    expect(sample(text, 'keygate_decisions_total{outcome="admitted",code="none",scheme="basic"}')).toBe(2);
    expect(sample(text, 'keygate_decision_duration_seconds_count{outcome="admitted"}')).toBe(2);
    expect(sample(text, 'keygate_decision_duration_seconds_sum{outcome="admitted"}')).toBe(0.006);
  });

  it("resetMetrics() zeroes every series (they disappear, as prom-client's do), and counting starts again from 0", async () => {
    const { ours, theirs, decide, storeError } = twins();
    decide(decision('rejected', 2, 'INVALID_API_KEY', 'basic'));
    storeError('keys');
    ours.resetMetrics();
    theirs.resetMetrics();
    expect(samples(await ours.metrics())).toEqual([]);
    decide(decision('rejected', 2, 'INVALID_API_KEY', 'basic'));
    const text = await ours.metrics();
    expect(sample(text, 'keygate_decisions_total{outcome="rejected",code="INVALID_API_KEY",scheme="basic"}')).toBe(1);
    expect(sample(text, 'keygate_decision_duration_seconds_count{outcome="rejected"}')).toBe(1);
    expect(sample(text, 'keygate_store_errors_total{store="keys"}')).toBeUndefined();
    expect(text).toBe(await theirs.metrics());
  });

  it("getMetricsAsJSON(): the shape prom-client gives, `le` first in a bucket's labels", async () => {
    const { ours, theirs, decide, storeError } = twins();
    decide(decision('admitted', 0.1, undefined, 'keypair'));
    storeError('jwks');
    const json = await ours.getMetricsAsJSON();
    expect(json).toStrictEqual(await theirs.getMetricsAsJSON());
    expect(json.map((metric) => [metric.name, metric.type, metric.aggregator])).toEqual([
      ['keygate_decisions_total', 'counter', 'sum'],
      ['keygate_decision_duration_seconds', 'histogram', 'sum'],
      ['keygate_store_errors_total', 'counter', 'sum'],
    ]);
    expect(json[0]?.values).toEqual([{ value: 1, labels: { outcome: 'admitted', code: 'none', scheme: 'keypair' } }]);
    expect(json[1]?.values[0]).toStrictEqual({
      value: 1,
      metricName: 'keygate_decision_duration_seconds_bucket',
      exemplar: null,
      labels: { le: 0.00025, outcome: 'admitted' },
    });
    expect(JSON.stringify(json)).toBe(JSON.stringify(await theirs.getMetricsAsJSON()));
  });

  it('OpenMetrics: counters keep one `_total`, HELP and TYPE name the family, `# EOF` last — as prom-client prints its own', async () => {
    const { ours, theirs, decide, storeError } = twins(Registry.OPENMETRICS_CONTENT_TYPE);
    decide(decision('rejected', 4, 'RATE_LIMIT_EXCEEDED', 'jwt'));
    storeError('decisions');
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain('# TYPE keygate_decisions counter');
    expect(text).toContain('keygate_decisions_total{outcome="rejected",code="RATE_LIMIT_EXCEEDED",scheme="jwt"} 1\n');
    expect(text).toContain('keygate_store_errors_total{store="decisions"} 1\n');
    expect(text).not.toContain('_total_total');
    expect(text.endsWith('# EOF\n')).toBe(true);
    // A second scrape, and one more middleware on the registry, after the registry renamed the counters.
    expect(await ours.metrics()).toBe(await theirs.metrics());
    prometheusMetrics({ registry: ours }).onStoreError(new Error('x'), { store: 'decisions' });
    expect(await ours.metrics()).toContain('keygate_store_errors_total{store="decisions"} 2\n');
  });

  it('getSingleMetricAsString() and default labels come out as prom-client prints them', async () => {
    const { ours, theirs, decide } = twins();
    for (const registry of [ours, theirs]) registry.setDefaultLabels({ service: 'api' });
    decide(decision('admitted', 7, undefined, 'basic'));
    decide(decision('rejected', 70, 'INVALID_TOKEN', 'jwt'));
    for (const name of ['keygate_decisions_total', 'keygate_decision_duration_seconds', 'keygate_store_errors_total']) {
      expect(await ours.getSingleMetricAsString(name)).toBe(await theirs.getSingleMetricAsString(name));
    }
    expect(await ours.metrics()).toContain(
      'keygate_decision_duration_seconds_bucket{le="0.1",service="api",outcome="rejected"} 1',
    );
    expect(await ours.getMetricsAsJSON()).toStrictEqual(await theirs.getMetricsAsJSON());
  });

  it("in a cluster, AggregatorRegistry sums the workers' series as it sums prom-client's own", async () => {
    const workers = [twins(), twins()];
    workers[0]?.decide(decision('admitted', 1, undefined, 'basic'));
    workers[1]?.decide(decision('admitted', 30, undefined, 'basic'));
    workers[1]?.storeError('keys');
    const aggregate = async (side: 'ours' | 'theirs') =>
      AggregatorRegistry.aggregate(await Promise.all(workers.map((w) => w[side].getMetricsAsJSON()))).metrics();
    const text = await aggregate('ours');
    expect(text).toBe(await aggregate('theirs'));
    expect(sample(text, 'keygate_decisions_total{outcome="admitted",code="none",scheme="basic"}')).toBe(2);
    expect(sample(text, 'keygate_decision_duration_seconds_bucket{le="0.001",outcome="admitted"}')).toBe(1);
    expect(sample(text, 'keygate_decision_duration_seconds_bucket{le="0.05",outcome="admitted"}')).toBe(2);
  });

  it("same random events (and resets, and scrapes between them) as prom-client's Counter and Histogram: same text, same JSON", async () => {
    const codes = [...Object.keys(ERROR_STATUS), 'NOT_A_CODE', undefined];
    const event = fc.record({
      outcome: fc.constantFrom('admitted', 'rejected', 'maybe'),
      code: fc.constantFrom(...codes),
      scheme: fc.constantFrom('basic', 'keypair', 'jwt', 'mtls', undefined),
      // Exactly on a bound (0.25 ms … 1 s, and in between) as often as anywhere else.
      durationMs: fc.oneof(
        fc.constantFrom(...DEFAULT_BUCKETS.map((bound) => bound * 1000), 0, 1500),
        fc.double({ min: 0, max: 2000, noNaN: true }),
      ),
    });
    const step = fc.oneof(
      { weight: 8, arbitrary: event.map((e) => ({ kind: 'decision' as const, ...e })) },
      {
        weight: 2,
        arbitrary: fc
          .constantFrom('keys', 'decisions', 'jwks', 'ldap')
          .map((store) => ({ kind: 'store' as const, store })),
      },
      { weight: 1, arbitrary: fc.constant({ kind: 'reset' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'scrape' as const }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 60 }), fc.boolean(), async (steps, openMetrics) => {
        const { ours, theirs, decide, storeError } = twins(
          openMetrics ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE,
        );
        for (const s of steps) {
          if (s.kind === 'decision') decide(decision(s.outcome, s.durationMs, s.code, s.scheme));
          else if (s.kind === 'store') storeError(s.store);
          else if (s.kind === 'reset') for (const registry of [ours, theirs]) registry.resetMetrics();
          else expect(await ours.metrics()).toBe(await theirs.metrics());
        }
        expect(await ours.metrics()).toBe(await theirs.metrics());
        expect(await ours.getMetricsAsJSON()).toStrictEqual(await theirs.getMetricsAsJSON());
      }),
      { numRuns: 200 },
    );
  });
});

describe('prometheusMetrics(): one registry', () => {
  it('a second prometheusMetrics() adds into the same series, histogram included', async () => {
    const registry = new Registry();
    prometheusMetrics({ registry }).onDecision(decision('rejected', 1, 'INVALID_API_KEY', 'basic'));
    prometheusMetrics({ registry }).onDecision(decision('rejected', 100, 'INVALID_API_KEY', 'basic'));
    const text = await registry.metrics();
    expect(sample(text, 'keygate_decisions_total{outcome="rejected",code="INVALID_API_KEY",scheme="basic"}')).toBe(2);
    expect(sample(text, 'keygate_decision_duration_seconds_bucket{le="0.001",outcome="rejected"}')).toBe(1);
    expect(sample(text, 'keygate_decision_duration_seconds_count{outcome="rejected"}')).toBe(2);
    expect(registry.getMetricsAsArray()).toHaveLength(3);
  });

  it('a metric of the same name that it did not create is an error naming the metric, not a second series', () => {
    for (const name of ['keygate_decisions_total', 'keygate_decision_duration_seconds', 'keygate_store_errors_total']) {
      const registry = new Registry();
      new Counter({ name, help: 'someone else', registers: [registry] });
      expect(() => prometheusMetrics({ registry })).toThrow(new RegExp(`metric named ${name} `));
    }
  });
});
