import type { KeyObject } from 'node:crypto';
import { hmacSha256 } from '../crypto.js';
import type { SignableBody } from './body.js';

/**
 * Version 1, the published client sample: HMAC-SHA256 over `${timestamp}.${METHOD}.${path}.${body}` with the
 * body's raw bytes. Its `.` separators are ambiguous (a `.` can move between the query and the body), so the
 * verifier refuses a signed GET or HEAD with a body, and v2 is recommended.
 */
export function signV1(secret: string | KeyObject, timestamp: string, method: string, path: string, body: SignableBody): Buffer {
  return hmacSha256(secret, `${timestamp}.${method.toUpperCase()}.${path}.`, body ?? '');
}
