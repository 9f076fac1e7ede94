import type { SignableBody } from './body.js';
import { hmacSha256, type HmacKey } from './hmac.js';

/**
 * Version 1, the published client sample: HMAC-SHA256 over `${timestamp}.${METHOD}.${path}.${body}` with the
 * body's raw bytes. Its `.` separators are ambiguous (a `.` can move between the query and the body), so the
 * verifier refuses a signed GET or HEAD with a body, and v2 is recommended. The signature as latin1 characters.
 */
export function signV1(key: HmacKey, timestamp: string, method: string, path: string, body: SignableBody): string {
  return hmacSha256(key, `${timestamp}.${method.toUpperCase()}.${path}.`, body ?? '');
}
