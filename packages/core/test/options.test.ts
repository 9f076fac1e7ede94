import { describe, expect, it } from 'vitest';
import { createVerifier, MemoryDecisionStore, type KeygateOptions } from '../src/index.js';
import { keysFile } from './helpers.js';

/** The TypeError message `createVerifier` throws for these options, or 'no error'. */
function startupError(options: Record<string, unknown>): string {
  try {
    createVerifier({ keys: keysFile(), ...options } as KeygateOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return (error as Error).message;
  }
  return 'no error';
}

describe('options are validated once, when the verifier is built', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['signatures', { keypair: { signatures: 'sometimes' } }, /option "keypair\.signatures"/],
    ['environments', { environments: ['prod'] }, /option "environments"/],
    ['schemes', { schemes: [] }, /option "schemes"/],
    ['unknown scheme', { schemes: ['jwt'] }, /option "schemes"/],
    ['rateLimit', { rateLimit: { limit: 1.5, windowSeconds: 60 } }, /option "rateLimit\.limit"/],
    ['rate window', { rateLimit: { limit: 5, windowSeconds: 0 } }, /option "rateLimit\.windowSeconds"/],
    ['replay window', { replay: { windowSeconds: 0 } }, /option "replay\.windowSeconds"/],
    ['header name', { keypair: { secretHeader: 'X Api Secret' } }, /option "keypair\.secretHeader"/],
    [
      'signature header name',
      { keypair: { signatureHeaders: { signature: 'X:Sig' } } },
      /option "keypair\.signatureHeaders\.signature"/,
    ],
    ['signature versions', { keypair: { signatureVersions: ['v0'] } }, /option "keypair\.signatureVersions"/],
    ['keys', { keys: 42 }, /option "keys"/],
    ['realm', { realm: 'a"b' }, /option "realm"/],
    ['allowPassword', { basic: { allowPassword: 'yes' } }, /option "basic\.allowPassword"/],
    ['store', { store: {} }, /option "store"/],
    ['failOpen', { failOpen: 'open' }, /option "failOpen"/],
    ['onStoreError', { onStoreError: 'log' }, /option "onStoreError"/],
    ['maxBodyBytes', { maxBodyBytes: -1 }, /option "maxBodyBytes"/],
    ['maxHeaderLength', { maxHeaderLength: 1.5 }, /option "maxHeaderLength"/],
    ['bodyTimeoutMs', { bodyTimeoutMs: 0 }, /option "bodyTimeoutMs"/],
    ['now', { now: 1764043200000 }, /option "now"/],
    ['a group that is not an object', { keypair: 'required' }, /option "keypair" must be an object/],
  ])('%s', (_name, options, message) => {
    expect(startupError(options)).toMatch(message);
  });

  it('accepts keys alone, and every option of each group', () => {
    expect(startupError({})).toBe('no error');
    expect(
      startupError({
        schemes: ['keypair', 'basic'],
        environments: ['live'],
        basic: { allowPassword: true },
        keypair: {
          secretHeader: 'X-Secret',
          signatures: 'required',
          signatureHeaders: { timestamp: 'X-T', signature: 'X-S' },
          signatureVersions: ['v2'],
        },
        replay: { windowSeconds: 60 },
        rateLimit: { limit: 10, windowSeconds: 1 },
        store: new MemoryDecisionStore(),
        failOpen: true,
        onStoreError: () => {},
        maxHeaderLength: 1024,
        maxBodyBytes: 1024,
        bodyTimeoutMs: 1000,
        realm: 'payments',
        trustRequestId: false,
        now: () => 0,
      }),
    ).toBe('no error');
  });

  it('a verifier exposes verify(), reload() and close() only (no verifier.config)', () => {
    const verifier = createVerifier({ keys: keysFile() });
    expect(Object.keys(verifier)).toEqual(['verify', 'reload', 'close']);
    expect((verifier as unknown as { config?: unknown }).config).toBeUndefined();
  });
});

describe('unknown and moved options throw a TypeError naming them (issue 9)', () => {
  it.each([
    ['signatures', 'required', 'keypair.signatures'],
    ['signatureHeaders', { timestamp: 'X-T' }, 'keypair.signatureHeaders'],
    ['secretHeader', 'X-Secret', 'keypair.secretHeader'],
    ['replayWindowSeconds', 60, 'replay.windowSeconds'],
    ['allowBasicPassword', true, 'basic.allowPassword'],
    ['onStoreFailure', 'open', 'failOpen'],
    ['rateLimitStore', {}, 'store'],
    ['replayStore', {}, 'store'],
  ])('the old option "%s" says where it went', (name, value, moved) => {
    expect(startupError({ [name]: value })).toBe(`keygate: option "${name}" is now "${moved}"`);
  });

  it.each<[Record<string, unknown>, string]>([
    [{ signature: 'required' }, 'signature'],
    [{ rateLimitt: false }, 'rateLimitt'],
    [{ keypair: { signature: 'required' } }, 'keypair.signature'],
    [{ keypair: { signatureVersion: ['v2'] } }, 'keypair.signatureVersion'],
    [{ keypair: { signatureHeaders: { ts: 'X-T' } } }, 'keypair.signatureHeaders.ts'],
    [{ basic: { allowPasswords: true } }, 'basic.allowPasswords'],
    [{ replay: { window: 60 } }, 'replay.window'],
    [{ rateLimit: { limit: 5, windowSeconds: 60, burst: 10 } }, 'rateLimit.burst'],
  ])('an unknown option %j is refused, naming "%s" and the known ones', (options, name) => {
    expect(startupError(options)).toMatch(
      new RegExp(`^keygate: option "${name.replace(/\./g, '\\.')}" is not an option \\(known: [a-zA-Z, ]+\\)$`),
    );
  });

  it('a misspelt option is not silently ignored even beside good ones', () => {
    expect(startupError({ rateLimit: false, keypair: { signatures: 'required', secretheader: 'X-S' } })).toMatch(
      /option "keypair\.secretheader" is not an option/,
    );
  });
});
