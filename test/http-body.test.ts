/**
 * The raw body behind a signature, for every body-parser placement: before keygate (Express with
 * `keepRawBody`, Koa with `@koa/bodyparser`), before keygate without the raw body (a misconfiguration that must
 * fail loudly), after keygate (keygate reads the stream and puts it back) and without a parser.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  PAIRS,
  VECTOR_NOW,
  expectAdmitted,
  expectRejection,
  keysFile,
  pairHeaders,
  signedHeaders,
} from './support/fixtures.js';
import { buildApp, frameworks, rawRequest, type ParserPlacement, type TestKeygateOptions } from './support/servers.js';

const TEST = PAIRS.test;
const JSON_TYPE = 'application/json';
const presented = [TEST.publicKey, TEST.secretKey];
const placements: readonly ParserPlacement[] = ['before', 'after', 'none'];

/** A JSON document of about `bytes` bytes. */
function jsonOfSize(bytes: number): string {
  const head = '{"padding":"';
  const tail = '"}';
  return head + 'x'.repeat(Math.max(0, bytes - head.length - tail.length)) + tail;
}

/** What the app's keygate logger was told since the last app was made (the operator's side of a misconfiguration). */
const logged: string[] = [];
const logger = { warn: (message: string) => logged.push(message), error: (message: string) => logged.push(message) };

