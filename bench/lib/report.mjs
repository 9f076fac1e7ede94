// Renders RESULTS.md from one run's results. Every ratio is computed from the same run.
import { httpRatios, MICRO_FLOORS, perRound, roundTrips, SCRIPT_COMMANDS } from './goals.mjs';
import { NODE_ONLY } from './profile.mjs';
import { bytes, median, num, range, ratio } from './stats.mjs';

const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const mib = (value) => `${(value / 2 ** 20).toFixed(1)} MiB`;

function httpChecks(runs) {
  const problems = [];
  const non2xx = runs.reduce((sum, r) => sum + r.non2xx, 0);
  const errors = runs.reduce((sum, r) => sum + r.errors + r.timeouts, 0);
  if (non2xx) problems.push(`**${non2xx} non-2xx** (${JSON.stringify(Object.assign({}, ...runs.map((r) => r.statusCodes)))})`);
  if (errors) problems.push(`**${errors} errors/timeouts**`);
  for (const failure of new Set(runs.flatMap((r) => r.failures))) problems.push(`**${failure}**`);
  const ok = runs.reduce((sum, r) => sum + r.ok, 0);
  return problems.length ? `⚠️ ${problems.join('; ')}` : `ok: ${num(ok)} × 2xx, 0 non-2xx`;
}

function httpSection(http, plan) {
  const groups = [
    ['Express 5', (c) => c.framework === 'express' && !c.redis],
    ['Express 5 with the limiter on Redis (same throw-away redis-server for both)', (c) => c.redis],
    ['Koa 3', (c) => c.framework === 'koa'],
  ];
  const out = [
    '## HTTP',
    '',
    `autocannon (programmatic, its own process), ${plan.connections} connections, loopback; per case and round a fresh server process, ` +
      `a correctness check, ${plan.warmupSeconds} s of warm-up, then ${plan.seconds} s measured; ${http.rounds} rounds interleaved ` +
      '(A B C … A B C …). req/s and the ratio are medians over rounds (the ratio is taken per round, against the bare app ' +
      'of the same round); p99 and server CPU are medians too. Server CPU = the server process\'s own `process.cpuUsage()` ' +
      '(user + system) over the measured phase, divided by the requests it received. "busy" = each process\'s CPU time over the wall ' +
      'time of the measured phase: the server, and the load generator (autocannon); the one near 100% limited the req/s.',
  ];
  for (const [title, belongs] of groups) {
    const cases = http.cases.filter(belongs);
    if (cases.length === 0) continue;
    out.push('', `### ${title}`, '');
    out.push(table(['case', 'req/s (median)', 'req/s min–max', '× bare', 'p99 ms', 'server CPU µs/req', 'busy: server / load generator', 'correctness'], cases.map((c) => {
      const rps = c.runs.map((r) => r.reqPerSec);
      const vsBare = c.id === c.baseline ? '1.00×' : ratio(median(httpRatios(http, c.id, c.baseline)));
      const busy = median(c.runs.map((r) => (r.cpuPerRequest * r.reqPerSec) / 1e6));
      const loader = median(c.runs.map((r) => r.loaderBusy));
      return [c.label, num(median(rps)), range(rps), vsBare, num(median(c.runs.map((r) => r.p99))), num(median(c.runs.map((r) => r.cpuPerRequest)), 1), `${Math.round(busy * 100)}% / ${Math.round(loader * 100)}%`, httpChecks(c.runs)];
    })));
  }
  const redisCases = http.cases.filter((c) => c.redis);
  if (redisCases.length) {
    out.push('', '### Redis commands during the measured phase (`INFO commandstats` before/after, all rounds)', '');
    out.push(table(['case', 'requests', 'EVALSHA + EVAL', 'per request', 'other commands (inside the script: ' + [...SCRIPT_COMMANDS].join(', ') + ')'], redisCases.map((c) => {
      const trips = roundTrips(http, c.id);
      const other = Object.entries(trips.other).map(([command, calls]) => `${command} ${(calls / trips.requests).toFixed(2)}/req`).join(', ');
      return [c.label, num(trips.requests), num(trips.scripts), trips.perRequest.toFixed(3), other || '—'];
    })));
    out.push('', 'Commands a script runs are counted by `commandstats` but cost no round trip: keygate sends one EVALSHA per decision; ' +
      'rate-limit-redis also sends one EVALSHA (INCR + PTTL inside).');
  }
  return out.join('\n');
}

