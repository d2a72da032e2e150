import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
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
