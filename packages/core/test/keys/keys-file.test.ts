import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createVerifier,
  KeysFileError,
  MemoryKeyStore,
  parseKeysFile,
  readKeysFile,
  type KeysFile,
} from '../../src/index.js';
import { keysFile } from '../helpers.js';
import { tempDir } from '../../../../test/support/temp-dir.js';

const tenants = [{ id: 'acme', status: 'active' }];
const withKeys = (...keys: unknown[]) => ({ tenants, keys });

function expectError(data: unknown, ...fragments: string[]) {
  let error: unknown;
  try {
    parseKeysFile(data, 'keys file demo.json');
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(KeysFileError);
  const message = (error as Error).message;
  expect(message).toMatch(/^keys file demo\.json: /);
  for (const fragment of fragments) expect(message).toContain(fragment);
  return message;
}

describe('keys file validation: each malformed file names the entry and field', () => {
  it.each<[string, unknown, string[]]>([
    ['not an object', [], ['top level']],
    ['unknown top-level field', { tenants, keys: [], extra: 1 }, ['unknown field "extra"']],
    ['tenants not an array', { tenants: {}, keys: [] }, ['"tenants"', 'array']],
    ['keys missing', { tenants }, ['"keys"', 'array']],
    ['tenant without id', { tenants: [{ status: 'active' }], keys: [] }, ['tenants[0]', '"id"']],
    [
      'tenant with bad status',
      { tenants: [{ id: 'a', status: 'paused' }], keys: [] },
      ['tenants[0] ("a")', '"status"'],
    ],
    ['duplicate tenant', { tenants: [{ id: 'a' }, { id: 'a' }], keys: [] }, ['tenants[1]', 'duplicate']],
    ['key without id', withKeys({ tenant: 'acme', key: 'pk_live_abcdefgh' }), ['keys[0]', '"id"']],
    [
      'unknown tenant',
      withKeys({ id: 'k', tenant: 'nobody', key: 'pk_live_abcdefgh' }),
      ['keys[0] ("k")', '"tenant"', 'nobody'],
    ],
    [
      'misspelt field',
      withKeys({ id: 'k', tenant: 'acme', key: 'pk_live_abcdefgh', scope: ['a'] }),
      ['keys[0] ("k")', 'unknown field "scope"'],
    ],
    ['no credential', withKeys({ id: 'k', tenant: 'acme' }), ['keys[0] ("k")', 'exactly one']],
    [
      'key and pair',
      withKeys({ id: 'k', tenant: 'acme', key: 'pk_live_abcdefgh', publicKey: 'pk_live_abcdefgh' }),
      ['exactly one'],
    ],
    [
      'key and keyHash',
      withKeys({ id: 'k', tenant: 'acme', key: 'pk_live_abcdefgh', keyHash: `sha256:${'a'.repeat(64)}` }),
      ['both "key" and "keyHash"'],
    ],
    ['short key', withKeys({ id: 'k', tenant: 'acme', key: 'short' }), ['field "key"']],
    ['key with colon', withKeys({ id: 'k', tenant: 'acme', key: 'pk_live_ab:cdefgh' }), ['field "key"', '":"']],
    ['bad keyHash', withKeys({ id: 'k', tenant: 'acme', keyHash: 'md5:abc' }), ['field "keyHash"', 'sha256:']],
    [
      'public key without prefix',
      withKeys({ id: 'k', tenant: 'acme', publicKey: 'abcdefgh12345', secretKey: 'sk_live_abcdefgh' }),
      ['field "publicKey"'],
    ],
    [
      'secret without prefix',
      withKeys({ id: 'k', tenant: 'acme', publicKey: 'pk_live_abcdefgh', secretKey: 'abcdefgh12345' }),
      ['field "secretKey"'],
    ],
    [
      'pair without secret',
      withKeys({ id: 'k', tenant: 'acme', publicKey: 'pk_live_abcdefgh' }),
      ['field "secretKey"'],
    ],
    [
      'mixed environments',
      withKeys({ id: 'k', tenant: 'acme', publicKey: 'pk_test_abcdefgh', secretKey: 'sk_live_abcdefgh' }),
      ['"secretKey" is a live key', 'test'],
    ],
    [
      'scopes not strings',
      withKeys({ id: 'k', tenant: 'acme', key: 'pk_live_abcdefgh', scopes: ['a', 3] }),
      ['field "scopes"'],
    ],
    [
      'revoked not boolean',
      withKeys({ id: 'k', tenant: 'acme', key: 'pk_live_abcdefgh', revoked: 'yes' }),
      ['field "revoked"'],
    ],
    [
      'bad expiresAt',
      withKeys({ id: 'k', tenant: 'acme', key: 'pk_live_abcdefgh', expiresAt: 'tomorrow' }),
      ['field "expiresAt"'],
    ],
    [
      'expiresAt without a time zone',
      withKeys({ id: 'k', tenant: 'acme', key: 'pk_live_abcdefgh', expiresAt: '2027-01-01T00:00:00' }),
      ['field "expiresAt"', 'time zone'],
    ],
    [
      'expiresAt on a day that does not exist',
      withKeys({ id: 'k', tenant: 'acme', key: 'pk_live_abcdefgh', expiresAt: '2027-02-30T00:00:00Z' }),
      ['field "expiresAt"'],
    ],
    [
      'bad rateLimit',
      withKeys({ id: 'k', tenant: 'acme', key: 'pk_live_abcdefgh', rateLimit: { limit: 0, windowSeconds: 60 } }),
      ['"rateLimit.limit"'],
    ],
    [
      'bad rate window',
      withKeys({ id: 'k', tenant: 'acme', key: 'pk_live_abcdefgh', rateLimit: { limit: 5, windowSeconds: -1 } }),
      ['"rateLimit.windowSeconds"'],
    ],
    [
      'hint longer than 4 characters',
      withKeys({ id: 'k', tenant: 'acme', key: 'pk_live_abcdefgh', hint: 'efgh1' }),
      ['field "hint"', '1 to 4'],
    ],
    ['hint not a string', withKeys({ id: 'k', tenant: 'acme', key: 'pk_live_abcdefgh', hint: 1234 }), ['field "hint"']],
    [
      'bad environment',
      withKeys({ id: 'k', tenant: 'acme', keyHash: `sha256:${'a'.repeat(64)}`, environment: 'prod' }),
      ['field "environment"'],
    ],
    [
      'duplicate key id',
      withKeys(
        { id: 'k', tenant: 'acme', key: 'pk_live_abcdefgh' },
        { id: 'k', tenant: 'acme', key: 'pk_live_ijklmnop' },
      ),
      ['keys[1] ("k")', 'duplicate'],
    ],
    // Message changed on purpose (issue 8): both entries and both fields are named.
    [
      'same key twice',
      withKeys(
        { id: 'a', tenant: 'acme', key: 'pk_live_abcdefgh' },
        { id: 'b', tenant: 'acme', key: 'pk_live_abcdefgh' },
      ),
      ['keys[1] ("b")', 'same key as keys[0] ("a")'],
    ],
  ])('%s', (_name, data, fragments) => {
    expectError(data, ...fragments);
  });

  it('never puts a key or secret into the message', () => {
    const message = expectError(
      withKeys({ id: 'k', tenant: 'acme', publicKey: 'pk_test_SECRETISH1', secretKey: 'sk_live_SECRETISH2' }),
    );
    expect(message).not.toContain('SECRETISH');
  });

  it('names the file when it cannot be read or is not JSON', () => {
    const dir = tempDir();
    expect(() => readKeysFile(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot be read \(ENOENT\)/);
    writeFileSync(join(dir, 'broken.json'), '{ "tenants": [');
    expect(() => readKeysFile(join(dir, 'broken.json'))).toThrow(/broken\.json: not valid JSON/);
    writeFileSync(join(dir, 'truncated.json'), '{ "tenants": [');
    expect(() => readKeysFile(join(dir, 'truncated.json'))).toThrow(
      /truncated\.json: not valid JSON \(it ends too early\)/,
    );
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify(withKeys({ id: 'k', tenant: 'nobody', key: 'pk_live_abcdefgh' })),
    );
    expect(() => createVerifier({ keys: join(dir, 'bad.json') })).toThrow(
      /bad\.json: keys\[0\] \("k"\): field "tenant"/,
    );
  });

  it.each([
    ['a short file', '{"keys": [{"id": "k", "secretKey": sk_live_TOPSECRET}]}', 'line 1, column 36'],
    [
      'a long file',
      `{\n  "tenants": [{ "id": "acme" }],\n  "keys": [\n    { "id": "k", "tenant": "acme", "publicKey": "pk_live_abcdefgh", "secretKey": sk_live_TOPSECRET }\n  ]\n}`,
      'line 4, column 82',
    ],
    ['a trailing comma', '{"tenants": [], "keys": [],}', 'line 1, column 28'],
    ['a short file whose wrong token also appears earlier', '{"q":q}', '(no place: ambiguous)'],
  ])(
    'a syntax error in %s is located by line and column, never quoted (it may sit in a secret)',
    (_, text, location) => {
      const file = join(tempDir(), 'keys.json');
      writeFileSync(file, text);
      const expected = location.startsWith('(')
        ? 'keys.json: not valid JSON (syntax error)'
        : `keys.json: not valid JSON (syntax error at ${location})`;
      expect(() => readKeysFile(file)).toThrow(expected);
      expect(() => readKeysFile(file)).not.toThrow(/TOPSECRET|OPSEC|sk_live/);
    },
  );

  it('accepts expiresAt with Z, ±HH:MM or ±HHMM, as that instant', () => {
    for (const [expiresAt, instant] of [
      ['2027-01-31T00:00:00Z', '2027-01-31T00:00:00Z'],
      ['2027-01-31T01:00:00+01:00', '2027-01-31T00:00:00Z'],
      ['2027-01-30T19:00-0500', '2027-01-31T00:00:00Z'],
    ]) {
      const loaded = new MemoryKeyStore(
        withKeys({ id: 'k', tenant: 'acme', key: 'pk_live_abcdefgh', expiresAt }) as KeysFile,
      );
      expect([...loaded.records()][0]!.expiresAt).toBe(Date.parse(instant!));
    }
  });

  it('reads a file saved with a UTF-8 byte order mark', () => {
    const file = join(tempDir(), 'keys.json');
    writeFileSync(file, `\uFEFF${JSON.stringify(withKeys({ id: 'k', tenant: 'acme', key: 'pk_live_abcdefgh' }))}`);
    expect(readKeysFile(file).byKeyHash.size).toBe(1);
  });

  it('stores Basic keys only as hashes, and keyHash entries verify', async () => {
    const key = 'pk_live_HashedOnlyKey000000001';
    const data: KeysFile = withKeys({
      id: 'hashed',
      tenant: 'acme',
      keyHash: `sha256:${createHash('sha256').update(key).digest('hex').toUpperCase()}`,
      environment: 'live',
    }) as KeysFile;
    const store = new MemoryKeyStore(data);
    expect(
      JSON.stringify([...(store as unknown as { keys: { byKeyHash: Map<string, unknown> } }).keys.byKeyHash]),
    ).not.toContain(key);
    const result = await createVerifier({ keys: store }).verify({
      method: 'GET',
      target: '/',
      headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
    });
    expect(result.ok ? result.auth : result.error.code).toMatchObject({ keyId: 'hashed', environment: 'live' });
  });

  it('loads the design-shaped file used by the tests', () => {
    expect(new MemoryKeyStore(keysFile()).size).toBe(9);
  });
});

describe('hint (the last 4 characters kept for listings)', () => {
  it('is accepted on a keyHash entry and on a pair', () => {
    const loaded = parseKeysFile(
      withKeys(
        { id: 'b', tenant: 'acme', keyHash: `sha256:${'a'.repeat(64)}`, environment: 'live', hint: 'wxyz' },
        { id: 'p', tenant: 'acme', publicKey: 'pk_live_abcdefgh', secretKey: 'sk_live_abcdefgh', hint: 'efgh' },
      ),
    );
    expect(loaded.byKeyHash.size).toBe(1);
    expect(loaded.byPublicKey.size).toBe(1);
  });
});

describe('one key string, one entry (issue 8)', () => {
  const pair = (id: string, publicKey: string, secretKey: string) => ({ id, tenant: 'acme', publicKey, secretKey });
  const basicKey = (id: string, key: string) => ({ id, tenant: 'acme', key });
  const hashOf = (key: string) => `sha256:${createHash('sha256').update(key).digest('hex')}`;

  it.each<[string, unknown[], string]>([
    [
      'two pairs sharing one secret',
      [
        pair('p1', 'pk_live_PublicOne00000001', 'sk_live_SharedSecret0000001'),
        pair('p2', 'pk_live_PublicTwo00000001', 'sk_live_SharedSecret0000001'),
      ],
      'keys[1] ("p2"): field "secretKey" holds the same key as keys[0] ("p1") field "secretKey"',
    ],
    [
      "a Basic key equal to an earlier pair's public key",
      [pair('p', 'pk_live_PublicOne00000001', 'sk_live_SecretOne00000001'), basicKey('b', 'pk_live_PublicOne00000001')],
      'keys[1] ("b"): field "key" holds the same key as keys[0] ("p") field "publicKey"',
    ],
    [
      'a pair whose public key is an earlier Basic key',
      [basicKey('b', 'pk_live_PublicOne00000001'), pair('p', 'pk_live_PublicOne00000001', 'sk_live_SecretOne00000001')],
      'keys[1] ("p"): field "publicKey" holds the same key as keys[0] ("b") field "key"',
    ],
    [
      "a Basic key equal to a pair's secret key",
      [pair('p', 'pk_live_PublicOne00000001', 'sk_live_SecretOne00000001'), basicKey('b', 'sk_live_SecretOne00000001')],
      'keys[1] ("b"): field "key" holds the same key as keys[0] ("p") field "secretKey"',
    ],
    [
      'a keyHash of a key already given in clear (digest in upper case)',
      [
        basicKey('b1', 'pk_live_BasicOne000000001'),
        {
          id: 'b2',
          tenant: 'acme',
          keyHash: hashOf('pk_live_BasicOne000000001').toUpperCase().replace('SHA256', 'sha256'),
        },
      ],
      'keys[1] ("b2"): field "keyHash" holds the same key as keys[0] ("b1") field "key"',
    ],
    [
      "a keyHash of a pair's public key",
      [
        pair('p', 'pk_live_PublicOne00000001', 'sk_live_SecretOne00000001'),
        { id: 'h', tenant: 'acme', keyHash: hashOf('pk_live_PublicOne00000001') },
      ],
      'keys[1] ("h"): field "keyHash" holds the same key as keys[0] ("p") field "publicKey"',
    ],
    [
      'two pairs with one public key',
      [
        pair('p1', 'pk_live_PublicOne00000001', 'sk_live_SecretOne00000001'),
        pair('p2', 'pk_live_PublicOne00000001', 'sk_live_SecretTwo00000001'),
      ],
      'keys[1] ("p2"): field "publicKey" holds the same key as keys[0] ("p1") field "publicKey"',
    ],
  ])('%s is refused, naming both entries and never the key', (_name, keys, expected) => {
    const message = expectError(withKeys(...keys), expected, '(each key string must be unique)');
    for (const entry of keys as Record<string, string>[]) {
      for (const field of ['key', 'publicKey', 'secretKey'])
        if (entry[field] !== undefined) expect(message).not.toContain(entry[field]);
    }
  });

  it('a duplicate between entries far apart is found, and the verifier refuses to start with it', () => {
    const keys = [
      pair('p1', 'pk_test_PublicOne00000001', 'sk_test_SharedSecret0000001'),
      ...Array.from({ length: 20 }, (_, i) => basicKey(`b${i}`, `pk_live_Filler${String(i).padStart(12, '0')}`)),
      pair('p2', 'pk_test_PublicTwo00000001', 'sk_test_SharedSecret0000001'),
    ];
    expectError(withKeys(...keys), 'keys[21] ("p2")', 'keys[0] ("p1")');
    expect(() => createVerifier({ keys: withKeys(...keys) as KeysFile })).toThrow(KeysFileError);
  });

  it('distinct strings that differ only in case are distinct keys', () => {
    const loaded = parseKeysFile(
      withKeys(basicKey('a', 'pk_live_CaseKey000000001'), basicKey('b', 'pk_live_casekey000000001')),
    );
    expect(loaded.byKeyHash.size).toBe(2);
  });
});
