// Profiles one HTTP case: its server under `node --cpu-prof`, warmed up then loaded like a measurement.
import { mkdirSync, rmSync } from 'node:fs';
import { newestProfile, summarizeProfile } from '../lib/profile.mjs';
import { startLoadGenerator, startServer } from './run-http.mjs';

export async function profileHttpCase(benchCase, { dir, redis, warmupSeconds, seconds, connections }) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const loader = await startLoadGenerator();
  try {
    if (benchCase.redis) await redis.admin.flushall();
    const { port, server } = await startServer(benchCase, { redis, execArgv: ['--cpu-prof', '--cpu-prof-dir', dir] });
    try {
      const load = (duration) =>
        loader.call('run', { port, client: benchCase.client, path: benchCase.path, seconds: duration, connections });
      await load(warmupSeconds);
      await load(seconds);
    } finally {
      await server.stop(); // a normal exit, so the profile is written
    }
  } finally {
    await loader.stop();
  }
  return summarizeProfile(newestProfile(dir));
}
