import { createVerifier, type KeygateOptions } from '@keygate/core';
import { keygate, requireScopes } from '@keygate/express';
import express, { type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import { clientError, errorAnswer } from '../shared/client-errors.js';
import { requestIdOf, type ApiAnswer } from '../shared/envelope.js';
import {
  BODY_TIMEOUT_MS,
  bodyTimeout,
  jsonBodyProblem,
  MAX_BODY_BYTES,
  parseWithin,
  refusePrototypeKeys,
} from '../shared/json-body.js';
import { openApiDocument } from '../shared/openapi.js';
import { ROUTES, unrouted } from '../shared/routes.js';

function send(res: Response, answer: ApiAnswer): void {
  res
    .status(answer.status)
    .set(answer.headers ?? {})
    .json(answer.body);
}

const parseJson = express.json({ limit: MAX_BODY_BYTES, reviver: refusePrototypeKeys });

/**
 * The JSON body of a POST route, read only once keygate and the scope check let the request through, within
 * `timeoutMs` (keygate's deadline covers signed bodies only).
 */
function jsonBody(timeoutMs: number): RequestHandler {
  return (req, res, next) => {
    const problem = jsonBodyProblem(req.headers);
    if (problem) return send(res, clientError(problem.status, requestIdOf(req.auth), problem.message));
    parseWithin(timeoutMs, (done) => parseJson(req, res, done))
      .then((read) => (read ? next() : send(res, bodyTimeout(requestIdOf(req.auth)))))
      .catch(next);
  };
}

/** The example payments API behind keygate. keygate goes first, so no body is parsed for an unknown caller. */
export function createApp(options: KeygateOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const verifier = createVerifier(options);
  const openApi = openApiDocument(verifier);
  app.get('/openapi.json', (_req, res) => void res.json(openApi)); // the API's description is public
  app.use(keygate({ verifier }));
  for (const route of ROUTES) {
    const handlers: RequestHandler[] = [];
    if (route.scope) handlers.push(requireScopes(route.scope));
    if (route.method === 'POST') handlers.push(jsonBody(options.bodyTimeoutMs ?? BODY_TIMEOUT_MS));
    handlers.push((req, res) => send(res, route.handle(req.auth!, req.body)));
    app[route.method === 'GET' ? 'get' : 'post'](route.path, ...handlers);
  }
  app.use((req, res) => send(res, unrouted(req.path, requestIdOf(req.auth))));

  const onError: ErrorRequestHandler = (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const { answer, unexpected } = errorAnswer(error, requestIdOf(req.auth));
    if (unexpected) console.error(error);
    send(res, answer);
  };
  app.use(onError);
  return app;
}
