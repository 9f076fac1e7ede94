import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, realpathSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/example-process.js';
import { tempDir } from './support/temp-dir.js';

/**
 * What a user gets from the registry: each package is packed (`pnpm pack`, so `workspace:` ranges are
 * rewritten and only `files` ship), unpacked into a fresh node_modules, then imported as ESM and compiled
 * from TypeScript. Needs the packages built (`pnpm test` builds first).
 */
const PACKAGES = ['core', 'express', 'koa', 'redis'] as const;
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
    tarballFiles[name] = execFileSync('tar', ['tzf', join(packs, tarball)], { encoding: 'utf8' }).trim().split('\n');
    const unpacked = join(app, 'unpacked', name);
    mkdirSync(unpacked, { recursive: true });
    execFileSync('tar', ['xzf', join(packs, tarball), '-C', unpacked]);
    mkdirSync(join(app, 'node_modules', '@keygate'), { recursive: true });
    renameSync(join(unpacked, 'package'), join(app, 'node_modules', '@keygate', name));
  }
  // Dependencies and peers, as a package manager would provide them.
  link('lru-cache', join(ROOT, 'packages', 'core'));
  for (const name of ['express', 'koa', 'ioredis', '@types/express', '@types/koa']) link(name, join(ROOT, 'test'));
  link('@types/node', ROOT);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
}, 120_000);

describe('published packages', () => {
  it.each(PACKAGES)('@keygate/%s ships its build, types and README-free minimum, never tests', (name) => {
    const files = tarballFiles[name]!;
    expect(files).toContain('package/package.json');
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.d.ts');
    if (name === 'core') expect(files).toContain('package/dist/node/index.js');
    expect(files.some((file) => file.startsWith('package/test/'))).toBe(false);
  });

  it('import as ESM from a fresh project', () => {
    const script = `
      import * as core from '@keygate/core';
      import * as ex from '@keygate/express';
      import * as koa from '@keygate/koa';
      import * as redis from '@keygate/redis';
      import * as node from '@keygate/core/node';
      const verifier = core.createVerifier({ keys: { tenants: [{ id: 't' }], keys: [{ id: 'k', tenant: 't', key: 'pk_live_packaged0001' }] } });
      const result = await verifier.verify({ method: 'GET', target: '/', headers: { authorization: core.basicAuthorization('pk_live_packaged0001') } });
      console.log(JSON.stringify([result.ok, typeof ex.keygate, typeof ex.keepRawBody, typeof koa.requireScopes, typeof redis.RedisDecisionStore, typeof node.peekRequestBody, 'config' in verifier]));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual([true, 'function', 'function', 'function', 'function', 'function', false]);
  });

  it('require() from CommonJS (Node ≥ 20.19 loads the ESM build; no separate CJS build to drift)', () => {
    const script = `
      const core = require('@keygate/core');
      const { keygate } = require('@keygate/express');
      const { requireScopes } = require('@keygate/koa');
      const { RedisDecisionStore } = require('@keygate/redis');
      const { errorResponse } = require('@keygate/core/node');
      const verifier = core.createVerifier({ keys: { tenants: [{ id: 't' }], keys: [{ id: 'k', tenant: 't', key: 'pk_live_packaged0001' }] } });
      verifier.verify({ method: 'GET', target: '/', headers: { authorization: core.basicAuthorization('pk_live_packaged0001') } })
        .then((result) => console.log(JSON.stringify([result.ok, typeof keygate, typeof requireScopes, typeof RedisDecisionStore, typeof errorResponse])));`;
    const output = execFileSync(process.execPath, ['--no-warnings', '--input-type=commonjs', '-e', script], { cwd: app, encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual([true, 'function', 'function', 'function', 'function']);
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
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, types: ['node'], skipLibCheck: false }, files: ['consumer.ts'] }),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const run = () => execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8', stdio: 'pipe' });
    expect(run).not.toThrow();
  });
});
