import { MemoryKeyStore, type Environment, type KeygateOptions, type SignaturePolicy } from '@keygate/core';
import { fileURLToPath } from 'node:url';

export interface ExampleConfig {
  port: number;
  /** True when running on the built-in demo keys (then the demo commands are printed). */
  demo: boolean;
  redisUrl: string | undefined;
  keygate: KeygateOptions;
}

const DEMO_KEYS = fileURLToPath(new URL('./demo-keys.json', import.meta.url));

/** Reads the example's environment variables. Throws an Error naming the variable when one is invalid. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const port = Number(env.PORT || 3000); // unset or empty: 3000
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);

  const signatures = (env.KEYGATE_SIGNATURES ?? 'optional') as SignaturePolicy;
  if (!['required', 'optional', 'off'].includes(signatures)) {
    throw new Error(`KEYGATE_SIGNATURES must be required, optional or off, got "${env.KEYGATE_SIGNATURES}"`);
  }
  const environments = (env.KEYGATE_ENVIRONMENTS ?? 'test,live').split(',').map((item) => item.trim()) as Environment[];
  if (environments.length === 0 || environments.some((item) => item !== 'test' && item !== 'live')) {
    throw new Error(`KEYGATE_ENVIRONMENTS must be a comma-separated list of test and live, got "${env.KEYGATE_ENVIRONMENTS}"`);
  }
  const keysPath = env.KEYGATE_KEYS || DEMO_KEYS;
  return {
    port,
    demo: !env.KEYGATE_KEYS,
    redisUrl: env.REDIS_URL || undefined,
    keygate: { keys: MemoryKeyStore.fromFile(keysPath), signatures, environments },
  };
}
