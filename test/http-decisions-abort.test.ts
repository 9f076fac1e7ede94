/**
 * Decision events of requests whose client goes away, through Express 5, Express 4, Koa 3 and Koa 2: a client
 * that disconnects while keygate is still deciding (a slow key store) gets exactly one event, never none (the
 * answer's `close` came before the adapter listened for it) and never two.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryKeyStore, type DecisionEvent, type KeyStore } from '@keygate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { BASIC, basic, keysFile } from './support/fixtures.js';
import { buildApp, frameworks, type TestKeygateOptions } from './support/servers.js';

const silent = { warn: () => {}, error: () => {} };
const wait = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** A key store that answers after `delayMs`: time enough for the client to go away. */
function slowKeyStore(delayMs: number): KeyStore {
  const inner = new MemoryKeyStore(keysFile);
  return {
    findByKeyHash: async (hash) => (await wait(delayMs), inner.findByKeyHash(hash)),
    findByPublicKey: async (publicKey) => (await wait(delayMs), inner.findByPublicKey(publicKey)),
  };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

/** Sends a GET and disconnects after `abortAfterMs`, before any answer. */
async function abandonedRequest(server: Server, headers: Record<string, string>, abortAfterMs: number): Promise<void> {
  const { port } = server.address() as AddressInfo;
  const sent = httpRequest({ port, path: '/echo', headers });
  sent.on('error', () => {});
  sent.end();
  await wait(abortAfterMs);
  sent.destroy();
}

describe.each(frameworks)('decision events of abandoned requests — $name', (fw) => {
  for (const [name, key] of [
    ['admitted', BASIC.valid],
    ['rejected', BASIC.unknown],
  ] as const) {
    it(`a client gone while the key is looked up (${name}): one event, not none and not two`, async () => {
      const events: DecisionEvent[] = [];
      const app = buildApp(fw, {
        keys: slowKeyStore(300),
        logger: silent,
        onDecision: (event) => events.push(event),
      } as TestKeygateOptions);
      const server = createServer(app.handler);
      servers.push(server);
      await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
      await abandonedRequest(server, basic(key), 50);
      await wait(1000);
      expect(events.map((event) => event.outcome)).toEqual([name]);
    });
  }
});
