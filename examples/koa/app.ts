import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
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

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      // @koa/bodyparser throws 400 for malformed JSON; answer in the API's envelope.
      if ((error as { status?: number }).status !== 400) throw error;
      send(ctx, api.malformedJson(ctx.state.auth?.requestId ?? ''));
    }
  });
  app.use(keygate(options));
  app.use(bodyParser({ enableTypes: ['json'] }));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
