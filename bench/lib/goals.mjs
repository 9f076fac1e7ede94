// The goals of the suite, judged on ratios from the same run (per-round ratios, then their median).
import { median } from './stats.mjs';

/** 1000000 → "1e6". */
const power = (value) => value.toExponential(0).replace('+', '');

/** Per-round ratios a[i] / b[i]. */
export const perRound = (a, b) => a.map((value, i) => value / b[i]);

export function httpRuns(http, id) {
  const found = http.cases.find((c) => c.id === id);
  if (!found) throw new Error(`no HTTP case ${id}`);
  return found.runs;
}

/** Per-round req/s ratios of case `id` against case `against`. */
export function httpRatios(http, id, against) {
  return perRound(httpRuns(http, id).map((r) => r.reqPerSec), httpRuns(http, against).map((r) => r.reqPerSec));
}

// Commands the sliding-log script runs inside Redis (counted by INFO commandstats, but no round trip).
export const SCRIPT_COMMANDS = new Set(['exists', 'lindex', 'llen', 'lpop', 'rpush', 'pexpire', 'set']);
const OUR_COMMANDS = new Set(['info']); // the bench's own INFO calls around the measurement

/** EVALSHA/EVAL calls against requests served, over every round of one Redis case. */
export function roundTrips(http, id) {
  let requests = 0;
  let scripts = 0;
  const other = {};
  for (const run of httpRuns(http, id)) {
    requests += run.served;
    for (const [command, calls] of Object.entries(run.commands ?? {})) {
      if (command === 'evalsha' || command === 'eval') scripts += calls;
      else if (!OUR_COMMANDS.has(command)) other[command] = (other[command] ?? 0) + calls;
    }
  }
  return { requests, scripts, perRequest: scripts / requests, other };
}

const atLeast = (target) => (value) => value >= target;
const atMost = (target) => (value) => value <= target;

