import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { basicAuthorization, createVerifier, generateApiKey, generateKeyPair } from '@keygate/core';
import { PostgresKeyStore } from '@keygate/postgres';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { ROOT } from './support/example-process.js';
import { databaseUrl, describePostgres, ENCRYPTION_KEY } from './support/postgres.js';
import { tempDir } from './support/temp-dir.js';

/** The built binary, as `pnpm keygate` runs it (`pnpm test` builds first). */
const BIN = join(ROOT, 'packages', 'cli', 'dist', 'bin.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function keygate(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const merged: Record<string, string | undefined> = {
      ...process.env,
      KEYGATE_KEYS: '',
      KEYGATE_DATABASE_URL: '',
      KEYGATE_ENCRYPTION_KEY: ENCRYPTION_KEY,
      ...env,
    };
    for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: tempDir('keygate-cli-pg-'), env: merged },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** A schema of its own; `run` targets it with --database, `json` also checks exit 0 and an empty stderr. */
function target(env: Record<string, string | undefined> = {}) {
  const schema = `kg_cli_${randomBytes(5).toString('hex')}`;
  const run = (...args: string[]) =>
    keygate([...args, '--database', databaseUrl], { KEYGATE_DATABASE_SCHEMA: schema, ...env });
  const json = async (...args: string[]) => {
    const result = await run(...args, '--json');
    expect(result.stderr, args.join(' ')).toBe('');
    expect(result.code, args.join(' ')).toBe(0);
    return JSON.parse(result.stdout);
  };
  return { schema, run, json };
}

const stores: PostgresKeyStore[] = [];
async function storeOn(schema: string): Promise<PostgresKeyStore> {
  const store = await PostgresKeyStore.open({ connectionString: databaseUrl, schema, encryptionKey: ENCRYPTION_KEY });
  stores.push(store);
  return store;
}

