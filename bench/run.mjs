// `pnpm bench`: runs every case of keygate's benchmark suite and writes RESULTS.md.
// QUICK=1: a smoke run (< 1 min) that writes bench/.tmp/RESULTS-quick.md and exits 0 unless something crashed.
// PROFILE=1: profile the keygate cases even when every goal is met.
// INSTR=1: judge the core and HTTP goals on instruction counts under callgrind (lib/callgrind.mjs), with a shorter
// timed pass for the secondary req/s and CPU columns (~20 min); writes bench/RESULTS.md.
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { forkNode, installCleanup } from './lib/children.mjs';
import { hasValgrind } from './lib/callgrind.mjs';
import { evaluateGoals, httpRuns, MICRO_FLOORS } from './lib/goals.mjs';
import { countCore } from './lib/instructions.mjs';
import { runJwtCases } from './lib/jwt-case.mjs';
import { machineInfo } from './lib/machine.mjs';
import { summarizeProfile } from './lib/profile.mjs';
import { startRedis } from './lib/redis.mjs';
import { runPostgresCases } from './lib/postgres-case.mjs';
import { renderReport } from './lib/report.mjs';
import { mean, median } from './lib/stats.mjs';
import { caseById, HTTP_CASES } from './http/cases.mjs';
import { profileHttpCase } from './http/profile-http.mjs';
import { runHttp } from './http/run-http.mjs';
import { countHttp } from './http/count-http.mjs';

const QUICK = process.env.QUICK === '1';
const INSTR = process.env.INSTR === '1';
const here = (path) => fileURLToPath(new URL(path, import.meta.url));

const plan = QUICK
  ? {
      quick: true,
      http: { rounds: 1, warmupSeconds: 0.5, seconds: 1, connections: 10 },
      micro: { rounds: 3, iterations: 5_000 },
      keyLookup: { sizes: [1e3, 1e4, 1e5], rounds: 3, iterations: 5_000 },
      limiter: { keys: { 60: 10_000, 10000: 50 }, rounds: 3, iterations: 20_000 },
      bound: { distinct: 500_000, fullKeys: 120_000 },
      redisMemory: { keys: { 60: 200, 10000: 2 } },
      postgres: { keys: 20_000, probes: 2_000, rounds: 3, iterations: 5_000, coldSamples: 500 },
    }
  : {
      quick: false,
      http: { rounds: 4, warmupSeconds: 2, seconds: 5, connections: 10 },
      micro: { rounds: 7, iterations: 40_000 },
      keyLookup: { sizes: [1e3, 1e5, 1e6], rounds: 7, iterations: 40_000 },
      limiter: { keys: { 60: 100_000, 10000: 200 }, rounds: 7, iterations: 200_000 },
      bound: { distinct: 1_000_000, fullKeys: 200_000 },
      redisMemory: { keys: { 60: 2_000, 10000: 5 } },
      postgres: { keys: 1_000_000, probes: 5_000, rounds: 7, iterations: 40_000, coldSamples: 2_000 },
    };
// INSTR=1: the counted cases (what the goals need, plus one case counted twice as the self-check), and a
// shorter timed pass for the secondary columns. Warm-ups are long: a case counted while V8 still compiles is
// counted too high, and differently each time.
if (INSTR) {
  Object.assign(plan, {
    http: { rounds: 1, warmupSeconds: 1, seconds: 3, connections: 10 },
    micro: { rounds: 3, iterations: QUICK ? 5_000 : 20_000 },
    keyLookup: { ...plan.keyLookup, sizes: [1e3, 1e6] },
    limiter: undefined,
  });
  plan.instr = {
    core: {
      cases: [
        'verify: Basic + limiter',
        MICRO_FLOORS.basicMap,
        'verify: key pair + signature',
        MICRO_FLOORS.signedComplete,
      ],
      repeat: 'verify: Basic + limiter',
      warmup: QUICK ? 2_000 : 10_000,
      calls: QUICK ? 1_000 : 20_000,
    },
    http: {
      cases: [
        'express-bare',
        'express-noop',
        'express-keygate-basic',
        'express-basic-auth-rate-limit',
        'koa-bare',
        'koa-noop',
        'koa-keygate-basic',
        'koa-basic-auth',
        'express-keygate-basic-ondecision',
        'express-keygate-basic-prometheus',
        'koa-keygate-basic-ondecision',
        'koa-keygate-basic-prometheus',
      ],
      processes: QUICK ? 1 : 2,
      // An Express request costs ~5× a Koa one under valgrind; its per-request work also spreads more between
      // processes (megamorphic lookups keyed by heap addresses), hence more requests counted.
      warmup: QUICK ? 2_000 : { express: 6_000, koa: 10_000 },
      requests: QUICK ? 500 : { express: 3_000, koa: 5_000 },
      connections: 10,
    },
    // Core cases at a time, each two processes (HTTP servers are counted one at a time, see countInstructions).
    parallel: 1,
  };
}
plan.replay = { rate: 10_000, extraSeconds: QUICK ? 10 : 60 };
const output = QUICK ? here('./.tmp/RESULTS-quick.md') : here('./RESULTS.md');
const profileDir = here('./.tmp/profiles');

