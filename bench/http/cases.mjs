// The HTTP cases, as data. Each runs in a fresh server process (http/server.mjs builds it by id).
//   client:      what the load generator sends: 'none', 'basic' (a fixed Basic header), 'signed'
//                (a key pair with a fresh HMAC signature over a fresh 200-byte JSON body per request) or 'jwt'
//                (a fixed Bearer JWT, ES256, lib/jwt-fixtures.mjs)
//   auth:        the server must answer 401 to a request without credentials (checked before the load)
//   limitHeader: a rate-limit header every admitted answer must carry (checked before the load)
//   baseline:    the bare app of the same framework: every ratio is against it, in the same round
//   noop:        a middleware that does nothing but what any auth middleware must: one promise hop and the
//                same 4 response headers as keygate (the yardstick of keygate's own added cost)

export const HTTP_CASES = [
  { id: 'express-bare', framework: 'express', label: 'Express 5, bare', client: 'none' },
  {
    id: 'express-noop',
    framework: 'express',
    label: '+ no-op middleware (4 headers, 1 promise hop)',
    client: 'none',
    limitHeader: 'x-ratelimit-limit',
  },
  { id: 'express-basic-auth', framework: 'express', label: '+ express-basic-auth', client: 'basic', auth: true },
  {
    id: 'express-rate-limit',
    framework: 'express',
    label: '+ express-rate-limit',
    client: 'none',
    limitHeader: 'ratelimit-limit',
  },
  {
    id: 'express-basic-auth-rate-limit',
    framework: 'express',
    label: '+ express-basic-auth + express-rate-limit',
    client: 'basic',
    auth: true,
    limitHeader: 'ratelimit-limit',
  },
  {
    id: 'express-keygate-basic',
    framework: 'express',
    label: 'keygate Basic + limiter',
    client: 'basic',
    auth: true,
    limitHeader: 'x-ratelimit-limit',
  },
  {
    id: 'express-keygate-basic-ondecision',
    framework: 'express',
    label: 'keygate Basic + limiter + onDecision no-op',
    client: 'basic',
    auth: true,
    limitHeader: 'x-ratelimit-limit',
  },
  {
    id: 'express-keygate-basic-prometheus',
    framework: 'express',
    label: 'keygate Basic + limiter + @keygate/prometheus',
    client: 'basic',
    auth: true,
    limitHeader: 'x-ratelimit-limit',
  },
  {
    id: 'express-keygate-signed',
    framework: 'express',
    label: 'keygate key pair + signature + limiter',
    client: 'signed',
    auth: true,
    limitHeader: 'x-ratelimit-limit',
  },
  {
    id: 'express-keygate-jwt',
    framework: 'express',
    label: 'keygate JWT (ES256) + limiter',
    client: 'jwt',
    auth: true,
    limitHeader: 'x-ratelimit-limit',
  },
  {
    id: 'express-keygate-redis',
    framework: 'express',
    label: 'keygate Basic + limiter on Redis',
    client: 'basic',
    auth: true,
    limitHeader: 'x-ratelimit-limit',
    redis: true,
  },
  {
    id: 'express-keygate-redis-signed',
    framework: 'express',
    label: 'keygate key pair + signature + limiter on Redis',
    client: 'signed',
    auth: true,
    limitHeader: 'x-ratelimit-limit',
    redis: true,
  },
  {
    id: 'express-basic-auth-rate-limit-redis',
    framework: 'express',
    label: 'express-basic-auth + express-rate-limit + rate-limit-redis',
    client: 'basic',
    auth: true,
    limitHeader: 'ratelimit-limit',
    redis: true,
  },
  { id: 'koa-bare', framework: 'koa', label: 'Koa 3, bare', client: 'none' },
  {
    id: 'koa-noop',
    framework: 'koa',
    label: '+ no-op middleware (4 headers, 1 promise hop)',
    client: 'none',
    limitHeader: 'x-ratelimit-limit',
  },
  { id: 'koa-basic-auth', framework: 'koa', label: '+ koa-basic-auth', client: 'basic', auth: true },
  {
    id: 'koa-keygate-basic',
    framework: 'koa',
    label: 'keygate Basic + limiter',
    client: 'basic',
    auth: true,
    limitHeader: 'x-ratelimit-limit',
  },
  {
    id: 'koa-keygate-basic-ondecision',
    framework: 'koa',
    label: 'keygate Basic + limiter + onDecision no-op',
    client: 'basic',
    auth: true,
    limitHeader: 'x-ratelimit-limit',
  },
  {
    id: 'koa-keygate-basic-prometheus',
    framework: 'koa',
    label: 'keygate Basic + limiter + @keygate/prometheus',
    client: 'basic',
    auth: true,
    limitHeader: 'x-ratelimit-limit',
  },
  {
    id: 'koa-keygate-signed',
    framework: 'koa',
    label: 'keygate key pair + signature + limiter',
    client: 'signed',
    auth: true,
    limitHeader: 'x-ratelimit-limit',
  },
  {
    id: 'koa-keygate-jwt',
    framework: 'koa',
    label: 'keygate JWT (ES256) + limiter',
    client: 'jwt',
    auth: true,
    limitHeader: 'x-ratelimit-limit',
  },
].map((c) => ({ ...c, baseline: `${c.framework}-bare`, path: c.client === 'signed' ? '/v1/payments' : '/v1/ping' }));

export const caseById = (id) => {
  const found = HTTP_CASES.find((c) => c.id === id);
  if (!found) throw new Error(`unknown HTTP case "${id}"`);
  return found;
};
