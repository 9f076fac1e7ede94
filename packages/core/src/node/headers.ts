import type { IncomingMessage } from 'node:http';
import type { IncomingHeaders } from '../types.js';

const AUTHORIZATION = 'authorization';

/**
 * The headers of a Node request, as the verifier should see them. Node keeps only the first of repeated
 * `Authorization` headers, while a proxy in front may use the last: such a request is ambiguous, so the
 * repeats are handed over as an array, which the verifier rejects. (Repeated custom headers such as the
 * secret or signature headers are joined by Node with ", ", which no valid value contains.)
 */
export function requestHeaders(req: IncomingMessage): IncomingHeaders {
  const raw = req.rawHeaders ?? []; // absent on some hand-made requests (tests, mocks)
  let first = -1;
  for (let i = 0; i < raw.length; i += 2) {
    if (!isAuthorization(raw[i] as string)) continue;
    if (first === -1) {
      first = i;
      continue;
    }
    const values: string[] = [];
    for (let j = first; j < raw.length; j += 2)
      if (isAuthorization(raw[j] as string)) values.push(raw[j + 1] as string);
    return { ...req.headers, authorization: values };
  }
  return req.headers;
}

function isAuthorization(name: string): boolean {
  return name.length === AUTHORIZATION.length && name.toLowerCase() === AUTHORIZATION;
}
