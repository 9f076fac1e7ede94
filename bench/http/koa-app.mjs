// The Koa 3 apps of the HTTP cases: one handler behind different middleware.
import Koa from 'koa';
import basicAuth from 'koa-basic-auth';
import { keygate } from '@keygate/koa';
import { BASIC_KEY, HTTP_LIMIT, keysFile, NOOP_HEADERS } from '../lib/fixtures.mjs';
import { JWT_OPTIONS } from '../lib/jwt-fixtures.mjs';
import { decisionHooks } from './decision-hooks.mjs';

/** Builds the app of `setup` (the case id without "koa-"). */
export function koaApp(setup) {
  const app = new Koa();
  switch (setup) {
    case 'bare':
      break;
    case 'noop':
      app.use(async (ctx, next) => {
        await null;
        ctx.set(NOOP_HEADERS);
        await next();
      });
      break;
    case 'basic-auth':
      app.use(basicAuth({ name: BASIC_KEY }));
      break;
    case 'keygate-basic':
    case 'keygate-signed':
      app.use(
        keygate({
          keys: keysFile(),
          rateLimit: HTTP_LIMIT,
          keypair: { signatures: setup === 'keygate-signed' ? 'required' : 'optional' },
        }),
      );
      break;
    case 'keygate-jwt':
      app.use(keygate({ keys: keysFile(), rateLimit: HTTP_LIMIT, jwt: JWT_OPTIONS }));
      break;
    case 'keygate-basic-ondecision':
    case 'keygate-basic-prometheus':
      app.use(keygate({ keys: keysFile(), rateLimit: HTTP_LIMIT, ...decisionHooks(setup) }));
      break;
    default:
      throw new Error(`unknown Koa setup "${setup}"`);
  }
  app.use((ctx) => {
    ctx.body = { ok: true };
  });
  return app;
}
