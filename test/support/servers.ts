/**
 * One tiny app, built the same way on four frameworks (Express 5, Express 4, Koa 3, Koa 2), so that every
 * HTTP test can run as `describe.each(frameworks)`. Tests drive the returned Node request listener with
 * supertest (`request(app.handler)`), or start a real server with `listen()` when they need server options
 * (a raised `maxHeaderSize`) or raw, chunked requests.
 *
 * Routes (the same on every framework):
 *   GET|POST /echo        → 200 { route: 'echo', auth, body, target }
 *   POST /payments        → requireScopes('payments:write'), then 200 { route: 'payments', auth, body, target }
 *   GET /payments         → requireScopes('payments:read'),  then 200 { route: 'payments', auth, body, target }
 *   anything else         → 200 { route: 'fallback', auth, body, target } (so the signature vectors' own paths,
 *                            such as DELETE /v1/payments/pay_%2F123, reach a handler)
 * `auth` is `req.auth` / `ctx.state.auth` (or null); `body` is what the app's body parser produced (or null);
 * `target` is the request target the framework saw (`originalUrl`).
 *
 * The app's own error handler (installed unless `appErrorHandler: false`) answers errors handed to it with
 * `{ handledBy: 'app', keygateError, ...error.toJSON() }`, the error's status and headers: that is what the
 * `errors: 'next'` (Express) and `errors: 'throw'` (Koa) tests look at.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type RequestListener,
  type Server,
  type ServerOptions,
} from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { bodyParser } from '@koa/bodyparser';
import * as keygateExpress from '@keygate/express';
import * as keygateKoa from '@keygate/koa';
import { isKeygateError, type KeygateOptions, type Verifier } from '@keygate/core';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import Koa, { type Context, type Middleware, type Next } from 'koa';

// `express4` and `koa2` are npm aliases (test/package.json) without type declarations of their own: load them
// through `require` and give them the types of the current majors, whose APIs used here are the same.
const require = createRequire(import.meta.url);
const express4 = require('express4') as typeof express;
const Koa2 = require('koa2') as typeof Koa;

export type FrameworkName = 'express5' | 'express4' | 'koa3' | 'koa2';
export type FrameworkKind = 'express' | 'koa';

export interface Framework {
  name: FrameworkName;
  kind: FrameworkKind;
}

/** Every test file runs its table through these: `describe.each(frameworks)('$name', (fw) => …)`. */
export const frameworks: readonly Framework[] = [
  { name: 'express5', kind: 'express' },
  { name: 'express4', kind: 'express' },
  { name: 'koa3', kind: 'koa' },
  { name: 'koa2', kind: 'koa' },
];

/**
 * Where the app's JSON body parser sits relative to keygate.
 * - `before`: Express `express.json({ verify: keepRawBody })`, Koa `@koa/bodyparser` (keeps `ctx.request.rawBody`).
 * - `before-without-raw`: a parser before keygate that consumes the stream without keeping the raw body:
 *   Express plain `express.json()`; Koa a minimal hand-written JSON parser (what koa-body or co-body used
 *   directly do), since `@koa/bodyparser` always keeps `rawBody`.
 * - `after`: keygate first, then the parser (keygate reads the body and puts the bytes back).
 * - `none`: no body parser at all.
 */
export type ParserPlacement = 'before' | 'before-without-raw' | 'after' | 'none';

/**
 * What the middleware is built with, on either adapter: the verifier's options, or `{ verifier }` (one verifier
 * shared by several middlewares). `errors` is passed through as given (`next` is Express's, `throw` Koa's).
 */
export type TestKeygateOptions = (KeygateOptions | { verifier: Verifier }) & { errors?: 'respond' | 'next' | 'throw' };

export interface AppSetup {
  /** Body parser placement. Default `after` (what the examples do). */
  parser?: ParserPlacement;
  /** Install the app's own error handler. Default `true`. */
  appErrorHandler?: boolean;
  /** Mount the keygate middleware. Default `true` (`false` checks requireScopes without keygate). */
  keygate?: boolean;
  /** Trust `X-Forwarded-For` for the client address (Express `trust proxy`, Koa `app.proxy`). Default `false`. */
  trustProxy?: boolean;
}

