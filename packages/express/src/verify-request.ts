import type { Verifier } from '@keygate/core';
import { peekRequestBody, requestHeaders, verifyDeferred, type DeferredVerification } from '@keygate/core/node';
import type { Request } from 'express';

const FIX =
  'A body parser ran before keygate without keeping the raw body: mount it as express.json({ verify: keepRawBody }) ' +
  '(likewise express.text/raw/urlencoded), or mount keygate before the body parser.';

/** The raw body: kept by a body parser, or read (and put back) from the stream. */
async function rawBodyOf(req: Request, maxBytes: number): Promise<Buffer> {
  if (req.rawBody !== undefined) return req.rawBody;
  req.rawBody = await peekRequestBody(req, maxBytes, FIX);
  return req.rawBody;
}

/** The verifier's answer for an Express request; `req.ip` honours the app's `trust proxy` setting. */
export function verifyRequest(verifier: Verifier, req: Request): Promise<DeferredVerification> {
  return verifyDeferred(verifier, {
    method: req.method,
    target: req.originalUrl,
    headers: requestHeaders(req),
    body: (maxBytes) => rawBodyOf(req, maxBytes),
    clientIp: req.ip,
  });
}
