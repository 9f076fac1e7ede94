// Scale: the memory replay store (`MemoryDecisionStore`, defaults) under `rate` signed requests per second,
// on a simulated clock, for the default window and its margin (every signature kept 360 s) plus `extraSeconds`
// of steady state. Memory = heapUsed + arrayBuffers, sampled every simulated 5 s without forcing a GC (so the
// peak includes garbage not yet collected), plus the process's peak RSS. Then every signature still inside
// its window is presented again: each must come back `replayed` (none forgotten).
// `node --expose-gc scale/replay-memory.mjs '{"rate":10000,"extraSeconds":60}'`; sends { type: 'result' }.
import { hash } from 'node:crypto';
import { MemoryDecisionStore } from '@keygate/core';

const options = { rate: 10_000, extraSeconds: 60, keys: 100, ...JSON.parse(process.argv[2] ?? '{}') };
const KEPT_MS = (300 + 60) * 1000; // the default replay window, 300 s, plus the verifier's 60 s clock-skew margin

// A signature is 64 hex digits; made from its index so none has to be kept in memory to be checked later.
const signatureOf = (i) => hash('sha256', `signature ${i}`, 'hex');
const keyOf = (i) => `key_${i % options.keys}`;

const store = new MemoryDecisionStore();
const start = Date.UTC(2026, 10, 26);
const stepMs = 1000 / options.rate;
const total = Math.round(((KEPT_MS + options.extraSeconds * 1000) / 1000) * options.rate);
const memory = () => {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};

globalThis.gc?.();
const baseline = memory();
let peak = 0;
let refused = 0;
const started = process.hrtime.bigint();
for (let i = 0; i < total; i++) {
  const now = Math.floor(start + i * stepMs);
  const decision = store.decide({ key: keyOf(i), now, signature: { id: signatureOf(i), expiresAt: now + KEPT_MS } });
  if (decision.outcome !== 'admitted') refused++;
  if (i % (options.rate * 5) === 0) peak = Math.max(peak, memory() - baseline);
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
peak = Math.max(peak, memory() - baseline);
globalThis.gc?.();
const settled = memory() - baseline;

// Every signature whose expiry is still ahead of the clock must be refused as a replay.
const end = Math.floor(start + (total - 1) * stepMs);
let live = 0;
let forgotten = 0;
for (let i = total - 1; i >= 0; i--) {
  const now = Math.floor(start + i * stepMs);
  if (now + KEPT_MS <= end) break;
  live++;
  const decision = store.decide({
    key: keyOf(i),
    now: end,
    signature: { id: signatureOf(i), expiresAt: now + KEPT_MS },
  });
  if (decision.outcome !== 'replayed') forgotten++;
}

const result = {
  rate: options.rate,
  simulatedSeconds: total / options.rate,
  decisions: total,
  refused,
  live,
  forgotten,
  peakBytes: peak,
  settledBytes: settled,
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
  nsPerDecision: (seconds * 1e9) / total,
};
process.send?.({ type: 'result', ...result });
if (!process.send) console.log(result);
