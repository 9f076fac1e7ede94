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

/** A key store that answers after `delayMs`, and tells when the first lookup starts (the request has arrived). */
function slowKeyStore(delayMs: number): KeyStore & { looking: Promise<void> } {
  const inner = new MemoryKeyStore(keysFile);
  let started!: () => void;
  const looking = new Promise<void>((resolve) => {
    started = resolve;
  });
  const slow = async <T>(answer: () => T) => {
    started();
    await wait(delayMs);
    return answer();
  };
  return {
    looking,
    findByKeyHash: (hash) => slow(() => inner.findByKeyHash(hash)),
    findByPublicKey: (publicKey) => slow(() => inner.findByPublicKey(publicKey)),
  };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

/** Sends a GET and disconnects once `arrived` resolves, before any answer. */
async function abandonedRequest(
  server: Server,
  headers: Record<string, string>,
  arrived: Promise<void>,
): Promise<void> {
  const { port } = server.address() as AddressInfo;
  const sent = httpRequest({ port, path: '/echo', headers });
  sent.on('error', () => {});
  sent.end();
  await arrived;
  sent.destroy();
}

describe.each(frameworks)('decision events of abandoned requests — $name', (fw) => {
  for (const [name, key] of [
    ['admitted', BASIC.valid],
    ['rejected', BASIC.unknown],
  ] as const) {
    it(`a client gone while the key is looked up (${name}): one event, not none and not two`, async () => {
      const events: DecisionEvent[] = [];
      const keys = slowKeyStore(300);
      const app = buildApp(fw, {
        keys,
        logger: silent,
        onDecision: (event) => events.push(event),
      } as TestKeygateOptions);
      const server = createServer(app.handler);
      servers.push(server);
      await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
      await abandonedRequest(server, basic(key), keys.looking);
      const started = performance.now();
      while (events.length === 0 && performance.now() - started < 3000) await wait(10);
      await wait(300); // time enough for a second event to show
      expect(events.map((event) => event.outcome)).toEqual([name]);
    });
  }
});
