import { randomUUID } from 'node:crypto';
import type { IncomingHeaders } from '../types.js';

const WELL_FORMED = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * The id of this request: a well-formed incoming `x-request-id` (when trusted), else a new UUID.
 * An incoming id that contains, or is part of, anything the credential headers carry is replaced, so a
 * secret is never echoed. `credentialHeaders` are the values of those headers; `null` (repeated or too
 * long to decode) means they cannot be checked, and then the incoming id is never used.
 */
export function requestIdFor(headers: IncomingHeaders, trustIncoming: boolean, credentialHeaders: readonly (string | null | undefined)[]): string {
  const incoming = headers['x-request-id'];
  if (trustIncoming && typeof incoming === 'string' && WELL_FORMED.test(incoming) && !credentialHeaders.includes(null)) {
    const echoes = (credential: string) => credential.length > 0 && (incoming.includes(credential) || credential.includes(incoming));
    if (!credentialHeaders.some((value) => typeof value === 'string' && credentialsIn(value).some(echoes))) return incoming;
  }
  return randomUUID();
}

/**
 * Every string a credential header may carry: the value, each of its tokens whatever whitespace separates
 * them (a tab is not a valid separator, but must not hide a key), each token's base64 decoding split at `:`
 * (the Basic user id and password), and the long parts of a token split at `=` (the hex of `v2=<hex>`: `=`
 * cannot stand in a request id, so the prefix would otherwise hide the signature).
 */
function credentialsIn(value: string): string[] {
  const found = [value.trim()];
  for (const token of value.split(/\s+/)) {
    if (token === '') continue;
    found.push(token, ...Buffer.from(token, 'base64').toString('utf8').split(':'));
    for (const part of token.split('=')) if (part.length >= 16 && part !== token) found.push(part);
  }
  return found;
}
