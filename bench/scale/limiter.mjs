// Scale: the memory limiter's cost per decision and memory per tracked key at limits 60 and 10 000
// (MemoryDecisionStore; memory = heapUsed + arrayBuffers delta after full GCs, --expose-gc).
// `node --expose-gc scale/limiter.mjs '{"keys":{"60":100000,"10000":200},"rounds":5,"iterations":200000}'`
import { MemoryDecisionStore } from '@keygate/core';
import { interleaved, memoryNow, timeAsync } from '../lib/timing.mjs';

const options = {
  keys: { 60: 100_000, 10000: 200 },
  rounds: 5,
  iterations: 200_000,
  hotKeys: 1000,
  ...JSON.parse(process.argv[2] ?? '{}'),
};
const WINDOW_MS = 60_000;
const HUGE = 2 ** 40; // no bound: here every key must stay tracked

/** Bytes per key with one request in the window, then with the window full. */
async function memoryPerKey(limit, keyCount) {
  const now = Date.now();
  const ids = Array.from({ length: keyCount }, (_, i) => `key_${i}`);
  const base = memoryNow();
  const store = new MemoryDecisionStore({ maxKeys: keyCount + 1, maxBytes: HUGE });
  const hit = (key, now) => store.decide({ key, now, limit: { limit, windowMs: WINDOW_MS } });
  for (const id of ids) hit(id, now);
  const one = (memoryNow() - base) / keyCount;
  for (const id of ids) for (let j = 1; j < limit; j++) hit(id, now + j);
  const full = (memoryNow() - base) / keyCount;
  if (store.usage.keys !== keyCount) throw new Error(`expected ${keyCount} keys tracked, got ${store.usage.keys}`);
  return { keys: keyCount, oneRequest: one, fullWindow: full, accounted: store.usage.limiterBytes / keyCount };
}

const memory = {};
for (const [limit, keyCount] of Object.entries(options.keys))
  memory[limit] = await memoryPerKey(Number(limit), keyCount);

/**
 * Cost per decision in steady state: `hotKeys` keys round-robin, each log full, the clock advanced so that
 * every hit evicts one admission and records one (never refused).
 */
function costCase(limit) {
  const store = new MemoryDecisionStore({ maxKeys: options.hotKeys + 1, maxBytes: HUGE });
  const windowed = { limit, windowMs: WINDOW_MS };
  const ids = Array.from({ length: options.hotKeys }, (_, i) => `key_${i}`);
  const step = WINDOW_MS / limit / options.hotKeys;
  let now = Date.now();
  for (let j = 0; j < limit; j++) for (const id of ids) store.decide({ key: id, now: (now += step), limit: windowed });
  return {
    name: `limiter hit, limit ${limit}, ${options.hotKeys} keys`,
    measure: (n) =>
      timeAsync(async (i) => {
        const result = await store.decide({ key: ids[i % ids.length], now: (now += step), limit: windowed });
        if (result.outcome !== 'admitted') throw new Error('refused');
      }, n),
  };
}

const samples = await interleaved(
  Object.keys(options.keys).map((limit) => costCase(Number(limit))),
  options,
);
process.send?.({ type: 'result', samples, memory });
if (!process.send) console.log(samples, memory);
