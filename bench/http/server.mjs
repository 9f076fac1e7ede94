// One HTTP case's server, in its own process: `node http/server.mjs <case id>` (forked by the bench).
// Tells the parent its port ({ type: 'ready' }), answers { type: 'stats' } with its own CPU time
// (process.cpuUsage) and the number of requests it received, opens and closes the counted window of INSTR=1
// on { type: 'countStart' | 'countStop' }, and exits on { type: 'exit' }.
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { startCounting, stopCounting } from '../lib/callgrind.mjs';
import { serveParent } from '../lib/children.mjs';
import { caseById } from './cases.mjs';
import { expressApp } from './express-app.mjs';
import { koaApp } from './koa-app.mjs';

const benchCase = caseById(process.argv[2]);
const setup = benchCase.id.slice(benchCase.framework.length + 1);

let redis;
if (benchCase.redis) {
  redis = new Redis(process.env.BENCH_REDIS_URL, { enableOfflineQueue: false, lazyConnect: true });
  await redis.connect();
}

const handler = benchCase.framework === 'express' ? expressApp(setup, redis) : koaApp(setup).callback();
const server = createServer(handler);
let served = 0;
server.on('request', () => {
  served++;
});

serveParent({
  stats: () => ({ cpu: process.cpuUsage(), served }),
  // INSTR=1: the window callgrind counts (http/count-http.mjs).
  // Both edges of the window collect the young generation, so the window holds the collections of its own
  // requests, never one left from the warm-up (an Express scavenge is ~14 M instructions, a few per window).
  countStart: () => {
    globalThis.gc?.({ type: 'minor' });
    startCounting();
    return { served };
  },
  countStop: () => {
    globalThis.gc?.({ type: 'minor' });
    stopCounting();
    return { served };
  },
});

server.listen(0, '127.0.0.1', () => {
  process.send({ type: 'ready', port: server.address().port });
});
