// Batched timing: N iterations between one hrtime pair, never a timer per call.

/** Times `iterations` calls of a synchronous `fn(i)`; returns nanoseconds per call. */
export function timeSync(fn, iterations) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / iterations;
}

/** Times `iterations` awaited calls of an async `fn(i)`, one after another; returns nanoseconds per call. */
export async function timeAsync(fn, iterations) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await fn(i);
  return Number(process.hrtime.bigint() - start) / iterations;
}

/**
 * Runs every case interleaved: a warm-up pass, then `rounds` rounds of A B C …; a case may prepare
 * untimed state before each measurement (`prepare(iterations)`), then is timed by `measure(iterations)`.
 * No forced GC between batches: after a full GC of a large heap, concurrent sweeping slows the next batch.
 * Returns `{ [name]: number[] }` of ns/op per round.
 */
export async function interleaved(cases, { rounds, iterations }) {
  const samples = Object.fromEntries(cases.map((c) => [c.name, []]));
  for (const c of cases) {
    await c.prepare?.(Math.ceil(iterations / 4));
    await c.measure(Math.ceil(iterations / 4)); // warm-up: JIT, caches
  }
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      const n = Math.ceil(iterations * (c.scale ?? 1));
      await c.prepare?.(n);
      samples[c.name].push(await c.measure(n));
    }
  }
  return samples;
}

/** Heap plus array buffers (where Float64Array logs live), after a full GC. Needs --expose-gc. */
export function memoryNow() {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  globalThis.gc();
  globalThis.gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}
