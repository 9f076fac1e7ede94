// Micro cases, in process: the core verifier per scheme beside the floor of the same run (the crypto and
// cache operations it cannot avoid). Batched timing, cases interleaved over rounds.
// `node --expose-gc micro/verifier.mjs '{"rounds":5,"iterations":50000,"only":[…]}'`; sends { type: 'result' }.
// With "profile": "<file>" it runs the one case named in "only" as a single batch under the V8 profiler
// (started after the untimed preparation, stopped right after the batch) and writes the .cpuprofile.
// With "instr": { "warmup", "calls", "prepared" } (INSTR=1, under callgrind) it runs the one case named in "only"
// untimed: `prepared` signed requests made first, `warmup` calls, then `calls` calls inside the counted window
// (lib/callgrind.mjs); the parent keeps the difference of two values of `calls`.
import { createHash, createHmac, hash, timingSafeEqual } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createVerifier } from '@keygate/core';
import { SlidingLog } from '../../packages/core/dist/decision/sliding-log.js';
import { hmacKey, hmacSha256 } from '../../packages/core/dist/signature/hmac.js';
import { LRUCache } from 'lru-cache';
import {
  BASIC_AUTHORIZATION,
  BASIC_KEY,
  jsonBody,
  keysFile,
  PUBLIC_KEY,
  SECRET_KEY,
  signedHeaders,
  SIGNED_PATH,
} from '../lib/fixtures.mjs';
import { startCounting, stopCounting } from '../lib/callgrind.mjs';
import { MICRO_FLOORS } from '../lib/goals.mjs';
import { interleaved, timeAsync, timeSync } from '../lib/timing.mjs';

const options = { rounds: 5, iterations: 50_000, ...JSON.parse(process.argv[2] ?? '{}') };

// One clock for every limiter and replay cache here, moved 1 s per call: at the default 60 per 60 s each
// call then evicts one admission and records one (a full log in steady state), and nothing is refused.
let clock = Date.now();
const tick = () => (clock += 1000);
const LIMIT = { limit: 60, windowSeconds: 60 };

// Floor ingredients.
const basicToken = BASIC_AUTHORIZATION.slice('Basic '.length);
const canonical = `${clock}.POST.${SIGNED_PATH}.${jsonBody('floor')}`;
const digestA = createHash('sha256').update('a').digest();
const digestB = createHash('sha256').update('b').digest();
const cache = new LRUCache({ max: 100_000 });
for (let i = 0; i < 1000; i++) cache.set(`key_${i}`, new SlidingLog(60));
cache.set('bench_basic', new SlidingLog(60));
const floorLog = new SlidingLog(60);
const keyMap = new Map(Array.from({ length: 1000 }, (_, i) => [`key_${i}`, { id: i }]));
keyMap.set(hash('sha256', BASIC_KEY, 'hex'), { id: 'bench_basic' });

// The complete floor of a signed request: what every correct verifier must do with one.
const floorHmacKey = hmacKey(SECRET_KEY);
const secretDigest = hash('sha256', SECRET_KEY, 'buffer');
const presentedHex = Array.from({ length: 256 }, (_, i) => hash('sha256', `presented ${i}`, 'hex'));
const presentedBytes = Buffer.alloc(32);
const expectedBytes = Buffer.alloc(32);
const replaySet = new Set();
const signedBody = jsonBody('floor');
let signedCount = 0;

// The floors use the fastest SHA-256 Node has (the one-shot `crypto.hash`, which keygate uses too), so that a
// ratio never credits keygate for merely calling a faster API than the floor does.
const sha256Hex = (value) => hash('sha256', value, 'hex');
const hmacHex = (value) => createHmac('sha256', SECRET_KEY).update(value).digest('hex');
// The fastest correct decoding of a printable-ASCII key (keygate's own, which also checks that it is printable).
const base64Key = () => atob(basicToken);

const floors = {
  'floor: base64 decode': () => base64Key(),
  'floor: SHA-256 of a 40-byte key (crypto.hash one-shot)': () => sha256Hex(BASIC_KEY),
  'floor: SHA-256 of a 40-byte key (createHash, for reference)': () =>
    createHash('sha256').update(BASIC_KEY).digest('hex'),
  [`floor: HMAC-SHA256 of the ${canonical.length}-byte canonical string`]: () => hmacHex(canonical),
  'floor: crypto.timingSafeEqual (32 B)': () => timingSafeEqual(digestA, digestB),
  'floor: lru-cache get': () => cache.get('bench_basic'),
  'floor: limiter update (SlidingLog check + count, limit 60)': () => {
    const now = tick();
    if (floorLog.hasRoom(60, 60_000, now)) floorLog.admit(60, 60_000, now);
  },
  'floor Basic + limiter: base64 + SHA-256 + cache get + limiter update': () => {
    sha256Hex(base64Key().slice(0, -1));
    const log = cache.get('bench_basic');
    const now = tick();
    if (log.hasRoom(60, 60_000, now)) log.admit(60, 60_000, now);
  },
  'floor key pair + signature: HMAC-SHA256 + SHA-256': () => {
    hmacHex(canonical);
    sha256Hex(SECRET_KEY);
  },
  [MICRO_FLOORS.basicMap]: () => {
    // The digest just computed, as any verifier must look up: a string made once would have its hash cached.
    keyMap.get(sha256Hex(base64Key().slice(0, -1)));
    const now = tick();
    if (floorLog.hasRoom(60, 60_000, now)) floorLog.admit(60, 60_000, now);
  },
  'floor: HMAC-SHA256, two one-shot SHA-256 over cached pads': () =>
    hmacSha256(floorHmacKey, `${clock}.POST.${SIGNED_PATH}.`, signedBody),
  [MICRO_FLOORS.signedComplete]: () => {
    // A fresh message per call, so the replay-set insert is a real insert (cleared at the default 100 000 entries).
    const expected = hmacSha256(floorHmacKey, `${clock + ++signedCount}.POST.${SIGNED_PATH}.`, signedBody);
    presentedBytes.write(presentedHex[signedCount & 255], 'hex');
    expectedBytes.write(expected, 0, 'latin1');
    timingSafeEqual(presentedBytes, expectedBytes);
    timingSafeEqual(hash('sha256', SECRET_KEY, 'buffer'), secretDigest);
    if (replaySet.size === 100_000) replaySet.clear();
    replaySet.add(expected);
  },
};

