// Scale: memory of the default MemoryDecisionStore's limiter (maxKeys 100 000, maxBytes 64 MiB) while 1e6 distinct
// keys go through it, one request each, then while keys fill whole windows (the worst case per key).
// `node --expose-gc scale/limiter-bound.mjs '{"distinct":1000000,"fullKeys":200000}'`
import { MemoryDecisionStore } from '@keygate/core';
import { memoryNow } from '../lib/timing.mjs';

const options = { distinct: 1_000_000, fullKeys: 200_000, limit: 60, ...JSON.parse(process.argv[2] ?? '{}') };
const WINDOW_MS = 60_000;
const MAX_KEYS = 100_000;
const MAX_BYTES = 64 * 1024 * 1024;

function scenario(name, keyCount, hitsPerKey) {
  const base = memoryNow();
  const store = new MemoryDecisionStore(); // the defaults under test
  const limit = { limit: options.limit, windowMs: WINDOW_MS };
  const now = Date.now();
  const checkpoints = [];
  const marks = new Set([Math.round(keyCount / 10), Math.round(keyCount / 2), keyCount]);
  for (let i = 1; i <= keyCount; i++) {
    const id = `key_${i}`;
    for (let j = 0; j < hitsPerKey; j++) store.decide({ key: id, now: now + j, limit });
    if (marks.has(i))
      checkpoints.push({
        keysSeen: i,
        tracked: store.usage.keys,
        accounted: store.usage.limiterBytes,
        bytes: memoryNow() - base,
      });
  }
  return { name, hitsPerKey, checkpoints };
}

const scenarios = [
  scenario(`${options.distinct} distinct keys, 1 request each`, options.distinct, 1),
  scenario(`${options.fullKeys} distinct keys, a full window (${options.limit}) each`, options.fullKeys, options.limit),
];
process.send?.({ type: 'result', limit: options.limit, maxKeys: MAX_KEYS, maxBytes: MAX_BYTES, scenarios });
if (!process.send) console.dir(scenarios, { depth: 5 });
