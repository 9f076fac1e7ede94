import type { IncomingMessage } from 'node:http';
import { peekRequestBody } from '@keygate/core';
import type { Request } from 'express';

const FIX =
  'A body parser ran before keygate without keeping the raw body: mount it as express.json({ verify: keepRawBody }) ' +
  '(likewise express.text/raw/urlencoded), or mount keygate before the body parser.';

/**
 * `verify` hook for Express body parsers that keeps the raw bytes keygate needs to check signatures:
 * `app.use(express.json({ verify: keepRawBody }))`.
 */
export function keepRawBody(req: IncomingMessage, _res: unknown, buffer: Buffer): void {
  (req as Request).rawBody = buffer;
}

/** The raw body: kept by a body parser, or read (and put back) from the stream. */
export async function rawBodyOf(req: Request, maxBytes: number): Promise<Buffer> {
  if (req.rawBody !== undefined) return req.rawBody;
  req.rawBody = await peekRequestBody(req, maxBytes, FIX);
  return req.rawBody;
}
