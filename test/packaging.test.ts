import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/example-process.js';
import { tempDir } from './support/temp-dir.js';

/**
 * What a user gets from the registry: each package is packed (`pnpm pack`, so `workspace:` ranges are
 * rewritten and only `files` ship), unpacked into a fresh node_modules, then imported as ESM, required from
 * CommonJS and compiled from strict TypeScript. Needs the packages built (`pnpm test` builds first). CI runs it on
 * every Node line; publint and attw check the same tarballs once (`pnpm check:packages`).
 */
const PACKAGES = ['core', 'express', 'koa', 'redis', 'postgres', 'prometheus', 'cli', 'testing'] as const;
/** Each package's main module, as its `exports` name it. */
const MAIN: Record<(typeof PACKAGES)[number], string> = {
  ...Object.fromEntries(PACKAGES.map((name) => [name, 'index'])),
  cli: 'cli',
} as never;
let app: string;
const tarballFiles: Record<string, string[]> = {};

function link(name: string, from: string) {
  const target = join(app, 'node_modules', name);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(realpathSync(join(from, 'node_modules', name)), target, 'dir');
}

beforeAll(() => {
  app = tempDir('keygate-pack-');
  const packs = join(app, 'packs');
  mkdirSync(packs);
  for (const name of PACKAGES) {
    const dir = join(ROOT, 'packages', name);
    execFileSync('pnpm', ['pack', '--pack-destination', packs], { cwd: dir, stdio: 'pipe' });
    const tarball = readdirSync(packs).find((file) => file.startsWith(`keygate-${name}-`))!;
    tarballFiles[name] = execFileSync('tar', ['tzf', join(packs, tarball)], { encoding: 'utf8' })
      .trim()
      .split('\n');
    const unpacked = join(app, 'unpacked', name);
    mkdirSync(unpacked, { recursive: true });
    execFileSync('tar', ['xzf', join(packs, tarball), '-C', unpacked]);
    mkdirSync(join(app, 'node_modules', '@keygate'), { recursive: true });
    renameSync(join(unpacked, 'package'), join(app, 'node_modules', '@keygate', name));
  }
  // Dependencies and peers, as a package manager would provide them.
  for (const name of ['lru-cache', 'jose']) link(name, join(ROOT, 'packages', 'core'));
  for (const name of ['express', 'koa', 'ioredis', 'pg', 'prom-client', 'supertest']) link(name, join(ROOT, 'test'));
  for (const name of ['@types/express', '@types/koa', '@types/pg', '@types/supertest']) link(name, join(ROOT, 'test'));
  for (const name of ['@types/node', 'vitest']) link(name, ROOT);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
}, 120_000);