function verifier(rateLimit, signatures = 'optional') {
  return createVerifier({ keys: keysFile(), rateLimit, keypair: { signatures }, now: () => clock });
}
const basicRequest = { method: 'GET', target: '/v1/ping', headers: { authorization: BASIC_AUTHORIZATION } };
const pairRequest = {
  method: 'GET',
  target: '/v1/ping',
  headers: { authorization: `Bearer ${PUBLIC_KEY}`, 'x-api-secret': SECRET_KEY },
};

// Signed requests are made (untimed) in chunks this small just before they are verified, so each is as
// warm in the CPU caches as a request a server has just parsed. (Made 40 000 at a time, every request was
// cold in memory: a harness cost no server pays, about 1.5 µs per call here.)
const SIGNED_CHUNK = 500;

function signedRequests(name, n, version = 'v1') {
  return Array.from({ length: n }, (_, i) => {
    const body = jsonBody(`${name}-${clock}-${i}`);
    const headers = signedHeaders(body, clock + (i + 1) * 1000, version);
    return { method: 'POST', target: SIGNED_PATH, headers, body: Buffer.from(body) };
  });
}

/**
 * A verifier case (its verifier built only when the case runs); without a fixed `request` it verifies fresh
 * signed requests, made in untimed chunks.
 */
function verifyCase(name, makeVerifier, request, version) {
  if (options.only && !options.only.includes(name)) return undefined;
  const instance = makeVerifier();
  const timed = (requests, n) =>
    timeAsync(async (i) => {
      tick();
      const result = await instance.verify(requests ? requests[i] : request);
      if (!result.ok) throw new Error(`${name}: ${result.error.code}`);
    }, n);
  let prepared;
  return {
    name,
    // The profiler cannot leave the chunks' signing out, so a profiled batch is made beforehand in one go.
    prepareForProfile: request ? undefined : (n) => (prepared = signedRequests(name, n, version)),
    measure: async (n) => {
      if (request) return timed(undefined, n);
      if (prepared) return timed(prepared.splice(0, n), n);
      let total = 0;
      for (let done = 0; done < n; done += SIGNED_CHUNK) {
        const size = Math.min(SIGNED_CHUNK, n - done);
        total += (await timed(signedRequests(name, size, version), size)) * size;
      }
      return total / n;
    },
  };
}

const cases = [
  ...Object.entries(floors).map(([name, fn]) => ({ name, scale: 2, measure: (n) => timeSync(fn, n) })),
  verifyCase('verify: Basic', () => verifier(false), basicRequest),
  verifyCase('verify: Basic + limiter', () => verifier(LIMIT), basicRequest),
  verifyCase('verify: key pair', () => verifier(false), pairRequest),
  verifyCase('verify: key pair + limiter', () => verifier(LIMIT), pairRequest),
  verifyCase('verify: key pair + signature', () => verifier(false, 'required')),
  verifyCase('verify: key pair + signature + limiter', () => verifier(LIMIT, 'required')),
  verifyCase('verify: key pair + signature v2 + limiter', () => verifier(LIMIT, 'required'), undefined, 'v2'),
].filter((c) => c && (!options.only || options.only.includes(c.name)));

/** One case, warmed up, then one batch of `iterations` under the profiler. */
async function profileOne([c]) {
  c.prepareForProfile?.(options.iterations);
  await c.measure(options.iterations);
  c.prepareForProfile?.(options.iterations);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  const nsPerOp = await c.measure(options.iterations);
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  writeFileSync(options.profile, JSON.stringify(profile));
  return { [c.name]: [nsPerOp] };
}

/** One case for the instruction count: the same preparation and warm-up whatever `calls` is; only the calls counted. */
async function countOne([c], { warmup, calls, prepared }) {
  if (c === undefined) throw new Error(`no micro case ${options.only}`);
  c.prepareForProfile?.(prepared);
  await c.measure(warmup);
  // The parent switches callgrind's instrumentation on (run by hand, without a parent: instrumented from the start).
  if (process.send) {
    await new Promise((resolve) => {
      process.once('message', resolve);
      process.send({ type: 'instrument' });
    });
  }
  // Both processes enter the window with a collected heap, so a collection left over from the warm-up does not
  // land in one window and not the other.
  globalThis.gc?.();
  startCounting();
  await c.measure(calls);
  globalThis.gc?.(); // the garbage of the calls collected inside the window, in proportion to their number
  stopCounting();
  return {};
}

const samples = options.instr
  ? await countOne(cases, options.instr)
  : options.profile
    ? await profileOne(cases)
    : await interleaved(cases, options);
process.send?.({ type: 'result', samples });
if (!process.send) console.log(samples);
