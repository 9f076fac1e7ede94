import type { AuthContext } from '@keygate/core';
import { clientError, MESSAGES } from './client-errors.js';
import type { ApiAnswer } from './envelope.js';
import * as api from './payments.js';

/** One route of the example API. Both apps mount this table, so they serve exactly the same routes. */
export interface Route {
  method: 'GET' | 'POST';
  path: string;
  /** The scope the key needs (`requireScopes`); none: any valid key. */
  scope?: string;
  /** POST routes take a JSON body; GET routes get `undefined`. */
  handle(auth: AuthContext, body: unknown): ApiAnswer;
}

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/v1/wallets/service/balance', handle: (auth) => api.balance(auth) },
  { method: 'GET', path: '/v1/payments', scope: 'payments:read', handle: (auth) => api.listPayments(auth) },
  {
    method: 'POST',
    path: '/v1/payments',
    scope: 'payments:write',
    handle: (auth, body) => api.createPayment(auth, body),
  },
  { method: 'GET', path: '/v1/settlements', scope: 'settlements:read', handle: (auth) => api.listSettlements(auth) },
  { method: 'POST', path: '/v1/refunds', scope: 'refunds:write', handle: (auth, body) => api.createRefund(auth, body) },
];

/** Both routers match paths case-insensitively, with or without one trailing slash. */
function routeKey(path: string): string {
  return path.toLowerCase().replace(/(.)\/$/, '$1');
}

const ALLOW = new Map<string, string[]>();
for (const route of ROUTES) {
  const methods = ALLOW.get(routeKey(route.path)) ?? [];
  // Both frameworks answer HEAD with the GET route.
  methods.push(...(route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]));
  ALLOW.set(routeKey(route.path), methods);
}

/** The methods the routes take on `path` (the `Allow` value), or `undefined` when no route has that path. */
export function allowedMethods(path: string): string | undefined {
  return ALLOW.get(routeKey(path))?.join(', ');
}

/**
 * The answer for a request no route took, the same on both apps: on a known path, 405 with `Allow` for every
 * other method (TRACE, PROPFIND, OPTIONS and methods no router knows alike); elsewhere 404.
 */
export function unrouted(path: string, requestId: string): ApiAnswer {
  const allow = allowedMethods(path);
  if (allow === undefined) return clientError(404, requestId, MESSAGES.notFound);
  return clientError(405, requestId, MESSAGES.notAllowed, { allow });
}