export interface TestApp {
  framework: Framework;
  /** The Node request listener: `request(app.handler)` with supertest. */
  handler: RequestListener;
  /** Errors the app's error handler received, in order (for the `errors: 'next' | 'throw'` tests). */
  handledErrors: unknown[];
}

/** What every route answers. */
function reply(route: string, auth: unknown, body: unknown, target: string, method: string) {
  return { route, method, target, auth: auth ?? null, body: body ?? null };
}

function routeOf(method: string, path: string): 'echo' | 'payments' | 'fallback' {
  if (path === '/echo' && (method === 'GET' || method === 'POST')) return 'echo';
  if (path === '/payments' && (method === 'GET' || method === 'POST')) return 'payments';
  return 'fallback';
}

function appErrorBody(error: unknown) {
  if (isKeygateError(error)) return { handledBy: 'app', keygateError: true, ...error.toJSON() };
  return { handledBy: 'app', keygateError: false, message: (error as Error)?.message ?? String(error) };
}

function errorStatus(error: unknown): number {
  const status =
    (error as { status?: unknown; statusCode?: unknown })?.status ?? (error as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

function buildExpress(framework: Framework, options: TestKeygateOptions, setup: Required<AppSetup>): TestApp {
  const factory = framework.name === 'express4' ? express4 : express;
  const app = factory();
  const handledErrors: unknown[] = [];
  app.disable('x-powered-by');
  if (setup.trustProxy) app.set('trust proxy', true);
  const { keygate, keepRawBody, requireScopes } = keygateExpress;

  if (setup.parser === 'before') app.use(factory.json({ verify: keepRawBody }));
  if (setup.parser === 'before-without-raw') app.use(factory.json());
  if (setup.keygate) app.use(keygate(options as keygateExpress.KeygateExpressOptions));
  if (setup.parser === 'after') app.use(factory.json());

  const send = (route: string) => (req: Request, res: Response) => {
    res.status(200).json(reply(route, req.auth, req.body, req.originalUrl, req.method));
  };
  const guards: Record<string, RequestHandler> = {
    'GET /payments': requireScopes('payments:read'),
    'POST /payments': requireScopes('payments:write'),
  };
  app.use((req, res, next) => {
    const route = routeOf(req.method, req.path);
    const guard = route === 'payments' ? guards[`${req.method} ${req.path}`] : undefined;
    if (guard === undefined) return send(route)(req, res);
    guard(req, res, (error?: unknown) => (error === undefined ? send(route)(req, res) : next(error)));
  });

  if (setup.appErrorHandler) {
    const onError: ErrorRequestHandler = (error, _req, res, next) => {
      handledErrors.push(error);
      if (res.headersSent) return next(error);
      if (isKeygateError(error)) res.set(error.headers).set('x-request-id', error.requestId);
      res.status(errorStatus(error)).json(appErrorBody(error));
    };
    app.use(onError);
  }
  return { framework, handler: app as unknown as RequestListener, handledErrors };
}

/** A JSON body parser that consumes the stream and keeps no raw body (like koa-body without `includeUnparsed`). */
const koaJsonWithoutRaw: Middleware = async (ctx: Context, next: Next) => {
  if (ctx.request.is('application/json') && ctx.request.length !== 0) {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    (ctx.request as unknown as { body: unknown }).body = text === '' ? {} : JSON.parse(text);
  }
  await next();
};

function buildKoa(framework: Framework, options: TestKeygateOptions, setup: Required<AppSetup>): TestApp {
  const app = framework.name === 'koa2' ? new Koa2() : new Koa();
  app.proxy = setup.trustProxy;
  const handledErrors: unknown[] = [];
  const { keygate, requireScopes } = keygateKoa;

  if (setup.appErrorHandler) {
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        handledErrors.push(error);
        if (isKeygateError(error)) {
          ctx.set(error.headers);
          ctx.set('x-request-id', error.requestId);
        }
        ctx.status = errorStatus(error);
        ctx.body = appErrorBody(error);
      }
    });
  }
  if (setup.parser === 'before') app.use(bodyParser());
  if (setup.parser === 'before-without-raw') app.use(koaJsonWithoutRaw);
  if (setup.keygate) app.use(keygate(options as keygateKoa.KeygateKoaOptions));
  if (setup.parser === 'after') app.use(bodyParser());

  const guards: Record<string, Middleware> = {
    'GET /payments': requireScopes('payments:read'),
    'POST /payments': requireScopes('payments:write'),
  };
  app.use(async (ctx) => {
    const route = routeOf(ctx.method, ctx.path);
    const send = () => {
      ctx.status = 200;
      ctx.body = reply(
        route,
        ctx.state.auth,
        (ctx.request as unknown as { body?: unknown }).body,
        ctx.originalUrl,
        ctx.method,
      );
    };
    const guard = route === 'payments' ? guards[`${ctx.method} ${ctx.path}`] : undefined;
    if (guard === undefined) return send();
    await guard(ctx as never, async () => send());
  });
  return { framework, handler: app.callback(), handledErrors };
}

