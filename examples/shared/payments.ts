import type { AuthContext } from '@keygate/core';

/** A tiny payments API shared by the Express and Koa examples: plain functions, no framework. */

export interface ApiAnswer {
  status: number;
  body: unknown;
}

interface Payment {
  id: string;
  amount: number;
  currency: string;
  createdAt: string;
}

const payments = new Map<string, Payment[]>();
let sequence = 0;

function who(auth: AuthContext) {
  return { tenantId: auth.tenantId, keyId: auth.keyId, environment: auth.environment };
}

function ok(auth: AuthContext, data: object, status = 200): ApiAnswer {
  return { status, body: { success: true, data: { ...data, ...who(auth) }, requestId: auth.requestId } };
}

function invalid(auth: AuthContext, message: string): ApiAnswer {
  return {
    status: 400,
    body: { success: false, error: { message, code: 'INVALID_REQUEST', details: {} }, requestId: auth.requestId },
  };
}

function ledger(auth: AuthContext): Payment[] {
  const id = `${auth.tenantId}:${auth.environment ?? 'none'}`;
  let list = payments.get(id);
  if (!list) payments.set(id, (list = []));
  return list;
}

export function balance(auth: AuthContext): ApiAnswer {
  const total = ledger(auth).reduce((sum, payment) => sum + payment.amount, 0);
  return ok(auth, { balance: { available: 100_000 + total, currency: 'USD' } });
}

export function listPayments(auth: AuthContext): ApiAnswer {
  return ok(auth, { payments: ledger(auth) });
}

export function createPayment(auth: AuthContext, body: unknown): ApiAnswer {
  const { amount, currency } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (!Number.isSafeInteger(amount) || (amount as number) <= 0) return invalid(auth, '"amount" must be a positive integer (minor units).');
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) return invalid(auth, '"currency" must be an ISO 4217 code such as "USD".');
  const payment: Payment = { id: `pay_${++sequence}`, amount: amount as number, currency, createdAt: new Date().toISOString() };
  ledger(auth).push(payment);
  return ok(auth, { payment }, 201);
}

export function listSettlements(auth: AuthContext): ApiAnswer {
  return ok(auth, { settlements: [] });
}

export function createRefund(auth: AuthContext, body: unknown): ApiAnswer {
  const { paymentId } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const payment = ledger(auth).find((item) => item.id === paymentId);
  if (!payment) return invalid(auth, '"paymentId" must name a payment of this account.');
  return ok(auth, { refund: { id: `re_${++sequence}`, paymentId, amount: payment.amount } }, 201);
}

const CLIENT_ERRORS: Record<number, { code: string; message: string }> = {
  400: { code: 'INVALID_REQUEST', message: 'Request body is not valid JSON.' },
  404: { code: 'NOT_FOUND', message: 'No such route.' },
  405: { code: 'METHOD_NOT_ALLOWED', message: 'Method not allowed on this route.' },
  413: { code: 'BODY_TOO_LARGE', message: 'Request body is too large.' },
  415: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported body encoding or charset.' },
};

/** The envelope for a request the API cannot serve (a route it does not have, a body it cannot read). */
export function clientError(status: number, requestId: string): ApiAnswer {
  const { code, message } = CLIENT_ERRORS[status] ?? { code: 'INVALID_REQUEST', message: 'Bad request.' };
  return { status, body: { success: false, error: { message, code, details: {} }, requestId } };
}

/**
 * The answer for an error thrown while serving a request: a client error from a body parser (4xx, answered
 * with generic messages, since parsers quote the body) or, for anything else, 500.
 */
export function errorAnswer(error: unknown, requestId: string): { answer: ApiAnswer; unexpected: boolean } {
  const { status, code } = (error ?? {}) as { status?: unknown; code?: unknown };
  if (typeof status === 'number' && status >= 400 && status < 500) return { answer: clientError(status, requestId), unexpected: false };
  // zlib's own errors (Z_DATA_ERROR, …): a body that claims a Content-Encoding it does not have.
  if (typeof code === 'string' && code.startsWith('Z_')) return { answer: clientError(400, requestId), unexpected: false };
  const body = { success: false, error: { message: 'Internal error.', code: 'INTERNAL', details: {} }, requestId };
  return { answer: { status: 500, body }, unexpected: true };
}
