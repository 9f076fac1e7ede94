import { safeEqualBytes } from '../crypto.js';
import type { SignableBody } from './body.js';
import type { HmacKey } from './hmac.js';
import type { SignatureVersion } from './sign.js';
import { signV1 } from './v1.js';
import { signV2 } from './v2.js';

// A regex, not Buffer hex decoding: that reads only the low byte of each character, so 'İ' (U+0130) would
// pass as '0' and one signature would have many spellings, each new to the replay store.
const SIGNATURE = /^(v2=)?([0-9a-fA-F]{64})$/;

export interface PresentedSignature {
  version: SignatureVersion;
  /** The 64 hex digits, lower-cased: one spelling per signature, for the replay store. */
  hex: string;
}

/** `v2=<64 hex>` is v2, a bare 64-hex value v1; anything else is malformed (`undefined`). */
export function parseSignature(value: string): PresentedSignature | undefined {
  const match = SIGNATURE.exec(value);
  if (match === null) return undefined;
  return { version: match[1] === undefined ? 'v1' : 'v2', hex: (match[2] as string).toLowerCase() };
}

export interface SignedRequest {
  timestamp: string;
  method: string;
  target: string;
  body: SignableBody;
}

// The presented and the expected signature's bytes, written right before each synchronous comparison (no
// allocation per request).
const presentedBytes = Buffer.alloc(32);
const expectedBytes = Buffer.alloc(32);

/** Constant-time comparison of the presented bytes with a signature given as 32 latin1 characters. */
function presentedEquals(signature: string): boolean {
  expectedBytes.write(signature, 0, 'latin1');
  return safeEqualBytes(presentedBytes, expectedBytes);
}

/**
 * Whether `presented` signs `request` under `key`, compared in constant time. For v1, an empty body also
 * accepts a signature over `{}`, because clients that copy the published sample sign `JSON.stringify({})`.
 */
export function signatureMatches(presented: PresentedSignature, key: HmacKey, request: SignedRequest): boolean {
  const { timestamp, method, target, body } = request;
  presentedBytes.write(presented.hex, 'hex');
  if (presented.version === 'v2') return presentedEquals(signV2(key, timestamp, method, target, body));
  if (presentedEquals(signV1(key, timestamp, method, target, body))) return true;
  const empty = body === undefined || body.length === 0;
  return empty && presentedEquals(signV1(key, timestamp, method, target, '{}'));
}
