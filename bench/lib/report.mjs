// Renders RESULTS.md from one run's results. Every ratio is computed from the same run.
import { httpRatios, MICRO_FLOORS, perRound, roundTrips, SCRIPT_COMMANDS } from './goals.mjs';
import { NODE_ONLY } from './profile.mjs';
import { bytes, median, num, range, ratio } from './stats.mjs';

const table = (head, rows) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join(
    '\n',
  );
const mib = (value) => `${(value / 2 ** 20).toFixed(1)} MiB`;

function httpChecks(runs) {
  const problems = [];
  const non2xx = runs.reduce((sum, r) => sum + r.non2xx, 0);
  const errors = runs.reduce((sum, r) => sum + r.errors + r.timeouts, 0);
  if (non2xx)
    problems.push(`**${non2xx} non-2xx** (${JSON.stringify(Object.assign({}, ...runs.map((r) => r.statusCodes)))})`);
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
      "of the same round); p99 and server CPU are medians too. Server CPU = the server process's own `process.cpuUsage()` " +
      '(user + system) over the measured phase, divided by the requests it received. "busy" = each process\'s CPU time over the wall ' +
      'time of the measured phase: the server, and the load generator (autocannon); the one near 100% limited the req/s.',
  ];
  for (const [title, belongs] of groups) {
    const cases = http.cases.filter(belongs);
    if (cases.length === 0) continue;
    out.push('', `### ${title}`, '');
    out.push(
      table(
        [
          'case',
          'req/s (median)',
          'req/s min–max',
          '× bare',
          'p99 ms',
          'server CPU µs/req',
          'busy: server / load generator',
          'correctness',
        ],
        cases.map((c) => {
          const rps = c.runs.map((r) => r.reqPerSec);
          const vsBare = c.id === c.baseline ? '1.00×' : ratio(median(httpRatios(http, c.id, c.baseline)));
          const busy = median(c.runs.map((r) => (r.cpuPerRequest * r.reqPerSec) / 1e6));
          const loader = median(c.runs.map((r) => r.loaderBusy));
          return [
            c.label,
            num(median(rps)),
            range(rps),
            vsBare,
            num(median(c.runs.map((r) => r.p99))),
            num(median(c.runs.map((r) => r.cpuPerRequest)), 1),
            `${Math.round(busy * 100)}% / ${Math.round(loader * 100)}%`,
            httpChecks(c.runs),
          ];
        }),
      ),
    );
  }
  const redisCases = http.cases.filter((c) => c.redis);
  if (redisCases.length) {
    out.push('', '### Redis commands during the measured phase (`INFO commandstats` before/after, all rounds)', '');
    out.push(
      table(
        [
          'case',
          'requests',
          'EVALSHA + EVAL',
          'per request',
          `other commands (inside the script: ${[...SCRIPT_COMMANDS].join(', ')})`,
        ],
        redisCases.map((c) => {
          const trips = roundTrips(http, c.id);
          const other = Object.entries(trips.other)
            .map(([command, calls]) => `${command} ${(calls / trips.requests).toFixed(2)}/req`)
            .join(', ');
          return [c.label, num(trips.requests), num(trips.scripts), trips.perRequest.toFixed(3), other || '—'];
        }),
      ),
    );
    out.push(
      '',
      'Commands a script runs are counted by `commandstats` but cost no round trip: keygate sends one EVALSHA per decision; ' +
        'rate-limit-redis also sends one EVALSHA (INCR + PTTL inside).',
    );
  }
  return out.join('\n');
}

