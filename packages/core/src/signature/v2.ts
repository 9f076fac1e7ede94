import type { KeyObject } from 'node:crypto';
import { hmacSha256, sha256Hex } from '../crypto.js';
import type { SignableBody } from './body.js';

/**
 * Version 2: HMAC-SHA256 over `v2\n${timestamp}\n${METHOD}\n${path}\n${sha256hex(body)}`. LF cannot occur in
 * a timestamp, a method or a request target, and the body is fixed by its digest: one string, one request.
 */
export function signV2(secret: string | KeyObject, timestamp: string, method: string, path: string, body: SignableBody): Buffer {
  return hmacSha256(secret, `v2\n${timestamp}\n${method.toUpperCase()}\n${path}\n${sha256Hex(body ?? '')}`, '');
}
