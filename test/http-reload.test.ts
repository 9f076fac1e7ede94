/**
 * Revocation that sticks, without a restart (issue 10, item 3), through the real adapters on Express 5,
 * Express 4, Koa 3 and Koa 2 running on a real HTTP server: keygate given the PATH of a keys file; a key
 * revoked in that file (atomic rename, then an in-place write) is answered 401 within 1 s, without a restart;
 * an invalid file keeps the last good keys and is reported through onStoreError.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeysFile } from '@keygate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, frameworks, listen } from './support/servers.js';
import { tempDir } from './support/temp-dir.js';
import { until } from './support/poll.js';

const KEY = 'pk_live_HttpReloadKeyForKeygate0001';
const OTHER = 'pk_live_HttpReloadOtherKeyForKeyg01';
const file = (revoked: boolean): KeysFile => ({
  tenants: [{ id: 'acme' }],
  keys: [
    { id: 'key_reload', tenant: 'acme', key: KEY, revoked },
    { id: 'key_other', tenant: 'acme', key: OTHER },
  ],
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe.each(frameworks)('keys file reload — $name', (fw) => {
  const start = async () => {
    const dir = tempDir('keygate-http-reload-');
    const path = join(dir, 'keys.json');
    writeFileSync(path, JSON.stringify(file(false)));
    const errors: unknown[] = [];
    const app = buildApp(fw, { keys: path, rateLimit: false, onStoreError: (error) => errors.push(error) });
    const server = await listen(app.handler);
    closers.push(server.close);
    const status = async (key = KEY) => {
      const res = await fetch(`${server.url}/echo`, {
        headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
      });
      await res.arrayBuffer();
      return res.status;
    };
    const replace = (text: string) => {
      const temp = join(dir, `.keys.json.${Math.random().toString(36).slice(2)}`);
      writeFileSync(temp, text);
      renameSync(temp, path);
    };
    return { path, errors, status, replace };
  };

  it('answers 401 within 1 s for a key revoked by an atomic rename while the app runs, the other key still 200', async () => {
    const { status, replace } = await start();
    expect(await status()).toBe(200);
    replace(JSON.stringify(file(true)));
    expect(await until(status, 401)).toBeLessThan(1000);
    expect(await status(OTHER)).toBe(200);
  });

  it('takes an in-place write within 1 s, and keeps the last good keys on an invalid file', async () => {
    const { path, errors, status, replace } = await start();
    expect(await status()).toBe(200);
    replace(
      `{ "tenants": [ { "id": "acme" } ], "keys": [ { "id": "key_reload", "tenant": "nobody", "key": "${KEY}", "revoked": true } ] }`,
    );
    await until(async () => (errors.length > 0 ? 1 : 0), 1);
    expect((errors[0] as Error)?.message).toContain(path);
    expect((errors[0] as Error)?.message).toContain('"tenant"');
    expect((errors[0] as Error)?.message).not.toContain(KEY);
    expect(await status()).toBe(200);
    writeFileSync(path, JSON.stringify(file(true)));
    expect(await until(status, 401)).toBeLessThan(1000);
  });
});
