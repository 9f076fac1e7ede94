/**
 * Every configuration mistake is a `KeygateConfigError` (a `TypeError`) with a stable code and a message that
 * names the option and says what to change, thrown when the verifier, middleware or store is built.
 */
import { describe, expect, it } from 'vitest';
import {
  CachedKeyStore,
  KeygateConfigError,
  MemoryDecisionStore,
  MemoryKeyStore,
  createVerifier,
  type ConfigErrorCode,
  type KeygateOptions,
} from '../src/index.js';
import { scopeCheck, verifierFrom } from '../src/node/index.js';

const keys = { tenants: [{ id: 'acme', status: 'active' as const }], keys: [] };

function thrown(build: () => unknown): KeygateConfigError {
  try {
    build();
  } catch (error) {
    return error as KeygateConfigError;
  }
  throw new Error('nothing was thrown');
}

const cases: [ConfigErrorCode, string, () => unknown, RegExp][] = [
  [
    'ERR_KEYGATE_OPTIONS_NOT_OBJECT',
    'options that are not an object',
    () => createVerifier(null as never),
    /options.*must be an object/,
  ],
  [
    'ERR_KEYGATE_OPTIONS_NOT_OBJECT',
    'a group that is not an object',
    () => createVerifier({ keys, keypair: 'required' as never }),
    /"keypair" must be an object/,
  ],
  [
    'ERR_KEYGATE_OPTION_UNKNOWN',
    'a misspelt option',
    () => createVerifier({ keys, rateLimt: false } as never),
    /"rateLimt" is not an option \(known: .*rateLimit/,
  ],
  [
    'ERR_KEYGATE_OPTION_MOVED',
    'an option of an earlier version',
    () => createVerifier({ keys, signatures: 'required' } as never),
    /"signatures" is now "keypair.signatures"/,
  ],
  [
    'ERR_KEYGATE_INVALID_VALUE',
    'a bad value',
    () => createVerifier({ keys, maxBodyBytes: -1 }),
    /"maxBodyBytes" must be a positive integer/,
  ],
  [
    'ERR_KEYGATE_INVALID_VALUE',
    'a logger without error()',
    () => createVerifier({ keys, logger: { warn() {} } as never }),
    /"logger" must be an object with warn\(message\) and error\(message\)/,
  ],
  [
    'ERR_KEYGATE_INVALID_VALUE',
    'an onDecision that is not a function',
    () => createVerifier({ keys, onDecision: 'log' as never }),
    /"onDecision" must be a function/,
  ],
  [
    'ERR_KEYGATE_INVALID_VALUE',
    'a failedAuthLimit without windowSeconds',
    () => createVerifier({ keys, failedAuthLimit: { limit: 5 } as never }),
    /"failedAuthLimit.windowSeconds" must be a positive number/,
  ],
  [
    'ERR_KEYGATE_INVALID_VALUE',
    'a memory store option out of range',
    () => new MemoryDecisionStore({ maxFailedClients: 0 }),
    /MemoryDecisionStore: option "maxFailedClients" must be an integer of at least 1/,
  ],
  [
    'ERR_KEYGATE_OPTION_UNKNOWN',
    'a CachedKeyStore option it does not have',
    () => new CachedKeyStore(new MemoryKeyStore({ tenants: [], keys: [] }), { ttl: 5 } as never),
    /CachedKeyStore: unknown option "ttl" \(known: max, negativeMax, ttlMs/,
  ],
  [
    'ERR_KEYGATE_INVALID_VALUE',
    'requireScopes() with no scope',
    () => scopeCheck([]),
    /requireScopes: pass one or more non-empty scope strings/,
  ],
  [
    'ERR_KEYGATE_INVALID_VALUE',
    'an adapter error mode that does not exist',
    () => verifierFrom({ keys, errors: 'log' } as never, ['respond', 'next']),
    /"errors" must be "respond" or "next"/,
  ],
  [
    'ERR_KEYGATE_LIMIT_TOO_LARGE',
    'a limit the memory store cannot hold',
    () =>
      createVerifier({
        keys,
        rateLimit: { limit: 1_000_000, windowSeconds: 60 },
        store: new MemoryDecisionStore({ maxBytes: 1024 }),
      }),
    /"rateLimit.limit" is too large for the memory store .*: lower it, or pass store: new MemoryDecisionStore\(\{ maxBytes \}\)/,
  ],
  [
    'ERR_KEYGATE_VERIFIER_CONFLICT',
    'a verifier beside verifier options',
    () => verifierFrom({ verifier: createVerifier({ keys }), keys } as never, ['respond']),
    /pass either a verifier or its options, not both/,
  ],
  [
    'ERR_KEYGATE_STORE_UNSUPPORTED',
    'failedAuthLimit with a store that cannot count failures',
    () =>
      createVerifier({
        keys,
        store: { decide: () => ({ outcome: 'admitted' }) },
        failedAuthLimit: { limit: 5, windowSeconds: 60 },
      }),
    /"failedAuthLimit" needs a store that counts failures/,
  ],
];

describe('configuration errors (issue 13)', () => {
  it.each(cases)('%s: %s', (code, _name, build, message) => {
    const error = thrown(build);
    expect(error).toBeInstanceOf(KeygateConfigError);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.name).toBe('KeygateConfigError');
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('every code has a case here and a line in the README', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const codes = new Set(cases.map(([code]) => code));
    expect(codes.size).toBe(7);
    for (const code of codes) expect(readme).toContain(`\`${code}\``);
  });

  it('a good configuration throws nothing', () => {
    const options: KeygateOptions = {
      keys,
      failedAuthLimit: { limit: 5, windowSeconds: 60 },
      logger: console,
      onDecision: () => {},
    };
    expect(() => createVerifier(options)).not.toThrow();
  });
});
