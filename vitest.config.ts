import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, entry = 'index') =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${entry}.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources; `test/packaging` checks the built packages separately.
    alias: {
      '@keygate/core/node': src('core', 'node/index'),
      '@keygate/core': src('core'),
      '@keygate/express': src('express'),
      '@keygate/koa': src('koa'),
      '@keygate/redis': src('redis'),
      '@keygate/postgres': src('postgres'),
      '@keygate/prometheus': src('prometheus'),
      '@keygate/testing/contract': src('testing', 'contract/index'),
      '@keygate/testing': src('testing'),
    },
  },
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
