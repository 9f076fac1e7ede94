#!/usr/bin/env node
// A client that signs exactly as the published sample does:
//   payload = `${timestamp}.${method}.${path}.${JSON.stringify(body)}`, HMAC-SHA256 keyed with the secret key.
// Usage: node client.mjs BASE_URL METHOD PATH BODY_JSON PUBLIC_KEY SECRET_KEY [--replay]
import crypto from 'node:crypto';

const [baseUrl, method, path, bodyJson, apiKey, apiSecret, ...flags] = process.argv.slice(2);
if (!apiSecret) {
  console.error('usage: node client.mjs BASE_URL METHOD PATH BODY_JSON PUBLIC_KEY SECRET_KEY [--replay]');
  process.exit(2);
}
const body = JSON.parse(bodyJson);

const timestamp = Date.now();
const payload = `${timestamp}.${method}.${path}.${JSON.stringify(body)}`;
const signature = crypto.createHmac('sha256', apiSecret).update(payload).digest('hex');
const headers = { 'X-Pelago-Timestamp': timestamp.toString(), 'X-Pelago-Signature': signature };
const init = {
  method,
  headers: { Authorization: `Bearer ${apiKey}`, 'X-Api-Secret': apiSecret, 'Content-Type': 'application/json', ...headers },
  body: method === 'GET' || method === 'HEAD' ? undefined : JSON.stringify(body),
};

for (let attempt = 1; attempt <= (flags.includes('--replay') ? 2 : 1); attempt++) {
  const response = await fetch(new URL(path, baseUrl), init);
  console.log(`${attempt === 1 ? 'request' : 'replay '} -> ${response.status} ${await response.text()}`);
}