/** Builds the test app on one framework. keygate is constructed here, once, like an app does at start-up. */
export function buildApp(framework: Framework, options: TestKeygateOptions, setup: AppSetup = {}): TestApp {
  const full: Required<AppSetup> = {
    parser: 'after',
    appErrorHandler: true,
    keygate: true,
    trustProxy: false,
    ...setup,
  };
  return framework.kind === 'express' ? buildExpress(framework, options, full) : buildKoa(framework, options, full);
}

/** Starts a real HTTP server for `handler` on an ephemeral port (e.g. with a raised `maxHeaderSize`). */
export async function listen(
  handler: RequestListener,
  serverOptions: ServerOptions = {},
): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer(serverOptions, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * Sends one request with Node's own client, body written as the given chunks. Without a `content-length`
 * header Node sends the body with `Transfer-Encoding: chunked` — the case supertest cannot easily make.
 */
export async function rawRequest(
  handler: RequestListener,
  request: {
    method: string;
    path: string;
    headers: Record<string, string>;
    chunks?: (string | Buffer)[];
    /** Do not end the request body: the answer must come while the client is still "sending". */
    holdOpen?: boolean;
  },
): Promise<RawResponse> {
  const server = await listen(handler);
  try {
    return await new Promise<RawResponse>((resolve, reject) => {
      const req = httpRequest(
        `${server.url}${request.path}`,
        { method: request.method, headers: request.headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            });
            if (request.holdOpen) req.destroy();
          });
          res.on('error', reject);
        },
      );
      // The server may answer (413) and close before the whole body is written: that is not a client failure.
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
      });
      for (const chunk of request.chunks ?? []) req.write(chunk);
      if (request.holdOpen) req.flushHeaders();
      else req.end();
    });
  } finally {
    await server.close();
  }
}

export interface SocketExchange {
  /** Everything the server sent, as text. */
  text: string;
  /** Whether the server closed the connection within the wait. */
  closedByServer: boolean;
  /** When the connection closed (or the wait ended), in ms after the data was written. */
  elapsedMs: number;
}

/**
 * Writes `data` (a request head, maybe part of a body) on a raw TCP connection to `url` and never sends more:
 * the stalled client that Node's own client cannot make. Collects what the server sends until it closes the
 * connection, or until `waitMs` have passed (then the client hangs up and `closedByServer` is false).
 */
export function socketExchange(url: string, data: string | Buffer, waitMs: number): Promise<SocketExchange> {
  const { hostname, port } = new URL(url);
  return new Promise<SocketExchange>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let started = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (closedByServer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('utf8'), closedByServer, elapsedMs: performance.now() - started });
    };
    const socket = connect(Number(port), hostname, () => {
      started = performance.now();
      socket.write(data);
      timer = setTimeout(() => finish(false), waitMs);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => finish(true));
    socket.once('close', () => finish(true));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? finish(true) : reject(error)));
  });
}

/** A raw HTTP/1.1 answer split into its status, lower-cased headers and body. */
export function parseRawResponse(text: string): { status: number; headers: Record<string, string>; body: string } {
  const split = text.indexOf('\r\n\r\n');
  const head = split === -1 ? text : text.slice(0, split);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1] ?? 0),
    headers,
    body: split === -1 ? '' : text.slice(split + 4),
  };
}
