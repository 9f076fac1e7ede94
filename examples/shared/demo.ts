import type { SigningPolicy } from './config.js';

/** The demo credentials printed at start-up. Demo secrets only: they exist in demo-keys.json and nowhere else. */
export const DEMO = {
  basicKey: 'pk_live_DemoBasicKeyForKeygate0001',
  revokedKey: 'pk_live_DemoRevokedKeyForKeygate02',
  suspendedKey: 'pk_live_DemoSuspendedTenantKey0003',
  testPair: { publicKey: 'pk_test_DemoPairPublicKey00000004', secretKey: 'sk_test_DemoPairSecretKey00000004' },
  livePair: { publicKey: 'pk_live_DemoPairPublicKey00000005', secretKey: 'sk_live_DemoPairSecretKey00000005' },
  readOnlyPair: { publicKey: 'pk_test_DemoReadOnlyPublicKey0006', secretKey: 'sk_test_DemoReadOnlySecretKey0006' },
} as const;

const PAYMENT = `'{"amount":100,"currency":"USD"}'`;
const CLIENT = 'node examples/shared/client.mjs';

/**
 * Ready-to-paste commands for each scheme, printed when the example starts on the demo keys. Only commands the
 * configuration accepts are printed: no Basic or unsigned ones under `KEYGATE_SIGNATURES=required`, no signed
 * ones under `off`, and only the signature versions of `KEYGATE_SIGNATURE_VERSIONS`.
 */
export function demoCommands(baseUrl: string, server: 'express' | 'koa', policy: SigningPolicy): string {
  const pair = DEMO.testPair;
  const readOnly = DEMO.readOnlyPair;
  const signed = policy.signatures !== 'off';
  const v1 = signed && policy.versions.includes('v1');
  const v2 = signed && policy.versions.includes('v2');
  const lines = [`keygate ${server} example listening on ${baseUrl} (demo keys; set KEYGATE_KEYS to use your own)`, ''];
  if (policy.signatures === 'required') {
    lines.push(
      '# KEYGATE_SIGNATURES=required: Basic keys and unsigned key pairs are refused; only signed requests pass',
      '',
    );
  } else {
    lines.push(
      '# Basic auth: the API key is the username, the password is empty',
      `curl -u "${DEMO.basicKey}:" ${baseUrl}/v1/wallets/service/balance`,
      '# the same with a revoked key -> 401 INVALID_API_KEY',
      `curl -u "${DEMO.revokedKey}:" ${baseUrl}/v1/wallets/service/balance`,
      '# a key whose tenant is suspended -> 401 TENANT_INACTIVE',
      `curl -u "${DEMO.suspendedKey}:" ${baseUrl}/v1/wallets/service/balance`,
      '',
      '# Key pair (sandbox): public key as Bearer, secret key in X-Api-Secret',
      `curl -H "Authorization: Bearer ${pair.publicKey}" -H "X-Api-Secret: ${pair.secretKey}" ${baseUrl}/v1/payments`,
      '',
    );
  }
  if (signed)
    lines.push(
      '# Signed requests (curl cannot sign); --replay sends the same signed request twice: the second gets 401 REPLAYED_REQUEST',
    );
  if (v2) {
    lines.push(
      '# signature version 2 (recommended: method, path and a SHA-256 of the body, unambiguously separated)',
      `${CLIENT} ${baseUrl} POST /v1/payments ${PAYMENT} ${pair.publicKey} ${pair.secretKey} --v2 --replay`,
    );
  }
  if (v1) {
    lines.push(
      '# signature version 1, made exactly as the published client sample makes it',
      `${CLIENT} ${baseUrl} POST /v1/payments ${PAYMENT} ${pair.publicKey} ${pair.secretKey} --replay`,
    );
  }
  if (signed) lines.push('');
  lines.push(
    '# A payments:read-only key cannot create a payment -> 403 INSUFFICIENT_SCOPE',
    signed
      ? `${CLIENT} ${baseUrl} POST /v1/payments ${PAYMENT} ${readOnly.publicKey} ${readOnly.secretKey}${v2 ? ' --v2' : ''}`
      : `curl -H "Authorization: Bearer ${readOnly.publicKey}" -H "X-Api-Secret: ${readOnly.secretKey}" ` +
          `-H "Content-Type: application/json" -d ${PAYMENT} ${baseUrl}/v1/payments`,
    '',
  );
  return lines.join('\n');
}
