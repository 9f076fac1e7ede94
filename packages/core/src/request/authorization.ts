import type { AuthorizationParts } from '../schemes/scheme.js';
import type { IncomingHeaders } from '../types.js';

/** Splits an `Authorization` header into its scheme (lower-cased) and credentials. */
export function splitAuthorization(header: string): AuthorizationParts | undefined {
  const trimmed = header.trim();
  const space = trimmed.indexOf(' ');
  if (space <= 0) return trimmed === '' ? undefined : { scheme: trimmed.toLowerCase(), credentials: '' };
  return { scheme: trimmed.slice(0, space).toLowerCase(), credentials: trimmed.slice(space + 1).trimStart() };
}

/**
 * The scheme of a single `Authorization` header too long to read, with no credentials (they are never decoded),
 * so the scheme it names can refuse it in its own terms; `undefined` when the header is absent or repeated.
 */
export function oversizedAuthorization(headers: IncomingHeaders): AuthorizationParts | undefined {
  const header = headers.authorization;
  const value = typeof header === 'string' ? header : header?.length === 1 ? header[0] : undefined;
  const scheme = value === undefined ? undefined : /^\s*([^\s]{1,32})\s/.exec(value.slice(0, 64))?.[1];
  return scheme === undefined ? undefined : { scheme: scheme.toLowerCase(), credentials: '', oversized: true };
}
