#!/usr/bin/env node
// A client that signs requests as a keygate client does, with node:crypto only.
//   v1 (default; exactly the published sample): HMAC-SHA256(secret, `${timestamp}.${method}.${path}.${JSON.stringify(body)}`),
//     header value: the hex digest.
//   v2 (--v2; unambiguous, recommended): HMAC-SHA256(secret, `v2\n${timestamp}\n${METHOD}\n${path}\n${sha256hex(body sent)}`),
//     header value: `v2=` + the hex digest.
// Usage: node client.mjs BASE_URL METHOD PATH BODY_JSON PUBLIC_KEY SECRET_KEY [--v2] [--replay]
import crypto from 'node:crypto';

const [baseUrl, methodArg = '', path, bodyJson, apiKey, apiSecret, ...flags] = process.argv.slice(2);
if (!apiSecret || flags.some((flag) => flag !== '--v2' && flag !== '--replay')) {
  console.error('usage: node client.mjs BASE_URL METHOD PATH BODY_JSON PUBLIC_KEY SECRET_KEY [--v2] [--replay]');
  process.exit(2);
}
const method = methodArg.toUpperCase(); // what fetch sends, so what the server verifies
const body = JSON.parse(bodyJson);
const sent = method === 'GET' || method === 'HEAD' ? undefined : JSON.stringify(body);

const hmac = (payload) => crypto.createHmac('sha256', apiSecret).update(payload).digest('hex');
const timestamp = Date.now();
const signature = flags.includes('--v2')
  ? `v2=${hmac(
      `v2\n${timestamp}\n${method}\n${path}\n${crypto
        .createHash('sha256')
        .update(sent ?? '')
        .digest('hex')}`,
    )}`
  : hmac(`${timestamp}.${method}.${path}.${JSON.stringify(body)}`);
const headers = { 'X-Pelago-Timestamp': timestamp.toString(), 'X-Pelago-Signature': signature };
const init = {
  method,
  headers: {
    Authorization: `Bearer ${apiKey}`,
    'X-Api-Secret': apiSecret,
    'Content-Type': 'application/json',
    ...headers,
  },
  body: sent,
};

for (let attempt = 1; attempt <= (flags.includes('--replay') ? 2 : 1); attempt++) {
  const response = await fetch(new URL(path, baseUrl), init);
  console.log(`${attempt === 1 ? 'request' : 'replay '} -> ${response.status} ${await response.text()}`);
}
