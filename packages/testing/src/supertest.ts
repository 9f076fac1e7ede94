import { credentialHeaders, type AuthorizeOptions, type TestCredential } from './credentials.js';

/** The part of a supertest `Test` (or any superagent-style request) the helper uses. */
export interface ChainableRequest<T> {
  set(field: string, value: string): T;
  send(body: string | Buffer): T;
}

/** What `request(app)` or `request.agent(app)` gives: one method per HTTP verb. */
export interface RequestAgent<T extends ChainableRequest<T>> {
  get(url: string): T;
  post(url: string): T;
  put(url: string): T;
  patch(url: string): T;
  delete(url: string): T;
  head(url: string): T;
}

type Send<T> = (path: string, body?: unknown) => T;

/** Requests that carry a credential: each verb returns supertest's own `Test`, to chain `.expect(…)` on. */
export interface KeygateRequest<T> {
  get: Send<T>;
  post: Send<T>;
  put: Send<T>;
  patch: Send<T>;
  delete: Send<T>;
  head: Send<T>;
}

/**
 * Sends requests with a credential through supertest. A body is serialised once (an object as JSON with
 * `content-type: application/json`; a string or bytes as they are), and a key pair signs exactly those bytes.
 * @example
 * const api = keygateRequest(request(app), keys.pair(), { now: clock.now });
 * await api.post('/v1/payments', { amount: 100 }).expect(200);
 */
export function keygateRequest<T extends ChainableRequest<T>>(
  agent: RequestAgent<T>,
  credential: TestCredential,
  options: AuthorizeOptions = {},
): KeygateRequest<T> {
  const verb =
    (method: 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head'): Send<T> =>
    (path, body) => {
      const bytes = encode(body);
      let test = agent[method](path);
      if (bytes !== undefined && isJson(body)) test = test.set('content-type', 'application/json');
      for (const [name, value] of Object.entries(
        credentialHeaders(credential, { method, path, body: bytes }, options),
      )) {
        test = test.set(name, value);
      }
      return bytes === undefined ? test : test.send(typeof bytes === 'string' ? bytes : Buffer.from(bytes));
    };
  return {
    get: verb('get'),
    post: verb('post'),
    put: verb('put'),
    patch: verb('patch'),
    delete: verb('delete'),
    head: verb('head'),
  };
}

function isJson(body: unknown): boolean {
  return typeof body !== 'string' && !(body instanceof Uint8Array);
}

function encode(body: unknown): string | Uint8Array | undefined {
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) return body;
  return JSON.stringify(body);
}