function microSection(micro, plan) {
  const s = micro.samples;
  const floorOf = (name) => (name.startsWith('verify: Basic') ? MICRO_FLOORS.basic : name.startsWith('verify: key pair + signature') ? MICRO_FLOORS.signed : undefined);
  const rows = Object.keys(s).map((name) => {
    const floor = floorOf(name);
    return [name, num(median(s[name])), range(s[name]), floor ? ratio(median(perRound(s[name], s[floor]))) : ''];
  });
  return [
    '## Core verifier (in process)',
    '',
    `\`createVerifier(...).verify(...)\` awaited one call after another, ${plan.rounds} rounds interleaved after a warm-up pass, each ` +
      `batch of ${num(plan.iterations)} calls (floors: ${num(plan.iterations * 2)}) timed with one \`hrtime\` pair. The limiter is the default ` +
      '60 per 60 s with an injected clock moved 1 s per call, so every call evicts one admission and records one (a full log in ' +
      'steady state) and nothing is refused. Signed requests are signed before each batch (untimed), one fresh signature per call, ' +
      `over a 200-byte JSON body. "× floor" is the median per-round ratio against the matching composite floor.`,
    '',
    table(['case', 'ns/op (median)', 'min–max', '× floor'], rows),
  ].join('\n');
}

function scaleSection({ keyLookup, limiter, bound, redisMemory }) {
  const sizes = Object.keys(keyLookup.builds).map(Number).sort((a, b) => a - b);
  const k = keyLookup.samples;
  const smallest = sizes[0];
  const lookupRows = sizes.map((size) => {
    const verify = k[`verify: Basic, ${size} keys`];
    const lookup = k[`store lookup (findByKeyHash), ${size} keys`];
    return [num(size), `${num(keyLookup.builds[size])} ms`, num(median(verify)), range(verify),
      ratio(median(perRound(verify, k[`verify: Basic, ${smallest} keys`]))), num(median(lookup)),
      ratio(median(perRound(lookup, k[`store lookup (findByKeyHash), ${smallest} keys`])))];
  });
  const limiterRows = Object.entries(limiter.memory).map(([limit, m]) => {
    const cost = limiter.samples[Object.keys(limiter.samples).find((name) => name.includes(`limit ${limit},`))];
    return [num(Number(limit)), num(m.keys), bytes(m.oneRequest), bytes(m.fullWindow), bytes(m.accounted), `${num(median(cost))} (${range(cost)})`];
  });
  const boundRows = bound.scenarios.flatMap((scenario) => scenario.checkpoints.map((p) => [scenario.name, num(p.keysSeen), num(p.tracked), mib(p.accounted), mib(p.bytes)]));
  const redisRows = Object.entries(redisMemory.results).map(([limit, r]) => [num(Number(limit)), num(r.keys), bytes(r.oneRequest.memoryUsage), bytes(r.fullWindow.memoryUsage), bytes(r.oneRequest.usedMemory), bytes(r.fullWindow.usedMemory)]);
  return [
    '## Scale',
    '',
    '### Key lookup: verify (Basic, limiter off) against the number of keys in the memory key store',
    '',
    'Keys are `keyHash` entries hashed before the store is built (build time below, not in any measurement); ' +
      `each size is probed on up to ${num(10_000)} keys spread over the whole store; sizes interleaved over rounds, all in one process.`,
    '',
    table(['keys', 'build + load', 'verify ns (median)', 'min–max', '× smallest', 'store lookup ns', '× smallest'], lookupRows),
    '',
    '### Memory limiter (`MemoryDecisionStore`): cost per decision and memory per tracked key',
    '',
    'Memory = `heapUsed + arrayBuffers` delta after full GCs (`--expose-gc`), divided by the keys tracked. "Accounted" is what ' +
      'the store charges each key against `maxBytes`. Cost: steady state, 1 000 keys round-robin, every hit evicting one admission ' +
      'and recording one.',
    '',
    table(['limit', 'keys', 'bytes/key, 1 request', 'bytes/key, full window', 'accounted/key', 'ns per hit (median, min–max)'], limiterRows),
    '',
    `### Memory limiter under many distinct keys (defaults: maxKeys ${num(bound.maxKeys)}, maxBytes ${mib(bound.maxBytes)}, limit ${bound.limit})`,
    '',
    table(['scenario', 'keys seen', 'keys tracked', 'accounted', 'heap + arrayBuffers'], boundRows),
    '',
    '### Redis store: memory per tracked key',
    '',
    table(['limit', 'keys', '`MEMORY USAGE`, 1 request', '`MEMORY USAGE`, full window', '`used_memory` Δ/key, 1 request', '`used_memory` Δ/key, full window'], redisRows),
  ].join('\n');
}

