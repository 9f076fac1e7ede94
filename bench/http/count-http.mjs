// INSTR=1, HTTP cases: each case's server process under callgrind; a correctness check and a warm-up of
// `warmup` requests uncounted, then exactly `requests` requests (autocannon `amount`, same connections as the
// timed run) inside the server's counted window. Instructions per request = the window's count / requests served.
import { countedInstructions, instrument, underCallgrind } from '../lib/callgrind.mjs';
import { statsDelta } from '../lib/redis.mjs';
import { HTTP_CASES } from './cases.mjs';
import { preflight } from './preflight.mjs';
import { startLoadGenerator, startServer } from './run-http.mjs';

/** `warmup` and `requests` are numbers, or `{ [framework]: number }`. */
async function countCase(benchCase, { loader, redis, warmup: warmups, requests: counted, connections }) {
  const warmup = warmups[benchCase.framework] ?? warmups;
  const requests = counted[benchCase.framework] ?? counted;
  if (benchCase.redis) await redis.admin.flushall();
  const { execPath, execArgv, outFile } = underCallgrind(['--expose-gc']);
  const { port, server } = await startServer(benchCase, { redis, execPath, execArgv, readyMs: 300_000 });
  let window;
  try {
    const failures = await preflight(benchCase, port);
    const load = (amount) =>
      loader.call('run', { port, client: benchCase.client, path: benchCase.path, amount, connections });
    await load(warmup);
    await instrument(server.child.pid);
    const commandsBefore = benchCase.redis ? await redis.commandStats() : undefined;
    const before = await server.call('countStart');
    const result = await load(requests);
    const after = await server.call('countStop');
    const commands = benchCase.redis ? statsDelta(commandsBefore, await redis.commandStats()) : undefined;
    // autocannon cuts the requests still in flight on the other connections once `amount` have answered, and
    // counts them as errors (at most one per connection): harmless, and the count divides by what was served.
    window = {
      served: after.served - before.served,
      failures,
      commands,
      non2xx: result.non2xx,
      cut: result.errors,
      timeouts: result.timeouts,
    };
  } finally {
    await server.stop(60_000);
  }
  const { total, gc } = countedInstructions(outFile);
  return { ...window, instructions: total, perRequest: total / window.served, gcPerRequest: gc / window.served };
}

/**
 * `{ cases: [{ ...case, counts }] }`: every case counted in `processes` fresh server processes (the self-check, and
 * a mean over the heap layouts of several processes), `parallel` servers at a time (counts do not depend on what
 * else runs; more processes only get more of a shared CPU). Redis cases must not run beside each other (each
 * flushes the shared redis-server).
 */
export async function countHttp({
  warmup,
  requests,
  connections,
  redis,
  processes = 2,
  parallel = 1,
  cases = HTTP_CASES,
  log = console.log,
}) {
  const loader = await startLoadGenerator();
  const jobs = Array.from({ length: processes }, () => cases).flat();
  const results = new Map(cases.map((c) => [c.id, { ...c, counts: [] }]));
  const worker = async () => {
    for (let benchCase = jobs.shift(); benchCase !== undefined; benchCase = jobs.shift()) {
      const started = Date.now();
      const count = await countCase(benchCase, { loader, redis, warmup, requests, connections });
      results.get(benchCase.id).counts.push(count);
      const flags = [
        ...count.failures,
        ...(count.non2xx || count.timeouts ? [`non-2xx ${count.non2xx}, timeouts ${count.timeouts}`] : []),
      ];
      log(
        `  ${benchCase.id.padEnd(38)} ${Math.round(count.perRequest).toLocaleString('en').padStart(9)} instructions/request (GC ${Math.round(count.gcPerRequest).toLocaleString('en')})` +
          `  ${((Date.now() - started) / 1000).toFixed(0)} s${flags.length ? `  !! ${flags.join('; ')}` : ''}`,
      );
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, worker));
  } finally {
    await loader.stop();
  }
  return { cases: [...results.values()] };
}
