import type { AuthContext } from '@keygate/core';

declare global {
  namespace Express {
    interface Request {
      /** Who made the request, set by the keygate middleware once verified. */
      auth?: AuthContext;
      /** The raw body bytes, kept by `keepRawBody` or read by keygate to verify a signature. */
      rawBody?: Buffer;
    }
  }
}
