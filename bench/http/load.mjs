// The load generator, in its own process: runs autocannon on { type: 'run' } and answers with a summary.
import autocannon from 'autocannon';
import { serveParent } from '../lib/children.mjs';
import { BASIC_AUTHORIZATION, jsonBody, signedHeaders, SIGNED_PATH } from '../lib/fixtures.mjs';
import { JWT_AUTHORIZATION } from '../lib/jwt-fixtures.mjs';

let nonce = 0;

/** autocannon options for one client kind. Signed requests are built per request, so each is new. */
function requestOptions(client) {
  if (client === 'none') return {};
  if (client === 'basic') return { headers: { authorization: BASIC_AUTHORIZATION } };
  if (client === 'jwt') return { headers: { authorization: JWT_AUTHORIZATION } };
  return {
    requests: [
      {
        setupRequest(request) {
          const body = jsonBody(`${process.pid}-${++nonce}`);
          return { ...request, method: 'POST', path: SIGNED_PATH, body, headers: signedHeaders(body) };
        },
      },
    ],
  };
}

/** `seconds` of load, or exactly `amount` requests when it is given (INSTR=1). */
function run({ port, client, path, seconds, amount, connections }) {
  const length = amount === undefined ? { duration: seconds } : { amount, timeout: 120 };
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `http://127.0.0.1:${port}${path}`, connections, ...length, ...requestOptions(client) },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

serveParent({
  run: async (message) => {
    const cpuBefore = process.cpuUsage();
    const result = await run(message);
    const cpu = process.cpuUsage(cpuBefore);
    const statusCodes = Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count]),
    );
    return {
      requests: result.requests.total,
      seconds: result.duration,
      reqPerSec: result.requests.total / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      ok: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCodes,
      // The load generator's own CPU over the run, as a share of the wall time: near 100%, it was the bottleneck.
      loaderBusy: (cpu.user + cpu.system) / 1e6 / result.duration,
    };
  },
});
process.send({ type: 'ready' });