function profileSection(profiles) {
  if (profiles.length === 0) return '## Profiles\n\nEvery goal was met, so nothing was profiled (run with `PROFILE=1` to profile anyway).';
  const pct = (share) => `${(share * 100).toFixed(1)}%`;
  const out = ['## Profiles', '', 'Taken because a goal was missed: `node --cpu-prof` on the server process under the same load as a measurement ' +
    '(HTTP), or the V8 profiler around one timed batch of the core verifier (micro). Shares are of the busy (non-idle) samples. ' +
    '"By owner" gives each sample to the nearest package frame above it, so the crypto keygate calls counts for keygate, and a ' +
    'socket write made inside `res.end()` for the framework that called it; what no package called (HTTP parsing, the event loop) ' +
    'is Node\'s. "keygate functions" gives each sample to the nearest keygate ' +
    'function above it (looking through Node internals and lru-cache/ioredis, not through the app). Raw profiles: `bench/.tmp/profiles/` (not committed).'];
  for (const p of profiles) {
    const s = p.summary;
    const top = s.keygateFunctions.slice(0, 3).map((f) => `\`${f.name.replace(/ \(.*/, '')}\` ${pct(f.share)}`).join(', ');
    const node = s.byOwner.find((f) => f.name === NODE_ONLY);
    const cost = p.costPerCall ? ` (≈ ${num(s.keygateOwnedShare * p.costPerCall.value, p.costPerCall.digits)} ${p.costPerCall.unit} of ${num(p.costPerCall.value, p.costPerCall.digits)})` : '';
    out.push('', `### ${p.title}`, '', `Why: ${p.why}. What it shows: code owned by keygate takes **${pct(s.keygateOwnedShare)}** of the busy ` +
      `samples${cost}, ${num(s.busySamples)} samples${node ? `; ${NODE_ONLY} ${pct(node.share)}` : ''}; the busiest keygate ` +
      `functions are ${top}.`, '');
    const writev = s.topSelf.find((f) => f.name === 'writev');
    if (writev) {
      out.push(`The socket write of each response (\`writev\`, self time) alone takes ${pct(writev.share)} of the server's CPU here: a fixed ` +
        'cost per response, the same for every case, that squeezes every req/s ratio toward 1 (see the ceilings in the goals table).', '');
    }
    out.push(table(['by owner', 'share'], s.byOwner.slice(0, 8).map((f) => [f.name, pct(f.share)])));
    out.push('', table(['keygate function (nearest)', 'share'], s.keygateFunctions.slice(0, 10).map((f) => [`\`${f.name}\``, pct(f.share)])));
    out.push('', table(['top self time', 'share'], s.topSelf.slice(0, 8).map((f) => [`\`${f.name}\``, pct(f.share)])));
  }
  return out.join('\n');
}

