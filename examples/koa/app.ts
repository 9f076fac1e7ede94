import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { createVerifier } from '@keygate/core';
import { keygate, requireScopes, type KeygateKoaOptions } from '@keygate/koa';
import Koa, { type Context } from 'koa';
import * as api from '../shared/payments.js';

function send(ctx: Context, answer: api.ApiAnswer): void {
  ctx.status = answer.status;
  ctx.body = answer.body;
}

/** The example payments API behind keygate. keygate goes first, so no body is parsed for an unknown caller. */
export function createApp(options: KeygateKoaOptions): Koa {
  const app = new Koa();
  const router = new Router();
  router.get('/v1/wallets/service/balance', (ctx) => send(ctx, api.balance(ctx.state.auth!)));
  router.get('/v1/payments', requireScopes('payments:read'), (ctx) => send(ctx, api.listPayments(ctx.state.auth!)));
  router.post('/v1/payments', requireScopes('payments:write'), (ctx) => send(ctx, api.createPayment(ctx.state.auth!, ctx.request.body)));
  router.get('/v1/settlements', requireScopes('settlements:read'), (ctx) => send(ctx, api.listSettlements(ctx.state.auth!)));
  router.post('/v1/refunds', requireScopes('refunds:write'), (ctx) => send(ctx, api.createRefund(ctx.state.auth!, ctx.request.body)));

  const verifier = createVerifier(options);
  app.use(async (ctx, next) => {
    try {
      await next();
      // No route (404) or not this method (405, with its Allow header): the API's envelope too.
      if ((ctx.status === 404 || ctx.status === 405) && ctx.body == null) send(ctx, api.clientError(ctx.status, ctx.state.auth?.requestId ?? ''));
    } catch (error) {
      // Body parser errors (400, 413, 415) and anything unexpected (500), in the envelope, keeping x-request-id.
      const { answer, unexpected } = api.errorAnswer(error, ctx.state.auth?.requestId ?? '');
      if (unexpected) console.error(error);
      send(ctx, answer);
    }
  });
  app.use(keygate(options, verifier));
  // The same body cap as keygate's, so a body keygate verified is never refused by the parser for its size.
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: verifier.config.maxBodyBytes }));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
