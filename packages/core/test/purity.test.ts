import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The core runs unchanged on Node, Bun, Deno and edge runtimes: it imports only relative
// modules, jose, noble's SHA-256 (plain ECMAScript) and the Standard Schema types, and touches no
// Node global.
const SRC = fileURLToPath(new URL('../src', import.meta.url));
const ALLOWED = new Set(['jose', '@noble/hashes/sha2.js', '@standard-schema/spec']);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.[cm]?[jt]sx?$/.test(entry.name) ? [path] : [];
  });
}

const SPECIFIERS = [
  /\bimport\s+(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)?['"]([^'"]+)['"]/g,
  /\bexport\s+(?:type\s+)?(?:\*(?:\s+as\s+\w+)?|\{[^}]*\})\s*from\s+['"]([^'"]+)['"]/g,
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
];

function specifiers(code: string): string[] {
  return SPECIFIERS.flatMap((re) => [...code.matchAll(re)].map((m) => m[1]!));
}

const files = sources(SRC);

describe('the core is pure', () => {
  it('finds the sources', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files.map((f) => relative(SRC, f))).toContain('index.ts');
  });

  it.each(files.map((f) => [relative(SRC, f), f]))(
    '%s imports only relative paths, jose, @noble/hashes/sha2.js and @standard-schema/spec',
    (_name, file) => {
      const code = readFileSync(file, 'utf8');
      const bad = specifiers(code).filter(
        (s) => !s.startsWith('./') && !s.startsWith('../') && !ALLOWED.has(s),
      );
      expect(bad).toEqual([]);
      expect(code).not.toMatch(/['"]node:/);
      expect(code).not.toMatch(/['"](express|koa|hono|fastify)(\/[^'"]*)?['"]/);
      expect(code).not.toMatch(/\bprocess\.(env|versions|nextTick)\b|\bBuffer\.|\brequire\(/);
    },
  );

  it("noble's SHA-256 is as pure: relative imports only, no Node module or global", () => {
    const entry = createRequire(import.meta.url).resolve('@noble/hashes/sha2.js');
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      // Its doc comments show imports of the package itself: only the code counts.
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
      for (const s of specifiers(code)) {
        expect(s.startsWith('./'), `${file} imports ${s}`).toBe(true);
        visit(join(dirname(file), s));
      }
      expect(code).not.toMatch(/['"]node:|\bprocess\.(env|versions|nextTick)\b|\bBuffer\./);
    };
    visit(entry);
    expect(seen.size).toBeGreaterThan(1);
  });

  it('the import scanner sees every form', () => {
    expect(
      specifiers(`import a from 'x1';
import type { B } from "x2";
import * as c from 'x3';
import 'x4';
export { d } from 'x5';
export * from 'x6';
export type { E } from 'x7';
const f = await import('x8');
const g = require('x9');`),
    ).toEqual(['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8', 'x9']);
  });
});
