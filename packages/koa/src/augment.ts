import type { AuthContext } from '@keygate/core';

declare module 'koa' {
  interface DefaultState {
    /** Who made the request, set by the keygate middleware once verified. */
    auth?: AuthContext;
  }
  interface Request {
    /** Raw body text as kept by `@koa/bodyparser`, or the bytes keygate read to verify a signature. */
    rawBody?: string | Buffer;
  }
}
