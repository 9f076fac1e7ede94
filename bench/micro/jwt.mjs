// The JWT micro cases, in process: keygate's verifier (ES256 JWT + limiter) beside jose's `jwtVerify` alone on
// the same token and key set (the floor: the signature and claim checks keygate cannot avoid). Interleaved rounds.
// `node --expose-gc micro/jwt.mjs '{"rounds":5,"iterations":20000}'`; sends { type: 'result', samples }.
import { createVerifier } from '@keygate/core';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { keysFile } from '../lib/fixtures.mjs';
import { JWT_AUTHORIZATION, JWT_OPTIONS, JWT_TOKEN } from '../lib/jwt-fixtures.mjs';
import { interleaved, timeAsync } from '../lib/timing.mjs';

const options = { rounds: 5, iterations: 20_000, ...JSON.parse(process.argv[2] ?? '{}') };

// Moved 1 s per call, as in micro/verifier.mjs: at 60 per 60 s the limiter log is full and nothing is refused.
let clock = Date.now();
const tick = () => (clock += 1000);

const FLOOR = 'floor: jose jwtVerify alone (ES256, local JWKS, issuer + audience checked)';
const KEYGATE = 'verify: JWT (ES256) + limiter';

const keySet = createLocalJWKSet(JWT_OPTIONS.jwks);
const floorOptions = { issuer: JWT_OPTIONS.issuer, audience: JWT_OPTIONS.audience, algorithms: ['ES256'] };
const verifier = createVerifier({
  keys: keysFile(),
  rateLimit: { limit: 60, windowSeconds: 60 },
  jwt: JWT_OPTIONS,
  now: () => clock,
});
const request = { method: 'GET', target: '/v1/ping', headers: { authorization: JWT_AUTHORIZATION } };

const cases = [
  {
    name: FLOOR,
    measure: (n) =>
      timeAsync(async () => {
        tick();
        await jwtVerify(JWT_TOKEN, keySet, { ...floorOptions, currentDate: new Date(clock) });
      }, n),
  },
  {
    name: KEYGATE,
    measure: (n) =>
      timeAsync(async () => {
        tick();
        const result = await verifier.verify(request);
        if (!result.ok) throw new Error(`${KEYGATE}: ${result.error.code}`);
      }, n),
  },
];

const samples = await interleaved(cases, options);
process.send?.({ type: 'result', samples });
if (!process.send) console.log(samples);
