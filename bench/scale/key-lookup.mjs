// Scale: verify cost (Basic, no limiter, so the key lookup is what varies) with 1e3, 1e5 and 1e6 keys in
// the memory key store, plus the bare store lookup. Keys are `keyHash` entries hashed before the store is
// built; building is timed apart and never inside a measurement. Sizes interleaved over rounds.
// `node --expose-gc scale/key-lookup.mjs '{"sizes":[1000,100000,1000000],"rounds":5,"iterations":50000}'`
import { hash } from 'node:crypto';
import { basicAuthorization, createVerifier, MemoryKeyStore } from '@keygate/core';
import { interleaved, timeAsync, timeSync } from '../lib/timing.mjs';

// The same number of probes at every size (the store's 1 000 keys at 1e3), so sizes differ only in the table.
const options = {
  sizes: [1e3, 1e5, 1e6],
  rounds: 5,
  iterations: 50_000,
  probes: 1_000,
  ...JSON.parse(process.argv[2] ?? '{}'),
};
const keyOf = (i) => `pk_live_${String(i).padStart(32, '0')}`;

const cases = [];
const builds = {};
for (const size of options.sizes) {
  const started = process.hrtime.bigint();
  const keys = new Array(size);
  for (let i = 0; i < size; i++)
    keys[i] = {
      id: `key_${i}`,
      tenant: 'acme',
      keyHash: `sha256:${hash('sha256', keyOf(i), 'hex')}`,
      environment: 'live',
    };
  const store = new MemoryKeyStore({ tenants: [{ id: 'acme' }], keys });
  const verifier = createVerifier({ keys: store, rateLimit: false });
  builds[size] = Number(process.hrtime.bigint() - started) / 1e6;

  // Probes spread over the whole store, so a large store is not measured on a few hot entries.
  const count = Math.min(size, options.probes);
  const indexes = Array.from({ length: count }, (_, j) => Math.floor((j * size) / count));
  const requests = indexes.map((i) => ({
    method: 'GET',
    target: '/v1/ping',
    headers: { authorization: basicAuthorization(keyOf(i)) },
  }));
  const hashes = indexes.map((i) => hash('sha256', keyOf(i), 'hex'));
  cases.push({
    name: `verify: Basic, ${size} keys`,
    measure: (n) =>
      timeAsync(async (i) => {
        const result = await verifier.verify(requests[i % count]);
        if (!result.ok) throw new Error(`lookup ${size}: ${result.error.code}`);
      }, n),
  });
  cases.push({
    name: `store lookup (findByKeyHash), ${size} keys`,
    scale: 4,
    measure: (n) =>
      timeSync((i) => {
        if (store.findByKeyHash(hashes[i % count]) === undefined) throw new Error('lookup missed');
      }, n),
  });
}

const samples = await interleaved(cases, options);
process.send?.({ type: 'result', samples, builds, probes: options.probes });
if (!process.send) console.log(samples, builds);
