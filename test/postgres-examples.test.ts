import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { basicAuthorization } from '@keygate/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT, startExample, type ExampleProcess } from './support/example-process.js';
import { addBasicKey, addKeyPair, describePostgres, ENCRYPTION_KEY, freshSchema, within } from './support/postgres.js';

type Schema = Awaited<ReturnType<typeof freshSchema>>;
const BIN = join(ROOT, 'packages', 'cli', 'dist', 'bin.js');

describePostgres('examples')('the Express and Koa examples on KEYGATE_DATABASE_URL', () => {
  let db: Schema;
  let examples: ExampleProcess[] = [];
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await freshSchema();
    await db.admin.createTenant('acme');
    env = { KEYGATE_DATABASE_URL: db.url, KEYGATE_DATABASE_SCHEMA: db.schema, KEYGATE_ENCRYPTION_KEY: ENCRYPTION_KEY };
  });
  afterAll(async () => {
    await Promise.all(examples.map((example) => example.stop()));
    await db?.close();
  });

  it('both serve keys from PostgreSQL and refuse a key revoked with the CLI within 1 s', async () => {
    const key = await addBasicKey(db.admin, 'acme');
    const pair = await addKeyPair(db.admin, 'acme');
    examples = await Promise.all([startExample('express', env), startExample('koa', env)]);
    const balance = (example: ExampleProcess, headers: Record<string, string>) =>
      fetch(`${example.baseUrl}/v1/wallets/service/balance`, { headers });
    for (const example of examples) {
      const basic = await balance(example, { authorization: basicAuthorization(key.key) });
      expect(basic.status).toBe(200);
      expect(
        (await balance(example, { authorization: `Bearer ${pair.publicKey}`, 'x-api-secret': pair.secretKey })).status,
      ).toBe(200);
    }
    const revoked = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [BIN, 'keys', 'revoke', key.id, '--json'],
        { env: { ...process.env, ...env } },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    expect(JSON.parse(revoked)).toEqual({ id: key.id, revoked: true });
    for (const example of examples) {
      const took = await within(
        1000,
        async () => (await balance(example, { authorization: basicAuthorization(key.key) })).status === 401,
      );
      expect(took).toBeLessThan(1000);
    }
  });

  it('pairs stored and no KEYGATE_ENCRYPTION_KEY: the example stops at start naming the variable', async () => {
    await addKeyPair(db.admin, 'acme');
    await expect(startExample('express', { ...env, KEYGATE_ENCRYPTION_KEY: '' })).rejects.toThrow(
      /exited with 1[\s\S]*KEYGATE_ENCRYPTION_KEY is not set/,
    );
  });
});
