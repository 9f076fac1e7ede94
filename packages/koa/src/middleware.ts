import { createVerifier, errorResponse, peekRequestBody, rawBodyUnavailable, requestHeaders, scopeCheck, type KeygateError, type KeygateOptions, type Verifier } from '@keygate/core';
import type { Context, Middleware, Next } from 'koa';

export interface KeygateKoaOptions extends KeygateOptions {
  /**
   * `respond` (default) answers rejections with the JSON envelope; `throw` throws the `KeygateError`
   * (`status`, `expose`, `headers`, `code`, `toJSON()`) for the app's own error middleware.
   */
  errors?: 'respond' | 'throw';
}

const FIX =
  'A body parser ran before keygate without keeping the raw body: mount keygate before the body parser.';

const ERROR_MODE = Symbol('keygate.errors');
type WithMode = Context & { [ERROR_MODE]?: 'respond' | 'throw' };

function reject(ctx: Context, error: KeygateError): void {
  if ((ctx as WithMode)[ERROR_MODE] === 'throw') throw error;
  const { status, headers, body } = errorResponse(error);
  ctx.status = status;
  ctx.set(headers);
  ctx.body = body;
}

const DECODED_FIX =
  'A body parser before keygate kept the body only as decoded text, which cannot be shown to equal the bytes ' +
  'sent (no Content-Length, a UTF-8 BOM or invalid UTF-8): mount keygate before the body parser.';

/**
 * `@koa/bodyparser` keeps decoded text, not bytes. It is used only when it provably re-encodes to what was
 * sent: same length as Content-Length and no U+FFFD (a BOM dropped and a replacement added can cancel out).
 */
function isFaithfulText(ctx: Context, text: string): boolean {
  const declared = ctx.get('content-length');
  if (declared === '' || ctx.get('content-encoding') !== '') return false;
  return Buffer.byteLength(text) === Number(declared) && !text.includes('\uFFFD');
}

async function rawBodyOf(ctx: Context, maxBytes: number): Promise<string | Buffer> {
  const kept = ctx.request.rawBody;
  if (kept === undefined) return (ctx.request.rawBody = await peekRequestBody(ctx.req, maxBytes, FIX));
  // An oversized body is left to the verifier's size check (413), whatever its encoding.
  if (typeof kept === 'string' && kept.length <= maxBytes && !isFaithfulText(ctx, kept)) throw rawBodyUnavailable(DECODED_FIX);
  return kept;
}

/** Koa middleware: verifies the request and sets `ctx.state.auth`, or rejects it. Build it once, at start-up. */
export function keygate(options: KeygateKoaOptions, verifier: Verifier = createVerifier(options)): Middleware {
  const mode = options.errors ?? 'respond';
  if (mode !== 'respond' && mode !== 'throw') throw new TypeError('keygate: option "errors" must be "respond" or "throw"');
  const maxBodyBytes = verifier.config.maxBodyBytes;

  return async function keygateMiddleware(ctx: Context, next: Next) {
    (ctx as WithMode)[ERROR_MODE] = mode;
    const result = await verifier.verify({
      method: ctx.method,
      target: ctx.originalUrl,
      headers: requestHeaders(ctx.req),
      body: () => rawBodyOf(ctx, maxBodyBytes),
    });
    if (!result.ok) return reject(ctx, result.error);
    ctx.set(result.headers);
    ctx.state.auth = result.auth;
    await next();
  };
}

/** Route guard: 403 `INSUFFICIENT_SCOPE` unless `ctx.state.auth` holds every scope named. */
export function requireScopes(...scopes: string[]): Middleware {
  const check = scopeCheck(scopes);
  return async function requireScopesMiddleware(ctx: Context, next: Next) {
    const error = check(ctx.state.auth);
    if (error !== undefined) return reject(ctx, error);
    await next();
  };
}
