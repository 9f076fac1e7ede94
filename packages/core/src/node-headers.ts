import type { IncomingMessage } from 'node:http';
import type { IncomingHeaders } from './types.js';

/**
 * The headers of a Node request, as the verifier should see them. Node keeps only the first of repeated
 * `Authorization` headers, while a proxy in front may use the last: such a request is ambiguous, so the
 * repeats are handed over as an array, which the verifier rejects. (Repeated custom headers such as the
 * secret or signature headers are joined by Node with ", ", which no valid value contains.)
 */
export function requestHeaders(req: IncomingMessage): IncomingHeaders {
  const raw = req.rawHeaders;
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 13 && name.toLowerCase() === 'authorization' && ++seen === 2) {
      return { ...req.headers, authorization: req.headersDistinct.authorization };
    }
  }
  return req.headers;
}
