import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { basicAuthorization, createVerifier, parseKeysFile, type Verifier } from '@keygate/core';
import { ROOT } from './support/example-process.js';
import { tempDir } from './support/temp-dir.js';

/** The built binary, as `pnpm keygate` runs it (`pnpm test` builds first). */
const BIN = join(ROOT, 'packages', 'cli', 'dist', 'bin.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function keygate(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: options.cwd, env: { ...process.env, KEYGATE_KEYS: '', ...options.env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** A temp folder with a keys file holding tenant `acme`. */
async function setup(): Promise<{
  dir: string;
  file: string;
  run: (...args: string[]) => Promise<Run>;
  // biome-ignore lint/suspicious/noExplicitAny: the CLI's --json output, checked field by field by each test
  json: (...args: string[]) => Promise<any>;
}> {
  const dir = tempDir('keygate-cli-');
  const file = join(dir, 'keys.json');
  const run = (...args: string[]) => keygate([...args, '--file', file], { cwd: dir });
  const json = async (...args: string[]) => {
    const result = await run(...args, '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout);
  };
  await json('tenants', 'create', 'acme');
  return { dir, file, run, json };
}

const basicRequest = (key: string) => ({
  method: 'GET',
  target: '/',
  headers: { authorization: basicAuthorization(key) },
});
const pairRequest = (publicKey: string, secretKey: string) => ({
  method: 'GET',
  target: '/',
  headers: { authorization: `Bearer ${publicKey}`, 'x-api-secret': secretKey },
});

async function withVerifier<T>(file: string, now: number, use: (verifier: Verifier) => Promise<T>): Promise<T> {
  const verifier = createVerifier({ keys: file, now: () => now });
  try {
    return await use(verifier);
  } finally {
    await verifier.close();
  }
}

describe('keygate CLI: keys file, created if missing', () => {
  it('tenants create / suspend / activate print { id, status } and write the tenant', async () => {
    const { file, json } = await setup();
    expect(JSON.parse(readFileSync(file, 'utf8')).tenants).toEqual([{ id: 'acme', status: 'active' }]);
    expect(await json('tenants', 'suspend', 'acme')).toEqual({ id: 'acme', status: 'suspended' });
    expect(JSON.parse(readFileSync(file, 'utf8')).tenants[0].status).toBe('suspended');
    expect(await json('tenants', 'activate', 'acme')).toEqual({ id: 'acme', status: 'active' });
    expect(await json('tenants', 'create', 'beta')).toEqual({ id: 'beta', status: 'active' });
    expect(JSON.parse(readFileSync(file, 'utf8')).tenants.map((t: { id: string }) => t.id)).toEqual(['acme', 'beta']);
  });

  it('uses $KEYGATE_KEYS, else ./keys.json', async () => {
    const dir = tempDir('keygate-cli-');
    expect((await keygate(['tenants', 'create', 'a'], { cwd: dir })).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8'))).toEqual({
      tenants: [{ id: 'a', status: 'active' }],
      keys: [],
    });
    const other = join(dir, 'other.json');
    expect((await keygate(['tenants', 'create', 'b'], { cwd: dir, env: { KEYGATE_KEYS: other } })).code).toBe(0);
    expect(JSON.parse(readFileSync(other, 'utf8')).tenants).toEqual([{ id: 'b', status: 'active' }]);
  });

  it('keys create (Basic) prints every field, stores only keyHash + hint + environment, and the key verifies', async () => {
    const { file, json } = await setup();
    const out = await json(
      'keys',
      'create',
      '--tenant',
      'acme',
      '--env',
      'live',
      '--scopes',
      'payments:read,payments:write',
      '--rate-limit',
      '100/60s',
    );
    expect(Object.keys(out)).toEqual(['id', 'tenant', 'environment', 'kind', 'key', 'scopes']);
    expect(out.id).toMatch(/^key_[0-9A-Za-z]+$/);
    expect(out.tenant).toBe('acme');
    expect(out.environment).toBe('live');
    expect(out.kind).toBe('basic');
    expect(out.key).toMatch(/^pk_live_[0-9A-Za-z]{38}$/);
    expect(out.scopes).toEqual(['payments:read', 'payments:write']);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(out.key);
    const entry = JSON.parse(text).keys[0];
    expect(entry).toEqual({
      id: out.id,
      tenant: 'acme',
      keyHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      environment: 'live',
      hint: out.key.slice(-4),
      scopes: ['payments:read', 'payments:write'],
      rateLimit: { limit: 100, windowSeconds: 60 },
    });
    const result = await withVerifier(file, Date.now(), (verifier) => verifier.verify(basicRequest(out.key)));
    expect(result.ok).toBe(true);
    expect(result.ok && result.auth.keyId).toBe(out.id);
  });

  it('keys create --pair prints publicKey and secretKey; scopes null when unset; the pair verifies', async () => {
    const { file, json } = await setup();
    const out = await json('keys', 'create', '--tenant', 'acme', '--env', 'test', '--pair', '--id', 'key_mine');
    expect(Object.keys(out)).toEqual(['id', 'tenant', 'environment', 'kind', 'publicKey', 'secretKey', 'scopes']);
    expect(out).toEqual({
      id: 'key_mine',
      tenant: 'acme',
      environment: 'test',
      kind: 'keypair',
      publicKey: expect.stringMatching(/^pk_test_/),
      secretKey: expect.stringMatching(/^sk_test_/),
      scopes: null,
    });
    expect(JSON.parse(readFileSync(file, 'utf8')).keys[0]).toEqual({
      id: 'key_mine',
      tenant: 'acme',
      publicKey: out.publicKey,
      secretKey: out.secretKey,
      hint: out.publicKey.slice(-4),
    });
    const result = await withVerifier(file, Date.now(), (verifier) =>
      verifier.verify(pairRequest(out.publicKey, out.secretKey)),
    );
    expect(result.ok).toBe(true);
  });

  it('keys create --expires is stored; a duplicate --id, a bad --expires and a bad --rate-limit exit 1 and change nothing', async () => {
    const { file, run, json } = await setup();
    await json(
      'keys',
      'create',
      '--tenant',
      'acme',
      '--env',
      'live',
      '--id',
      'k1',
      '--expires',
      '2030-01-31T00:00:00Z',
    );
    expect(JSON.parse(readFileSync(file, 'utf8')).keys[0].expiresAt).toBe('2030-01-31T00:00:00Z');
    const before = readFileSync(file, 'utf8');
    const duplicate = await run('keys', 'create', '--tenant', 'acme', '--env', 'live', '--id', 'k1');
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('k1');
    for (const bad of [
      ['--expires', 'tomorrow'],
      ['--expires', '2030-02-30T00:00:00Z'],
      ['--rate-limit', 'lots'],
    ]) {
      const result = await run('keys', 'create', '--tenant', 'acme', '--env', 'live', ...bad);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(bad[0]);
    }
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('keys list prints the contract fields, null scopes/expiresAt when unset, and never a secret or full key', async () => {
    const { json, run } = await setup();
    await json('tenants', 'create', 'beta');
    const basic = await json(
      'keys',
      'create',
      '--tenant',
      'acme',
      '--env',
      'live',
      '--scopes',
      'a',
      '--expires',
      '2030-01-01T00:00:00Z',
    );
    const pair = await json('keys', 'create', '--tenant', 'beta', '--env', 'test', '--pair');
    await json('keys', 'revoke', pair.id);
    const list = await json('keys', 'list');
    expect(list).toEqual([
      {
        id: basic.id,
        tenant: 'acme',
        environment: 'live',
        kind: 'basic',
        scopes: ['a'],
        revoked: false,
        expiresAt: '2030-01-01T00:00:00Z',
        hint: basic.key.slice(-4),
      },
      {
        id: pair.id,
        tenant: 'beta',
        environment: 'test',
        kind: 'keypair',
        scopes: null,
        revoked: true,
        expiresAt: null,
        hint: pair.publicKey.slice(-4),
      },
    ]);
    for (const row of list)
      expect(Object.keys(row)).toEqual([
        'id',
        'tenant',
        'environment',
        'kind',
        'scopes',
        'revoked',
        'expiresAt',
        'hint',
      ]);
    expect(await json('keys', 'list', '--tenant', 'beta')).toEqual([list[1]]);
    for (const args of [['--json'], []]) {
      const { stdout, code } = await run('keys', 'list', ...args);
      expect(code).toBe(0);
      for (const secret of [basic.key, pair.publicKey, pair.secretKey]) {
        expect(stdout).not.toContain(secret);
        expect(stdout).not.toContain(secret.slice(0, 20));
        expect(stdout).not.toContain(secret.slice(-5));
      }
    }
  });

  it('keys revoke prints { id, revoked: true } and the key is refused', async () => {
    const { file, json } = await setup();
    const out = await json('keys', 'create', '--tenant', 'acme', '--env', 'live');
    expect(await json('keys', 'revoke', out.id)).toEqual({ id: out.id, revoked: true });
    expect(JSON.parse(readFileSync(file, 'utf8')).keys[0].revoked).toBe(true);
    const result = await withVerifier(file, Date.now(), (verifier) => verifier.verify(basicRequest(out.key)));
    expect(result.ok).toBe(false);
  });

  it('keys rotate of a pair: new secret first, both verify until previousValidUntil, only the new one after', async () => {
    const { file, json } = await setup();
    const created = await json('keys', 'create', '--tenant', 'acme', '--env', 'live', '--pair');
    const before = Date.now();
    const out = await json('keys', 'rotate', created.id, '--overlap', '2d');
    expect(Object.keys(out)).toEqual(['id', 'publicKey', 'secretKey', 'previousValidUntil']);
    expect(out.id).toBe(created.id);
    expect(out.publicKey).toBe(created.publicKey);
    expect(out.secretKey).toMatch(/^sk_live_/);
    expect(out.secretKey).not.toBe(created.secretKey);
    const until = Date.parse(out.previousValidUntil);
    expect(until).toBeGreaterThanOrEqual(before + 2 * 86_400_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 2 * 86_400_000);
    const entry = JSON.parse(readFileSync(file, 'utf8')).keys[0];
    expect(entry.secretKey).toBeUndefined();
    expect(entry.secretKeys).toEqual([
      { secretKey: out.secretKey },
      { secretKey: created.secretKey, notAfter: out.previousValidUntil },
    ]);
    for (const [now, oldOk] of [
      [Date.now(), true],
      [until - 1000, true],
      [until + 1000, false],
    ] as const) {
      await withVerifier(file, now, async (verifier) => {
        expect((await verifier.verify(pairRequest(created.publicKey, out.secretKey))).ok).toBe(true);
        expect((await verifier.verify(pairRequest(created.publicKey, created.secretKey))).ok).toBe(oldOk);
      });
    }
  });

  it('keys rotate of a Basic key: a new key (same tenant, scopes, rate limit) replaces the old, which expires after the overlap (default 7d)', async () => {
    const { file, json } = await setup();
    const created = await json(
      'keys',
      'create',
      '--tenant',
      'acme',
      '--env',
      'test',
      '--scopes',
      'a,b',
      '--rate-limit',
      '5/10s',
    );
    const before = Date.now();
    const out = await json('keys', 'rotate', created.id);
    expect(Object.keys(out)).toEqual(['id', 'key', 'replaces', 'previousValidUntil']);
    expect(out.id).toMatch(/^key_/);
    expect(out.id).not.toBe(created.id);
    expect(out.replaces).toBe(created.id);
    expect(out.key).toMatch(/^pk_test_/);
    const until = Date.parse(out.previousValidUntil);
    expect(until).toBeGreaterThanOrEqual(before + 7 * 86_400_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000);
    const [old, next] = JSON.parse(readFileSync(file, 'utf8')).keys;
    expect(old.expiresAt).toBe(out.previousValidUntil);
    expect(next).toMatchObject({
      id: out.id,
      tenant: 'acme',
      environment: 'test',
      scopes: ['a', 'b'],
      rateLimit: { limit: 5, windowSeconds: 10 },
      hint: out.key.slice(-4),
    });
    for (const [now, oldOk] of [
      [Date.now(), true],
      [until + 1000, false],
    ] as const) {
      await withVerifier(file, now, async (verifier) => {
        const fresh = await verifier.verify(basicRequest(out.key));
        expect(fresh.ok && fresh.auth.keyId).toBe(out.id);
        expect((await verifier.verify(basicRequest(created.key))).ok).toBe(oldOk);
      });
    }
  });

  it('every command has --help (exit 0)', async () => {
    const { run } = await setup();
    for (const command of [
      [],
      ['keys'],
      ['keys', 'create'],
      ['keys', 'list'],
      ['keys', 'revoke'],
      ['keys', 'rotate'],
      ['tenants', 'create'],
      ['tenants', 'suspend'],
      ['tenants', 'activate'],
      ['db', 'migrate'],
    ]) {
      const result = await run(...command, '--help');
      expect(result.code, command.join(' ')).toBe(0);
      expect(result.stdout).toContain('Usage: keygate');
    }
  });
});

describe('keygate CLI: exit codes', () => {
  it('usage errors exit 2: missing required flag, bad --env, unknown command or flag, missing ID, --database, db migrate', async () => {
    const { file, run } = await setup();
    const before = readFileSync(file, 'utf8');
    for (const args of [
      ['keys', 'create', '--env', 'live'],
      ['keys', 'create', '--tenant', 'acme'],
      ['keys', 'create', '--tenant', 'acme', '--env', 'prod'],
      ['keys', 'frobnicate'],
      ['nothing'],
      [],
      ['keys', 'list', '--colour'],
      ['keys', 'list', '--overlap', '1d'],
      ['keys', 'revoke'],
      ['keys', 'revoke', 'a', 'b'],
      ['keys', 'list', '--database', 'postgres://localhost/x'],
      ['db', 'migrate'],
    ]) {
      const result = await run(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^keygate: /);
      expect(result.stdout).toBe('');
    }
    expect((await run('db', 'migrate')).stderr).toContain('PostgreSQL');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('unknown id exits 1 (revoke, rotate); unknown tenant exits 1 naming `keygate tenants create`', async () => {
    const { run } = await setup();
    for (const args of [
      ['keys', 'revoke', 'key_nope'],
      ['keys', 'rotate', 'key_nope'],
      ['tenants', 'suspend', 'nobody'],
    ]) {
      const result = await run(...args, '--json');
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stdout).toBe('');
    }
    const result = await run('keys', 'create', '--tenant', 'nobody', '--env', 'live');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nobody');
    expect(result.stderr).toContain('keygate tenants create');
  });
});

describe('keygate CLI: safe writes', () => {
  it('10 concurrent `keys create` runs: all 10 keys are in the file', async () => {
    const { file, run } = await setup();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        run('keys', 'create', '--tenant', 'acme', '--env', 'live', '--id', `k${i}`, '--json'),
      ),
    );
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const data = JSON.parse(readFileSync(file, 'utf8'));
    expect(data.keys.map((key: { id: string }) => key.id).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `k${i}`).sort(),
    );
    expect(() => parseKeysFile(data)).not.toThrow();
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('a crash between writing the temp file and the rename leaves the old file whole; the next run takes the stale lock', async () => {
    const { dir, file, run, json } = await setup();
    await json('keys', 'create', '--tenant', 'acme', '--env', 'live', '--id', 'first');
    const before = readFileSync(file, 'utf8');
    const crashed = await keygate(
      ['keys', 'create', '--tenant', 'acme', '--env', 'live', '--id', 'second', '--file', file],
      { cwd: dir, env: { KEYGATE_CLI_CRASH_BEFORE_RENAME: '1' } },
    );
    expect(crashed.code).toBe(70);
    expect(readdirSync(dir).some((name) => name.endsWith('.tmp'))).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(() => parseKeysFile(JSON.parse(readFileSync(file, 'utf8')))).not.toThrow();
    // The crashed run left its lock; its pid is gone, so the next run proceeds.
    expect(existsSync(`${file}.lock`)).toBe(true);
    const next = await run('keys', 'create', '--tenant', 'acme', '--env', 'live', '--id', 'second');
    expect(next.code, next.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).keys.map((key: { id: string }) => key.id)).toEqual([
      'first',
      'second',
    ]);
  });

  it('refuses to change a keys file that does not validate (exit 1, file untouched)', async () => {
    const { file, run } = await setup();
    writeFileSync(file, JSON.stringify({ tenants: [], keys: [], extra: 1 }));
    const before = readFileSync(file, 'utf8');
    const result = await run('tenants', 'create', 'x');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('extra');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