describePostgres('cli')('keygate CLI on PostgreSQL (--database / $KEYGATE_DATABASE_URL)', () => {
  afterAll(() => Promise.all(stores.map((store) => store.close())));

  it('db migrate prints { migrated, version }; two at once both succeed and the schema is migrated once', async () => {
    const { schema, run, json } = target();
    const [a, b] = await Promise.all([run('db', 'migrate', '--json'), run('db', 'migrate', '--json')]);
    for (const result of [a, b]) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ migrated: true, version: 1 });
    }
    expect(await json('db', 'migrate')).toEqual({ migrated: true, version: 1 });
    const pool = new pg.Pool({ connectionString: databaseUrl });
    try {
      expect((await pool.query(`SELECT version FROM "${schema}".keygate_migrations`)).rows).toEqual([{ version: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('tenants create / suspend / activate; create twice or an unknown tenant → exit 1', async () => {
    const { run, json } = target();
    await json('db', 'migrate');
    expect(await json('tenants', 'create', 'acme')).toEqual({ id: 'acme', status: 'active' });
    expect(await json('tenants', 'suspend', 'acme')).toEqual({ id: 'acme', status: 'suspended' });
    expect(await json('tenants', 'activate', 'acme')).toEqual({ id: 'acme', status: 'active' });
    expect((await run('tenants', 'create', 'acme', '--json')).code).toBe(1);
    const unknown = await run('tenants', 'suspend', 'nobody', '--json');
    expect([unknown.code, unknown.stdout]).toEqual([1, '']);
    const noTenant = await run('keys', 'create', '--tenant', 'nobody', '--env', 'live');
    expect(noTenant.code).toBe(1);
    expect(noTenant.stderr).toContain('keygate tenants create nobody');
  });

  it('keys create / list / revoke / rotate end to end, each key checked through a verifier on a PostgresKeyStore', async () => {
    const { schema, run, json } = target();
    await json('db', 'migrate');
    await json('tenants', 'create', 'acme');
    const basic = await json(
      'keys',
      'create',
      '--tenant',
      'acme',
      '--env',
      'live',
      '--scopes',
      'payments:read',
      '--rate-limit',
      '10/60s',
      '--expires',
      '2030-01-31T00:00:00Z',
    );
    expect(basic).toEqual({
      id: expect.stringMatching(/^key_[0-9A-Za-z]{16}$/),
      tenant: 'acme',
      environment: 'live',
      kind: 'basic',
      key: expect.stringMatching(/^pk_live_[0-9A-Za-z]{38}$/),
      scopes: ['payments:read'],
    });
    const pair = await json('keys', 'create', '--tenant', 'acme', '--env', 'test', '--pair', '--id', 'key_pair1');
    expect(pair).toEqual({
      id: 'key_pair1',
      tenant: 'acme',
      environment: 'test',
      kind: 'keypair',
      publicKey: expect.stringMatching(/^pk_test_/),
      secretKey: expect.stringMatching(/^sk_test_/),
      scopes: null,
    });
    expect((await run('keys', 'create', '--tenant', 'acme', '--env', 'test', '--id', 'key_pair1')).code).toBe(1);

    expect(await json('keys', 'list')).toEqual([
      {
        id: basic.id,
        tenant: 'acme',
        environment: 'live',
        kind: 'basic',
        scopes: ['payments:read'],
        revoked: false,
        expiresAt: '2030-01-31T00:00:00.000Z',
        hint: basic.key.slice(-4),
      },
      {
        id: 'key_pair1',
        tenant: 'acme',
        environment: 'test',
        kind: 'keypair',
        scopes: null,
        revoked: false,
        expiresAt: null,
        hint: pair.publicKey.slice(-4),
      },
    ]);
    // The fields in the design's order, as the file target prints them.
    expect(Object.keys((await json('keys', 'list'))[0])).toEqual([
      'id',
      'tenant',
      'environment',
      'kind',
      'scopes',
      'revoked',
      'expiresAt',
      'hint',
    ]);
    expect(await json('keys', 'list', '--tenant', 'acme')).toHaveLength(2);
    expect((await run('keys', 'list', '--tenant', 'nobody')).code).toBe(1);
    const table = await run('keys', 'list');
    expect(table.stdout).toContain(`…${basic.key.slice(-4)}`);
    expect(table.stdout).not.toContain(basic.key);
    expect(table.stdout).not.toContain(pair.secretKey);

    const verifier = createVerifier({ keys: await storeOn(schema) });
    const basicOk = async (key: string) =>
      (await verifier.verify({ method: 'GET', target: '/', headers: { authorization: basicAuthorization(key) } })).ok;
    const pairOk = async (secret: string) =>
      (
        await verifier.verify({
          method: 'GET',
          target: '/',
          headers: { authorization: `Bearer ${pair.publicKey}`, 'x-api-secret': secret },
        })
      ).ok;
    expect(await basicOk(basic.key)).toBe(true);
    expect(await pairOk(pair.secretKey)).toBe(true);

    const rotatedPair = await json('keys', 'rotate', 'key_pair1', '--overlap', '1h');
    expect(rotatedPair).toEqual({
      id: 'key_pair1',
      publicKey: pair.publicKey,
      secretKey: expect.stringMatching(/^sk_test_/),
      previousValidUntil: expect.any(String),
    });
    expect(Math.abs(Date.parse(rotatedPair.previousValidUntil) - (Date.now() + 3_600_000))).toBeLessThan(60_000);
    await new Promise((done) => setTimeout(done, 300)); // the notification
    expect(await pairOk(rotatedPair.secretKey)).toBe(true);
    expect(await pairOk(pair.secretKey)).toBe(true); // during the overlap

    const rotatedBasic = await json('keys', 'rotate', basic.id, '--overlap', '30s');
    expect(rotatedBasic).toEqual({
      id: expect.stringMatching(/^key_/),
      key: expect.stringMatching(/^pk_live_/),
      replaces: basic.id,
      previousValidUntil: expect.any(String),
    });
    expect(await basicOk(rotatedBasic.key)).toBe(true);
    const listed = await json('keys', 'list');
    expect(listed.find((row: { id: string }) => row.id === rotatedBasic.id)).toMatchObject({
      scopes: ['payments:read'],
      kind: 'basic',
    });
    expect(listed.find((row: { id: string }) => row.id === basic.id).expiresAt).toBe(rotatedBasic.previousValidUntil);

    expect(await json('keys', 'revoke', basic.id)).toEqual({ id: basic.id, revoked: true });
    expect(await json('keys', 'revoke', 'key_pair1')).toEqual({ id: 'key_pair1', revoked: true });
    await new Promise((done) => setTimeout(done, 300));
    expect(await basicOk(basic.key)).toBe(false);
    expect(await pairOk(rotatedPair.secretKey)).toBe(false);
    expect((await run('keys', 'revoke', 'key_nope', '--json')).code).toBe(1);
    expect((await run('keys', 'rotate', 'key_nope', '--json')).code).toBe(1);
    expect((await run('keys', 'rotate', 'key_pair1', '--json')).stderr).toContain('revoked');
  });

  it('$KEYGATE_DATABASE_URL is the target when no flag is given; a pair without KEYGATE_ENCRYPTION_KEY is refused naming it', async () => {
    const schema = `kg_cli_${randomBytes(5).toString('hex')}`;
    const env = { KEYGATE_DATABASE_URL: databaseUrl, KEYGATE_DATABASE_SCHEMA: schema };
    expect(JSON.parse((await keygate(['db', 'migrate', '--json'], env)).stdout)).toEqual({
      migrated: true,
      version: 1,
    });
    expect((await keygate(['tenants', 'create', 'acme'], env)).code).toBe(0);
    const refused = await keygate(['keys', 'create', '--tenant', 'acme', '--env', 'live', '--pair', '--json'], {
      ...env,
      KEYGATE_ENCRYPTION_KEY: undefined,
    });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('KEYGATE_ENCRYPTION_KEY');
    const short = await keygate(['keys', 'list'], {
      ...env,
      KEYGATE_ENCRYPTION_KEY: randomBytes(31).toString('base64'),
    });
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('KEYGATE_ENCRYPTION_KEY must be the base64 of exactly 32 bytes');
    expect(JSON.parse((await keygate(['keys', 'list', '--json'], env)).stdout)).toEqual([]);
  });

  it('db import copies a keys file (hashes and sealed secrets only); its keys then verify; an existing id refuses it all', async () => {
    const { schema, run, json } = target();
    await json('db', 'migrate');
    const dir = tempDir('keygate-cli-pg-import-');
    const file = join(dir, 'keys.json');
    const basic = generateApiKey('live');
    const pair = generateKeyPair('test');
    const data = {
      tenants: [{ id: 'acme' }, { id: 'globex', status: 'suspended' }],
      keys: [
        { id: 'k_basic', tenant: 'acme', key: basic.key, scopes: ['a'] },
        { id: 'k_pair', tenant: 'globex', publicKey: pair.publicKey, secretKey: pair.secretKey },
      ],
    };
    writeFileSync(file, JSON.stringify(data));
    expect(await json('db', 'import', file)).toEqual({ imported: { tenants: 2, keys: 2 } });
    expect(await json('keys', 'list')).toEqual([
      {
        id: 'k_basic',
        tenant: 'acme',
        environment: 'live',
        kind: 'basic',
        scopes: ['a'],
        revoked: false,
        expiresAt: null,
        hint: basic.key.slice(-4),
      },
      {
        id: 'k_pair',
        tenant: 'globex',
        environment: 'test',
        kind: 'keypair',
        scopes: null,
        revoked: false,
        expiresAt: null,
        hint: pair.publicKey.slice(-4),
      },
    ]);
    const verifier = createVerifier({ keys: await storeOn(schema) });
    expect(
      await verifier.verify({ method: 'GET', target: '/', headers: { authorization: basicAuthorization(basic.key) } }),
    ).toMatchObject({ ok: true });
    const suspended = await verifier.verify({
      method: 'GET',
      target: '/',
      headers: { authorization: `Bearer ${pair.publicKey}`, 'x-api-secret': pair.secretKey },
    });
    expect(suspended).toMatchObject({ ok: false, error: { code: 'TENANT_INACTIVE' } });
    const again = await run('db', 'import', file, '--json');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('k_basic');
    writeFileSync(file, JSON.stringify({ tenants: [], keys: [{ id: 'x', tenant: 'nobody', key: basic.key }] }));
    const invalid = await run('db', 'import', file);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).not.toContain(basic.key);
  });

  it('keys list as a table: control characters in a tenant or key id (made outside the CLI) are shown escaped, never sent to the terminal', async () => {
    const { run, json } = target();
    await json('db', 'migrate');
    const tenant = 'evil\u001b]0;owned\u0007\u001b[2J\u009b31m';
    await json('tenants', 'create', tenant);
    await json('keys', 'create', '--tenant', tenant, '--env', 'live', '--id', 'key_\r\u001b[1Aforged');
    const table = await run('keys', 'list');
    expect(table.code).toBe(0);
    expect(table.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(table.stdout).toContain('evil\\x1b]0;owned\\x07\\x1b[2J\\x9b31m');
    expect(table.stdout).toContain('key_\\x0d\\x1b[1Aforged');
    expect((await json('keys', 'list'))[0]).toMatchObject({ id: 'key_\r\u001b[1Aforged', tenant });
  });

  it('usage errors exit 2: --file with --database, db migrate on a file; an unreachable database exits 1 without its password', async () => {
    const both = await keygate(['keys', 'list', '--file', 'k.json', '--database', databaseUrl]);
    expect(both.code).toBe(2);
    const fileMigrate = await keygate(['db', 'migrate', '--file', 'k.json']);
    expect(fileMigrate.code).toBe(2);
    expect(fileMigrate.stderr).toContain('PostgreSQL');
    const down = await keygate(['keys', 'list', '--database', 'postgres://someone:hunter2secret@127.0.0.1:1/db']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^keygate: PostgreSQL: /);
    expect(down.stderr).not.toContain('hunter2secret');
    const unmigrated = await keygate(['keys', 'list', '--database', databaseUrl], {
      KEYGATE_DATABASE_SCHEMA: 'kg_cli_never',
    });
    expect(unmigrated.code).toBe(1);
    expect(unmigrated.stderr).toContain('keygate db migrate');
    const badSchema = await keygate(['keys', 'list', '--database', databaseUrl], {
      KEYGATE_DATABASE_SCHEMA: 'Bad"; DROP SCHEMA keygate; --',
    });
    expect(badSchema.code).toBe(1);
    expect(badSchema.stderr).toContain('KEYGATE_DATABASE_SCHEMA');
    const badKey = await keygate(['keys', 'list', '--database', databaseUrl], {
      KEYGATE_ENCRYPTION_KEY: randomBytes(33).toString('base64'),
    });
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toMatch(
      /^keygate: KEYGATE_ENCRYPTION_KEY must be the base64 of exactly 32 bytes \(it holds 33\)/,
    );
  });
});
