import type { KeygateError } from '../errors.js';

/** The HTTP answer for a rejection: status, headers (with `x-request-id`) and the JSON envelope as text. */
export function errorResponse(error: KeygateError): { status: number; headers: Record<string, string>; body: string } {
  return {
    status: error.status,
    headers: { ...error.headers, 'x-request-id': error.requestId, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(error.toJSON()),
  };
}
