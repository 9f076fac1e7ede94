// A throw-away PostgreSQL (initdb + postgres from the Debian package or PATH) on a free loopback port, data in a
// temp folder, durability off. As root, both run as the `postgres` user. The same steps as the tests' server
// (test/support/postgres-server.ts), which the bench cannot import (TypeScript).
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { spawnTracked } from './children.mjs';
import { freePort } from './redis.mjs';

function binDir() {
  for (const dir of (process.env.PATH ?? '').split(':'))
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    for (const version of readdirSync(root).sort((a, b) => Number(b) - Number(a))) {
      if (existsSync(join(root, version, 'bin', 'initdb'))) return join(root, version, 'bin');
    }
  }
  throw new Error('initdb not found (install the postgresql package)');
}

function runAs() {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid === 0)
    throw new Error('running as root with no "postgres" user');
  return { uid, gid };
}

/** Starts PostgreSQL; resolves `{ url, version, stop() }`; rejects with the reason when it cannot. */
export async function startPostgres() {
  const bin = binDir();
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'keygate-bench-pg-'));
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const init = spawnSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'],
    { encoding: 'utf8', cwd: dir, ...user },
  );
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.error?.message ?? init.stderr.trim().split('\n').pop()}`);
  }
  const port = await freePort();
  const settings = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'shared_buffers=256MB'];
  const child = spawnTracked(
    join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, ...settings.flatMap((s) => ['-c', s])],
    {
      stdio: 'ignore',
      cwd: dir,
      ...user,
    },
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {});
    try {
      await client.connect();
      const { rows } = await client.query('SHOW server_version');
      await client.end();
      return { url, version: rows[0].server_version, stop };
    } catch (error) {
      await client.end().catch(() => {});
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`postgres did not start: ${error.message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
