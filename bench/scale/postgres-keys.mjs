// Scale: keys in PostgreSQL (@keygate/postgres) against the memory store, in one process and one run.
// 1. cached verify (Basic, no limiter): PostgresKeyStore with a warm cache vs MemoryKeyStore holding the same probe
//    keys, interleaved; 2. a cold miss costs one query (the store's query counter over distinct cold keys);
// 3. p50/p99 of a cold verify among `keys` keys (each key asked once, so each is a miss); 4. the cache's memory at
//    its bound (`max` entries, after more distinct lookups than that).
// `node --expose-gc scale/postgres-keys.mjs '{"url":"postgres://…","keys":1000000}'`
import { hash } from 'node:crypto';
import { basicAuthorization, createVerifier, MemoryKeyStore } from '@keygate/core';
import { migrate, PostgresKeyStore } from '@keygate/postgres';
import pg from 'pg';
import { interleaved, memoryNow, timeAsync } from '../lib/timing.mjs';

const options = {
  keys: 1e6,
  probes: 5_000,
  rounds: 5,
  iterations: 40_000,
  coldSamples: 2_000,
  cacheMax: 10_000,
  ...JSON.parse(process.argv[2] ?? '{}'),
};
const schema = 'bench';
const keyOf = (i) => `pk_live_${String(i).padStart(32, '0')}`;
const request = (i) => ({
  method: 'GET',
  target: '/v1/ping',
  headers: { authorization: basicAuthorization(keyOf(i)) },
});

const pool = new pg.Pool({ connectionString: options.url, max: 4 });
await migrate(pool, schema);
const loadStarted = process.hrtime.bigint();
await pool.query(`INSERT INTO "${schema}".tenants (id) VALUES ('acme')`);
const client = await pool.connect();
// A bulk load: no trigger (no NOTIFY per row), in batches of 100 000.
await client.query("SET session_replication_role = 'replica'");
for (let from = 0; from < options.keys; from += 100_000) {
  const to = Math.min(options.keys, from + 100_000) - 1;
  await client.query(
    `INSERT INTO "${schema}".keys (id, tenant_id, kind, environment, key_hash, hint)
     SELECT 'key_' || i, 'acme', 'basic', 'live', encode(sha256(convert_to('pk_live_' || lpad(i::text, 32, '0'), 'UTF8')), 'hex'), right(i::text, 4)
     FROM generate_series($1::int, $2::int) AS i`,
    [from, to],
  );
}
client.release();
await pool.query(`ANALYZE "${schema}".keys`);
const loadMs = Number(process.hrtime.bigint() - loadStarted) / 1e6;
await pool.end();

const open = (cache) => PostgresKeyStore.open({ connectionString: options.url, schema, cache });
const spread = (count) => Array.from({ length: count }, (_, j) => Math.floor((j * options.keys) / count));

// 1. Cached verify: the same probe keys in both stores; the PostgreSQL cache holds them all (TTL longer than the run).
const probes = spread(Math.min(options.probes, options.cacheMax));
const memory = new MemoryKeyStore({
  tenants: [{ id: 'acme' }],
  keys: probes.map((i) => ({
    id: `key_${i}`,
    tenant: 'acme',
    keyHash: `sha256:${hash('sha256', keyOf(i), 'hex')}`,
    environment: 'live',
  })),
});
const cachedStore = await open({ max: options.cacheMax, ttlMs: 3_600_000 });
const verifiers = {
  memory: createVerifier({ keys: memory, rateLimit: false }),
  postgres: createVerifier({ keys: cachedStore, rateLimit: false }),
};
const requests = probes.map(request);
for (const input of requests)
  if (!(await verifiers.postgres.verify(input)).ok) throw new Error('warm-up refused a key');
const queriesBeforeCached = cachedStore.lookup.queries;
const measure = (verifier) => (n) =>
  timeAsync(async (i) => {
    const result = await verifier.verify(requests[i % requests.length]);
    if (!result.ok) throw new Error(result.error.code);
  }, n);
const samples = await interleaved(
  [
    { name: 'verify: Basic, MemoryKeyStore', measure: measure(verifiers.memory) },
    { name: 'verify: Basic, PostgresKeyStore (cached)', measure: measure(verifiers.postgres) },
  ],
  options,
);
const cachedQueries = cachedStore.lookup.queries - queriesBeforeCached;
await cachedStore.close();

// 2 and 3. Cold misses: distinct keys spread over the table, never asked before (empty cache).
const coldStore = await open({ max: options.cacheMax });
const coldVerifier = createVerifier({ keys: coldStore, rateLimit: false });
const coldKeys = spread(options.coldSamples).map((i) => (i + 7) % options.keys); // not the probe keys
const latencies = [];
const queriesBeforeCold = coldStore.lookup.queries;
for (const i of coldKeys) {
  const started = process.hrtime.bigint();
  const result = await coldVerifier.verify(request(i));
  latencies.push(Number(process.hrtime.bigint() - started) / 1e3);
  if (!result.ok) throw new Error(`cold lookup refused: ${result.error.code}`);
}
const coldQueries = coldStore.lookup.queries - queriesBeforeCold;
latencies.sort((a, b) => a - b);
const percentile = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
await coldStore.close();

// 4. The cache at its bound: more distinct lookups than `max`, then the heap it holds.
const boundStore = await open({ max: options.cacheMax });
const boundVerifier = createVerifier({ keys: boundStore, rateLimit: false });
const fill = spread(Math.min(options.keys, Math.ceil(options.cacheMax * 1.2)));
for (const i of fill)
  if (!(await boundVerifier.verify(request(i))).ok) throw new Error('a key was refused while filling the cache');
const cacheEntries = boundStore.cacheSize;
const full = memoryNow();
boundStore.reload(); // empties the cache: what it held is the difference
const after = memoryNow();
await boundStore.close();

const result = {
  samples,
  cachedQueries,
  cold: {
    count: coldKeys.length,
    queries: coldQueries,
    p50: percentile(50),
    p90: percentile(90),
    p99: percentile(99),
    max: latencies.at(-1),
  },
  cache: { max: options.cacheMax, entries: cacheEntries, bytes: full - after, lookups: fill.length },
  keys: options.keys,
  probes: probes.length,
  loadMs,
};
process.send?.({ type: 'result', ...result });
if (!process.send) console.log(JSON.stringify(result, null, 2));
