import { failure, type ApiAnswer } from './envelope.js';

/**
 * The codes of the example's own client errors (beside keygate's): one code per status, one message per cause.
 * Messages are fixed strings: parsers quote the body in theirs.
 */
const CODES: Record<number, string> = {
  400: 'INVALID_REQUEST',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  417: 'EXPECTATION_FAILED',
  431: 'HEADERS_TOO_LARGE',
};

export const MESSAGES = {
  badJson: 'Request body is not valid JSON.',
  badEncoding: 'Request body does not match its Content-Encoding.',
  incomplete: 'Request body is incomplete.',
  notFound: 'No such route.',
  notAllowed: 'Method not allowed on this route.',
  timeout: 'The request did not arrive in time.',
  tooLarge: 'Request body is too large.',
  unsupported: 'Unsupported body encoding or charset.',
  headersTooLarge: 'Request headers are too large.',
  malformed: 'Malformed HTTP request.',
  noHost: 'HTTP/1.1 requests must have a Host header.',
  expectation: 'Unsupported Expect header: only 100-continue is understood.',
  connect: 'CONNECT is not supported: this server is not a proxy.',
} as const;

/** The envelope for a request the API cannot serve (a route it does not have, a body it cannot read). */
export function clientError(
  status: number,
  requestId: string,
  message: string,
  headers?: Record<string, string>,
): ApiAnswer {
  return failure(status, CODES[status] ?? 'INVALID_REQUEST', message, requestId, headers);
}

/** zlib (`Z_DATA_ERROR`, …) and brotli (`ERR__ERROR_FORMAT_…`) errors: a body that is not what its Content-Encoding says. */
function isDecodeError(code: unknown): boolean {
  return typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ERR__'));
}

/**
 * The answer for an error thrown while serving a request: a body parser's client error (4xx) or, for anything
 * else, 500. Express's and Koa's parsers report the same causes differently (body-parser wraps a bad gzip body in
 * a 400, co-body passes zlib's error on bare); both end up here with the same answer.
 */
export function errorAnswer(error: unknown, requestId: string): { answer: ApiAnswer; unexpected: boolean } {
  const { status, code, type } = (error ?? {}) as { status?: unknown; code?: unknown; type?: unknown };
  const client = (status: number, message: string) => ({
    answer: clientError(status, requestId, message),
    unexpected: false,
  });
  if (isDecodeError(code)) return client(400, MESSAGES.badEncoding);
  if (status === 413) return client(413, MESSAGES.tooLarge);
  if (status === 415) return client(415, MESSAGES.unsupported);
  if (type === 'request.aborted' || type === 'request.size.invalid') return client(400, MESSAGES.incomplete);
  if (status === 400) return client(400, MESSAGES.badJson); // a syntax error, a scalar, a "__proto__" key
  return { answer: failure(500, 'INTERNAL', 'Internal error.', requestId), unexpected: true };
}