describe('published packages', () => {
  it.each(PACKAGES)('@keygate/%s ships its build, types, README and LICENSE, never tests', (name) => {
    const files = tarballFiles[name]!;
    expect(files).toContain('package/package.json');
    expect(files).toContain(`package/dist/${MAIN[name]}.js`);
    expect(files).toContain(`package/dist/${MAIN[name]}.d.ts`);
    expect(files).toContain('package/README.md');
    expect(files).toContain('package/LICENSE');
    if (name === 'core') expect(files).toContain('package/dist/node/index.js');
    if (name === 'testing') expect(files).toContain('package/dist/contract/index.js');
    expect(files.some((file) => file.startsWith('package/test/'))).toBe(false);
    // The licence shipped is the repository's, word for word.
    const license = readFileSync(join(app, 'node_modules', '@keygate', name, 'LICENSE'), 'utf8');
    expect(license).toBe(readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', '@keygate', name, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ license: 'MIT', engines: { node: '^20.19.0 || >=22.12.0' } });
    expect(manifest.repository).toMatchObject({
      url: 'git+https://github.com/keygate/keygate.git',
      directory: `packages/${name}`,
    });
    expect(JSON.stringify(manifest)).not.toContain('workspace:');
  });

  it('import as ESM from a fresh project', () => {
    const script = `
      import * as core from '@keygate/core';
      import * as ex from '@keygate/express';
      import * as koa from '@keygate/koa';
      import * as redis from '@keygate/redis';
      import * as node from '@keygate/core/node';
      import * as postgres from '@keygate/postgres';
      import * as prometheus from '@keygate/prometheus';
      import * as cli from '@keygate/cli';
      import * as testing from '@keygate/testing';
      import * as contract from '@keygate/testing/contract';
      const keys = new testing.TestKeys();
      const key = keys.basic({ tenant: 'acme' });
      const clock = testing.testClock();
      const kit = await core.createVerifier({ keys, now: clock.now }).verify({ method: 'GET', target: '/', headers: { authorization: testing.credentialHeaders(key, { method: 'GET', path: '/' }).Authorization } });
      const extras = [kit.ok && kit.auth.keyId === key.id, typeof postgres.PostgresKeyStore, typeof prometheus.prometheusMetrics, typeof cli.main, typeof contract.describeKeyStoreContract, typeof core.openApiSecuritySchemes];
      const verifier = core.createVerifier({ keys: { tenants: [{ id: 't' }], keys: [{ id: 'k', tenant: 't', key: 'pk_live_packaged0001' }] } });
      const result = await verifier.verify({ method: 'GET', target: '/', headers: { authorization: core.basicAuthorization('pk_live_packaged0001') } });
      console.log(JSON.stringify([result.ok, typeof ex.keygate, typeof ex.keepRawBody, typeof koa.requireScopes, typeof redis.RedisDecisionStore, typeof node.peekRequestBody, 'config' in verifier, ...extras]));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: app,
      encoding: 'utf8',
    });
    expect(JSON.parse(output)).toEqual([
      true,
      'function',
      'function',
      'function',
      'function',
      'function',
      false,
      true,
      'function',
      'function',
      'function',
      'function',
      'function',
    ]);
  });

  it('require() from CommonJS (Node ≥ 20.19 loads the ESM build; no separate CJS build to drift)', () => {
    const script = `
      const core = require('@keygate/core');
      const { keygate } = require('@keygate/express');
      const { requireScopes } = require('@keygate/koa');
      const { RedisDecisionStore } = require('@keygate/redis');
      const { errorResponse } = require('@keygate/core/node');
      const { PostgresKeyStore } = require('@keygate/postgres');
      const { prometheusMetrics } = require('@keygate/prometheus');
      const { main } = require('@keygate/cli');
      const { TestKeys, keygateRequest } = require('@keygate/testing');
      const verifier = core.createVerifier({ keys: { tenants: [{ id: 't' }], keys: [{ id: 'k', tenant: 't', key: 'pk_live_packaged0001' }] } });
      verifier.verify({ method: 'GET', target: '/', headers: { authorization: core.basicAuthorization('pk_live_packaged0001') } })
        .then((result) => console.log(JSON.stringify([result.ok, typeof keygate, typeof requireScopes, typeof RedisDecisionStore, typeof errorResponse, typeof PostgresKeyStore, typeof prometheusMetrics, typeof main, typeof TestKeys, typeof keygateRequest])));`;
    const output = execFileSync(process.execPath, ['--no-warnings', '--input-type=commonjs', '-e', script], {
      cwd: app,
      encoding: 'utf8',
    });
    expect(JSON.parse(output)).toEqual([
      true,
      'function',
      'function',
      'function',
      'function',
      'function',
      'function',
      'function',
      'function',
      'function',
    ]);
  });

  it('the keygate binary of the packed CLI runs', () => {
    const bin = join(app, 'node_modules', '@keygate', 'cli', 'dist', 'bin.js');
    expect(execFileSync(process.execPath, [bin, '--help'], { cwd: app, encoding: 'utf8' })).toMatch(/keys create/);
  });

  it('compile from strict TypeScript, with req.auth and ctx.state.auth typed', () => {
    writeFileSync(
      join(app, 'consumer.ts'),
      `import express from 'express';
import Koa from 'koa';
import { keygate, requireScopes, keepRawBody, createVerifier, type AuthContext, type AnyKeygateError } from '@keygate/express';
import { keygate as koaKeygate } from '@keygate/koa';
import { RedisDecisionStore } from '@keygate/redis';
import { Redis } from 'ioredis';
import type { KeyStore } from '@keygate/core';
import { PostgresKeyStore } from '@keygate/postgres';
import { prometheusMetrics } from '@keygate/prometheus';
import { main } from '@keygate/cli';
import { keygateRequest, TestKeys, testClock, createTestJwtIssuer } from '@keygate/testing';
import { describeDecisionStoreContract, describeKeyStoreContract } from '@keygate/testing/contract';
import request from 'supertest';

const keys = { tenants: [{ id: 't' }], keys: [] };
const app = express();
app.use(express.json({ verify: keepRawBody }));
app.use(keygate({ keys, keypair: { signatures: 'required', signatureVersions: ['v2'] }, errors: 'next' }));
app.get('/', requireScopes('a:read'), (req, res) => {
  const auth: AuthContext | undefined = req.auth;
  const raw: Buffer | undefined = req.rawBody;
  res.json({ tenant: auth?.tenantId, environment: auth?.environment, bytes: raw?.length });
});
const koa = new Koa();
koa.use(koaKeygate({ keys, store: new RedisDecisionStore({ client: new Redis({ lazyConnect: true }) }) }));
type IsAny<T> = 0 extends 1 & T ? true : false;
koa.use((ctx) => {
  const typed: IsAny<typeof ctx.state.auth> = false; // Koa's state is \`any\` unless keygate's declaration merging applies
  const tenant: string | undefined = ctx.state.auth?.tenantId;
  ctx.body = { typed, tenant };
});
app.use((req, _res, next) => {
  const typed: IsAny<typeof req.auth> = false;
  next(typed);
});
// @ts-expect-error: the option is checked
keygate({ keys, keypair: { signatures: 'sometimes' } });
// @ts-expect-error: options or a verifier, not both
keygate({ keys, verifier: createVerifier({ keys }) });
keygate({ verifier: createVerifier({ keys }), errors: 'next' });
// The other packages, from their declarations alone.
export const postgresIsKeyStore = (store: PostgresKeyStore): KeyStore => store;
export const metrics: typeof prometheusMetrics = prometheusMetrics;
export const run: (argv: string[]) => Promise<number> = main;
// The test kit, with supertest's own types: each verb gives supertest's Test back.
const testKeys = new TestKeys();
const clock = testClock();
const test: request.Test = keygateRequest(request(app), testKeys.pair({ scopes: ['a:read'] }), { now: clock.now, signature: 'v1' }).post('/', { a: 1 });
export const pending = test.expect(200);
export const jwt = createTestJwtIssuer().then((idp) => idp.sign({ subject: 's', tenant: 't', scopes: ['a:read'] }));
export const contracts = [describeDecisionStoreContract, describeKeyStoreContract];
// Narrowing on the code narrows the details.
export function skew(error: AnyKeygateError): number | undefined {
  switch (error.code) {
    case 'TIMESTAMP_OUT_OF_RANGE':
      return error.details.skewMs;
    case 'INSUFFICIENT_SCOPE':
      return error.details.missingScopes.length;
    default:
      return undefined;
  }
}
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          types: ['node'],
          skipLibCheck: false,
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    let errors = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      errors = String((error as { stdout?: string }).stdout || error);
    }
    expect(errors).toBe('');
    // Type-checking every shipped declaration (skipLibCheck off), vitest's and supertest's included, on a shared CPU.
  }, 180_000);
});
