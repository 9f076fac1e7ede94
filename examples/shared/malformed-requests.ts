import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { clientError, MESSAGES } from './client-errors.js';
import type { ApiAnswer } from './envelope.js';
import { allowedMethods } from './routes.js';

/** Node's own answers to what never reaches the app, with the status Node would give. */
function answerFor(code: string | undefined): { status: number; message: string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, message: MESSAGES.headersTooLarge };
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return { status: 413, message: MESSAGES.tooLarge };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, message: MESSAGES.timeout };
  return { status: 400, message: MESSAGES.malformed };
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
};

/** An envelope answer written straight to a socket Node no longer parses, then the connection is closed. */
function endSocket(socket: Socket, answer: ApiAnswer): void {
  const body = JSON.stringify(answer.body);
  const headers = Object.entries({
    ...answer.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  });
  socket.end(
    `HTTP/1.1 ${answer.status} ${REASONS[answer.status]}\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n${body}`,
  );
  socket.destroySoon();
}

/** An envelope answer through Node's response, closing the connection: the request's body is never read. */
function endResponse(res: ServerResponse, answer: ApiAnswer): void {
  const body = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...answer.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
}

/**
 * Requests Node refuses or drops before the app sees them are answered in the envelope too, not with Node's bare
 * status line or a closed socket:
 * - a malformed request line or header, headers too large, a body still not received after `requestTimeout`
 *   (400, 431, 413, 408);
 * - an `Expect` other than `100-continue` (Node's empty 417): 417 `EXPECTATION_FAILED`;
 * - `CONNECT` (Node closes the socket without a word when nobody listens for it): 405 `METHOD_NOT_ALLOWED`, with
 *   `Allow` empty for a host:port target (no method is served there) or the route's methods for one of its paths.
 * Each closes the connection. An HTTP/1.1 request without `Host` is refused by `refuseWithoutHost` instead.
 */
export function answerMalformedRequests(server: Server): void {
  const responses = new WeakMap<Socket, ServerResponse>();
  server.on('request', (req, res) => responses.set(req.socket, res));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // Like Node: say nothing while the app's answer is being written, or when the client is gone.
    const inFlight = responses.get(socket);
    if (error.code === 'ECONNRESET' || !socket.writable || (inFlight?.headersSent && !inFlight.writableEnded)) {
      socket.destroy();
      return;
    }
    const { status, message } = answerFor(error.code);
    endSocket(socket, clientError(status, randomUUID(), message));
  });
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    endResponse(res, clientError(417, randomUUID(), MESSAGES.expectation));
  });
  server.on('connect', (req: IncomingMessage, duplex: Duplex) => {
    const socket = duplex as Socket;
    // Node has handed the socket over, its error listener included: a client gone meanwhile is no crash.
    socket.on('error', () => socket.destroy());
    const target = req.url ?? '';
    const allow = (target.startsWith('/') && allowedMethods(target.replace(/[?#].*/s, ''))) || '';
    endSocket(socket, clientError(405, randomUUID(), MESSAGES.connect, { allow }));
  });
}

/**
 * The app's request listener behind a Host check: an HTTP/1.1 request without `Host` gets 400 `INVALID_REQUEST`
 * in the envelope (RFC 9112 §3.2), which Node would answer with a bare 400 (the server is created with
 * `requireHostHeader: false` so that the request reaches this check).
 */
export function refuseWithoutHost(listener: RequestListener): RequestListener {
  return (req, res) => {
    if (req.httpVersionMajor === 1 && req.httpVersionMinor === 1 && req.headers.host === undefined) {
      return endResponse(res, clientError(400, randomUUID(), MESSAGES.noHost));
    }
    return listener(req, res);
  };
}