function machineSection(machine, redisVersion) {
  return [
    '## Machine and versions',
    '',
    table(['what', 'value'], [
      ['CPU', machine.cpu], ['memory', machine.memory], ['OS', machine.os], ['Node', `${machine.node} (V8 ${machine.v8})`],
      ['redis-server', redisVersion], ['keygate commit', `${machine.commit} (packages built from the working tree, \`dist/\`)`],
      ['load average at start / end', `${machine.loadAtStart} / ${machine.loadAtEnd}`],
      ...Object.entries(machine.packages).map(([name, version]) => [name, version]),
    ]),
  ].join('\n');
}

/** What the profiles led to, and what stands between the open goals and their targets (written by hand). */
function findingsSection() {
  return [
    '## What the profiles showed, what changed, what is left',
    '',
    'Changes made from profiles (figures from the runs that led to them):',
    '',
    '- **A getter in the per-request object made Koa 60 % slower.** The adapters built the verifier\'s input with `get ip()` to read ' +
      '`req.ip` lazily. `--trace-gc` showed 2–3 ms scavenges and a growing old space, and a major-GC allocation profile showed whole ' +
      'requests (IncomingMessage, headers, sockets\' buffers) being promoted. Dropping the unused `ip`: keygate\'s Koa server CPU per ' +
      'request 31 → 18 µs (bare Koa 16), Express 88 → 80 µs.',
    '- **No microtask per decision.** In-memory key, rate-limit and replay stores answer synchronously (`Awaitable` results), the ' +
      'verifier awaits only real promises and allocates no closures on that path.',
    '- **Signatures**: the presented hex is decoded into a reused buffer (no regex, no allocation); a text body is one HMAC update.',
    '- **Honest floors.** The core floors use the one-shot `crypto.hash` SHA-256 that keygate itself uses (about 3× cheaper than ' +
      '`createHash`, shown for reference), so a ratio never credits keygate for calling a faster API than its floor.',
    '- **Warm signed requests in the micro bench.** Verifying 40 000 pre-signed requests made every request cold in memory (~1.5 µs ' +
      'a call that no server pays, since it verifies a request it has just parsed); they are now made in untimed chunks of 500.',
    '',
    'What stands between the open goals and their targets:',
    '',
    '- **Koa ≥ 2× koa-basic-auth** cannot be met by any middleware here: its ceiling (bare Koa against koa-basic-auth, same rounds) is ' +
      'well under 2×. keygate costs about half of what koa-basic-auth costs over bare Koa (server CPU per request).',
    '- **Express ≥ 1.15× the peers**: the ceiling is ~1.2×, so the target asks keygate to cost under ~3 % of bare Express. What keygate ' +
      'adds is a few µs of verification plus what any middleware pays in Express (a router layer, a promise hop, 4 response headers — ' +
      'express-rate-limit sets 4 as well); the profile shows no keygate function above ~1 % of the server\'s samples.',
    '- **Core, Basic + limiter ≤ 2× floor**: the floor is 4 operations on one hot string. Beyond it, verify parses and checks the header ' +
      '(scheme, base64 shape, control characters), makes a UUID request id (its own cost plus ~0.6 KB of garbage), and builds the ' +
      'result; against the `createHash` floor the same verify is ~1.1×.',
    '- **Core, key pair + signature ≤ 1.5× (HMAC + SHA-256)**: the 0.5× budget is ~0.9 µs. The replay check alone (a write into a full ' +
      '100 000-entry lru-cache, ~13 % of samples) and the request id use most of it; within the HMAC, OpenSSL 3\'s per-call initialisation ' +
      '(`init`) is ~14 %. An HMAC computed from two one-shot SHA-256 calls measured only ~10 % faster, not worth hand-rolled crypto.',
    '- **Flat lookup 1e3 → 1e6 keys ≤ 1.3×**: the lookup is one `Map` get; what grows is memory latency (cache misses in a table of a ' +
      'million entries and their records). As verify got cheaper, the same ~0.4 µs of misses became a larger share.',
  ].join('\n');
}

