import type { ErrorCode, KeygateError } from '../errors.js';
import type { Environment, KeyRecord, RequestInput, Scheme } from '../types.js';
import { reasonOf, type DecisionReason } from './reasons.js';

/**
 * One request's decision, as `onDecision` receives it: who asked, what was decided and why. Never a key,
 * public key, secret, token, signature or query string; `keyId` is the stored key's id, which is none of those.
 */
export interface DecisionEvent {
  requestId: string;
  outcome: 'admitted' | 'rejected';
  /** The status keygate decided: the rejection's, or 200 when the request was passed on to the app. */
  status: number;
  /** The rejection's code (what the client was told). */
  code?: ErrorCode;
  /** The rejection's internal cause (what the client was not told). */
  reason?: DecisionReason;
  /** The scheme that read the credentials, once one did. */
  scheme?: Scheme;
  /** The key, once it was identified (also on a refusal after that: revoked, rate-limited, …). */
  keyId?: string;
  tenantId?: string;
  /** The key's environment; absent for a Basic key without an environment prefix. */
  environment?: Environment;
  /** The framework's client address (`req.ip` / `ctx.ip`, so the app's trust-proxy setting holds). */
  clientIp?: string;
  /** Upper-case HTTP method. */
  method: string;
  /** The request path, without the query string. */
  path: string;
  /** Time from the start of the verification to the decision, in milliseconds. */
  durationMs: number;
  /** A misconfigured app (`raw-body-unavailable`) only: what the operator must change. */
  fix?: string;
}

/** What the pipeline learned about a request before it was decided. */
export interface Seen {
  scheme?: Scheme | undefined;
  record?: KeyRecord | undefined;
}

/** The event of one decision: `error` is the rejection, `undefined` when admitted. Built once, in the core. */
export function decisionEvent(
  request: RequestInput,
  requestId: string,
  seen: Seen,
  error: KeygateError | undefined,
  durationMs: number,
): DecisionEvent {
  const event: DecisionEvent = {
    requestId,
    outcome: error === undefined ? 'admitted' : 'rejected',
    status: error === undefined ? 200 : error.status,
    method: request.method.toUpperCase(),
    path: pathOf(request.target),
    durationMs,
  };
  if (error !== undefined) {
    event.code = error.code;
    event.reason = reasonOf(error);
    if (error.fix !== undefined) event.fix = error.fix;
  }
  if (seen.scheme !== undefined) event.scheme = seen.scheme;
  const record = seen.record;
  if (record !== undefined) {
    event.keyId = record.id;
    event.tenantId = record.tenantId;
    if (record.environment !== null) event.environment = record.environment;
  }
  const clientIp = request.clientIp;
  if (clientIp !== undefined) event.clientIp = clientIp;
  return event;
}

/**
 * The path of a request target, without its query. A target in absolute form (`http://user:password@host/p`, what
 * a client set up for a forward proxy sends, and Express and Koa route by its path) loses its scheme and authority
 * too: a user name and password in it are credentials. Its last `@` ends the authority, as a password may hold `/`.
 */
function pathOf(target: string): string {
  const end = target.search(/[?#]/);
  const beforeQuery = end === -1 ? target : target.slice(0, end);
  if (beforeQuery.startsWith('/') || beforeQuery === '*') return beforeQuery;
  const scheme = beforeQuery.indexOf('://');
  const rest = beforeQuery.slice(scheme === -1 ? 0 : scheme + 3);
  const slash = rest.indexOf('/', rest.lastIndexOf('@') + 1);
  return slash === -1 ? '/' : rest.slice(slash);
}
