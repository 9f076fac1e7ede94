import { randomUUID } from 'node:crypto';
import { splitAuthorization } from './authorization.js';
import type { IncomingHeaders } from './types.js';

const WELL_FORMED = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * The id of this request: a well-formed incoming `x-request-id` (when trusted), else a new UUID.
 * An incoming id that contains, or is part of, one of the presented credentials is replaced, so a secret is
 * never echoed.
 */
export function requestIdFor(
  headers: IncomingHeaders,
  trustIncoming: boolean,
  authorization: string | null | undefined,
  secret: string | null | undefined,
): string {
  const incoming = headers['x-request-id'];
  if (trustIncoming && typeof incoming === 'string' && WELL_FORMED.test(incoming)) {
    const credentials = credentialsIn(authorization, secret);
    if (!credentials.some((credential) => credential.length > 0 && (incoming.includes(credential) || credential.includes(incoming)))) {
      return incoming;
    }
  }
  return randomUUID();
}

/** The credential strings a request presented. */
function credentialsIn(authorization: string | null | undefined, secret: string | null | undefined): string[] {
  const found: string[] = [];
  if (typeof authorization === 'string') {
    const parts = splitAuthorization(authorization);
    if (parts) {
      found.push(authorization.trim(), parts.credentials);
      // The user id and, where allowBasicPassword ignores it, the password.
      if (parts.scheme === 'basic') found.push(...Buffer.from(parts.credentials, 'base64').toString('utf8').split(':'));
    }
  }
  if (typeof secret === 'string') found.push(secret);
  return found;
}
