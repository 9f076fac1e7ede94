import { KeygateError } from '../errors.js';
import type { RequestInput } from '../types.js';
import { byteLength, type SignableBody } from './body.js';

/**
 * The raw body of a signed request, within `maxBytes` (413) and `timeoutMs` (408, and the connection is to
 * be closed: the rest of a stalled body is never read).
 */
export async function readBody(request: RequestInput, maxBytes: number, timeoutMs: number): Promise<SignableBody> {
  const body = typeof request.body === 'function' ? await readWithin(request.body, maxBytes, timeoutMs) : request.body;
  if (byteLength(body) > maxBytes) throw new KeygateError('BODY_TOO_LARGE', { details: { maxBytes } });
  return body;
}

async function readWithin(read: (maxBytes: number) => Promise<SignableBody>, maxBytes: number, timeoutMs: number): Promise<SignableBody> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const headers = { connection: 'close' };
      reject(new KeygateError('REQUEST_TIMEOUT', { details: { timeoutMs }, headers }));
    }, timeoutMs);
  });
  try {
    // Promise.race subscribes to the read, so its late failure (the socket closed) is never unhandled.
    return await Promise.race([Promise.resolve().then(() => read(maxBytes)), timedOut]);
  } catch (error) {
    if (error instanceof KeygateError) throw error;
    // The client went away or sent a broken body: nothing to verify against.
    throw new KeygateError('INVALID_SIGNATURE', { details: { reason: 'body-unreadable' } });
  } finally {
    clearTimeout(timer);
  }
}
