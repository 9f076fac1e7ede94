/** The KeyStore contract of @keygate/testing on PostgresKeyStore: each test's keys imported into a fresh schema. */
import { afterAll } from 'vitest';
import { describeKeyStoreContract } from './support/store-contract.js';
import { describePostgres, freshSchema } from './support/postgres.js';

describePostgres('contract')('PostgreSQL', () => {
  const schemas: Awaited<ReturnType<typeof freshSchema>>[] = [];
  afterAll(() => Promise.all(schemas.map((schema) => schema.close())));
  describeKeyStoreContract('PostgresKeyStore (keys imported with importKeys)', async (keys) => {
    const db = await freshSchema();
    schemas.push(db);
    await db.admin.importKeys(keys);
    return db.open();
  });
});
