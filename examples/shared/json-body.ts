import type { IncomingHttpHeaders } from 'node:http';
import { clientError, MESSAGES } from './client-errors.js';
import type { ApiAnswer } from './envelope.js';

/** The largest body the API takes: keygate's `maxBodyBytes` and the JSON parser's limit, so they never disagree. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The longest wait for a body (`KEYGATE_BODY_TIMEOUT_MS`): keygate's `bodyTimeoutMs` for signed bodies and the
 * JSON parser's deadline for the others, so a stalled body is held no longer whether it is signed or not.
 */
export const BODY_TIMEOUT_MS = 10_000;

/**
 * Runs the framework's JSON parser, `parse(done)`, with a deadline: resolves `true` once it has read the body,
 * `false` when the body did not arrive within `timeoutMs` (then the parser is abandoned: answer `bodyTimeout`,
 * which closes the connection, and the rest of the body is never read); rejects with the parser's error.
 * Without it an unsigned body that stalls would be held until Node's `requestTimeout` (300 s).
 */
export function parseWithin(timeoutMs: number, parse: (done: (error?: unknown) => void) => unknown): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const done = (error?: unknown) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(true);
    };
    // Once settled, later reports (the abandoned parser failing as the connection closes) are ignored.
    Promise.resolve()
      .then(() => parse(done))
      .catch((error: unknown) => done(error ?? new Error('JSON parser failed')));
  });
}

/** The answer for a body that did not arrive in time: 408 `REQUEST_TIMEOUT`, and the connection is closed. */
export function bodyTimeout(requestId: string): ApiAnswer {
  return clientError(408, requestId, MESSAGES.timeout, { connection: 'close' });
}

/** Content codings both parsers decode. Anything else (zstd, lists such as `gzip, br`) is refused alike. */
const CODINGS = new Set(['identity', 'gzip', 'deflate', 'br']);

/** The request's Content-Encoding in lower case (codings are case-insensitive), `identity` when absent. */
export function contentCoding(headers: IncomingHttpHeaders): string {
  return (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
}

/**
 * Why the body of a POST cannot be read as JSON, or `undefined` when the JSON parser may read it. Checked before
 * the framework's parser so that Express's and Koa's parsers, which differ here (Koa's ignores the charset and
 * takes other JSON media types; Express's takes UTF-16), only ever see what both read the same way.
 * JSON is exchanged in UTF-8 (RFC 8259). An empty body needs no Content-Type: the route then gets no fields.
 */
export function jsonBodyProblem(headers: IncomingHttpHeaders): { status: 415; message: string } | undefined {
  const refuse = (message: string) => ({ status: 415 as const, message });
  if (!CODINGS.has(contentCoding(headers))) return refuse('Content-Encoding must be identity, gzip, deflate or br.');
  const contentType = headers['content-type'];
  if (contentType === undefined)
    return declaresBody(headers) ? refuse('Content-Type must be application/json.') : undefined;
  const [mediaType = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json') return refuse('Content-Type must be application/json.');
  const charset = parameters
    .find((parameter) => parameter.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"(.*)"$/, '$1');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return refuse('JSON must be sent in UTF-8.');
  return undefined;
}

function declaresBody(headers: IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}

/**
 * `JSON.parse` reviver for Express's parser: refuses the prototype keys that Koa's parser (co-body's bourne)
 * refuses, so a body such as `{"__proto__": …}` gets the same 400 from both.
 */
export function refusePrototypeKeys(key: string, value: unknown): unknown {
  const prototypeOf = key === 'constructor' && typeof value === 'object' && value !== null && 'prototype' in value;
  if (key === '__proto__' || prototypeOf) throw new SyntaxError('Object contains forbidden prototype property');
  return value;
}
