// Runs the HTTP cases interleaved: round 1 = A B C …, round 2 = A B C …; each (case, round) gets a fresh
// server process, a correctness check, a warm-up, then the measured load. The load generator is one
// separate process for the whole run.
import { fileURLToPath } from 'node:url';
import { forkNode } from '../lib/children.mjs';
import { statsDelta } from '../lib/redis.mjs';
import { HTTP_CASES } from './cases.mjs';
import { preflight } from './preflight.mjs';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const LOAD = fileURLToPath(new URL('./load.mjs', import.meta.url));

const cpuMicros = (cpu) => cpu.user + cpu.system;

/** Starts the server of `benchCase` (optionally under --cpu-prof, or under valgrind); resolves `{ port, server }`. */
export async function startServer(benchCase, { redis, execArgv = [], execPath, readyMs } = {}) {
  const server = forkNode(SERVER, {
    args: [benchCase.id],
    execArgv,
    execPath,
    env: { ...process.env, BENCH_REDIS_URL: redis?.url ?? '' },
  });
  const { port } = await server.first('ready', readyMs);
  return { port, server };
}

export function startLoadGenerator() {
  const loader = forkNode(LOAD);
  return loader.first('ready').then(() => loader);
}

/** One measurement of one case: fresh server, checks, warm-up, load. */
async function measure(benchCase, { loader, redis, warmupSeconds, seconds, connections }) {
  if (benchCase.redis) await redis.admin.flushall();
  const { port, server } = await startServer(benchCase, { redis });
  try {
    const failures = await preflight(benchCase, port);
    const load = (duration) =>
      loader.call('run', { port, client: benchCase.client, path: benchCase.path, seconds: duration, connections });
    await load(warmupSeconds);
    const before = await server.call('stats');
    const commandsBefore = benchCase.redis ? await redis.commandStats() : undefined;
    const result = await load(seconds);
    const after = await server.call('stats');
    const commands = benchCase.redis ? statsDelta(commandsBefore, await redis.commandStats()) : undefined;
    const served = after.served - before.served;
    const { type: _t, id: _i, ...summary } = result;
    return {
      ...summary,
      served,
      cpuPerRequest: (cpuMicros(after.cpu) - cpuMicros(before.cpu)) / served,
      commands,
      failures,
    };
  } finally {
    await server.stop();
  }
}

/**
 * @returns `{ cases: [{ ...case, runs: [per round] }], rounds }`; a failed correctness check is kept in
 * `runs[i].failures` (and non-2xx answers in `runs[i].non2xx`), never thrown.
 */
export async function runHttp({
  rounds,
  warmupSeconds,
  seconds,
  connections,
  redis,
  cases = HTTP_CASES,
  log = console.log,
}) {
  const loader = await startLoadGenerator();
  const runs = Object.fromEntries(cases.map((c) => [c.id, []]));
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const benchCase of cases) {
        const run = await measure(benchCase, { loader, redis, warmupSeconds, seconds, connections });
        runs[benchCase.id].push(run);
        const flags = [
          ...run.failures,
          ...(run.non2xx || run.errors || run.timeouts
            ? [`non-2xx ${run.non2xx}, errors ${run.errors}, timeouts ${run.timeouts}`]
            : []),
        ];
        log(
          `  round ${round}/${rounds}  ${benchCase.id.padEnd(38)} ${run.reqPerSec.toFixed(0).padStart(6)} req/s  p99 ${String(run.p99).padStart(3)} ms  ` +
            `${run.cpuPerRequest.toFixed(1)} µs CPU/req  busy ${Math.round((run.cpuPerRequest * run.reqPerSec) / 1e4)}%/${Math.round(run.loaderBusy * 100)}%${flags.length ? `  !! ${flags.join('; ')}` : ''}`,
        );
      }
    }
  } finally {
    await loader.stop();
  }
  return { rounds, cases: cases.map((c) => ({ ...c, runs: runs[c.id] })) };
}
