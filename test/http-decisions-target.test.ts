/**
 * The event's `path` of requests whose target is not a plain path, through Express 5, Express 4, Koa 3 and Koa 2:
 * an absolute-form target (`GET http://user:password@host/echo?token=…`, what a client configured for a forward
 * proxy sends) gives the path alone, never the user name, password, host or query.
 */
import { createServer, type RequestListener } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { DecisionEvent } from '@keygate/core';
import { describe, expect, it } from 'vitest';
import { BASIC, basic, keysFile } from './support/fixtures.js';
import { buildApp, frameworks, type TestKeygateOptions } from './support/servers.js';

const silent = { warn: () => {}, error: () => {} };
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const PASSWORD = 'urlPasswordNeverLogged42';
const QUERY = 'querySecretNeverLogged42';

/**
 * Sends `target` as it is on a raw socket (an HTTP client would resolve it) and waits for the event; also gives
 * the status line's code.
 */
async function eventsOf(handler: RequestListener, events: DecisionEvent[], target: string) {
  let answer = '';
  const server = createServer(handler);
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  const authorization = basic(BASIC.valid).authorization!;
  await new Promise<void>((done, failed) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `GET ${target} HTTP/1.1\r\nHost: api.example.com\r\nAuthorization: ${authorization}\r\nConnection: close\r\n\r\n`,
      );
    });
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('end', done);
    socket.on('error', failed);
  });
  server.close();
  const started = performance.now();
  while (events.length === 0 && performance.now() - started < 2000) await new Promise((done) => setTimeout(done, 5));
  return { events, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]) };
}

describe.each(frameworks)('decision event path of unusual targets — $name', (fw) => {
  for (const target of [
    `http://user:${PASSWORD}@api.example.com/echo?token=${QUERY}`,
    `HTTPS://user:${PASSWORD}@api.example.com:8443/echo?token=${QUERY}`,
    `http://api.example.com/echo?token=${QUERY}`,
    `http://user:a/${PASSWORD}@api.example.com/echo`,
  ]) {
    it(`${target.replace(PASSWORD, '…').replace(QUERY, '…')}: path /echo, nothing of the authority or query`, async () => {
      const events: DecisionEvent[] = [];
      const app = buildApp(fw, {
        keys: keysFile,
        logger: silent,
        onDecision: (event) => events.push(event),
      } as TestKeygateOptions);
      const { status } = await eventsOf(app.handler, events, target);
      const [event] = events;
      // From Node 26, url.parse() throws on `user:a/…@host` ("invalid port"), so Express's router refuses the
      // request before any middleware runs: no decision was made, so there is no event to check.
      if (NODE_MAJOR >= 26 && fw.kind === 'express' && target.includes('user:a/')) {
        expect(event).toBeUndefined();
        expect(status).toBeGreaterThanOrEqual(400);
        return;
      }
      expect(event?.path).toBe('/echo');
      const text = JSON.stringify(event);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(QUERY);
    });
  }
});
