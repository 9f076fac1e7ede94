// What the results were measured on: machine, Node, package versions, load.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

const BENCH = new URL('../', import.meta.url);
const PACKAGES = [
  '@keygate/core',
  '@keygate/express',
  '@keygate/koa',
  '@keygate/redis',
  'express',
  'koa',
  'express-basic-auth',
  'express-rate-limit',
  'rate-limit-redis',
  'koa-basic-auth',
  'ioredis',
  'lru-cache',
  'autocannon',
];

function versionOf(name) {
  try {
    return JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, BENCH), 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

function commit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: BENCH,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: `${cpus[0]?.model ?? 'unknown'} × ${cpus.length}${cpus[0]?.speed ? ` (${cpus[0].speed} MHz)` : ''}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    commit: commit(),
    packages: Object.fromEntries(PACKAGES.map((name) => [name, versionOf(name)])),
    loadAtStart: os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(' '),
  };
}
