import { sha256Hex } from '../crypto.js';
import type { SignableBody } from './body.js';
import { hmacSha256, type HmacKey } from './hmac.js';

/**
 * Version 2: HMAC-SHA256 over `v2\n${timestamp}\n${METHOD}\n${path}\n${sha256hex(body)}`. LF cannot occur in
 * a timestamp, a method or a request target, and the body is fixed by its digest: one string, one request.
 * The signature as latin1 characters.
 */
export function signV2(key: HmacKey, timestamp: string, method: string, path: string, body: SignableBody): string {
  return hmacSha256(key, `v2\n${timestamp}\n${method.toUpperCase()}\n${path}\n${sha256Hex(body ?? '')}`);
}
