import type { KeygateError } from '@keygate/core';
import {
  errorResponse,
  scopeCheck,
  verifierFrom,
  type AdapterOptions,
  type DeferredVerification,
} from '@keygate/core/node';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { verifyRequest } from './verify-request.js';

/**
 * The verifier's options, or `{ verifier }` built with `createVerifier` (shared by several middlewares): not both.
 * `errors`: `respond` (default) answers rejections with the JSON envelope; `next` passes the `KeygateError` to
 * `next(err)` so the app's error handler answers (it carries `status`, `code`, `headers` and `toJSON()`).
 */
export type KeygateExpressOptions = AdapterOptions<'respond' | 'next'>;

const ERROR_MODE = Symbol('keygate.errors');
const SETTLE = Symbol('keygate.settle');
type WithMode = Request & { [ERROR_MODE]?: 'respond' | 'next' };
// The pending decision event rides on res.locals, Express's per-request dictionary (made with Object.create(null)):
// a property added to req or res gives each request its own hidden class, a WeakMap entry per request costs every
// young-generation collection (counted: +18 k and +48 k instructions per request).
type Locals = Record<symbol, DeferredVerification['settle']>;

function reject(req: Request, res: Response, next: NextFunction, error: KeygateError): void {
  if ((req as WithMode)[ERROR_MODE] === 'next') {
    next(error);
    return;
  }
  const { status, headers, body } = errorResponse(error);
  res.status(status).set(headers).send(body);
}

/** Express middleware: verifies the request and sets `req.auth`, or rejects it. Build it once, at start-up. */
export function keygate(options: KeygateExpressOptions): RequestHandler {
  const { verifier, errors: mode } = verifierFrom(options, ['respond', 'next']);

  return function keygateMiddleware(req, res, next) {
    // Only the non-default mode is written: a property added to `req` gives each request its own hidden class.
    if (mode === 'next') (req as WithMode)[ERROR_MODE] = mode;
    verifyRequest(verifier, req)
      .then(({ result, settle }) => {
        if (!result.ok) {
          settle?.();
          return reject(req, res, next, result.error);
        }
        for (const name in result.headers) res.setHeader(name, result.headers[name]!);
        req.auth = result.auth;
        // The decision event waits for the answer: a requireScopes further on may still refuse the request.
        // A client gone while keygate decided has closed the answer already; 'close' would never come again.
        if (settle !== undefined) {
          // Express makes res.locals for every request of an app; never fail a request for want of it.
          res.locals ??= Object.create(null);
          (res.locals as Locals)[SETTLE] = settle;
          if (res.closed) settle();
          else res.on('close', () => settle());
        }
        next();
      })
      .catch(next);
  };
}

/** Route guard: 403 `INSUFFICIENT_SCOPE` unless `req.auth` holds every scope named. */
export function requireScopes(...scopes: string[]): RequestHandler {
  const check = scopeCheck(scopes);
  return function requireScopesMiddleware(req, res, next) {
    const error = check(req.auth);
    if (error === undefined) return next();
    (res.locals as Locals | undefined)?.[SETTLE]?.(error);
    reject(req, res, next, error);
  };
}