function notesSection(plan) {
  return [
    '## How the cases are set up',
    '',
    '- **Limits.** Every HTTP limiter (keygate memory and Redis, express-rate-limit memory and rate-limit-redis) is 100 000 requests per 1 s window ' +
      'for the one bench key. One key never gets there here (≤ ~30 000 req/s), so nothing is refused, yet keygate\'s exact sliding log is in ' +
      'steady state: every request evicts the admission that left the window and records its own (~rate × 1 s timestamps held). ' +
      'A limit like 1e9 would make the memory store account 8 GB for the key — over its 64 MiB bound, so lru-cache would never keep the log ' +
      'and the limiter would do no work. express-rate-limit counts a fixed window; it is given the same numbers. ' +
      'express-rate-limit uses standard (draft-6) headers, no legacy headers; behind express-basic-auth it limits per user, like keygate per key.',
    '- **Signed requests.** The load generator signs each request in autocannon\'s `setupRequest` hook with `signRequest` from `@keygate/core`: ' +
      'a fresh timestamp and a fresh 200-byte JSON body (a counter inside), so the replay cache never rejects one; keygate runs with ' +
      '`keypair: { signatures: \'required\' }`, reads the raw body itself (no body parser) and the route answers after it.',
    '- **Correctness.** Before the load, each fresh server must answer a valid request with 2xx and carry its rate-limit header; auth cases must ' +
      'answer 401 without credentials and to a wrong key; signed cases must answer 401 to a replayed and to an unsigned request. During the ' +
      'load every answer must be 2xx. Anything else is flagged ⚠️ in the tables above.',
    '- **Same routes everywhere.** Express: `GET /v1/ping` and `POST /v1/payments` answering `res.json({ ok: true })`; Koa: one handler setting ' +
      '`ctx.body = { ok: true }`. Signed cases POST a body; bare apps get GETs, so "× bare" for signed cases also includes the body.',
    `- **Noise.** A 2-core VM shared with other work: the load generator and the server each want a core, and Redis cases share them with redis-server. ` +
      'Compare ratios (taken per round) rather than absolute numbers; min–max columns show the spread.',
    `- **Mode.** ${plan.quick ? '`QUICK=1`: one short round, small sizes — a smoke test, not a measurement.' : 'Full run.'}`,
  ].join('\n');
}

export function renderReport({ started, finished, plan, machine, redisVersion, goals, http, micro, keyLookup, limiter, bound, redisMemory, profiles }) {
  const seconds = (finished - started) / 1000;
  const problems = http.cases.filter((c) => c.runs.some((r) => r.non2xx || r.errors || r.timeouts || r.failures.length));
  const out = [
    '# keygate benchmark results',
    '',
    `Written by \`${plan.quick ? 'QUICK=1 pnpm bench' : 'pnpm bench'}\` on ${new Date(started).toISOString()} in ${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s ` +
      `(${plan.quick ? 'QUICK smoke mode' : 'full mode'}). Everything below comes from this one run; quote the ratios, not the absolute numbers.`,
    '',
    problems.length ? `⚠️ **Correctness problems in: ${problems.map((c) => c.id).join(', ')}** (see the HTTP tables).` : '✅ Correctness: every HTTP case answered 2xx to every request and passed its checks.',
    '',
    '## Goals',
    '',
    table(['goal', 'target', 'measured', 'result', 'context'], goals.map((g) => [g.goal, g.target, g.shown, g.met ? 'met' : '**not met**', g.context ?? ''])),
    '',
    '"Ceiling" is the bare app against the same competitor in the same rounds: what keygate would score if it cost nothing. ' +
      'A target above its ceiling cannot be met on this machine by any middleware.',
    '',
    httpSection(http, plan.http),
    '',
    microSection(micro, plan.micro),
    '',
    scaleSection({ keyLookup, limiter, bound, redisMemory }),
    '',
    findingsSection(),
    '',
    profileSection(profiles),
    '',
    notesSection(plan),
    '',
    machineSection(machine, redisVersion),
    '',
  ];
  return out.join('\n');
}

