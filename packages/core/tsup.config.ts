import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts', adapter: 'src/adapter/index.ts' },
    format: ['esm', 'cjs'],
    // One copy of the core behind both entries (in CJS too): the adapter kit reads state that
    // `createAuthenticator` keeps (its same-tick entries), and `AuthError` stays one class.
    splitting: true,
    treeshake: true,
    dts: true,
    // dist/bin is the other build's, which runs at the same time.
    clean: ['!bin/**'],
    sourcemap: true,
    target: 'es2022',
    platform: 'neutral',
  },
  {
    // The `authcore-keys` bin: Node only, ESM, importing the library above by its package name
    // (a self-reference through `exports`), so it never carries a second copy of the core.
    entry: { 'authcore-keys': 'bin/authcore-keys.ts' },
    outDir: 'dist/bin',
    format: ['esm'],
    dts: false,
    clean: true,
    target: 'node20',
    platform: 'node',
    external: ['@authcore/core'],
  },
]);
