/**
 * What keygate reports and where: store failures to the logger and then `onStoreError`, a misconfiguration at
 * most once a minute, and hooks or loggers that throw never turning a report into a crash. The standalone
 * verifier emits decision events too.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createReporter } from '../../src/observe/reporter.js';
import { createVerifier, type DecisionEvent } from '../../src/index.js';
import { basicAuthorization } from '../../src/schemes/basic.js';

const KEY = 'pk_live_ReporterTestKeyForKeygate01';
const keys = {
  tenants: [{ id: 'acme', status: 'active' as const }],
  keys: [{ id: 'key_a', tenant: 'acme', key: KEY }],
};

function recorder() {
  const lines: string[] = [];
  return {
    lines,
    logger: {
      warn: (line: string) => lines.push(`warn ${line}`),
      error: (line: string) => lines.push(`error ${line}`),
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the reporter', () => {
  it('a store failure goes to the logger, then to onStoreError with the store', () => {
    const { lines, logger } = recorder();
    const seen: unknown[] = [];
    const report = createReporter({
      logger,
      onDecision: undefined,
      onStoreError: (error, context) => seen.push([(error as Error).message, context]),
    });
    report.storeError(new Error('connection refused'), 'decisions');
    expect(lines).toEqual(['error keygate: decisions store failure: connection refused']);
    expect(seen).toEqual([['connection refused', { store: 'decisions' }]]);
    expect(report.decision).toBeUndefined(); // nothing is built when nobody listens
  });

  it('an onStoreError that throws and a logger that throws are contained', () => {
    const { lines, logger } = recorder();
    const report = createReporter({
      logger,
      onDecision: undefined,
      onStoreError: () => {
        throw new Error('metrics broke');
      },
    });
    expect(() => report.storeError('down', 'keys')).not.toThrow();
    expect(lines).toEqual([
      'error keygate: keys store failure: down',
      'error keygate: onStoreError failed: metrics broke',
    ]);
    const throwing = createReporter({
      logger: {
        warn: () => {
          throw new Error('x');
        },
        error: () => {
          throw new Error('x');
        },
      },
      onDecision: undefined,
      onStoreError: undefined,
    });
    expect(() => throwing.storeError(new Error('down'), 'keys')).not.toThrow();
    expect(() => throwing.misconfiguration('fix it')).not.toThrow();
  });

  it('a misconfiguration is logged with its fix at most once a minute', () => {
    vi.useFakeTimers({ now: 1_800_000_000_000 });
    const { lines, logger } = recorder();
    const report = createReporter({ logger, onDecision: undefined, onStoreError: undefined });
    report.misconfiguration('mount keygate before the body parser');
    report.misconfiguration('mount keygate before the body parser');
    vi.setSystemTime(1_800_000_059_000);
    report.misconfiguration('mount keygate before the body parser');
    vi.setSystemTime(1_800_000_060_000);
    report.misconfiguration('mount keygate before the body parser');
    expect(lines).toEqual([
      'error keygate: misconfiguration (RAW_BODY_UNAVAILABLE): mount keygate before the body parser',
      'error keygate: misconfiguration (RAW_BODY_UNAVAILABLE): mount keygate before the body parser',
    ]);
  });

  it('events are handed over on a later turn, in order, one throwing hook call not stopping the next', async () => {
    const { lines, logger } = recorder();
    const seen: string[] = [];
    const report = createReporter({
      logger,
      onStoreError: undefined,
      onDecision: (event) => {
        seen.push(event.requestId);
        if (event.requestId === 'b') throw new Error('boom');
      },
    });
    for (const requestId of ['a', 'b', 'c'])
      report.decision!({ requestId, outcome: 'admitted', status: 200, method: 'GET', path: '/', durationMs: 0 });
    expect(seen).toEqual([]);
    await new Promise((done) => setImmediate(done));
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(lines).toEqual(['error keygate: onDecision failed: boom']);
  });
});

describe('the standalone verifier', () => {
  it('emits one event per verify(), with clientIp when given', async () => {
    const events: DecisionEvent[] = [];
    const verifier = createVerifier({ keys, onDecision: (event) => events.push(event) });
    await verifier.verify({
      method: 'get',
      target: '/v1/x?q=1',
      headers: { authorization: basicAuthorization(KEY) },
      clientIp: '192.0.2.1',
    });
    await verifier.verify({ method: 'GET', target: '/v1/x', headers: {} });
    await new Promise((done) => setImmediate(done));
    expect(events).toMatchObject([
      { outcome: 'admitted', method: 'GET', path: '/v1/x', keyId: 'key_a', clientIp: '192.0.2.1' },
      { outcome: 'rejected', code: 'INVALID_API_KEY', reason: 'missing-credentials' },
    ]);
    expect(events[1]).not.toHaveProperty('clientIp');
  });

  it('requests without clientIp share one count: throttling asked for is never silently off', async () => {
    const verifier = createVerifier({ keys, failedAuthLimit: { limit: 1, windowSeconds: 60 } });
    expect((await verifier.verify({ method: 'GET', target: '/', headers: {} })).ok).toBe(false);
    const result = await verifier.verify({
      method: 'GET',
      target: '/',
      headers: { authorization: basicAuthorization(KEY) },
    });
    expect(result.ok ? 'admitted' : result.error.code).toBe('TOO_MANY_FAILED_ATTEMPTS');
  });
});