/** Every goal: `{ goal, target, value (number or text), shown, met }`. */
export function evaluateGoals({ http, micro, keyLookup, limiter, bound, connections }) {
  const goals = [];
  const ratioGoal = (goal, target, ratios, test, context) => {
    const value = median(ratios);
    goals.push({ goal, target, value, shown: `${value.toFixed(2)}×`, met: test(value), context });
  };
  const cpu = (id) => median(httpRuns(http, id).map((r) => r.cpuPerRequest));
  /** Server CPU per request of keygate and the other case, and the ceiling (bare ÷ other) when `bare` is given. */
  const httpContext = (keygateId, otherId, bare) =>
    [`server CPU/req ${cpu(keygateId).toFixed(0)} vs ${cpu(otherId).toFixed(0)} µs`, bare && `ceiling ${median(httpRatios(http, bare, otherId)).toFixed(2)}×`]
      .filter(Boolean)
      .join('; ');

  ratioGoal('Express: keygate Basic + limiter vs express-basic-auth + express-rate-limit (req/s)', '≥ 1.15×',
    httpRatios(http, 'express-keygate-basic', 'express-basic-auth-rate-limit'), atLeast(1.15),
    httpContext('express-keygate-basic', 'express-basic-auth-rate-limit', 'express-bare'));
  ratioGoal('Express: keygate Basic + limiter vs bare Express (req/s)', '≥ 0.85×',
    httpRatios(http, 'express-keygate-basic', 'express-bare'), atLeast(0.85), httpContext('express-keygate-basic', 'express-bare'));
  ratioGoal('Koa: keygate Basic + limiter vs koa-basic-auth (req/s)', '≥ 2×',
    httpRatios(http, 'koa-keygate-basic', 'koa-basic-auth'), atLeast(2), httpContext('koa-keygate-basic', 'koa-basic-auth', 'koa-bare'));
  ratioGoal('Koa: keygate Basic + limiter vs bare Koa (req/s)', '≥ 0.6×',
    httpRatios(http, 'koa-keygate-basic', 'koa-bare'), atLeast(0.6), httpContext('koa-keygate-basic', 'koa-bare'));

  // Issue 13: decision events and metrics are cheap enough to leave on (server CPU per request, same run).
  for (const [framework, name] of [['express', 'Express'], ['koa', 'Koa']]) {
    const cpus = (id) => httpRuns(http, id).map((r) => r.cpuPerRequest);
    const plain = `${framework}-keygate-basic`;
    for (const [hooks, what, target] of [['prometheus', '@keygate/prometheus mounted', 1.05], ['ondecision', 'a no-op onDecision', 1.05]]) {
      const id = `${plain}-${hooks}`;
      ratioGoal(`${name}: keygate Basic + limiter with ${what} vs without (server CPU/req)`, `≤ ${target}×`, perRound(cpus(id), cpus(plain)),
        atMost(target), `server CPU/req ${cpu(id).toFixed(0)} vs ${cpu(plain).toFixed(0)} µs`);
    }
  }

  const s = micro.samples;
  ratioGoal('Core: verify Basic + limiter vs its floor (base64 decode + SHA-256 + cache get + limiter update) (time)', '≤ 2×',
    perRound(s['verify: Basic + limiter'], s[MICRO_FLOORS.basic]), atMost(2),
    `verify ${median(s['verify: Basic + limiter']).toFixed(0)} ns vs floor ${median(s[MICRO_FLOORS.basic]).toFixed(0)} ns`);
  ratioGoal('Core: verify key pair + signature vs one HMAC-SHA256 + one SHA-256 (time)', '≤ 1.5×',
    perRound(s['verify: key pair + signature'], s[MICRO_FLOORS.signed]), atMost(1.5),
    `verify ${median(s['verify: key pair + signature']).toFixed(0)} ns vs floor ${median(s[MICRO_FLOORS.signed]).toFixed(0)} ns; ` +
      `key pair without signature ${median(s['verify: key pair']).toFixed(0)} ns`);

  const trips = roundTrips(http, 'express-keygate-redis');
  const exact = Math.abs(trips.scripts - trips.requests) <= 2 * connections * httpRuns(http, 'express-keygate-redis').length;
  const others = Object.keys(trips.other).filter((command) => !SCRIPT_COMMANDS.has(command));
  goals.push({
    goal: 'Redis: round trips per rate-limit decision (EVALSHA + EVAL calls / requests, INFO commandstats)',
    target: '= 1',
    value: trips.perRequest,
    shown: `${trips.perRequest.toFixed(3)} (${trips.scripts} scripts / ${trips.requests} requests${others.length ? `; other commands: ${others.join(', ')}` : ''})`,
    met: exact && others.length === 0,
  });
  ratioGoal('Redis: keygate Basic + limiter on Redis vs express-basic-auth + express-rate-limit + rate-limit-redis (req/s)', '≥ 1.0×',
    httpRatios(http, 'express-keygate-redis', 'express-basic-auth-rate-limit-redis'), atLeast(1),
    httpContext('express-keygate-redis', 'express-basic-auth-rate-limit-redis', 'express-bare'));

  const sizes = Object.keys(keyLookup.builds).map(Number).sort((a, b) => a - b);
  const small = sizes[0];
  const large = sizes.at(-1);
  ratioGoal(`Scale: verify cost with ${power(large)} vs ${power(small)} keys (time)`, '≤ 1.3×',
    perRound(keyLookup.samples[`verify: Basic, ${large} keys`], keyLookup.samples[`verify: Basic, ${small} keys`]), atMost(1.3),
    `the bare store lookup grows ${median(perRound(keyLookup.samples[`store lookup (findByKeyHash), ${large} keys`], keyLookup.samples[`store lookup (findByKeyHash), ${small} keys`])).toFixed(1)}× ` +
      '(cache misses) but is small next to the SHA-256 of the key');

  const perKey = limiter.memory[60];
  goals.push({
    goal: 'Scale: memory limiter, bytes per tracked key at limit 60 (written down)',
    target: 'measured',
    value: perKey.fullWindow,
    shown: `${Math.round(perKey.oneRequest)} B with 1 request in the window, ${Math.round(perKey.fullWindow)} B with a full window`,
    met: Number.isFinite(perKey.oneRequest) && Number.isFinite(perKey.fullWindow),
  });
  const distinct = bound.scenarios[0];
  const last = distinct.checkpoints.at(-1);
  const half = distinct.checkpoints.at(-2);
  const withinBound = (point) => point.tracked <= bound.maxKeys && point.accounted <= bound.maxBytes && point.bytes <= bound.maxBytes;
  goals.push({
    goal: `Scale: memory limiter bounded after ${power(last.keysSeen)} distinct keys (defaults: maxKeys ${bound.maxKeys}, maxBytes 64 MiB)`,
    target: '≤ maxBytes, flat',
    value: last.bytes,
    shown: `${(last.bytes / 2 ** 20).toFixed(1)} MiB, ${last.tracked} keys tracked (${(half.bytes / 2 ** 20).toFixed(1)} MiB at ${half.keysSeen} keys)`,
    met: withinBound(last) && last.bytes <= half.bytes * 1.1,
  });
  const full = bound.scenarios[1].checkpoints.at(-1);
  goals.push({
    goal: `(extra check) the same bound when every tracked key has a full window of ${bound.limit}`,
    target: '≤ maxBytes',
    value: full.bytes,
    shown: `${(full.bytes / 2 ** 20).toFixed(1)} MiB for ${full.tracked} keys tracked`,
    met: withinBound(full),
    context: `the store accounts ${(full.accounted / full.tracked).toFixed(0)} B per key; measured ${(full.bytes / full.tracked).toFixed(0)} B per key at this size`,
  });
  return goals;
}

/** The micro floors the verifier goals compare against (names of cases in micro/verifier.mjs). */
export const MICRO_FLOORS = {
  basic: 'floor Basic + limiter: base64 + SHA-256 + cache get + limiter update',
  signed: 'floor key pair + signature: HMAC-SHA256 + SHA-256',
};
