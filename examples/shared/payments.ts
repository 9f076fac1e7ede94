import type { AuthContext } from '@keygate/core';
import { failure, type ApiAnswer } from './envelope.js';

/** A tiny payments API shared by the Express and Koa examples: plain functions, no framework. */

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
  const body = { success: true, data: { ...data, ...who(auth) }, requestId: auth.requestId };
  return { status, body, headers: { 'x-request-id': auth.requestId } };
}

function invalid(auth: AuthContext, message: string): ApiAnswer {
  return failure(400, 'INVALID_REQUEST', message, auth.requestId);
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
  if (!Number.isSafeInteger(amount) || (amount as number) <= 0)
    return invalid(auth, '"amount" must be a positive integer (minor units).');
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency))
    return invalid(auth, '"currency" must be an ISO 4217 code such as "USD".');
  const payment: Payment = {
    id: `pay_${++sequence}`,
    amount: amount as number,
    currency,
    createdAt: new Date().toISOString(),
  };
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