const log = (message) => console.log(message);

/** Runs one in-process runner in a fresh Node process and returns its `{ type: 'result' }` message. */
async function runChild(script, options, execArgv = []) {
  const child = forkNode(here(script), { args: [JSON.stringify(options)], execArgv: ['--expose-gc', ...execArgv] });
  const { type: _type, ...result } = await child.first('result', 600_000);
  await child.exited;
  return result;
}

/** One batch of one core-verifier case under the V8 profiler (the untimed preparation left out). */
async function profileMicro(caseName, dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/verify.cpuprofile`;
  await runChild('./micro/verifier.mjs', { only: [caseName], iterations: 100_000, profile: file });
  return summarizeProfile(file);
}

/** Profiles what a missed goal points at (or, with PROFILE=1, every keygate case that has a goal). */
async function profileMisses(goals, redis, { http, micro }) {
  const force = process.env.PROFILE === '1';
  const missed = (prefix) => force || goals.some((g) => !g.met && g.goal.startsWith(prefix));
  const targets = [
    missed('Express:') && { kind: 'http', id: 'express-keygate-basic', why: 'an Express goal' },
    missed('Koa:') && { kind: 'http', id: 'koa-keygate-basic', why: 'a Koa goal' },
    missed('Redis: keygate') && { kind: 'http', id: 'express-keygate-redis', why: 'the Redis throughput goal' },
    missed('Core: Basic') && { kind: 'micro', id: 'verify: Basic + limiter', why: 'the core Basic + limiter goal' },
    missed('Core: signed') && {
      kind: 'micro',
      id: 'verify: key pair + signature',
      why: 'the core key pair + signature goal',
    },
  ].filter(Boolean);
  const profiles = [];
  for (const target of targets) {
    const dir = `${profileDir}/${target.id.replace(/[^a-z0-9]+/gi, '-')}`;
    log(`profiling ${target.id} (${force ? 'PROFILE=1' : `missed ${target.why}`})`);
    const summary =
      target.kind === 'http'
        ? await profileHttpCase(caseById(target.id), { dir, redis, ...plan.http, seconds: 6 })
        : await profileMicro(target.id, dir);
    const title =
      target.kind === 'http'
        ? `HTTP server: ${target.id} (${caseById(target.id).label})`
        : `Core verifier: ${target.id}`;
    // The measured cost of one call, so the report can turn keygate's share into time per request.
    const costPerCall =
      target.kind === 'http'
        ? {
            value: median(httpRuns(http, target.id).map((r) => r.cpuPerRequest)),
            unit: 'µs of server CPU per request',
            digits: 0,
          }
        : { value: median(micro.samples[target.id]), unit: 'ns per call', digits: 0 };
    profiles.push({ title, why: force ? 'PROFILE=1' : `missed ${target.why}`, summary, costPerCall });
  }
  return profiles;
}

/** INSTR=1: the core cases, then the HTTP cases, under callgrind. */
async function countInstructions({ core, http, parallel }, redis) {
  log(
    `instructions: ${core.cases.length + 1} core cases (2 processes each), ${http.cases.length * http.processes} HTTP servers, under callgrind`,
  );
  const started = Date.now();
  const coreCounts = await countCore({ ...core, parallel, log });
  // One server at a time, with nothing else running: a server that shares the CPU with another starves the load
  // generator, which then keeps fewer requests waiting per turn of the event loop, and each turn costs
  // instructions (koa-keygate-basic: 140.1k and 144.6k per request, run alone and two at a time).
  const httpCounts = await countHttp({ ...http, cases: http.cases.map(caseById), redis, parallel: 1, log });
  const perCase = Object.fromEntries(
    httpCounts.cases.map(({ id, counts }) => [
      id,
      {
        counts,
        perRequest: mean(counts.map((c) => c.perRequest)),
        gcPerRequest: mean(counts.map((c) => c.gcPerRequest)),
        served: counts[0].served,
        failures: counts.flatMap((c) => c.failures),
        non2xx: counts.reduce((sum, c) => sum + c.non2xx, 0),
        timeouts: counts.reduce((sum, c) => sum + c.timeouts, 0),
      },
    ]),
  );
  return { core: coreCounts, http: perCase, seconds: (Date.now() - started) / 1000 };
}

async function main() {
  installCleanup();
  const started = Date.now();
  const machine = machineInfo();
  log(`keygate bench (${QUICK ? 'QUICK' : 'full'}): ${machine.cpu}, Node ${machine.node}, load ${machine.loadAtStart}`);
  if (INSTR && !(await hasValgrind())) throw new Error('INSTR=1 needs valgrind (callgrind) on PATH');
  const redis = await startRedis();
  try {
    log('micro: core verifier and floors');
    const micro = await runChild('./micro/verifier.mjs', plan.micro);
    const jwt = await runJwtCases({ runChild, plan: plan.micro, log });
    log('scale: key lookup');
    const keyLookup = await runChild('./scale/key-lookup.mjs', plan.keyLookup, ['--max-old-space-size=4096']);
    log('scale: memory replay store');
    const replay = await runChild('./scale/replay-memory.mjs', plan.replay);
    let limiter, bound, redisMemory;
    if (plan.limiter) {
      log('scale: memory limiter cost and memory per key');
      limiter = await runChild('./scale/limiter.mjs', plan.limiter);
      log('scale: memory limiter bound');
      bound = await runChild('./scale/limiter-bound.mjs', plan.bound);
      log('scale: Redis memory per key');
      redisMemory = await runChild('./scale/redis-memory.mjs', { ...plan.redisMemory, url: redis.url });
    }
    const postgres = await runPostgresCases({ runChild, plan: plan.postgres, log });
    log(`http: ${plan.http.rounds} round(s) × ${HTTP_CASES.length} cases`);
    const http = await runHttp({ ...plan.http, redis, log });
    const instr = plan.instr && (await countInstructions(plan.instr, redis));

    const goals = [...evaluateGoals({ http, micro, keyLookup, replay, instr }), ...postgres.goals];
    goals.push(...jwt.goals);
    const profiles = QUICK || INSTR ? [] : await profileMisses(goals, redis, { http, micro });
    machine.loadAtEnd = os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(' ');
    const report = renderReport({
      started,
      finished: Date.now(),
      plan,
      machine,
      redisVersion: redis.version,
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
    });
    mkdirSync(here('./.tmp'), { recursive: true });
    writeFileSync(output, `${report.trimEnd()}\n\n${postgres.markdown}`);

    appendFileSync(output, `\n${jwt.markdown}`);
    log('\ngoals:');
    for (const g of goals)
      log(
        `  ${g.met ? 'met    ' : 'NOT MET'}  ${g.goal}: ${g.shown} (target ${g.target}${g.figure ? `; ${g.figure}` : ''})`,
      );
    const broken = http.cases.filter((c) =>
      c.runs.some((r) => r.non2xx || r.errors || r.timeouts || r.failures.length),
    );
    if (broken.length) log(`\n!! correctness problems in: ${broken.map((c) => c.id).join(', ')}`);
    log(`\nwrote ${output} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    // A full run fails when a case answered wrongly; QUICK only fails on a crash.
    return broken.length && !QUICK ? 1 : 0;
  } finally {
    await redis.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
