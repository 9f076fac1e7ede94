// The example tests of packages/testing/README.md, as printed there (the last test checks that they still are).
import { type KeygateExpressOptions, keygate, requireScopes } from '@keygate/express';
import { keygateRequest, TestKeys, testClock } from '@keygate/testing';
import express from 'express';
import request from 'supertest';
import { expect, it } from 'vitest';

// Your app, built with the keygate options the test passes in.
function createApp(options: KeygateExpressOptions) {
  const app = express();
  app.use(keygate(options));
  app.use(express.json());
  app.post('/v1/payments', requireScopes('payments:write'), (req, res) => {
    res.status(201).json({ tenant: req.auth?.tenantId, amount: req.body.amount });
  });
  return app;
}

it('creates a payment with a signed request, and refuses a read-only key', async () => {
  const keys = new TestKeys();
  const clock = testClock();
  const app = createApp({ keys, now: clock.now, keypair: { signatures: 'required' } });

  const writer = keys.pair({ tenant: 'acme', scopes: ['payments:write'] });
  await keygateRequest(request(app), writer, { now: clock.now })
    .post('/v1/payments', { amount: 100 })
    .expect(201, { tenant: 'acme', amount: 100 });

  const reader = keys.pair({ tenant: 'acme', scopes: ['payments:read'] });
  const refused = await keygateRequest(request(app), reader, { now: clock.now }).post('/v1/payments', { amount: 1 });
  expect(refused.status).toBe(403);
  expect(refused.body.error.code).toBe('INSUFFICIENT_SCOPE');
});

import { MemoryDecisionStore, MemoryKeyStore } from '@keygate/core';
import { describeDecisionStoreContract, describeKeyStoreContract } from '@keygate/testing/contract';

// Replace the keygate stores with yours.
describeDecisionStoreContract('MemoryDecisionStore', () => new MemoryDecisionStore());
describeKeyStoreContract('MemoryKeyStore', (keys) => new MemoryKeyStore(keys));

// The README prints exactly the code above (its two blocks, in order).
it('packages/testing/README.md prints this file', async () => {
  const { readFileSync } = await import('node:fs');
  const readme = readFileSync(new URL('../packages/testing/README.md', import.meta.url), 'utf8');
  const self = readFileSync(new URL(import.meta.url), 'utf8');
  const printed = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
  expect(printed).toHaveLength(2);
  for (const block of printed) expect(self).toContain(block);
});
