// Scale: Redis memory per tracked key of keygate's RedisDecisionStore (`MEMORY USAGE` of the log, and the
// `used_memory` delta), with one request in the window and with a full window, at limits 60 and 10 000.
// `node scale/redis-memory.mjs '{"url":"redis://…","keys":{"60":2000,"10000":5}}'`
import { Redis } from 'ioredis';
import { RedisDecisionStore } from '@keygate/redis';

const options = { keys: { 60: 2000, 10000: 5 }, batch: 500, ...JSON.parse(process.argv[2] ?? '{}') };
const WINDOW_MS = 60_000;
const client = new Redis(options.url, { lazyConnect: true });
await client.connect();
const store = new RedisDecisionStore({ client, prefix: 'mem:' });
const logKey = (id) => `mem:{${id}}:rl`;

const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await client.info('memory'))[1]);

/** Runs `hit` for each `[id, now]`, `batch` in flight at a time. */
async function hitAll(calls, limit) {
  for (let i = 0; i < calls.length; i += options.batch) {
    await Promise.all(
      calls
        .slice(i, i + options.batch)
        .map(([id, now]) => store.decide({ key: id, now, limit: { limit, windowMs: WINDOW_MS } })),
    );
  }
}

async function averageUsage(ids) {
  const sample = ids.slice(0, 200);
  const sizes = await Promise.all(sample.map((id) => client.memory('USAGE', logKey(id), 'SAMPLES', '0')));
  return sizes.reduce((sum, size) => sum + Number(size), 0) / sample.length;
}

const results = {};
for (const [limitText, keyCount] of Object.entries(options.keys)) {
  const limit = Number(limitText);
  await client.flushall();
  const base = await usedMemory();
  const now = Date.now();
  const ids = Array.from({ length: keyCount }, (_, i) => `key_${limit}_${i}`);
  await hitAll(
    ids.map((id) => [id, now]),
    limit,
  );
  const one = { memoryUsage: await averageUsage(ids), usedMemory: ((await usedMemory()) - base) / keyCount };
  const rest = [];
  for (let j = 1; j < limit; j++) for (const id of ids) rest.push([id, now + j]);
  await hitAll(rest, limit);
  const full = { memoryUsage: await averageUsage(ids), usedMemory: ((await usedMemory()) - base) / keyCount };
  const length = await client.llen(logKey(ids[0]));
  if (length !== limit) throw new Error(`expected a full log of ${limit}, found ${length}`);
  results[limit] = { keys: keyCount, oneRequest: one, fullWindow: full };
}
await client.flushall();
client.disconnect();
process.send?.({ type: 'result', results });
if (!process.send) console.dir(results, { depth: 4 });
