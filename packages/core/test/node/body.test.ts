/**
 * `peekRequestBody` on real Node requests (a server and a raw socket): it reads the body without consuming it,
 * so whoever reads the request next gets the same bytes and its own `end`, and it lets go of the request as soon
 * as the connection is gone.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeygateError } from '../../src/errors.js';
import { peekRequestBody } from '../../src/node/body.js';

const FIX = 'mount keygate first';

interface Peeked {
  req: IncomingMessage;
  res: ServerResponse;
  peek: Promise<Buffer>;
  /** Listeners the peek added to the request or its socket and still has there. */
  leftBehind: () => number;
}

/** Peeks at `req`, noting every listener the peek adds to the request or its socket (Node adds its own too). */
function peekNoting(req: IncomingMessage, maxBytes: number): { peek: Promise<Buffer>; leftBehind: () => number } {
  const added: [EventEmitter, string, (...args: unknown[]) => void][] = [];
  const originals = ([req, req.socket] as EventEmitter[]).map((target) => {
    const on = target.on;
    target.on = (event: string, listener: (...args: unknown[]) => void) => {
      added.push([target, event, listener]);
      return on.call(target, event, listener);
    };
    return () => (target.on = on);
  });
  try {
    const peek = peekRequestBody(req, maxBytes, FIX);
    return {
      peek,
      leftBehind: () => added.filter(([target, event, listener]) => target.listeners(event).includes(listener)).length,
    };
  } finally {
    for (const restore of originals) restore();
  }
}

let server: Server | undefined;
let client: Socket | undefined;
afterEach(async () => {
  client?.destroy();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = client = undefined;
});

/** Starts a server whose handler peeks at once, sends `head` + `first` from a raw socket; resolves with the peek. */
async function peekAt(head: string, first = '', maxBytes = 1024): Promise<Peeked> {
  const seen = new Promise<Peeked>((resolve) => {
    server = createServer((req, res) => {
      resolve({ req, res, ...peekNoting(req, maxBytes) });
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  client = connect((server!.address() as AddressInfo).port, '127.0.0.1');
  client.on('error', () => {});
  client.write(`${head}\r\nHost: localhost\r\n\r\n${first}`);
  return seen;
}

/** What a body parser after keygate reads: every byte until `end` (fails if the stream is already over). */
function readRest(req: IncomingMessage): Promise<string> {
  if (req.readableEnded || req.destroyed) return Promise.reject(new Error('stream already ended or closed'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
    req.on('error', reject);
  });
}

describe('peekRequestBody', () => {
  it.each([
    ['an empty chunked body', 'Transfer-Encoding: chunked', '0\r\n\r\n'],
    ['Content-Length: 00', 'Content-Length: 00', ''],
    ['Content-Length: 0', 'Content-Length: 0', ''],
    ['no body framing at all', 'X-None: 1', ''],
  ])('%s: resolves empty and leaves the stream open for the next reader', async (_, header, bytes) => {
    const { req, peek } = await peekAt(`POST / HTTP/1.1\r\n${header}`, bytes);
    expect((await peek).length).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 20)); // an `end` scheduled by the peek would have come by now
    expect(req.readableEnded).toBe(false);
    expect(await readRest(req)).toBe('');
  });

  it('an empty chunked body whose last chunk comes later', async () => {
    const { req, peek } = await peekAt('POST / HTTP/1.1\r\nTransfer-Encoding: chunked');
    setTimeout(() => client!.write('0\r\n\r\n'), 30);
    expect((await peek).length).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await readRest(req)).toBe('');
  });

  it('a body in several chunks: resolves whole, the next reader gets the same bytes, no listener left', async () => {
    const { req, peek, leftBehind } = await peekAt('POST / HTTP/1.1\r\nTransfer-Encoding: chunked', '5\r\n{"a":\r\n');
    setTimeout(() => client!.write('3\r\n12}\r\n0\r\n\r\n'), 30);
    expect((await peek).toString()).toBe('{"a":12}');
    expect(leftBehind()).toBe(0);
    expect(await readRest(req)).toBe('{"a":12}');
  });

  it('a body that arrived before the peek is read at once', async () => {
    const arrived = new Promise<IncomingMessage>(
      (resolve) => (server = createServer((req) => setTimeout(() => resolve(req), 30))),
    );
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    client = connect((server!.address() as AddressInfo).port, '127.0.0.1');
    client.write('POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 7\r\n\r\n{"a":1}');
    const req = await arrived;
    expect(req.complete).toBe(true);
    expect((await peekRequestBody(req, 1024, FIX)).toString()).toBe('{"a":1}');
    expect(await readRest(req)).toBe('{"a":1}');
  });

  it('a declared length over maxBytes is refused before anything is read', async () => {
    const { req, peek } = await peekAt('POST / HTTP/1.1\r\nContent-Length: 2048', '');
    await expect(peek).rejects.toMatchObject({ code: 'BODY_TOO_LARGE', details: { maxBytes: 1024 } });
    expect(req.readableDidRead).toBe(false);
  });

  it('a chunked body passing maxBytes is refused as it arrives', async () => {
    const { peek, leftBehind } = await peekAt(
      'POST / HTTP/1.1\r\nTransfer-Encoding: chunked',
      `800\r\n${'x'.repeat(2048)}\r\n`,
    );
    await expect(peek).rejects.toMatchObject({ code: 'BODY_TOO_LARGE' });
    expect(leftBehind()).toBe(0);
  });

  it('a stream already read by someone else → RAW_BODY_UNAVAILABLE carrying the fix for the operator, not in its message', async () => {
    const { req, peek } = await peekAt('POST / HTTP/1.1\r\nContent-Length: 7', '{"a":1}');
    await peek;
    await readRest(req);
    const error = (await peekRequestBody(req, 1024, FIX).catch((rejected: unknown) => rejected)) as KeygateError;
    expect(error).toMatchObject({ code: 'RAW_BODY_UNAVAILABLE', expose: false });
    expect(error.fix).toBe(FIX);
    expect(error.message).not.toContain(FIX);
    expect(JSON.stringify(error.toJSON())).not.toContain(FIX);
  });

  it.each(['destroy', 'end'] as const)(
    'the client going away mid-body (%s) rejects at once and leaves no listener',
    async (how) => {
      const { peek, leftBehind } = await peekAt('POST / HTTP/1.1\r\nContent-Length: 100', '{"amount":');
      const started = performance.now();
      setTimeout(() => (how === 'destroy' ? client!.destroy() : client!.end()), 20);
      await expect(peek).rejects.toThrow(/closed|aborted/);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(leftBehind()).toBe(0);
    },
  );

  // What the verifier's body timeout does: answer (408, connection: close) while the body is still missing.
  // Node then closes the socket but never the request: the peek must notice the socket.
  it('an answer sent with connection: close while the body stalls: the peek rejects when the socket closes', async () => {
    const { res, peek, leftBehind } = await peekAt('POST / HTTP/1.1\r\nContent-Length: 100', '{"amount":');
    const settled = peek.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    res.writeHead(408, { connection: 'close' }).end();
    expect(await settled).toMatch(/closed/);
    expect(leftBehind()).toBe(0);
  });
});
