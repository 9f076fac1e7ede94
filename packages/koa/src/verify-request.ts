import type { Verifier } from '@keygate/core';
import {
  peekRequestBody,
  rawBodyUnavailable,
  requestHeaders,
  verifyDeferred,
  type DeferredVerification,
} from '@keygate/core/node';
import type { Context } from 'koa';

const FIX = 'A body parser ran before keygate without keeping the raw body: mount keygate before the body parser.';

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
  if (typeof kept === 'string' && kept.length <= maxBytes && !isFaithfulText(ctx, kept))
    throw rawBodyUnavailable(DECODED_FIX);
  return kept;
}

/** The verifier's answer for a Koa request; `ctx.ip` honours the app's `proxy` setting. */
export function verifyRequest(verifier: Verifier, ctx: Context): Promise<DeferredVerification> {
  return verifyDeferred(verifier, {
    method: ctx.method,
    target: ctx.originalUrl,
    headers: requestHeaders(ctx.req),
    body: (maxBytes) => rawBodyOf(ctx, maxBytes),
    clientIp: ctx.ip,
  });
}
