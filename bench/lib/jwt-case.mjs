// The JWT micro cases (micro/jwt.mjs): their goal and their section of RESULTS.md.
import { median, num, range } from './stats.mjs';
import { perRound } from './goals.mjs';

const FLOOR = 'floor: jose jwtVerify alone (ES256, local JWKS, issuer + audience checked)';
const KEYGATE = 'verify: JWT (ES256) + limiter';

/** Runs the cases; resolves `{ goals, markdown }`. `runChild(script, options)` is run.mjs's. */
export async function runJwtCases({ runChild, plan, log }) {
  log('micro: JWT (ES256) verify beside jose alone');
  const { samples } = await runChild('./micro/jwt.mjs', {
    rounds: plan.rounds,
    iterations: Math.ceil(plan.iterations / 4),
  });
  const ratio = median(perRound(samples[KEYGATE], samples[FLOOR]));
  const goal = {
    goal: 'Core: verify JWT (ES256) + limiter vs jose jwtVerify alone on the same token and key (ns/op)',
    target: '≤ 1.2×',
    value: ratio,
    shown: `${ratio.toFixed(2)}×`,
    met: ratio <= 1.2,
    context: `${num(median(samples[KEYGATE]) / 1000, 1)} µs vs ${num(median(samples[FLOOR]) / 1000, 1)} µs per call`,
  };
  const rows = [FLOOR, KEYGATE].map((name) => `| ${name} | ${num(median(samples[name]))} | ${range(samples[name])} |`);
  const markdown = [
    '## JWT bearer tokens (core verifier, in process)',
    '',
    'One ES256 token verified again and again against a local key set; the floor is `jose`’s `jwtVerify` alone with the',
    'same key set, issuer and audience. keygate adds the scheme choice, the claims (tenant, scopes), the key store’s tenant',
    'lookup and the sliding-window limiter (60 per 60 s, full log).',
    '',
    '| case | ns/op (median) | range over rounds |',
    '|---|---|---|',
    ...rows,
    '',
    `Ratio (per-round median): **${ratio.toFixed(2)}×** (goal ≤ 1.2×).`,
    '',
  ].join('\n');
  return { goals: [goal], markdown };
}
