import { createVerifier } from '@keygate/core';
import { keygate, requireScopes, type KeygateExpressOptions } from '@keygate/express';
import express, { type ErrorRequestHandler, type Response } from 'express';
import * as api from '../shared/payments.js';

function send(res: Response, answer: api.ApiAnswer): void {
  res.status(answer.status).json(answer.body);
}

/** The example payments API behind keygate. keygate goes first, so no body is parsed for an unknown caller. */
export function createApp(options: KeygateExpressOptions): express.Express {
  const verifier = createVerifier(options);
  const app = express();
  app.disable('x-powered-by');
  app.use(keygate(options, verifier));
  // The same body cap as keygate's, so a body keygate verified is never refused by the parser for its size.
  app.use(express.json({ limit: verifier.config.maxBodyBytes }));

  app.get('/v1/wallets/service/balance', (req, res) => send(res, api.balance(req.auth!)));
  app.get('/v1/payments', requireScopes('payments:read'), (req, res) => send(res, api.listPayments(req.auth!)));
  app.post('/v1/payments', requireScopes('payments:write'), (req, res) => send(res, api.createPayment(req.auth!, req.body)));
  app.get('/v1/settlements', requireScopes('settlements:read'), (req, res) => send(res, api.listSettlements(req.auth!)));
  app.post('/v1/refunds', requireScopes('refunds:write'), (req, res) => send(res, api.createRefund(req.auth!, req.body)));
  app.use((req, res) => send(res, api.clientError(404, req.auth?.requestId ?? '')));

  const onError: ErrorRequestHandler = (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const { answer, unexpected } = api.errorAnswer(error, req.auth?.requestId ?? '');
    if (unexpected) console.error(error);
    send(res, answer);
  };
  app.use(onError);
  return app;
}
