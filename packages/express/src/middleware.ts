import { createVerifier, type KeygateError, type KeygateOptions, type Verifier } from '@keygate/core';
import { errorResponse, scopeCheck } from '@keygate/core/node';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { verifyRequest } from './verify-request.js';

export interface ExpressErrorMode {
  /**
   * `respond` (default) answers rejections with the JSON envelope; `next` passes the `KeygateError` to
   * `next(err)` so the app's error handler answers (it carries `status`, `code`, `headers` and `toJSON()`).
   */
  errors?: 'respond' | 'next';
}

/** The verifier's options, or a verifier built with `createVerifier` (shared by several middlewares): not both. */
export type KeygateExpressOptions = (KeygateOptions & ExpressErrorMode & { verifier?: never }) | ({ verifier: Verifier } & ExpressErrorMode);

const ERROR_MODE = Symbol('keygate.errors');
type WithMode = Request & { [ERROR_MODE]?: 'respond' | 'next' };

function reject(req: Request, res: Response, next: NextFunction, error: KeygateError): void {
  if ((req as WithMode)[ERROR_MODE] === 'next') return next(error);
  const { status, headers, body } = errorResponse(error);
  res.status(status).set(headers).send(body);
}

/** Express middleware: verifies the request and sets `req.auth`, or rejects it. Build it once, at start-up. */
export function keygate(options: KeygateExpressOptions): RequestHandler {
  const { errors: mode = 'respond', verifier: given, ...verifierOptions } = options ?? ({} as KeygateExpressOptions);
  if (mode !== 'respond' && mode !== 'next') throw new TypeError('keygate: option "errors" must be "respond" or "next"');
  if (given !== undefined && Object.keys(verifierOptions).length > 0) {
    throw new TypeError(`keygate: pass either a verifier or its options, not both (got "verifier" and "${Object.keys(verifierOptions)[0]}")`);
  }
  const verifier = given ?? createVerifier(verifierOptions as KeygateOptions);

  return function keygateMiddleware(req, res, next) {
    (req as WithMode)[ERROR_MODE] = mode;
    verifyRequest(verifier, req).then((result) => {
      if (!result.ok) return reject(req, res, next, result.error);
      for (const name in result.headers) res.setHeader(name, result.headers[name]!);
      req.auth = result.auth;
      next();
    }, next);
  };
}

/** Route guard: 403 `INSUFFICIENT_SCOPE` unless `req.auth` holds every scope named. */
export function requireScopes(...scopes: string[]): RequestHandler {
  const check = scopeCheck(scopes);
  return function requireScopesMiddleware(req, res, next) {
    const error = check(req.auth);
    if (error === undefined) return next();
    reject(req, res, next, error);
  };
}