describe.each(frameworks)('request bodies — $name', (fw) => {
  const make = (parser: ParserPlacement, options: Partial<TestKeygateOptions> = {}) => {
    logged.length = 0;
    return buildApp(fw, { keys: keysFile, now: () => VECTOR_NOW, logger, ...options }, { parser });
  };
  /** The operator is told the fix through the logger; the client only gets a generic message. */
  const expectFixForOperatorOnly = (message: string, fix: string | RegExp) => {
    expect(message).toBe('The server cannot verify this request.');
    expect(logged.join('\n')).toMatch(fix);
  };

  describe.each(placements)('body parser %s keygate', (parser) => {
    const parses = parser !== 'none';

    it('a signed JSON POST verifies; the route sees the parsed body', async () => {
      const app = make(parser, { keypair: { signatures: 'required' } });
      const body = '{"amount":100,"currency":"USD","note":"doublé — 重复"}';
      const res = await request(app.handler)
        .post('/echo')
        .set(signedHeaders(TEST, { method: 'POST', path: '/echo', body }))
        .set('Content-Type', JSON_TYPE)
        .send(body);
      const answer = expectAdmitted(res);
      expect(answer.auth.signed).toBe(true);
      expect(answer.body).toEqual(parses ? JSON.parse(body) : null);
    });

    it('a JSON body with "; charset=utf-8" and odd whitespace verifies byte for byte', async () => {
      const app = make(parser, { keypair: { signatures: 'required' } });
      const body = '\n  { "amount" : 100 ,\r\n\t"currency":"USD" }  \n';
      const res = await request(app.handler)
        .post('/echo')
        .set(signedHeaders(TEST, { method: 'POST', path: '/echo', body }))
        .set('Content-Type', 'application/json; charset=utf-8')
        .send(body);
      const answer = expectAdmitted(res);
      expect(answer.body).toEqual(parses ? { amount: 100, currency: 'USD' } : null);
    });

    it('a large (64 KB, many chunks) signed JSON body verifies and reaches the parser whole', async () => {
      const app = make(parser, { keypair: { signatures: 'required' } });
      const body = jsonOfSize(64 * 1024);
      const res = await request(app.handler)
        .post('/echo')
        .set(signedHeaders(TEST, { method: 'POST', path: '/echo', body }))
        .set('Content-Type', JSON_TYPE)
        .send(body);
      const answer = expectAdmitted(res);
      expect(answer.auth.signed).toBe(true);
      if (parses) expect((answer.body as { padding: string }).padding).toHaveLength(body.length - 14);
    });

    it('a signed JSON body sent chunked (no content-length) verifies and reaches the parser whole', async () => {
      const app = make(parser, { keypair: { signatures: 'required' } });
      const body = '{"amount":100,"currency":"USD"}';
      const res = await rawRequest(app.handler, {
        method: 'POST',
        path: '/echo',
        headers: { ...signedHeaders(TEST, { method: 'POST', path: '/echo', body }), 'content-type': JSON_TYPE },
        chunks: [body.slice(0, 5), body.slice(5, 20), body.slice(20)],
      });
      if (fw.kind === 'koa' && parser === 'before') {
        // @koa/bodyparser keeps decoded text; without Content-Length it cannot be shown to be the bytes sent.
        const envelope = expectRejection(res, 500, 'RAW_BODY_UNAVAILABLE', { presented });
        expectFixForOperatorOnly(envelope.error.message, /mount keygate before the body parser/);
        return;
      }
      const answer = expectAdmitted(res);
      expect(answer.auth.signed).toBe(true);
      expect(answer.body).toEqual(parses ? JSON.parse(body) : null);
    });

    it('a signed text/plain body verifies', async () => {
      const app = make(parser, { keypair: { signatures: 'required' } });
      const body = 'plain text, not JSON: ü';
      const res = await request(app.handler)
        .post('/echo')
        .set(signedHeaders(TEST, { method: 'POST', path: '/echo', body }))
        .set('Content-Type', 'text/plain; charset=utf-8')
        .send(body);
      expect(expectAdmitted(res).auth.signed).toBe(true);
    });

    it('a signed binary body (not valid UTF-8) verifies over its bytes', async () => {
      const app = make(parser, { keypair: { signatures: 'required' } });
      const body = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x7b, 0x7d, 0xc3, 0x28]);
      const res = await request(app.handler)
        .post('/echo')
        .set(signedHeaders(TEST, { method: 'POST', path: '/echo', body }))
        .set('Content-Type', 'application/octet-stream')
        .send(body);
      expect(expectAdmitted(res).auth.signed).toBe(true);
    });

    it('a text/plain body signed as something else is refused', async () => {
      const app = make(parser);
      const res = await request(app.handler)
        .post('/echo')
        .set(signedHeaders(TEST, { method: 'POST', path: '/echo', body: 'hello' }))
        .set('Content-Type', 'text/plain')
        .send('hellO');
      expectRejection(res, 401, 'INVALID_SIGNATURE', { presented });
    });

    it('an empty POST body (content-length: 0) verifies signed over "" and over "{}"', async () => {
      const app = make(parser, { keypair: { signatures: 'required' } });
      for (const [i, signedBody] of ['', '{}'].entries()) {
        const res = await request(app.handler)
          .post('/echo')
          .set(signedHeaders(TEST, { method: 'POST', path: '/echo', body: signedBody, timestamp: VECTOR_NOW + i }))
          .set('Content-Type', JSON_TYPE)
          .set('Content-Length', '0');
        expect(expectAdmitted(res).auth.signed).toBe(true);
      }
    });

    it('an empty POST body signed over other bytes is refused', async () => {
      const app = make(parser);
      const res = await request(app.handler)
        .post('/echo')
        .set(signedHeaders(TEST, { method: 'POST', path: '/echo', body: '{"amount":1}' }))
        .set('Content-Type', JSON_TYPE)
        .set('Content-Length', '0');
      expectRejection(res, 401, 'INVALID_SIGNATURE', { presented });
    });

    it('a body over maxBodyBytes (with content-length) → 413 BODY_TOO_LARGE', async () => {
      const app = make(parser, { maxBodyBytes: 1024 });
      const body = jsonOfSize(4096);
      const res = await request(app.handler)
        .post('/echo')
        .set(signedHeaders(TEST, { method: 'POST', path: '/echo', body }))
        .set('Content-Type', JSON_TYPE)
        .send(body);
      const envelope = expectRejection(res, 413, 'BODY_TOO_LARGE', { presented });
      expect(envelope.error.details).toEqual({ maxBytes: 1024 });
    });

    it('a body over maxBodyBytes sent chunked → 413 BODY_TOO_LARGE', async () => {
      const app = make(parser, { maxBodyBytes: 1024 });
      const body = jsonOfSize(8192);
      const chunks = Array.from({ length: 8 }, (_, i) => body.slice(i * 1024, (i + 1) * 1024));
      const res = await rawRequest(app.handler, {
        method: 'POST',
        path: '/echo',
        headers: { ...signedHeaders(TEST, { method: 'POST', path: '/echo', body }), 'content-type': JSON_TYPE },
        chunks,
      });
      expectRejection(res, 413, 'BODY_TOO_LARGE', { presented });
    });

    if (parser !== 'before') {
      // keygate reads the stream itself here: it must stop at the limit, not buffer the whole body first.
      it('a chunked body that passes maxBodyBytes is refused (413) while the client is still sending', async () => {
        const app = make(parser, { maxBodyBytes: 1024 });
        const body = jsonOfSize(1 << 20);
        const res = await rawRequest(app.handler, {
          method: 'POST',
          path: '/echo',
          headers: { ...signedHeaders(TEST, { method: 'POST', path: '/echo', body }), 'content-type': JSON_TYPE },
          chunks: [body.slice(0, 2048)],
          holdOpen: true,
        });
        expectRejection(res, 413, 'BODY_TOO_LARGE', { presented });
      }, 5000);
    }

    if (parser !== 'before') {
      it('a declared Content-Length over maxBodyBytes is refused (413) before any byte of the body is read', async () => {
        const app = make(parser, { maxBodyBytes: 1024 });
        const body = jsonOfSize(4096);
        const res = await rawRequest(app.handler, {
          method: 'POST',
          path: '/echo',
          headers: {
            ...signedHeaders(TEST, { method: 'POST', path: '/echo', body }),
            'content-type': JSON_TYPE,
            'content-length': '4096',
          },
          chunks: [],
          holdOpen: true,
        });
        expectRejection(res, 413, 'BODY_TOO_LARGE', { presented });
      }, 5000);
    }

    it('a body of exactly maxBodyBytes is verified', async () => {
      const app = make(parser, { maxBodyBytes: 1024, keypair: { signatures: 'required' } });
      const body = jsonOfSize(1024);
      expect(Buffer.byteLength(body)).toBe(1024);
      const res = await request(app.handler)
        .post('/echo')
        .set(signedHeaders(TEST, { method: 'POST', path: '/echo', body }))
        .set('Content-Type', JSON_TYPE)
        .send(body);
      expect(expectAdmitted(res).auth.signed).toBe(true);
    });

    it('maxBodyBytes only bounds what is read for a signature: an unsigned large body passes keygate', async () => {
      const app = make(parser, { maxBodyBytes: 1024 });
      const body = jsonOfSize(4096);
      const res = await request(app.handler)
        .post('/echo')
        .set(pairHeaders(TEST))
        .set('Content-Type', JSON_TYPE)
        .send(body);
      const answer = expectAdmitted(res);
      expect(answer.auth.signed).toBe(false);
      if (parses) expect((answer.body as { padding: string }).padding).toHaveLength(4096 - 14);
    });

    it('a Basic key never makes keygate read the body', async () => {
      const app = make(parser, { maxBodyBytes: 16 });
      const res = await request(app.handler)
        .post('/echo')
        .auth('pk_live_VectorKeyForKeygateTests01', '')
        .send({ some: 'json body longer than 16 bytes' });
      const answer = expectAdmitted(res);
      expect(answer.body).toEqual(parses ? { some: 'json body longer than 16 bytes' } : null);
    });
  });

  describe('body parser before keygate without the raw body', () => {
    const fixName = fw.kind === 'express' ? 'keepRawBody' : 'mount keygate before the body parser';

    it(`a signed JSON POST → 500 RAW_BODY_UNAVAILABLE, the fix (${fixName}) to the logger, a generic message to the client`, async () => {
      const app = make('before-without-raw');
      const body = '{"amount":100,"currency":"USD"}';
      const res = await request(app.handler)
        .post('/echo')
        .set(signedHeaders(TEST, { method: 'POST', path: '/echo', body }))
        .set('Content-Type', JSON_TYPE)
        .send(body);
      const envelope = expectRejection(res, 500, 'RAW_BODY_UNAVAILABLE', { presented });
      expectFixForOperatorOnly(envelope.error.message, new RegExp(fixName));
      expect(logged.join('\n')).toMatch(/before the body parser/);
    });

    it('never a silent mismatch: the same request with a wrong signature is still a 500, not a 401', async () => {
      const app = make('before-without-raw');
      const body = '{"amount":100,"currency":"USD"}';
      const res = await request(app.handler)
        .post('/echo')
        .set(signedHeaders(TEST, { method: 'POST', path: '/echo', body: 'something else' }))
        .set('Content-Type', JSON_TYPE)
        .send(body);
      expectRejection(res, 500, 'RAW_BODY_UNAVAILABLE', { presented });
    });

    it('unsigned requests, requests without a body and non-JSON bodies are not affected', async () => {
      const app = make('before-without-raw');
      const body = '{"amount":1}';
      const unsigned = await request(app.handler)
        .post('/echo')
        .set(pairHeaders(TEST))
        .set('Content-Type', JSON_TYPE)
        .send(body);
      expect(expectAdmitted(unsigned).body).toEqual({ amount: 1 });
      const get = await request(app.handler)
        .get('/echo')
        .set(signedHeaders(TEST, { method: 'GET', path: '/echo', body: '' }));
      expect(expectAdmitted(get).auth.signed).toBe(true);
      const text = await request(app.handler)
        .post('/echo')
        .set(signedHeaders(TEST, { method: 'POST', path: '/echo', body: 'txt', timestamp: VECTOR_NOW + 1 }))
        .set('Content-Type', 'text/plain')
        .send('txt');
      expect(expectAdmitted(text).auth.signed).toBe(true);
    });
  });

  if (fw.kind === 'koa') {
    describe('@koa/bodyparser before keygate keeps only the decoded text', () => {
      // The contract: the signature covers "the raw request body exactly as received", and a parser that did not
      // keep the raw bytes must fail loudly, "never a silent mismatch". @koa/bodyparser (co-body → raw-body +
      // iconv-lite) keeps ctx.request.rawBody as *decoded* text: a UTF-8 BOM is stripped and invalid UTF-8
      // becomes U+FFFD. The adapter detects this by comparing the text's UTF-8 length with Content-Length.
      const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
      const bomJson = Buffer.concat([BOM, Buffer.from('{"amount":100}')]);
      const send = (parser: ParserPlacement, body: Buffer, framing: 'content-length' | 'chunked') => {
        const app = make(parser, { keypair: { signatures: 'required' } });
        // Node's client, not supertest: superagent would JSON-serialise a Buffer sent as application/json.
        return rawRequest(app.handler, {
          method: 'POST',
          path: '/echo',
          headers: {
            ...signedHeaders(TEST, { method: 'POST', path: '/echo', body }),
            'content-type': JSON_TYPE,
            ...(framing === 'content-length' && { 'content-length': String(body.length) }),
          },
          chunks: [body],
        });
      };

      it('a BOM-prefixed JSON body (with Content-Length) → 500 RAW_BODY_UNAVAILABLE naming the fix, not a silent 401', async () => {
        const envelope = expectRejection(await send('before', bomJson, 'content-length'), 500, 'RAW_BODY_UNAVAILABLE', {
          presented,
        });
        expectFixForOperatorOnly(envelope.error.message, /mount keygate before the body parser/);
      });

      it('invalid UTF-8 inside a JSON string (with Content-Length) → 500 RAW_BODY_UNAVAILABLE', async () => {
        const body = Buffer.concat([Buffer.from('{"note":"'), Buffer.from([0xff]), Buffer.from('"}')]);
        expectRejection(await send('before', body, 'content-length'), 500, 'RAW_BODY_UNAVAILABLE', { presented });
      });

      it.each(['content-length', 'chunked'] as const)(
        'the same BOM body verifies with the parser after keygate (%s)',
        async (framing) => {
          const answer = expectAdmitted(await send('after', bomJson, framing));
          expect(answer.auth.signed).toBe(true);
          expect(answer.body).toEqual({ amount: 100 });
        },
      );

      // Regression: without Content-Length the decoded text cannot be shown to equal the bytes sent.
      it('a BOM-prefixed JSON body sent chunked is a loud 500, not a silent INVALID_SIGNATURE', async () => {
        const res = await send('before', bomJson, 'chunked');
        expect(res.status, res.text).not.toBe(401);
        expectRejection(res, 500, 'RAW_BODY_UNAVAILABLE', { presented });
      });

      // Regression: a BOM (3 bytes dropped), a lone continuation byte (1 byte → U+FFFD, 3 bytes) and a truncated
      // sequence E2 82 (2 bytes → U+FFFD, 3 bytes) cancel out: same length, other bytes.
      it('decoded text of the same UTF-8 length as the bytes sent is a loud 500, not a silent INVALID_SIGNATURE', async () => {
        const body = Buffer.concat([BOM, Buffer.from('{"note":"'), Buffer.from([0x80, 0xe2, 0x82]), Buffer.from('"}')]);
        expect(Buffer.byteLength(body.toString('utf8').replace(/^\uFEFF/, ''))).toBe(body.length);
        const res = await send('before', body, 'content-length');
        expect(res.status, res.text).not.toBe(401);
        expectRejection(res, 500, 'RAW_BODY_UNAVAILABLE', { presented });
      });
    });
  } else {
    describe('express.json({ verify: keepRawBody }) keeps the bytes', () => {
      it('a JSON body starting with a UTF-8 BOM, signed over its bytes, verifies with the parser before keygate', async () => {
        const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"amount":100}')]);
        const app = make('before', { keypair: { signatures: 'required' } });
        const res = await rawRequest(app.handler, {
          method: 'POST',
          path: '/echo',
          headers: {
            ...signedHeaders(TEST, { method: 'POST', path: '/echo', body: bom }),
            'content-type': JSON_TYPE,
            'content-length': String(bom.length),
          },
          chunks: [bom],
        });
        const answer = expectAdmitted(res);
        expect(answer.auth.signed).toBe(true);
        expect(answer.body).toEqual({ amount: 100 });
      });
    });
  }
});
