/**
 * What building the middleware refuses, on Express 5, Express 4, Koa 3 and Koa 2: a keys file in which one key
 * string appears twice (issue 8), options of earlier versions (issue 9: options by concern), and options given
 * beside a verifier. Each is a start-up error naming what to fix, never a server that starts and misbehaves.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVerifier, KeygateConfigError, KeysFileError } from '@keygate/core';
import { afterAll, describe, expect, it } from 'vitest';
import { keysFile } from './support/fixtures.js';
import { buildApp, frameworks, type TestKeygateOptions } from './support/servers.js';

const dir = mkdtempSync(join(tmpdir(), 'keygate-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeKeys(name: string, keys: unknown[]): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ tenants: [{ id: 'acme', status: 'active' }], keys }, null, 2));
  return path;
}

const SHARED_SECRET = 'sk_test_SharedSecretForStartupTest01';
const DUPLICATES = [
  {
    name: 'two pairs sharing one secret',
    path: () =>
      writeKeys('shared-secret', [
        { id: 'pair_one', tenant: 'acme', publicKey: 'pk_test_PublicOneForStartupTest01', secretKey: SHARED_SECRET },
        { id: 'key_other', tenant: 'acme', key: 'pk_live_OtherBasicKeyForStartup01' },
        { id: 'pair_two', tenant: 'acme', publicKey: 'pk_test_PublicTwoForStartupTest01', secretKey: SHARED_SECRET },
      ]),
    expected: 'keys[2] ("pair_two"): field "secretKey" holds the same key as keys[0] ("pair_one") field "secretKey"',
    secrets: [SHARED_SECRET],
  },
  {
    name: "one key string twice (a Basic key that is also a pair's public key)",
    path: () =>
      writeKeys('same-string', [
        {
          id: 'pair_one',
          tenant: 'acme',
          publicKey: 'pk_live_ReusedStringForStartup01',
          secretKey: 'sk_live_SecretForStartupTest0001',
        },
        { id: 'key_basic', tenant: 'acme', key: 'pk_live_ReusedStringForStartup01' },
      ]),
    expected: 'keys[1] ("key_basic"): field "key" holds the same key as keys[0] ("pair_one") field "publicKey"',
    secrets: ['pk_live_ReusedStringForStartup01', 'sk_live_SecretForStartupTest0001'],
  },
];

describe.each(frameworks)('start-up refusals — $name', (fw) => {
  const build = (options: TestKeygateOptions) => () => buildApp(fw, options);

  it.each(DUPLICATES)(
    'a keys file with $name: the middleware refuses to start, naming both entries and the file',
    ({ path, expected, secrets }) => {
      const file = path();
      let thrown: unknown;
      try {
        buildApp(fw, { keys: file });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(KeysFileError);
      const message = (thrown as Error).message;
      expect(message).toContain(expected);
      expect(message).toContain(file);
      for (const secret of secrets) expect(message).not.toContain(secret);
    },
  );

  it.each([
    ['signatures', { signatures: 'required' }, 'keypair.signatures'],
    ['signatureHeaders', { signatureHeaders: { timestamp: 'X-Ts' } }, 'keypair.signatureHeaders'],
    ['secretHeader', { secretHeader: 'X-Secret' }, 'keypair.secretHeader'],
    ['replayWindowSeconds', { replayWindowSeconds: 30 }, 'replay.windowSeconds'],
    ['allowBasicPassword', { allowBasicPassword: true }, 'basic.allowPassword'],
    ['onStoreFailure', { onStoreFailure: 'open' }, 'failOpen'],
    ['rateLimitStore', { rateLimitStore: {} }, 'store'],
    ['replayStore', { replayStore: {} }, 'store'],
  ])('the old option "%s" → KeygateConfigError (a TypeError) saying where it moved', (name, old, moved) => {
    const expected = new KeygateConfigError('ERR_KEYGATE_OPTION_MOVED', `keygate: option "${name}" is now "${moved}"`);
    expect(build({ keys: keysFile, ...old } as never)).toThrow(expected);
    expect(expected).toBeInstanceOf(TypeError);
  });

  it('an unknown option inside a group → TypeError naming it and the known ones', () => {
    expect(build({ keys: keysFile, keypair: { signature: 'required' } } as never)).toThrow(
      /option "keypair\.signature" is not an option \(known: .*signatures/,
    );
  });

  it('a verifier and options together → TypeError (the options would be silently ignored)', () => {
    const verifier = createVerifier({ keys: keysFile });
    expect(build({ verifier, rateLimit: false } as never)).toThrow(/either a verifier or its options, not both/);
    expect(build({ verifier })).not.toThrow();
    expect(build({ verifier, errors: fw.kind === 'express' ? 'next' : 'throw' })).not.toThrow();
  });

  it('something that is not a verifier → TypeError at start-up, not a plain-text 500 per request', () => {
    expect(build({ verifier: {} } as never)).toThrow(/option "verifier" must be made by createVerifier\(\)/);
    expect(build({ verifier: null } as never)).toThrow(/option "verifier" must be made by createVerifier\(\)/);
    expect(build({ keys: keysFile, errors: 'sometimes' } as never)).toThrow(/option "errors" must be/);
  });
});
