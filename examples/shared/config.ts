import type { Environment, KeygateOptions, SignaturePolicy, SignatureVersion } from '@keygate/core';
import { fileURLToPath } from 'node:url';
import { BODY_TIMEOUT_MS, MAX_BODY_BYTES } from './json-body.js';
import { jwtEnv, type JwtEnv } from './jwt-demo.js';

/** What the demo banner needs to print only the commands this configuration accepts. */
export interface SigningPolicy {
  signatures: SignaturePolicy;
  versions: readonly SignatureVersion[];
}

export interface ExampleConfig {
  port: number;
  /** True when running on the built-in demo keys (then the demo commands are printed). */
  demo: boolean;
  redisUrl: string | undefined;
  /** PostgreSQL holding the keys (`KEYGATE_DATABASE_URL`); it replaces `KEYGATE_KEYS`. */
  databaseUrl: string | undefined;
  signing: SigningPolicy;
  /** JWTs of your issuer (`KEYGATE_JWKS_URL`, …), of the demo issuer (none of them set), or none (signed requests only). */
  jwt: JwtEnv | 'demo' | 'off';
  keygate: KeygateOptions;
}

const DEMO_KEYS = fileURLToPath(new URL('./demo-keys.json', import.meta.url));

/** A comma-separated list of `allowed` values; throws an Error naming the variable otherwise. */
function list<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: string): T[] {
  const value = env[name] ?? fallback;
  const items = value.split(',').map((item) => item.trim());
  if (items.some((item) => !(allowed as readonly string[]).includes(item))) {
    throw new Error(`${name} must be a comma-separated list of ${allowed.join(' and ')}, got "${value}"`);
  }
  return items as T[];
}

/** Reads the example's environment variables. Throws an Error naming the variable when one is invalid. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const port = Number(env.PORT || 3000); // unset or empty: 3000
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got "${env.PORT}"`);

  const signatures = (env.KEYGATE_SIGNATURES ?? 'optional') as SignaturePolicy;
  if (!['required', 'optional', 'off'].includes(signatures)) {
    throw new Error(`KEYGATE_SIGNATURES must be required, optional or off, got "${env.KEYGATE_SIGNATURES}"`);
  }
  const versions = list<SignatureVersion>(env, 'KEYGATE_SIGNATURE_VERSIONS', ['v1', 'v2'], 'v1,v2');
  const environments = list<Environment>(env, 'KEYGATE_ENVIRONMENTS', ['test', 'live'], 'test,live');
  const bodyTimeoutMs = Number(env.KEYGATE_BODY_TIMEOUT_MS || BODY_TIMEOUT_MS); // unset or empty: 10 s
  if (!Number.isInteger(bodyTimeoutMs) || bodyTimeoutMs < 1 || bodyTimeoutMs > 2 ** 31 - 1) {
    throw new Error(
      `KEYGATE_BODY_TIMEOUT_MS must be a whole number of milliseconds from 1 to 2147483647, got "${env.KEYGATE_BODY_TIMEOUT_MS}"`,
    );
  }
  return {
    port,
    demo: !env.KEYGATE_KEYS && !env.KEYGATE_DATABASE_URL,
    redisUrl: env.REDIS_URL || undefined,
    databaseUrl: env.KEYGATE_DATABASE_URL || undefined,
    signing: { signatures, versions },
    jwt: signatures === 'required' ? 'off' : (jwtEnv(env) ?? 'demo'),
    keygate: {
      // A path: keygate watches the file, so a key revoked or added there takes effect without a restart.
      keys: env.KEYGATE_KEYS || DEMO_KEYS,
      // Signed requests only: Basic keys cannot be signed, so they are turned off too.
      ...(signatures === 'required' && { schemes: ['keypair'] }),
      environments,
      keypair: { signatures, signatureVersions: versions },
      maxBodyBytes: MAX_BODY_BYTES,
      // Signed bodies (keygate) and unsigned ones (the apps' JSON parser, which reads this option) alike.
      bodyTimeoutMs,
    },
  };
}
