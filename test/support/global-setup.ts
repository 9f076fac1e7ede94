import type { TestProject } from 'vitest/node';
import { startPostgresServer, type PostgresServer } from './postgres-server.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of a real Redis for the tests, or '' when none could be started (local runs only). */
    redisUrl: string;
    /** Port and data dir of the Redis this setup started, so tests can stop and restart it; 0 when external. */
    redisPort: number;
    /** URL of a real PostgreSQL for the tests, or '' when none could be started (local runs only). */
    databaseUrl: string;
  }
}

let server: RedisServer | undefined;
let postgres: PostgresServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  await setupPostgres(project);
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    project.provide('redisPort', 0);
    return;
  }
  try {
    server = await startRedisServer();
    project.provide('redisUrl', server.url);
    project.provide('redisPort', server.port);
  } catch (error) {
    if (process.env.CI)
      throw new Error(`CI must run the Redis tests, but redis-server could not start: ${String(error)}`);
    console.warn(`\n[keygate] Redis tests SKIPPED: ${String(error)}. Install redis-server or set REDIS_URL.\n`);
    project.provide('redisUrl', '');
    project.provide('redisPort', 0);
  }
}

async function setupPostgres(project: TestProject): Promise<void> {
  if (process.env.KEYGATE_TEST_DATABASE_URL) {
    project.provide('databaseUrl', process.env.KEYGATE_TEST_DATABASE_URL);
    return;
  }
  try {
    postgres = await startPostgresServer();
    project.provide('databaseUrl', postgres.url);
  } catch (error) {
    if (process.env.CI)
      throw new Error(`CI must run the PostgreSQL tests, but PostgreSQL could not start: ${String(error)}`);
    console.warn(
      `\n[keygate] PostgreSQL tests SKIPPED: ${String(error)}. Install postgresql or set KEYGATE_TEST_DATABASE_URL.\n`,
    );
    project.provide('databaseUrl', '');
  }
}

export async function teardown(): Promise<void> {
  await server?.stop();
  await postgres?.destroy();
}
