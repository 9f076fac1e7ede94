import { basicAuthorization } from '@keygate/core';
import type { PostgresKeyStore } from '@keygate/postgres';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPostgresServer, type PostgresServer } from './support/postgres-server.js';
import { addBasicKey, addKeyPair, describePostgres, freshSchema, within } from './support/postgres.js';
import { buildApp, frameworks, type TestApp } from './support/servers.js';

type Schema = Awaited<ReturnType<typeof freshSchema>>;

const express5 = frameworks.find((fw) => fw.name === 'express5')!;
const koa3 = frameworks.find((fw) => fw.name === 'koa3')!;

const basic = (app: TestApp, key: string) =>
  request(app.handler).get('/echo').set('authorization', basicAuthorization(key));
const pair = (app: TestApp, publicKey: string, secretKey: string) =>
  request(app.handler).get('/echo').set('authorization', `Bearer ${publicKey}`).set('x-api-secret', secretKey);

/** One Express and one Koa app, each with its own store (its own cache and LISTEN connection): two instances. */
async function twoInstances(
  db: Schema,
  options: Parameters<Schema['open']>[0] = {},
): Promise<{ apps: TestApp[]; stores: PostgresKeyStore[] }> {
  const stores = [await db.open(options), await db.open(options)];
  const apps = [buildApp(express5, { keys: stores[0]! }), buildApp(koa3, { keys: stores[1]! })];
  return { apps, stores };
}

describePostgres('http')('PostgreSQL key store through Express and Koa', () => {
  let db: Schema;
  beforeAll(async () => {
    db = await freshSchema();
    await db.admin.createTenant('acme');
  });
  afterAll(() => db?.close());

  it('revoked on one instance → refused by an Express and a Koa instance within 1 s (cache TTL 30 s)', async () => {
    const { apps } = await twoInstances(db);
    const key = await addBasicKey(db.admin, 'acme');
    const keyPair = await addKeyPair(db.admin, 'acme');
    for (const app of apps) {
      expect((await basic(app, key.key)).status).toBe(200);
      expect((await pair(app, keyPair.publicKey, keyPair.secretKey)).status).toBe(200);
    }
    await db.admin.revokeKey(key.id);
    await db.admin.revokeKey(keyPair.id);
    const took = await Promise.all(
      apps.flatMap((app) => [
        within(1000, async () => (await basic(app, key.key)).status === 401),
        within(1000, async () => (await pair(app, keyPair.publicKey, keyPair.secretKey)).status === 401),
      ]),
    );
    for (const ms of took) expect(ms).toBeLessThan(1000);
    const refused = await basic(apps[1]!, key.key);
    expect(refused.body.error.code).toBe('INVALID_API_KEY');
  });

  it('a tenant suspended → its keys refused with TENANT_INACTIVE on both within 1 s; activated → accepted again', async () => {
    const { apps } = await twoInstances(db);
    await db.admin.createTenant('gamma');
    const key = await addBasicKey(db.admin, 'gamma');
    for (const app of apps) expect((await basic(app, key.key)).status).toBe(200);
    await db.admin.setTenantStatus('gamma', 'suspended');
    for (const app of apps) {
      expect(
        await within(1000, async () => (await basic(app, key.key)).body?.error?.code === 'TENANT_INACTIVE'),
      ).toBeLessThan(1000);
    }
    await db.admin.setTenantStatus('gamma', 'active');
    for (const app of apps)
      expect(await within(1000, async () => (await basic(app, key.key)).status === 200)).toBeLessThan(1000);
  });

  it('a query blocked past queryTimeoutMs → 503 AUTH_UNAVAILABLE within the timeout, not a hang; served again after', async () => {
    const { apps } = await twoInstances(db, { queryTimeoutMs: 500 });
    const key = await addBasicKey(db.admin, 'acme');
    await new Promise((done) => setTimeout(done, 200)); // the creation's notification
    const blocker = await db.sql.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`LOCK TABLE "${db.schema}".keys IN ACCESS EXCLUSIVE MODE`);
      for (const app of apps) {
        const started = performance.now();
        const response = await basic(app, key.key);
        expect(response.status).toBe(503);
        expect(response.body.error.code).toBe('AUTH_UNAVAILABLE');
        expect(performance.now() - started).toBeLessThan(2500);
      }
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    for (const app of apps) expect((await basic(app, key.key)).status).toBe(200);
  });
});

describePostgres('outage')('PostgreSQL stopped and started again (its own server)', () => {
  let server: PostgresServer;
  let db: Schema;
  beforeAll(async () => {
    server = await startPostgresServer();
    db = await freshSchema(server.url);
    await db.admin.createTenant('acme');
  });
  afterAll(async () => {
    await db?.close();
    await server?.destroy();
  });

  it('database down: cached key 200, uncached key 503 (never 401/500, no hang); started again → 200 within 5 s, no app restart', async () => {
    const { apps } = await twoInstances(db, { queryTimeoutMs: 1000 });
    const cached = await addBasicKey(db.admin, 'acme');
    const cachedPair = await addKeyPair(db.admin, 'acme');
    const uncached = await addBasicKey(db.admin, 'acme');
    await new Promise((done) => setTimeout(done, 200)); // the creations' notifications
    for (const app of apps) {
      expect((await basic(app, cached.key)).status).toBe(200);
      expect((await pair(app, cachedPair.publicKey, cachedPair.secretKey)).status).toBe(200);
    }

    await server.stop();
    for (const app of apps) {
      expect((await basic(app, cached.key)).status).toBe(200);
      expect((await pair(app, cachedPair.publicKey, cachedPair.secretKey)).status).toBe(200);
      const started = performance.now();
      const refused = await basic(app, uncached.key);
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('AUTH_UNAVAILABLE');
      expect(performance.now() - started).toBeLessThan(3000);
      expect(refused.text).not.toContain(uncached.key);
    }

    await server.start();
    for (const app of apps) {
      expect(await within(5000, async () => (await basic(app, uncached.key)).status === 200)).toBeLessThan(5000);
    }
    // Changes reach the apps again: the LISTEN connection came back (and the cache was cleared when it did).
    await db.admin.revokeKey(cached.id);
    for (const app of apps) {
      expect(await within(2000, async () => (await basic(app, cached.key)).status === 401)).toBeLessThan(2000);
    }
  });
});
