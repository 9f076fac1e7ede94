import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { createVerifier, type KeygateOptions } from '@keygate/core';
import { keygate, requireScopes } from '@keygate/koa';
import Koa, { type Context, type Middleware } from 'koa';
import { clientError, errorAnswer } from '../shared/client-errors.js';
import { requestIdOf, type ApiAnswer } from '../shared/envelope.js';
import {
  BODY_TIMEOUT_MS,
  bodyTimeout,
  contentCoding,
  jsonBodyProblem,
  MAX_BODY_BYTES,
  parseWithin,
} from '../shared/json-body.js';
import { openApiDocument } from '../shared/openapi.js';
import { ROUTES, unrouted } from '../shared/routes.js';

function send(ctx: Context, answer: ApiAnswer): void {
  ctx.status = answer.status;
  ctx.set(answer.headers ?? {});
  ctx.body = answer.body;
}

const parseJson = bodyParser({ enableTypes: ['json'], jsonLimit: MAX_BODY_BYTES });

/**
 * The JSON body of a POST route, read only once keygate and the scope check let the request through, within
 * `timeoutMs` (keygate's deadline covers signed bodies only).
 */
function jsonBody(timeoutMs: number): Middleware {
  return async (ctx, next) => {
    const problem = jsonBodyProblem(ctx.req.headers);
    if (problem) return send(ctx, clientError(problem.status, requestIdOf(ctx.state.auth), problem.message));
    // Content codings are case-insensitive; co-body's inflation compares them as written (`GZIP` would be a 415).
    if (ctx.req.headers['content-encoding'] !== undefined)
      ctx.req.headers['content-encoding'] = contentCoding(ctx.req.headers);
    let parsed = false; // the parser may answer instead of going on
    const read = await parseWithin(timeoutMs, (done) =>
      parseJson(ctx, async () => void (parsed = true)).then(() => done(), done),
    );
    if (!read) return send(ctx, bodyTimeout(requestIdOf(ctx.state.auth)));
    if (parsed) await next();
  };
}

/** The example payments API behind keygate. keygate goes first, so no body is parsed for an unknown caller. */
export function createApp(options: KeygateOptions): Koa {
  const app = new Koa();
  const router = new Router();
  for (const route of ROUTES) {
    const handlers: Middleware[] = [];
    if (route.scope) handlers.push(requireScopes(route.scope));
    if (route.method === 'POST') handlers.push(jsonBody(options.bodyTimeoutMs ?? BODY_TIMEOUT_MS));
    handlers.push((ctx) => send(ctx, route.handle(ctx.state.auth!, (ctx.request as { body?: unknown }).body)));
    router[route.method === 'GET' ? 'get' : 'post'](route.path, ...handlers);
  }

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      // Body parser errors (400, 413, 415) and anything unexpected (500), in the envelope, keeping x-request-id.
      const { answer, unexpected } = errorAnswer(error, requestIdOf(ctx.state.auth));
      if (unexpected) console.error(error);
      send(ctx, answer);
    }
  });
  const verifier = createVerifier(options);
  const openApi = openApiDocument(verifier);
  app.use(async (ctx, next) => {
    if (ctx.method !== 'GET' || ctx.path !== '/openapi.json') return next();
    ctx.body = openApi; // the API's description is public
  });
  app.use(keygate({ verifier }));
  app.use(router.routes());
  // No route took it (no router.allowedMethods(): its 501 for unknown methods has no body): 404, or 405 + Allow.
  app.use((ctx) => send(ctx, unrouted(ctx.path, requestIdOf(ctx.state.auth))));
  return app;
}
