/**
 * Measures the memory store's replay table under a steady stream of new signatures on a simulated clock
 * (not a test: it takes seconds). The figures in `MemoryDecisionStore`'s JSDoc come from it.
 *
 *   npx tsx packages/core/test/decision/replay-capacity.ts [perSecond=10000] [keptSeconds=360] [runSeconds=720]
 *
 * keptSeconds: 360 for honest clocks (300 s window + 60 s margin), 660 for timestamps 300 s ahead.
 */
import { randomBytes } from 'node:crypto';
import { MemoryDecisionStore } from '../../src/decision/memory-store.js';
import { StoreFullError } from '../../src/decision/store-full-error.js';

const [perSecond = 10_000, keptSeconds = 360, runSeconds = 720] = process.argv.slice(2).map(Number);
const MIB = 1024 * 1024;

const store = new MemoryDecisionStore();
// Ids shaped like the verifier's: a key id and 64 hex digits, cut from one random pool to keep the run fast.
const pool = randomBytes(1 << 20).toString('hex');
const start = Date.UTC(2026, 0, 1);
const arrayBuffersBefore = process.memoryUsage().arrayBuffers;
let decisions = 0;
let full = 0;
let peakTableBytes = 0;
let peakArrayBuffers = 0;
const began = performance.now();
for (let second = 0; second < runSeconds; second++) {
  for (let i = 0; i < perSecond; i++) {
    const now = start + second * 1000 + Math.floor((i * 1000) / perSecond);
    const at = (decisions * 7919) % (pool.length - 64);
    const id = `key_demo:${pool.slice(at, at + 64)}${decisions.toString(36)}`;
    decisions++;
    try {
      store.decide({ key: 'key_demo', now, signature: { id, expiresAt: now + keptSeconds * 1000 } });
    } catch (error) {
      if (!(error instanceof StoreFullError)) throw error;
      full++;
    }
  }
  peakTableBytes = Math.max(peakTableBytes, store.usage.replayBytes);
  if (second % 10 === 0)
    peakArrayBuffers = Math.max(peakArrayBuffers, process.memoryUsage().arrayBuffers - arrayBuffersBefore);
}
const live = Math.min(decisions, perSecond * keptSeconds);
console.log({
  perSecond,
  keptSeconds,
  decisions,
  storeFull: full,
  liveSignatures: live,
  peakTableMiB: +(peakTableBytes / MIB).toFixed(1),
  bytesPerLiveSignature: +(peakTableBytes / live).toFixed(1),
  generations: store.usage.replayGenerations,
  peakArrayBuffersMiB: +(peakArrayBuffers / MIB).toFixed(1),
  nsPerDecision: Math.round(((performance.now() - began) * 1e6) / decisions),
});
