import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';

/**
 * `verify` hook for Express body parsers that keeps the raw bytes keygate needs to check signatures:
 * `app.use(express.json({ verify: keepRawBody }))`.
 */
export function keepRawBody(req: IncomingMessage, _res: unknown, buffer: Buffer): void {
  (req as Request).rawBody = buffer;
}
