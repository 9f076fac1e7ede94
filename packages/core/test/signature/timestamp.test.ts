import { describe, expect, it } from 'vitest';
import { createVerifier, type KeygateOptions, type VerifyResult } from '../../src/index.js';
import { codeOf, keysFile, reasonOf, signed, VECTOR_TIME } from '../helpers.js';

function setup(options: Partial<KeygateOptions> = {}) {
  return createVerifier({ keys: keysFile(), rateLimit: false, now: () => VECTOR_TIME, ...options });
}

const body = '{"amount":100,"currency":"USD"}';
const at = (timestamp: number, version: 'v1' | 'v2' = 'v1') =>
  signed('POST', '/v1/payments', body, { timestamp, version });

/** The details of a TIMESTAMP_OUT_OF_RANGE, or what came back instead. */
function timestampDetails(result: VerifyResult): unknown {
  if (result.ok || result.error.code !== 'TIMESTAMP_OUT_OF_RANGE') return codeOf(result);
  return result.error.details;
}

describe('signature timestamps', () => {
  it.each([
    ['too old', VECTOR_TIME - 300_001, 'too-old'],
    ['too far in the future', VECTOR_TIME + 300_001, 'too-new'],
    ['in seconds', Math.floor(VECTOR_TIME / 1000), 'seconds'],
  ])('timestamp %s → TIMESTAMP_OUT_OF_RANGE (%s)', async (_name, timestamp, reason) => {
    const result = await setup().verify(at(timestamp));
    expect(reasonOf(result)).toBe(`TIMESTAMP_OUT_OF_RANGE:${reason}`);
    if (reason === 'seconds') expect(result.ok ? 'ok' : result.error.message).toMatch(/milliseconds/);
  });

  it.each(['v1', 'v2'] as const)('accepts %s timestamps at the edges of the window', async (version) => {
    const verifier = setup();
    expect(codeOf(await verifier.verify(at(VECTOR_TIME - 300_000, version)))).toBe('ok');
    expect(codeOf(await verifier.verify(at(VECTOR_TIME + 300_000, version)))).toBe('ok');
  });

  it('follows replay.windowSeconds', async () => {
    const verifier = setup({ replay: { windowSeconds: 10 } });
    expect(codeOf(await verifier.verify(at(VECTOR_TIME - 10_000)))).toBe('ok');
    expect(reasonOf(await verifier.verify(at(VECTOR_TIME - 10_001)))).toBe('TIMESTAMP_OUT_OF_RANGE:too-old');
  });
});

describe('TIMESTAMP_OUT_OF_RANGE tells the client its clock error (issue 8)', () => {
  it.each([
    ['too old', -300_001, 'too-old'],
    ['too new', 300_001, 'too-new'],
    ['an hour ahead', 3_600_000, 'too-new'],
  ])(
    '%s: details are { reason, serverTimeMs, skewMs, windowMs } with skewMs = client − server',
    async (_name, skew, reason) => {
      const result = await setup().verify(at(VECTOR_TIME + skew));
      expect(timestampDetails(result)).toEqual({ reason, serverTimeMs: VECTOR_TIME, skewMs: skew, windowMs: 300_000 });
    },
  );

  it('a timestamp in seconds carries its skew too (what the client sent, read as milliseconds)', async () => {
    const seconds = Math.floor(VECTOR_TIME / 1000);
    const result = await setup().verify(at(seconds));
    expect(timestampDetails(result)).toEqual({
      reason: 'seconds',
      serverTimeMs: VECTOR_TIME,
      skewMs: seconds - VECTOR_TIME,
      windowMs: 300_000,
    });
  });

  it('windowMs is the half-width of the configured window', async () => {
    const result = await setup({ replay: { windowSeconds: 30 } }).verify(at(VECTOR_TIME - 45_000));
    expect(timestampDetails(result)).toEqual({
      reason: 'too-old',
      serverTimeMs: VECTOR_TIME,
      skewMs: -45_000,
      windowMs: 30_000,
    });
  });

  it('a missing or unreadable timestamp has no skewMs', async () => {
    const request = at(VECTOR_TIME);
    const verifier = setup();
    const missing = await verifier.verify({
      ...request,
      headers: { ...request.headers, 'x-pelago-timestamp': undefined },
    });
    expect(timestampDetails(missing)).toEqual({ reason: 'missing', serverTimeMs: VECTOR_TIME, windowMs: 300_000 });
    for (const value of ['17640432e5', '-1764043200000', ' 1764043200000', '1'.repeat(40)]) {
      const malformed = await verifier.verify({
        ...request,
        headers: { ...request.headers, 'x-pelago-timestamp': value },
      });
      expect(timestampDetails(malformed), `timestamp ${JSON.stringify(value)}`).toEqual({
        reason: 'malformed',
        serverTimeMs: VECTOR_TIME,
        windowMs: 300_000,
      });
    }
  });

  it('the details survive into the JSON envelope', async () => {
    const result = await setup().verify(at(VECTOR_TIME - 400_000));
    expect(result.ok ? 'ok' : JSON.parse(JSON.stringify(result.error.toJSON())).error.details).toEqual({
      reason: 'too-old',
      serverTimeMs: VECTOR_TIME,
      skewMs: -400_000,
      windowMs: 300_000,
    });
  });
});
