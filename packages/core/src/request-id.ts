import { randomUUID } from 'node:crypto';
import type { IncomingHeaders } from './types.js';

const WELL_FORMED = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * The id of this request: a well-formed incoming `x-request-id` (when trusted), else a new UUID.
 * An incoming id that contains one of the presented credentials is replaced, so a secret is never echoed.
 */
export function requestIdFor(headers: IncomingHeaders, trustIncoming: boolean, credentials: () => readonly string[]): string {
  const incoming = headers['x-request-id'];
  if (trustIncoming && typeof incoming === 'string' && WELL_FORMED.test(incoming)) {
    if (!credentials().some((credential) => credential.length > 0 && (incoming.includes(credential) || credential.includes(incoming)))) {
      return incoming;
    }
  }
  return randomUUID();
}
