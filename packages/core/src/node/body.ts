import type { IncomingMessage } from 'node:http';
import { KeygateError } from '../errors.js';

/** The 500 for a misconfigured app: the raw body is gone. `fix` tells the developer what to change. */
export function rawBodyUnavailable(fix: string): KeygateError {
  return new KeygateError('RAW_BODY_UNAVAILABLE', { message: `${new KeygateError('RAW_BODY_UNAVAILABLE').message} ${fix}` });
}

/**
 * Reads the raw body of a Node request **without consuming it**: the bytes are read, then pushed back with
 * `unshift` before `end` is emitted, so a body parser that runs after keygate still sees the whole body.
 * Used by both adapters when no body parser kept the raw bytes.
 *
 * Throws `BODY_TOO_LARGE` past `maxBytes` and `RAW_BODY_UNAVAILABLE` when something already consumed the
 * stream without keeping the raw body (the message names the fix, given by the adapter).
 */
export function peekRequestBody(req: IncomingMessage, maxBytes: number, fix: string): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    return Promise.reject(new KeygateError('BODY_TOO_LARGE', { details: { maxBytes } }));
  }
  const hasBody = req.headers['transfer-encoding'] !== undefined || (declared !== undefined && declared !== '0');
  if (!hasBody) return Promise.resolve(Buffer.alloc(0));
  if (req.readableEnded || req.readableDidRead) {
    return Promise.reject(rawBodyUnavailable(fix));
  }

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('readable', onReadable);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(new Error('request closed before its body was read'));
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = req.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        size += chunk.length;
        if (size > maxBytes) {
          cleanup();
          reject(new KeygateError('BODY_TOO_LARGE', { details: { maxBytes } }));
          return;
        }
      }
      if (!req.complete) return;
      cleanup();
      const body = Buffer.concat(chunks, size);
      // Same tick as the last read: `end` has not been emitted yet, so the bytes can go back in front.
      if (size > 0) req.unshift(body);
      resolve(body);
    };
    req.on('readable', onReadable);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
