import { randomUUID } from 'node:crypto';
import type { ServerResponse, Server } from 'node:http';
import type { Socket } from 'node:net';
import { clientError, MESSAGES } from './client-errors.js';

/** Node's own answers to what never reaches the app, with the status Node would give. */
function answerFor(code: string | undefined): { status: number; message: string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, message: MESSAGES.headersTooLarge };
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return { status: 413, message: MESSAGES.tooLarge };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, message: MESSAGES.timeout };
  return { status: 400, message: MESSAGES.malformed };
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Content Too Large', 431: 'Request Header Fields Too Large' };

/**
 * Requests Node refuses before the app sees them (a malformed request line or header, headers too large, a body
 * still not received after `requestTimeout`) are answered in the envelope too, not with Node's bare status line.
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
    const requestId = randomUUID();
    const body = JSON.stringify(clientError(status, requestId, message).body);
    socket.end(
      `HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
    socket.destroySoon();
  });
}
