/**
 * OpenAPI: `openApiSecuritySchemes(verifier)` and `openApiSecurity(verifier, ...scopes)` describe exactly what a
 * verifier accepts, in documents a maintained OpenAPI validator accepts; the examples serve theirs unauthenticated.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import {
  createVerifier,
  openApiSecurity,
  openApiSecuritySchemes,
  type KeygateOptions,
  type Verifier,
} from '@keygate/core';
import { createTestJwtIssuer } from '@keygate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../examples/shared/openapi.js';
import { startExample, type ExampleProcess } from './support/example-process.js';

const keys = { tenants: [{ id: 'acme' }], keys: [{ id: 'k', tenant: 'acme', key: 'pk_live_OpenApiKeyNeverShown01' }] };
const verifierWith = (options: Partial<KeygateOptions> = {}) => createVerifier({ keys, ...options });

async function expectValid(document: object) {
  const result = await new Validator().validate(document as Record<string, unknown>);
  expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
  expect(result.valid).toBe(true);
}

/** A one-route document, as a user would write it. */
const documentFor = (verifier: Verifier, ...scopes: string[]) => ({
  openapi: '3.1.0',
  info: { title: 'test', version: '1' },
  paths: {
    '/v1/payments': {
      get: { security: openApiSecurity(verifier, ...scopes), responses: { '200': { description: 'ok' } } },
    },
  },
  components: { securitySchemes: openApiSecuritySchemes(verifier) },
});

describe('openApiSecuritySchemes', () => {
  it('describes the default verifier: Basic, and the key pair with optional v1/v2 signatures', async () => {
    const verifier = verifierWith();
    const schemes = openApiSecuritySchemes(verifier);
    expect(Object.keys(schemes)).toEqual([
      'keygateBasic',
      'keygatePublicKey',
      'keygateSecretKey',
      'keygateSignature',
      'keygateSignatureTimestamp',
    ]);
    expect(schemes.keygateBasic).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(schemes.keygatePublicKey).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'pk_test_… or pk_live_…',
    });
    expect(schemes.keygateSecretKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Api-Secret' });
    expect(schemes.keygateSignature).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Pelago-Signature' });
    expect(schemes.keygateSignature?.description).toMatch(/optional.*v1: .*v2: /s);
    expect(schemes.keygateSignatureTimestamp).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-Pelago-Timestamp',
    });
    expect(schemes.keygateSignatureTimestamp?.description).toContain('±300 s');
    expect(openApiSecurity(verifier, 'payments:read')).toEqual([
      { keygateBasic: ['payments:read'] },
      { keygatePublicKey: ['payments:read'], keygateSecretKey: [] },
    ]);
    await expectValid(documentFor(verifier, 'payments:read'));
  });

  it('follows the options: schemes, environments, header names, required v2 signatures, the window', async () => {
    const verifier = verifierWith({
      schemes: ['keypair'],
      environments: ['live'],
      replay: { windowSeconds: 120 },
      keypair: {
        secretHeader: 'X-Secret',
        signatures: 'required',
        signatureVersions: ['v2'],
        signatureHeaders: { timestamp: 'X-Ts', signature: 'X-Sig' },
      },
    });
    const schemes = openApiSecuritySchemes(verifier);
    expect(Object.keys(schemes)).toEqual([
      'keygatePublicKey',
      'keygateSecretKey',
      'keygateSignature',
      'keygateSignatureTimestamp',
    ]);
    expect(schemes.keygatePublicKey).toMatchObject({ bearerFormat: 'pk_live_…' });
    expect(schemes.keygateSecretKey).toMatchObject({ name: 'X-Secret' });
    expect(schemes.keygateSignature).toMatchObject({ name: 'X-Sig' });
    expect(schemes.keygateSignature?.description).toMatch(/required/);
    expect(schemes.keygateSignature?.description).not.toMatch(/v1:/);
    expect(schemes.keygateSignatureTimestamp).toMatchObject({ name: 'X-Ts' });
    expect(schemes.keygateSignatureTimestamp?.description).toContain('±120 s');
    expect(openApiSecurity(verifier, 'a:read', 'a:write')).toEqual([
      {
        keygatePublicKey: ['a:read', 'a:write'],
        keygateSecretKey: [],
        keygateSignature: [],
        keygateSignatureTimestamp: [],
      },
    ]);
    await expectValid(documentFor(verifier, 'a:read', 'a:write'));
  });

  it('leaves the signature headers out when signatures are off, and a route without scopes requires none', async () => {
    const verifier = verifierWith({ keypair: { signatures: 'off' } });
    expect(Object.keys(openApiSecuritySchemes(verifier))).toEqual([
      'keygateBasic',
      'keygatePublicKey',
      'keygateSecretKey',
    ]);
    expect(openApiSecurity(verifier)).toEqual([{ keygateBasic: [] }, { keygatePublicKey: [], keygateSecretKey: [] }]);
    await expectValid(documentFor(verifier));
  });

  it('adds HTTP bearer with bearerFormat JWT when the jwt option is set', async () => {
    const idp = await createTestJwtIssuer();
    const verifier = verifierWith({ jwt: { jwks: idp.jwks, issuer: idp.issuer, audience: idp.audience } });
    const schemes = openApiSecuritySchemes(verifier);
    expect(schemes.keygateJwt).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(openApiSecurity(verifier, 'payments:read')).toContainEqual({ keygateJwt: ['payments:read'] });
    expect(openApiSecuritySchemes(verifierWith()).keygateJwt).toBeUndefined();
    await expectValid(documentFor(verifier, 'payments:read'));
  });

  it('refuses what is not a verifier made by createVerifier, and keeps the verifier interface small', () => {
    const fake = { verify: async () => ({}), reload: async () => {}, close: async () => {} } as unknown as Verifier;
    expect(() => openApiSecuritySchemes(fake)).toThrow(TypeError);
    expect(() => openApiSecurity(null as unknown as Verifier)).toThrow(TypeError);
    expect(Object.keys(verifierWith()).sort()).toEqual(['close', 'reload', 'verify']);
  });

  it('never puts a key into the document', () => {
    const text = JSON.stringify(documentFor(verifierWith(), 'payments:read'));
    expect(text).not.toContain('OpenApiKeyNeverShown');
  });
});

describe.each(['express', 'koa'] as const)('the %s example serves /openapi.json', (name) => {
  let server: ExampleProcess;
  beforeAll(async () => {
    server = await startExample(name);
  });
  afterAll(() => server?.stop());

  it("unauthenticated, valid, with each route's scope", async () => {
    const res = await fetch(`${server.baseUrl}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const document = (await res.json()) as ReturnType<typeof documentFor>;
    await expectValid(document);
    expect(Object.keys(document.components.securitySchemes)).toEqual(
      expect.arrayContaining(['keygateBasic', 'keygatePublicKey', 'keygateSecretKey', 'keygateSignature']),
    );
    expect(Object.keys(document.paths).sort()).toEqual(
      Object.keys((openApiDocument(verifierWith()) as { paths: object }).paths).sort(),
    );
    const post = (document.paths as Record<string, Record<string, { security: unknown }>>)['/v1/payments']!.post!;
    expect(post.security).toEqual(
      expect.arrayContaining([
        { keygateBasic: ['payments:write'] },
        { keygatePublicKey: ['payments:write'], keygateSecretKey: [] },
      ]),
    );
  });

  it('only for GET: other methods go through keygate', async () => {
    const res = await fetch(`${server.baseUrl}/openapi.json`, { method: 'POST' });
    expect(res.status).toBe(401);
  });
});
