import { randomUUID } from 'node:crypto';
import type { AuthContext } from '@keygate/core';

/** What the example API answers: status, JSON body and any extra headers (always with `x-request-id`). */
export interface ApiAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * The request id of an answer: keygate's once it verified the request, else a fresh one, so that every
 * answer carries one in its body and in `x-request-id`.
 */
export function requestIdOf(auth: AuthContext | undefined): string {
  return auth?.requestId ?? randomUUID();
}

/** An error answer in keygate's envelope: `{ success: false, error: { message, code, details }, requestId }`. */
export function failure(
  status: number,
  code: string,
  message: string,
  requestId: string,
  headers: Record<string, string> = {},
): ApiAnswer {
  return {
    status,
    body: { success: false, error: { message, code, details: {} }, requestId },
    headers: { ...headers, 'x-request-id': requestId },
  };
}
