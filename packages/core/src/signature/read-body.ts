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

/** `read`'s answer, or the 408 once `timeoutMs` has passed; a late answer or failure is then ignored. */
function readWithin(
  read: (maxBytes: number) => Promise<SignableBody>,
  maxBytes: number,
  timeoutMs: number,
): Promise<SignableBody> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new KeygateError('REQUEST_TIMEOUT', { details: { timeoutMs }, headers: { connection: 'close' } }));
    }, timeoutMs);
    const unreadable = (error: unknown) => {
      clearTimeout(timer);
      // The client went away or sent a broken body: nothing to verify against.
      reject(
        error instanceof KeygateError
          ? error
          : new KeygateError('INVALID_SIGNATURE', { details: { reason: 'body-unreadable' } }),
      );
    };
    try {
      read(maxBytes).then((body) => {
        clearTimeout(timer);
        resolve(body);
      }, unreadable);
    } catch (error) {
      unreadable(error);
    }
  });
}