function microSection(micro, plan) {
  const s = micro.samples;
  const floorOf = (name) =>
    name.startsWith('verify: Basic')
      ? MICRO_FLOORS.basicMap
      : name.startsWith('verify: key pair + signature')
        ? MICRO_FLOORS.signedComplete
        : undefined;
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

function replaySection(replay) {
  return [
    '### Memory replay store: signed requests at a steady rate over the default window',
    '',
    `\`MemoryDecisionStore\` with its defaults, on a simulated clock: ${num(replay.rate)} signed requests/s for ${num(replay.simulatedSeconds)} s ` +
      '(each signature kept 360 s: the default 300 s window plus the 60 s clock-skew margin, then steady state). Memory = heapUsed + ' +
      'arrayBuffers over the empty store, sampled every simulated 5 s without forcing a GC (garbage included), and after a full GC at ' +
      'the end. Then every signature still inside its window is presented again and must come back `replayed`.',
    '',
    table(
      [
        'decisions',
        'refused',
        'live signatures',
        'forgotten',
        'peak',
        'after a full GC',
        'process peak RSS',
        'ns per decision',
      ],
      [
        [
          num(replay.decisions),
          num(replay.refused),
          num(replay.live),
          num(replay.forgotten),
          mib(replay.peakBytes),
          mib(replay.settledBytes),
          mib(replay.maxRssBytes),
          num(replay.nsPerDecision),
        ],
      ],
    ),
  ].join('\n');
}

function instrSection(instr, plan) {
  const core = Object.entries(instr.core).map(([name, c]) => [
    name,
    num(c.perCall),
    c.again ? `${num(c.again.perCall)} (${selfCheck(c.perCall, c.again.perCall)})` : '',
  ]);
  const http = Object.entries(instr.http).map(([id, c]) => [
    id,
    num(c.perRequest),
    num(c.gcPerRequest),
    c.counts.map((count) => num(count.perRequest)).join(' / '),
    c.counts.length > 1 ? spread(c.counts.map((count) => count.perRequest)) : '',
    num(c.served),
    c.failures.length || c.non2xx || c.timeouts
      ? `⚠️ ${[...c.failures, c.non2xx && `${c.non2xx} non-2xx`, c.timeouts && `${c.timeouts} timeouts`].filter(Boolean).join('; ')}`
      : 'ok',
  ]);
  return [
    '## Instruction counts (INSTR=1)',
    '',
    'Executed instructions counted by `valgrind --tool=callgrind --smc-check=all-non-file` (Node flags `--single-threaded ' +
      '--no-memory-reducer --no-flush-bytecode`), uninstrumented until the warm-up is over; each process marks its own counted window ' +
      '(callgrind zeroes its counters on `process.getegid()` and dumps them on `process.geteuid()`). Counts do not move with the load ' +
      'of a shared machine; they do not see memory latency.',
    '',
    `- **Core**: per call = (instructions of ${num(2 * plan.core.calls)} calls − of ${num(plan.core.calls)} calls) / ${num(plan.core.calls)}, ` +
      `each in its own process after the same preparation and ${num(plan.core.warmup)} warm-up calls.`,
    `- **HTTP**: the server process under callgrind (also \`--expose-gc\`), a correctness check and ${perFramework(plan.http.warmup)} warm-up requests uncounted, then ` +
      `exactly ${perFramework(plan.http.requests)} requests (autocannon \`amount\`, ${plan.http.connections} connections) counted; per request = count / requests served, ` +
      `the mean of ${plan.http.processes} server processes per case, counted one at a time with nothing else running (a server sharing ` +
      `the CPU starves the load generator, which then keeps fewer requests waiting per turn of the event loop). The window opens and closes with a young-generation collection, so it ` +
      'holds the collections of its own requests and not one left from before by chance (a scavenge of an Express server is ~14 M ' +
      'instructions: without this, 1 000 requests held two or three of them and counts were up to 3 % apart); column "GC" is the part ' +
      "spent in V8's collector (`Heap::CollectGarbage`, inclusive), already in the total.",
    `- **Self-check**: one core case counted twice, and every HTTP case in ${plan.http.processes} fresh processes (columns "again" and ` +
      `"apart"; the issue asks ≤ 0.5 %). ${num(instr.seconds / 60)} min for all counts.`,
    '',
    table(['core case', 'instructions per call', 'again (difference)'], core),
    '',
    table(
      [
        'HTTP case',
        'server instructions per request (mean)',
        'of which GC',
        'each process',
        'apart',
        'requests counted',
        'correctness',
      ],
      http,
    ),
  ].join('\n');
}

const perFramework = (value) =>
  typeof value === 'number'
    ? num(value)
    : Object.entries(value)
        .map(([framework, n]) => `${num(n)} (${framework})`)
        .join(' / ');
const spread = (values) =>
  `${(((Math.max(...values) - Math.min(...values)) / Math.min(...values)) * 100).toFixed(2)} %`;
const selfCheck = (a, b) => `${spread([a, b])} apart`;

function scaleSection({ keyLookup, limiter, bound, redisMemory, replay }) {
  const sizes = Object.keys(keyLookup.builds)
    .map(Number)
    .sort((a, b) => a - b);
  const k = keyLookup.samples;
  const smallest = sizes[0];
  const lookupRows = sizes.map((size) => {
    const verify = k[`verify: Basic, ${size} keys`];
    const lookup = k[`store lookup (findByKeyHash), ${size} keys`];
    return [
      num(size),
      `${num(keyLookup.builds[size])} ms`,
      num(median(verify)),
      range(verify),
      ratio(median(perRound(verify, k[`verify: Basic, ${smallest} keys`]))),
      num(median(lookup)),
      ratio(median(perRound(lookup, k[`store lookup (findByKeyHash), ${smallest} keys`]))),
    ];
  });
  const head = [
    '## Scale',
    '',
    '### Key lookup: verify (Basic, limiter off) against the number of keys in the memory key store',
    '',
    'Keys are `keyHash` entries hashed before the store is built (build time below, not in any measurement); ' +
      `each size is probed on the same ${num(keyLookup.probes)} keys spread over the whole store; sizes interleaved over rounds, all in one process.`,
    '',
    table(
      ['keys', 'build + load', 'verify ns (median)', 'min–max', '× smallest', 'store lookup ns', '× smallest'],
      lookupRows,
    ),
    '',
    replaySection(replay),
  ];
  if (limiter === undefined) return head.join('\n');
  const limiterRows = Object.entries(limiter.memory).map(([limit, m]) => {
    const cost = limiter.samples[Object.keys(limiter.samples).find((name) => name.includes(`limit ${limit},`))];
    return [
      num(Number(limit)),
      num(m.keys),
      bytes(m.oneRequest),
      bytes(m.fullWindow),
      bytes(m.accounted),
      `${num(median(cost))} (${range(cost)})`,
    ];
  });
  const boundRows = bound.scenarios.flatMap((scenario) =>
    scenario.checkpoints.map((p) => [scenario.name, num(p.keysSeen), num(p.tracked), mib(p.accounted), mib(p.bytes)]),
  );
  const redisRows = Object.entries(redisMemory.results).map(([limit, r]) => [
    num(Number(limit)),
    num(r.keys),
    bytes(r.oneRequest.memoryUsage),
    bytes(r.fullWindow.memoryUsage),
    bytes(r.oneRequest.usedMemory),
    bytes(r.fullWindow.usedMemory),
  ]);
  return [
    ...head,
    '',
    '### Memory limiter (`MemoryDecisionStore`): cost per decision and memory per tracked key',
    '',
    'Memory = `heapUsed + arrayBuffers` delta after full GCs (`--expose-gc`), divided by the keys tracked. "Accounted" is what ' +
      'the store charges each key against `maxBytes`. Cost: steady state, 1 000 keys round-robin, every hit evicting one admission ' +
      'and recording one.',
    '',
    table(
      [
        'limit',
        'keys',
        'bytes/key, 1 request',
        'bytes/key, full window',
        'accounted/key',
        'ns per hit (median, min–max)',
      ],
      limiterRows,
    ),
    '',
    `### Memory limiter under many distinct keys (defaults: maxKeys ${num(bound.maxKeys)}, maxBytes ${mib(bound.maxBytes)}, limit ${bound.limit})`,
    '',
    table(['scenario', 'keys seen', 'keys tracked', 'accounted', 'heap + arrayBuffers'], boundRows),
    '',
    '### Redis store: memory per tracked key',
    '',
    table(
      [
        'limit',
        'keys',
        '`MEMORY USAGE`, 1 request',
        '`MEMORY USAGE`, full window',
        '`used_memory` Δ/key, 1 request',
        '`used_memory` Δ/key, full window',
      ],
      redisRows,
    ),
  ].join('\n');
}

function profileSection(profiles, { instr, goals }) {
  if (profiles.length === 0 && instr)
    return '## Profiles\n\nNot taken in an INSTR=1 run (the CPU profiler would change what callgrind counts); for a missed goal, see the notes on it.';
  if (profiles.length === 0 && goals.some((goal) => goal.met === false))
    return '## Profiles\n\nNot taken in a QUICK run.';
  if (profiles.length === 0)
    return '## Profiles\n\nEvery goal was met, so nothing was profiled (run with `PROFILE=1` to profile anyway).';
  const pct = (share) => `${(share * 100).toFixed(1)}%`;
  const out = [
    '## Profiles',
    '',
    'Taken because a goal was missed: `node --cpu-prof` on the server process under the same load as a measurement ' +
      '(HTTP), or the V8 profiler around one timed batch of the core verifier (micro). Shares are of the busy (non-idle) samples. ' +
      '"By owner" gives each sample to the nearest package frame above it, so the crypto keygate calls counts for keygate, and a ' +
      'socket write made inside `res.end()` for the framework that called it; what no package called (HTTP parsing, the event loop) ' +
      'is Node\'s. "keygate functions" gives each sample to the nearest keygate ' +
      'function above it (looking through Node internals and lru-cache/ioredis, not through the app). Raw profiles: `bench/.tmp/profiles/` (not committed).',
  ];
  for (const p of profiles) {
    const s = p.summary;
    const top = s.keygateFunctions
      .slice(0, 3)
      .map((f) => `\`${f.name.replace(/ \(.*/, '')}\` ${pct(f.share)}`)
      .join(', ');
    const node = s.byOwner.find((f) => f.name === NODE_ONLY);
    const cost = p.costPerCall
      ? ` (≈ ${num(s.keygateOwnedShare * p.costPerCall.value, p.costPerCall.digits)} ${p.costPerCall.unit} of ${num(p.costPerCall.value, p.costPerCall.digits)})`
      : '';
    out.push(
      '',
      `### ${p.title}`,
      '',
      `Why: ${p.why}. What it shows: code owned by keygate takes **${pct(s.keygateOwnedShare)}** of the busy ` +
        `samples${cost}, ${num(s.busySamples)} samples${node ? `; ${NODE_ONLY} ${pct(node.share)}` : ''}; the busiest keygate ` +
        `functions are ${top}.`,
      '',
    );
    const writev = s.topSelf.find((f) => f.name === 'writev');
    if (writev) {
      out.push(
        `The socket write of each response (\`writev\`, self time) alone takes ${pct(writev.share)} of the server's CPU here: a fixed ` +
          'cost per response, the same for every case, that squeezes every req/s ratio toward 1 (see the ceilings in the goals table).',
        '',
      );
    }
    out.push(
      table(
        ['by owner', 'share'],
        s.byOwner.slice(0, 8).map((f) => [f.name, pct(f.share)]),
      ),
    );
    out.push(
      '',
      table(
        ['keygate function (nearest)', 'share'],
        s.keygateFunctions.slice(0, 10).map((f) => [`\`${f.name}\``, pct(f.share)]),
      ),
    );
    out.push(
      '',
      table(
        ['top self time', 'share'],
        s.topSelf.slice(0, 8).map((f) => [`\`${f.name}\``, pct(f.share)]),
      ),
    );
  }
  return out.join('\n');
}

function machineSection(machine, redisVersion) {
  return [
    '## Machine and versions',
    '',
    table(
      ['what', 'value'],
      [
        ['CPU', machine.cpu],
        ['memory', machine.memory],
        ['OS', machine.os],
        ['Node', `${machine.node} (V8 ${machine.v8})`],
        ['redis-server', redisVersion],
        ['keygate commit', `${machine.commit} (packages built from the working tree, \`dist/\`)`],
        ['load average at start / end', `${machine.loadAtStart} / ${machine.loadAtEnd}`],
        ...Object.entries(machine.packages).map(([name, version]) => [name, version]),
      ],
    ),
  ].join('\n');
}

/** What the profiles led to, and what stands between the open goals and their targets (written by hand). */
export function findingsSection() {
  return [
    '## What changed for issue 15, and what is left',
    '',
    'Each change measured with the instruction counts of the core cases (this mode, before and after, same machine):',
    '',
    '- **Request ids**: a random UUID-shaped prefix drawn once per process plus a 12-hex-digit counter, instead of `randomUUID()` per ' +
      'request; still UUID-shaped, unique, and made only of hex digits, so it can never carry a credential. With the `atob` change below: ' +
      'Basic + limiter 31 323 → 24 099 instructions per call (−23 %).',
    '- **Basic credentials**: `atob` for a canonical token that decodes to printable ASCII (then its bytes are the UTF-8 text), the ' +
      'Buffer + UTF-8 decoder otherwise; a differential fast-check test keeps both paths equal.',
    '- **HMAC-SHA256 as two one-shot SHA-256 calls** over ipad/opad prepared once per secret, latin1 digests, one reused message ' +
      'buffer; the comparison stays `timingSafeEqual` over 32 bytes. RFC 4231 vectors (keys longer than a block included) and a ' +
      'differential fast-check test against `createHmac`. Signed key pair 81 854 → 69 109 instructions per call (−16 %).',
    '- **Replays** were already a typed-array fingerprint table (about 27 bytes per live signature at 10 000/s, see the replay table above).',
    '',
    'Second pass (each figure counted before and after):',
    '',
    '- **The pipeline waits only for a promise.** A store answers a value or a promise (`Awaitable`); `identify` and `admit` pass on ' +
      'what they get through `andThen` (`packages/core/src/awaitable.ts`) and `decide` awaits only a thenable: still one code path, but ' +
      'the memory stores, which answer at once, no longer pay a promise and a microtask per step. With it: no clock read without an ' +
      "`onDecision`, no closures on `admit`'s synchronous way, the control-character test only off the printable-ASCII path. Basic + " +
      'limiter 23 311 → 18 196 instructions per call (−22 %).',
    "- **Nothing added to `req` per Express request**: the error mode only in `errors: 'next'` mode (about 18 k instructions per " +
      "request), and a pending decision event on `res.locals`, Express's per-request dictionary. Counted alternatives: on `req`, a " +
      'hidden class per request; in a `WeakMap`, +48 k instructions of GC per request (ephemerons); `Object.defineProperty` on `auth`, ' +
      '+5 k per Koa request.',
    '- **Decision hooks on `process.nextTick`** once per burst, not `setImmediate` (−5 k instructions per Koa request: most bursts ' +
      "hold one event). `@keygate/prometheus` counts into fixed arrays and builds prom-client's samples at scrape time (it hashed " +
      'and validated labels on every `inc`/`observe`).',
    '- **The Basic floor, made honest both ways**: it decodes with `atob` (the floors use the fastest API keygate uses) and looks up ' +
      'the digest it has just computed, as any verifier must (it looked up a string made once, whose hash V8 had cached): ' +
      '9 165 → 7 466 instructions.',
    '- **Counting**: every HTTP window opens and closes with a young-generation collection, servers are counted one at a time, ' +
      'each case in two processes (see "Instruction counts").',
  ].join('\n');
}

function notesSection(plan) {
  return [
    '## How the cases are set up',
    '',
    '- **Limits.** Every HTTP limiter (keygate memory and Redis, express-rate-limit memory and rate-limit-redis) is 100 000 requests per 1 s window ' +
      "for the one bench key. One key never gets there here (≤ ~30 000 req/s), so nothing is refused, yet keygate's exact sliding log is in " +
      'steady state: every request evicts the admission that left the window and records its own (~rate × 1 s timestamps held). ' +
      'A limit like 1e9 would make the memory store account 8 GB for the key — over its 64 MiB bound, so lru-cache would never keep the log ' +
      'and the limiter would do no work. express-rate-limit counts a fixed window; it is given the same numbers. ' +
      'express-rate-limit uses standard (draft-6) headers, no legacy headers; behind express-basic-auth it limits per user, like keygate per key.',
    "- **Signed requests.** The load generator signs each request in autocannon's `setupRequest` hook with `signRequest` from `@keygate/core`: " +
      'a fresh timestamp and a fresh 200-byte JSON body (a counter inside), so the replay cache never rejects one; keygate runs with ' +
      "`keypair: { signatures: 'required' }`, reads the raw body itself (no body parser) and the route answers after it.",
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

export function renderReport({
  started,
  finished,
  plan,
  machine,
  redisVersion,
  goals,
  http,
  micro,
  keyLookup,
  replay,
  limiter,
  bound,
  redisMemory,
  instr,
  profiles,
}) {
  const seconds = (finished - started) / 1000;
  const problems = http.cases.filter((c) =>
    c.runs.some((r) => r.non2xx || r.errors || r.timeouts || r.failures.length),
  );
  const out = [
    '# keygate benchmark results',
    '',
    `Written by \`${plan.quick ? 'QUICK=1 ' : ''}${plan.instr ? 'INSTR=1 ' : ''}pnpm bench\` on ${new Date(started).toISOString()} in ${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s ` +
      `(${plan.quick ? 'QUICK smoke mode' : 'full mode'}). Everything below comes from this one run; quote the ratios, not the absolute numbers.`,
    '',
    problems.length
      ? `⚠️ **Correctness problems in: ${problems.map((c) => c.id).join(', ')}** (see the HTTP tables).`
      : '✅ Correctness: every HTTP case answered 2xx to every request and passed its checks.',
    '',
    '## Goals',
    '',
    table(
      ['goal', 'target', 'measured', 'judged on', 'result', 'secondary (same run)', 'context'],
      goals.map((g) => [
        g.goal,
        g.target,
        g.shown,
        g.figure ?? 'time',
        g.met ? 'met' : '**not met**',
        g.secondary ?? '',
        g.context ?? '',
      ]),
    ),
    '',
    instr
      ? '"Judged on" names the figure of each goal: instruction counts (INSTR=1, see "Instruction counts") for the core and HTTP ratios; ' +
        'time for the scale goal (memory latency, which instruction counts do not see); memory and replays for the replay store; ' +
        '`INFO commandstats` for Redis. Secondary figures (req/s, server CPU µs) come from the shorter timed pass of the same run, on a shared machine.'
      : 'Without INSTR=1 the core and HTTP goals are judged on time (server CPU µs per request, ns per call), which the load of a shared ' +
        'machine moves by tens of percent; `INSTR=1 pnpm bench` judges them on instruction counts.',
    '',
    ...(instr ? [instrSection(instr, plan.instr), ''] : []),
    httpSection(http, plan.http),
    '',
    microSection(micro, plan.micro),
    '',
    scaleSection({ keyLookup, limiter, bound, redisMemory, replay }),
    '',
    findingsSection(),
    '',
    profileSection(profiles, { instr, goals }),
    '',
    notesSection(plan),
    '',
    machineSection(machine, redisVersion),
    '',
  ];
  return out.join('\n');
}
