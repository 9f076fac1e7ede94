import type { SignaturePolicy } from '@keygate/core';

/** The demo credentials printed at start-up. Demo secrets only: they exist in demo-keys.json and nowhere else. */
export const DEMO = {
  basicKey: 'pk_live_DemoBasicKeyForKeygate0001',
  revokedKey: 'pk_live_DemoRevokedKeyForKeygate02',
  suspendedKey: 'pk_live_DemoSuspendedTenantKey0003',
  testPair: { publicKey: 'pk_test_DemoPairPublicKey00000004', secretKey: 'sk_test_DemoPairSecretKey00000004' },
  livePair: { publicKey: 'pk_live_DemoPairPublicKey00000005', secretKey: 'sk_live_DemoPairSecretKey00000005' },
  readOnlyPair: { publicKey: 'pk_test_DemoReadOnlyPublicKey0006', secretKey: 'sk_test_DemoReadOnlySecretKey0006' },
} as const;

/**
 * Ready-to-paste commands for each scheme, printed when the example starts on the demo keys. Under
 * `KEYGATE_SIGNATURES=required` only signed key-pair requests are accepted, so only those are printed.
 */
export function demoCommands(baseUrl: string, server: 'express' | 'koa', signatures: SignaturePolicy): string {
  const pair = DEMO.testPair;
  const client = 'node examples/shared/client.mjs';
  const unsigned = signatures === 'required'
    ? ['# KEYGATE_SIGNATURES=required: Basic keys and unsigned key pairs are refused; only signed requests pass', '']
    : [
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
    ];
  return [
    `keygate ${server} example listening on ${baseUrl} (demo keys; set KEYGATE_KEYS to use your own)`,
    '',
    ...unsigned,
    '# Signed request, made exactly as the published client sample makes it (curl cannot sign);',
    '# --replay sends the same signed request twice: the second gets 401 REPLAYED_REQUEST',
    `${client} ${baseUrl} POST /v1/payments '{"amount":100,"currency":"USD"}' ${pair.publicKey} ${pair.secretKey} --replay`,
    '',
    '# A payments:read-only key cannot create a payment -> 403 INSUFFICIENT_SCOPE',
    `${client} ${baseUrl} POST /v1/payments '{"amount":100,"currency":"USD"}' ${DEMO.readOnlyPair.publicKey} ${DEMO.readOnlyPair.secretKey}`,
    '',
  ].join('\n');
}
