// The Express 5 apps of the HTTP cases: the same two routes behind different middleware.
import express from 'express';
import basicAuth from 'express-basic-auth';
import { rateLimit } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import { keygate } from '@keygate/express';
import { RedisDecisionStore } from '@keygate/redis';
import { BASIC_KEY, HTTP_LIMIT, keysFile, NOOP_HEADERS } from '../lib/fixtures.mjs';
import { JWT_OPTIONS } from '../lib/jwt-fixtures.mjs';
import { decisionHooks } from './decision-hooks.mjs';

const basic = () => basicAuth({ users: { [BASIC_KEY]: '' } });

/** express-rate-limit with the same limit and window as keygate, standard (draft-6) headers only. */
const limiter = (options = {}) =>
  rateLimit({
    windowMs: HTTP_LIMIT.windowSeconds * 1000,
    limit: HTTP_LIMIT.limit,
    standardHeaders: 'draft-6',
    legacyHeaders: false,
    ...options,
  });
// Per user (as keygate limits per key), once express-basic-auth has set req.auth.
const perUser = (req) => req.auth.user;

/** Builds the app of `setup` (the case id without "express-"); `redis` is a connected ioredis client or undefined. */
export function expressApp(setup, redis) {
  const app = express();
  switch (setup) {
    case 'bare':
      break;
    case 'noop':
      app.use((_req, res, next) => {
        Promise.resolve().then(() => {
          for (const name in NOOP_HEADERS) res.setHeader(name, NOOP_HEADERS[name]);
          next();
        });
      });
      break;
    case 'basic-auth':
      app.use(basic());
      break;
    case 'rate-limit':
      app.use(limiter());
      break;
    case 'basic-auth-rate-limit':
      app.use(basic(), limiter({ keyGenerator: perUser }));
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
    case 'keygate-redis':
    case 'keygate-redis-signed':
      app.use(
        keygate({
          keys: keysFile(),
          rateLimit: HTTP_LIMIT,
          store: new RedisDecisionStore({ client: redis, prefix: 'keygate:' }),
          keypair: { signatures: setup === 'keygate-redis-signed' ? 'required' : 'optional' },
        }),
      );
      break;
    case 'basic-auth-rate-limit-redis': {
      const store = new RedisStore({ sendCommand: (...args) => redis.call(...args), prefix: 'erl:' });
      app.use(basic(), limiter({ keyGenerator: perUser, store }));
      break;
    }
    default:
      throw new Error(`unknown Express setup "${setup}"`);
  }
  app.get('/v1/ping', (_req, res) => {
    res.json({ ok: true });
  });
  app.post('/v1/payments', (_req, res) => {
    res.json({ ok: true });
  });
  return app;
}
