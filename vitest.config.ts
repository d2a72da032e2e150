import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) =>
  fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));
const packages = ['core', 'express', 'koa', 'hono', 'fastify', 'testing', 'issuer', 'redis', 'mcp'];
// Subpath exports, matched before their package's own name.
const subpaths = {
  '@authcore/core/adapter': fileURLToPath(
    new URL('./packages/core/src/adapter/index.ts', import.meta.url),
  ),
  '@authcore/mcp/express': fileURLToPath(new URL('./packages/mcp/src/express.ts', import.meta.url)),
  '@authcore/mcp/hono': fileURLToPath(new URL('./packages/mcp/src/hono.ts', import.meta.url)),
};

// Tests import every @authcore package from its source, so they never test a stale dist/.
export default defineConfig({
  resolve: {
    alias: { ...subpaths, ...Object.fromEntries(packages.map((p) => [`@authcore/${p}`, src(p)])) },
  },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'bench/test/**/*.test.ts',
      'docs/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    // Every console and test-logger line of the run is scanned for secrets at the end.
    globalSetup: ['./test/logs/global.ts'],
    setupFiles: ['./test/logs/setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
