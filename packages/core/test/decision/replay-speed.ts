/**
 * Times the memory store's decide() for new signatures at a steady 10 000 signed requests/s (not a test: it
 * takes ~20 s). A simulated clock runs the store to steady state (every generation of the window filled),
 * then rounds of fresh signatures are timed, interleaved with the LRU replay cache keygate had before
 * `MemoryDecisionStore` (100 000 entries, copied here, full) for the "no slower than before" comparison.
 *
 *   npx tsx packages/core/test/decision/replay-speed.ts [perSecond=10000] [keptSeconds=360]
 *
 * STORE_MODULES=a.ts,b.ts times other copies of `memory-store.ts` in the same rounds (before/after a change).
 */
import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { MemoryDecisionStore } from '../../src/decision/memory-store.js';

const [perSecond = 10_000, keptSeconds = 360] = process.argv.slice(2).map(Number);
const ROUNDS = 9;
const PER_ROUND = 100_000;
const WARM_SECONDS = keptSeconds + 60;
const start = Date.UTC(2026, 0, 1);
const keptMs = keptSeconds * 1000;

/** The replay store before the rewrite: an LRU of signature ids, evicting live ones when full. */
class LruReplayStore {
  private readonly expiry = new LRUCache<string, number>({ max: 100_000 });
  remember(id: string, ttlMs: number, now: number): boolean {
    const expiresAt = this.expiry.get(id);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.expiry.set(id, now + ttlMs);
    return true;
  }
}

// Ids shaped like the verifier's: 64 hex digits in a flat string, unique (a counter in the last 4 bytes).
const idBytes = randomBytes(32);
let made = 0;
function nextId(): string {
  idBytes.writeUInt32BE(made++, 28);
  return idBytes.toString('hex');
}

type Decide = (id: string, now: number) => boolean;
const candidates: { name: string; decide: Decide; times: number[] }[] = [];
const modules = process.env.STORE_MODULES?.split(',') ?? [];
for (const name of ['current', ...modules]) {
  const loaded =
    name === 'current'
      ? { MemoryDecisionStore }
      : ((await import(name)) as { MemoryDecisionStore: typeof MemoryDecisionStore });
  const store = new loaded.MemoryDecisionStore();
  const decide: Decide = (id, now) =>
    store.decide({ key: 'key_demo', now, signature: { id, expiresAt: now + keptMs } }).outcome === 'admitted';
  for (let tick = 0; tick < WARM_SECONDS * perSecond; tick++)
    decide(nextId(), start + Math.floor((tick * 1000) / perSecond));
  candidates.push({ name, decide, times: [] });
}
const lru = new LruReplayStore();
for (let i = 0; i < 200_000; i++) lru.remember(nextId(), keptMs, start);
candidates.push({ name: 'lru (before)', decide: (id, now) => lru.remember(id, keptMs, now), times: [] });

let tick = WARM_SECONDS * perSecond;
for (let round = 0; round < ROUNDS; round++) {
  for (const candidate of candidates) {
    const ids = Array.from({ length: PER_ROUND }, nextId);
    const began = process.hrtime.bigint();
    let admitted = 0;
    for (let i = 0; i < PER_ROUND; i++) {
      if (candidate.decide(ids[i] as string, start + Math.floor(((tick + i) * 1000) / perSecond))) admitted++;
    }
    candidate.times.push(Number(process.hrtime.bigint() - began) / PER_ROUND);
    if (admitted !== PER_ROUND)
      throw new Error(`${candidate.name}: only ${admitted} of ${PER_ROUND} new signatures admitted`);
  }
  tick += PER_ROUND;
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
console.log(
  `${perSecond} new signatures/s, each kept ${keptSeconds} s; ns per call, median of ${ROUNDS} rounds of ${PER_ROUND}:`,
);
for (const { name, times } of candidates)
  console.log(`  ${name}: ${Math.round(median(times))}  (rounds: ${times.map(Math.round).join(' ')})`);
