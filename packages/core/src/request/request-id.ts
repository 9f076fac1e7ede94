import { randomBytes } from 'node:crypto';
import type { IncomingHeaders } from '../types.js';

const WELL_FORMED = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * The id of this request: a well-formed incoming `x-request-id` (when trusted), else a new UUID-shaped id.
 * An incoming id that contains, or is part of, anything the credential headers carry is replaced, so a
 * secret is never echoed. `credentialHeaders` are the values of those headers; `null` (repeated or too
 * long to decode) means they cannot be checked, and then the incoming id is never used.
 */
export function requestIdFor(
  headers: IncomingHeaders,
  trustIncoming: boolean,
  credentialHeaders: readonly (string | null | undefined)[],
): string {
  const incoming = headers['x-request-id'];
  if (
    trustIncoming &&
    typeof incoming === 'string' &&
    WELL_FORMED.test(incoming) &&
    !credentialHeaders.includes(null)
  ) {
    // Case-insensitive: a signature is accepted in either case, and a look-alike of a key is no better in a log.
    const id = incoming.toLowerCase();
    const echoes = (credential: string) =>
      credential.includes(id) || (credential.length >= MIN_KEY_LENGTH && id.includes(credential));
    if (!credentialHeaders.some((value) => typeof value === 'string' && credentialsIn(value).some(echoes)))
      return incoming;
  }
  return newRequestId();
}

// A new id is a random UUID-shaped prefix, drawn once per process, then a 12-hex-digit counter: unique like a
// random UUID without the CSPRNG call per request (an id identifies, it is not a secret), and it is only ever
// made of these hex digits, so it cannot carry anything the client sent.
const COUNTER_LIMIT = 16 ** 12;
let prefix = randomPrefix();
let counter = 0;

function randomPrefix(): string {
  const hex = randomBytes(10).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16)}-`;
}

function newRequestId(): string {
  if (counter === COUNTER_LIMIT) {
    prefix = randomPrefix();
    counter = 0;
  }
  return prefix + (counter++).toString(16).padStart(12, '0');
}

/** Keys, secrets and signatures are at least this long (the keys file's shortest key). */
const MIN_KEY_LENGTH = 8;
const KEY_RUN = /[a-z0-9._-]{8,}/g;
const BASE64_RUN = /[a-z0-9+/]{4,}/gi;

/**
 * Every string a credential header may carry, however it is framed (a tab, `=` or any other character
 * may stand where a space should, and must not hide a key): the value itself; its runs of key characters
 * (keys, secrets, the hex of `v2=<hex>`); and the same runs in the base64 decoding of every base64 run, read
 * from each of the four alignments (the Basic user id and password, after whatever precedes them). Lower-cased.
 */
function credentialsIn(value: string): string[] {
  const lower = value.toLowerCase();
  const found = [lower, ...(lower.match(KEY_RUN) ?? [])];
  for (const run of value.match(BASE64_RUN) ?? []) {
    for (let offset = 0; offset < 4 && offset < run.length; offset++) {
      const decoded = Buffer.from(run.slice(offset), 'base64').toString('latin1').toLowerCase();
      // Up to three bytes decoded from what precedes the credential may be glued to its front.
      for (const part of decoded.match(KEY_RUN) ?? []) found.push(part, part.slice(1), part.slice(2), part.slice(3));
    }
  }
  return found;
}
