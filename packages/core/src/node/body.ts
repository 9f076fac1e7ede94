import type { IncomingMessage } from 'node:http';
import { KeygateError } from '../errors.js';

/**
 * The 500 for a misconfigured app: the raw body is gone. `fix` tells the operator what to change (through the
 * logger and `onDecision`); the client gets only a generic message.
 */
export function rawBodyUnavailable(fix: string): KeygateError {
  return new KeygateError('RAW_BODY_UNAVAILABLE', { fix });
}

const EMPTY = Buffer.alloc(0);

/**
 * The body length the request declares: 0 without body framing (or `Content-Length: 0`, `00`, …),
 * `undefined` when it is chunked (known only once read). Node has already refused malformed lengths.
 */
function declaredLength(req: IncomingMessage): number | undefined {
  if (req.headers['transfer-encoding'] !== undefined) return undefined;
  const declared = req.headers['content-length'];
  return declared === undefined ? 0 : Number(declared);
}

/**
 * Reads the raw body of a Node request **without consuming it**: the bytes are read, then pushed back with
 * `unshift` before `end` is emitted, so a body parser that runs after keygate still sees the whole body —
 * and, for an empty body, still finds the stream open and gets its `end` itself.
 * Used by both adapters when no body parser kept the raw bytes.
 *
 * Rejects with `BODY_TOO_LARGE` past `maxBytes`, with `RAW_BODY_UNAVAILABLE` when something already consumed
 * the stream without keeping the raw body (the message names the fix, given by the adapter), and with a plain
 * Error as soon as the request or its connection closes before the body is complete. Every listener it adds is
 * removed when it settles, so a caller that stops waiting (a body timeout) leaves nothing behind once the
 * connection closes.
 */
export function peekRequestBody(req: IncomingMessage, maxBytes: number, fix: string): Promise<Buffer> {
  const declared = declaredLength(req);
  if (declared === 0) return Promise.resolve(EMPTY);
  if (declared !== undefined && declared > maxBytes) {
    return Promise.reject(new KeygateError('BODY_TOO_LARGE', { details: { maxBytes } }));
  }
  if (req.readableEnded || req.readableDidRead) return Promise.reject(rawBodyUnavailable(fix));
  if (req.destroyed) return Promise.reject(new Error('request closed before its body was read'));

  return new Promise<Buffer>((resolve, reject) => {
    const socket = req.socket;
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('readable', onReadable);
      req.off('error', fail);
      req.off('close', onClose);
      socket?.off('close', onClose);
    };
    const fail = (error: Error) => {
      cleanup();
      reject(error);
    };
    // The socket too: once a response went out (a body timeout), Node closes the socket but never the request.
    const onClose = () => fail(new Error('request closed before its body was read'));
    const onReadable = () => {
      // Take exactly what is buffered. A bare read() at the end of the body would end the stream ('end', then
      // auto-destroy): a parser after keygate would find it closed (@koa/bodyparser: 499) even for an empty body.
      while (req.readableLength > 0) {
        const chunk = req.read(req.readableLength) as Buffer;
        chunks.push(chunk);
        size += chunk.length;
        if (size > maxBytes) return fail(new KeygateError('BODY_TOO_LARGE', { details: { maxBytes } }));
      }
      if (!req.complete) return;
      cleanup();
      const body = Buffer.concat(chunks, size);
      // `end` has not been emitted: the bytes go back in front of the end of the stream, for the next reader.
      if (size > 0) req.unshift(body);
      resolve(body);
    };

    if (req.complete) return onReadable(); // all of it has arrived: read it now, no listener needed
    // Start reading before listening: a 'readable' listener added while nothing is being read schedules a
    // read(0) of its own, which would end the stream if the (empty) body completed in between.
    req.read(0);
    req.on('readable', onReadable);
    req.on('error', fail);
    req.on('close', onClose);
    socket?.on('close', onClose);
  });
}
