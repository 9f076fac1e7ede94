import type { KeygateError } from '@keygate/core';
import {
  errorResponse,
  scopeCheck,
  verifierFrom,
  type AdapterOptions,
  type DeferredVerification,
} from '@keygate/core/node';
import type { Context, Middleware, Next } from 'koa';
import { verifyRequest } from './verify-request.js';

/**
 * The verifier's options, or `{ verifier }` built with `createVerifier` (shared by several middlewares): not both.
 * `errors`: `respond` (default) answers rejections with the JSON envelope; `throw` throws the `KeygateError`
 * (`status`, `expose`, `headers`, `code`, `toJSON()`) for the app's own error middleware.
 */
export type KeygateKoaOptions = AdapterOptions<'respond' | 'throw'>;

const ERROR_MODE = Symbol('keygate.errors');
const SETTLE = Symbol('keygate.settle');
type WithMode = Context & { [ERROR_MODE]?: 'respond' | 'throw'; [SETTLE]?: DeferredVerification['settle'] };

function reject(ctx: Context, error: KeygateError): void {
  if ((ctx as WithMode)[ERROR_MODE] === 'throw') throw error;
  const { status, headers, body } = errorResponse(error);
  ctx.status = status;
  ctx.set(headers);
  ctx.body = body;
}

/** Koa middleware: verifies the request and sets `ctx.state.auth`, or rejects it. Build it once, at start-up. */
export function keygate(options: KeygateKoaOptions): Middleware {
  const { verifier, errors: mode } = verifierFrom(options, ['respond', 'throw']);

  return async function keygateMiddleware(ctx: Context, next: Next) {
    // Only the non-default mode is written, as in the Express adapter.
    if (mode === 'throw') (ctx as WithMode)[ERROR_MODE] = mode;
    const { result, settle } = await verifyRequest(verifier, ctx);
    if (!result.ok) {
      settle?.();
      return reject(ctx, result.error);
    }
    ctx.set(result.headers);
    ctx.state.auth = result.auth;
    if (settle === undefined) return next();
    // The decision event waits for the app: a requireScopes further on may still refuse the request.
    (ctx as WithMode)[SETTLE] = settle;
    try {
      await next();
    } finally {
      settle();
    }
  };
}

/** Route guard: 403 `INSUFFICIENT_SCOPE` unless `ctx.state.auth` holds every scope named. */
export function requireScopes(...scopes: string[]): Middleware {
  const check = scopeCheck(scopes);
  return async function requireScopesMiddleware(ctx: Context, next: Next) {
    const error = check(ctx.state.auth);
    if (error !== undefined) {
      (ctx as WithMode)[SETTLE]?.(error);
      return reject(ctx, error);
    }
    await next();
  };
}
