/**
 * Revocation that sticks, without a restart (issue 10, item 3; DESIGN.md Part 2, "Key format, generation and
 * rotation", last bullet): a keys file given by path is watched and reloaded within 1 s — an atomic rename
 * over it and an in-place write alike —; a failed reload keeps the last good keys and is reported through
 * `onStoreError`, naming the file and the field, never the key; `verifier.reload()` re-reads on demand.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/support/temp-dir.js';
import {
  createVerifier,
  KeysFileError,
  MemoryKeyStore,
  type KeyRecord,
  type KeysFile,
  type KeyStore,
  type Verifier,
} from '../../src/index.js';
import { codeOf } from '../helpers.js';
import { until } from '../../../../test/support/poll.js';

const KEY = 'pk_live_ReloadKeyForKeygateTests001';
const OTHER = 'pk_live_ReloadOtherKeyForKeygate001';
const file = (revoked = false): KeysFile => ({
  tenants: [{ id: 'acme' }],
  keys: [
    { id: 'key_reload', tenant: 'acme', key: KEY, revoked },
    { id: 'key_other', tenant: 'acme', key: OTHER },
  ],
});
const basic = (key: string) => ({
  method: 'GET',
  target: '/',
  headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
});

const open: Verifier[] = [];
afterEach(async () => {
  for (const verifier of open.splice(0)) await verifier.close();
});

function setup() {
  const dir = tempDir('keygate-reload-');
  const path = join(dir, 'keys.json');
  writeFileSync(path, JSON.stringify(file()));
  const errors: unknown[] = [];
  const verifier = createVerifier({ keys: path, rateLimit: false, onStoreError: (error) => errors.push(error) });
  open.push(verifier);
  const code = async (key = KEY) => codeOf(await verifier.verify(basic(key)));
  /** Writes the file by a temp file renamed over it, as deploy tools and most editors do. */
  const replace = (text: string) => {
    const temp = join(dir, `.keys.json.${Math.random().toString(36).slice(2)}`);
    writeFileSync(temp, text);
    renameSync(temp, path);
  };
  return { dir, path, errors, verifier, code, replace };
}

describe('keys file reload', () => {
  it('refuses a key revoked by an atomic rename over the file within 1 s', async () => {
    const { code, replace } = setup();
    expect(await code()).toBe('ok');
    replace(JSON.stringify(file(true)));
    const took = await until(code, 'INVALID_API_KEY');
    expect(took).toBeLessThan(1000);
    expect(await code(OTHER)).toBe('ok');
  });

  it('picks up an in-place write of the same file within 1 s', async () => {
    const { code, path } = setup();
    expect(await code()).toBe('ok');
    writeFileSync(path, JSON.stringify(file(true)));
    expect(await until(code, 'INVALID_API_KEY')).toBeLessThan(1000);
    // And back again, in place.
    writeFileSync(path, JSON.stringify(file(false)));
    expect(await until(code, 'ok')).toBeLessThan(1000);
  });

  it('keeps the last good keys when the file becomes invalid, reports it naming the file and field, then takes a valid file again', async () => {
    const { code, path, replace, errors } = setup();
    expect(await code()).toBe('ok');

    replace('{ "tenants": [ { "id": "acme" } ], "keys": [ ');
    await until(async () => (errors.length > 0 ? 'reported' : 'waiting'), 'reported');
    expect(errors.length).toBeGreaterThan(0);
    const syntax = errors.at(-1);
    expect(syntax).toBeInstanceOf(KeysFileError);
    expect((syntax as Error).message).toContain(path);
    expect((syntax as Error).message).toContain('not valid JSON');
    expect(await code()).toBe('ok');

    errors.length = 0;
    const bad = file(true) as unknown as { keys: Record<string, unknown>[] };
    bad.keys[0]!.scope = ['payments:read']; // a misspelt field: the whole file is refused, the revocation too
    replace(JSON.stringify(bad));
    await until(async () => (errors.length > 0 ? 'reported' : 'waiting'), 'reported');
    const entry = errors.at(-1) as Error;
    expect(entry).toBeInstanceOf(KeysFileError);
    expect(entry.message).toContain(path);
    expect(entry.message).toContain('key_reload');
    expect(entry.message).toContain('"scope"');
    for (const error of errors) {
      expect((error as Error).message).not.toContain(KEY);
      expect((error as Error).message).not.toContain(OTHER);
    }
    expect(await code()).toBe('ok');
    expect(await code(OTHER)).toBe('ok');

    replace(JSON.stringify(file(true)));
    expect(await until(code, 'INVALID_API_KEY')).toBeLessThan(1000);
  });

  it('verifier.reload() re-reads the file at once, and rejects on an invalid file keeping the last good keys', async () => {
    const dir = tempDir('keygate-reload-');
    const path = join(dir, 'keys.json');
    writeFileSync(path, JSON.stringify(file()));
    // A long poll and no chance for the watcher to run first: only reload() can have made the change.
    const store = MemoryKeyStore.watchFile(path, { pollMs: 60_000, debounceMs: 60_000 });
    const verifier = createVerifier({ keys: store, rateLimit: false });
    open.push(verifier);
    const code = async (key = KEY) => codeOf(await verifier.verify(basic(key)));
    expect(await code()).toBe('ok');

    writeFileSync(path, JSON.stringify(file(true)));
    await verifier.reload();
    expect(await code()).toBe('INVALID_API_KEY');

    writeFileSync(path, `{ "tenants": [], "keys": [ { "id": "x", "tenant": "acme", "key": "${KEY}" } ] }`);
    const failure = await verifier.reload().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(KeysFileError);
    expect((failure as Error).message).toContain(path);
    expect((failure as Error).message).not.toContain(KEY);
    expect(await code()).toBe('INVALID_API_KEY');
    expect(await code(OTHER)).toBe('ok');
  });

  it("verifier.reload() calls a custom store's reload(), and is a no-op for a store without one", async () => {
    let records = new Map<string, KeyRecord>();
    const record = (revoked: boolean): KeyRecord => ({
      id: 'key_custom',
      tenantId: 'acme',
      tenantStatus: 'active',
      kind: 'basic',
      environment: 'live',
      revoked,
    });
    let next = record(false);
    let reloads = 0;
    const hash = (await import('node:crypto')).createHash('sha256').update(KEY).digest('hex');
    records.set(hash, next);
    const custom: KeyStore = {
      findByKeyHash: (keyHash) => records.get(keyHash),
      findByPublicKey: () => undefined,
      reload: async () => {
        reloads += 1;
        records = new Map([[hash, next]]);
      },
    };
    const verifier = createVerifier({ keys: custom, rateLimit: false });
    expect(codeOf(await verifier.verify(basic(KEY)))).toBe('ok');
    next = record(true);
    await verifier.reload();
    expect(reloads).toBe(1);
    expect(codeOf(await verifier.verify(basic(KEY)))).toBe('INVALID_API_KEY');

    const plain = createVerifier({ keys: file(), rateLimit: false });
    await expect(plain.reload()).resolves.toBeUndefined();
    expect(codeOf(await plain.verify(basic(KEY)))).toBe('ok');
  });

  it('a store built from data has nothing to reload', () => {
    const store = new MemoryKeyStore(file());
    expect(() => store.reload()).not.toThrow();
    expect(store.size).toBe(2);
  });
});
