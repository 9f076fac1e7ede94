/**
 * Signed requests whose body is declared but empty (issue 8, bug 4): `Transfer-Encoding: chunked` with only the
 * last chunk, or `Content-Length: 00`. keygate reads the body to verify the signature and must leave the stream
 * as it found it: a body parser after keygate sees what it would see without keygate (`{}` for an empty JSON
 * body), never a stream already ended and closed (@koa/bodyparser answered 499 "Request already closed" in plain
 * text; body-parser silently skipped the body). Sent over a raw socket, so the bytes are exactly these.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PAIRS, VECTOR_NOW, keysFile, pairHeaders, signedHeaders, signedHeadersV2 } from './support/fixtures.js';
import {
  buildApp,
  frameworks,
  listen,
  parseRawResponse,
  socketExchange,
  type ParserPlacement,
} from './support/servers.js';

const TEST = PAIRS.test;

/** The framings of an empty body: the request head's last line, and the bytes that follow the blank line. */
const EMPTY_BODIES = [
  { framing: 'chunked', header: 'Transfer-Encoding: chunked', bytes: '0\r\n\r\n' },
  { framing: 'Content-Length: 00', header: 'Content-Length: 00', bytes: '' },
] as const;

const SIGNERS = {
  unsigned: () => pairHeaders(TEST),
  v1: () => signedHeaders(TEST, { method: 'POST', path: '/echo', body: '' }),
  v2: () => signedHeadersV2(TEST, { method: 'POST', path: '/echo', body: '' }),
};

function emptyPost(headers: Record<string, string>, body: (typeof EMPTY_BODIES)[number]): string {
  const lines = Object.entries({ ...headers, 'content-type': 'application/json' }).map(
    ([name, value]) => `${name}: ${value}`,
  );
  return ['POST /echo HTTP/1.1', 'Host: localhost', 'Connection: close', ...lines, body.header, '', body.bytes].join(
    '\r\n',
  );
}

describe.each(frameworks)('declared but empty request bodies — $name', (fw) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  const send = async (parser: ParserPlacement, request: string) => {
    const app = buildApp(fw, { keys: keysFile, now: () => VECTOR_NOW }, { parser });
    const server = await listen(app.handler);
    try {
      const exchange = await socketExchange(server.url, request, 5000);
      return parseRawResponse(exchange.text);
    } finally {
      await server.close();
    }
  };

  describe.each(EMPTY_BODIES)('$framing', (body) => {
    it.each(['v1', 'v2'] as const)(
      'a %s-signed POST is admitted and the parser after keygate sees {}, as for an unsigned one',
      async (version) => {
        const unsigned = await send('after', emptyPost(SIGNERS.unsigned(), body));
        expect(unsigned.status, unsigned.body).toBe(200);
        expect(JSON.parse(unsigned.body)).toMatchObject({ route: 'echo', body: {} });

        const signed = await send('after', emptyPost(SIGNERS[version](), body));
        expect({ status: signed.status, body: signed.body.slice(0, 200) }).toMatchObject({ status: 200 });
        const answer = JSON.parse(signed.body) as { auth: { signed: boolean; requestId: string }; body: unknown };
        expect(answer.auth.signed).toBe(true);
        expect(answer.body).toEqual({});
        expect(signed.headers['x-request-id']).toBe(answer.auth.requestId);
      },
    );

    it('a signed POST is admitted with no body parser at all', async () => {
      const signed = await send('none', emptyPost(SIGNERS.v2(), body));
      expect({ status: signed.status, body: signed.body.slice(0, 200) }).toMatchObject({ status: 200 });
      expect(JSON.parse(signed.body)).toMatchObject({ auth: { signed: true }, body: null });
    });
  });
});
