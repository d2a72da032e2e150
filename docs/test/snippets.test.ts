// The documentation's code snippets, checked. The convention, for every Markdown file in the
// repository's README.md, packages/*/README.md and docs/**:
//
//   ```ts check      strict tsc (tsconfig.base.json, @authcore/* from source), not run
//   ```ts runnable   strict tsc, then run for real with Node.js: a snippet importing `vitest` runs
//                    under vitest, one importing `node:test` under `node --test`, any other with
//                    `node`. It must pass on its own: start what it calls on 127.0.0.1 (port 0)
//                    and stop it, so the process exits. A `console.log(…); // text` line
//                    states what it prints, and the output must be exactly those lines.
//   ```ts            an illustrative fragment: neither checked nor run.
//
// Markers are invisible on GitHub and npm (the info string's first word picks the highlighting).
// A snippet whose first line is a comment naming a file (`// app.ts`) is written under that name,
// so the snippets of one Markdown file can import each other (`./app.js`); others are
// `snippet-<line>.ts`. Runnable snippets run against the built packages (`pnpm build` first), as
// users' code does; the type check reads the sources. Scratch files go to docs/.snippets/.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const scratch = join(root, 'docs/.snippets');

interface Snippet {
  /** `docs/migration/express-jwt.md:12`, for messages. */
  where: string;
  mode: 'check' | 'runnable';
  /** Path under the scratch folder. */
  file: string;
  code: string;
  /** Line of the Markdown file the code starts on (1-based). */
  line: number;
}

function markdownFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory())
        return ['api', 'node_modules', '.snippets', 'test'].includes(e.name) ? [] : walk(path);
      return e.name.endsWith('.md') ? [path] : [];
    });
  const packages = readdirSync(join(root, 'packages'))
    .map((p) => `packages/${p}/README.md`)
    .filter((p) => {
      try {
        readFileSync(join(root, p));
        return true;
      } catch {
        return false;
      }
    });
  return ['README.md', ...packages, ...walk('docs')];
}

export function extractSnippets(markdownPath: string, markdown: string): Snippet[] {
  const slug = markdownPath.replace(/\.md$/, '').replace(/[/.]/g, '_');
  const lines = markdown.split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```ts\s+(check|runnable)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    const code = lines.slice(start, end).join('\n');
    const named = /^\/\/ ([\w.-]+\.ts)\b/.exec(lines[start] ?? '');
    out.push({
      where: `${markdownPath}:${start + 1}`,
      mode: open[1] as Snippet['mode'],
      file: `${slug}/${named ? named[1] : `snippet-${start + 1}.ts`}`,
      code: `${code}\n`,
      line: start + 1,
    });
    i = end;
  }
  return out;
}

const snippets = markdownFiles().flatMap((path) =>
  extractSnippets(path, readFileSync(join(root, path), 'utf8')),
);
const runnable = snippets.filter((s) => s.mode === 'runnable');
/** tsc's messages per scratch file. */
const diagnostics = new Map<string, string[]>();

// The environment a snippet runs in: not this vitest's.
const childEnv = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) =>
        !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'TEST' && k !== 'FORCE_COLOR',
    ),
  ),
  NO_COLOR: '1',
};

beforeAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const seen = new Set<string>();
  for (const s of snippets) {
    if (seen.has(s.file)) throw new Error(`${s.where}: a second snippet named ${s.file}`);
    seen.add(s.file);
    mkdirSync(dirname(join(scratch, s.file)), { recursive: true });
    writeFileSync(join(scratch, s.file), s.code);
    // The JavaScript a user's build would run, beside the others of its Markdown file.
    const js = ts.transpileModule(s.code, {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
      fileName: s.file,
    }).outputText;
    const out = join(scratch, dirname(s.file), 'out');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, s.file.split('/').pop()!.replace(/\.ts$/, '.js')), js);
  }
  writeFileSync(
    join(scratch, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../tsconfig.base.json',
      compilerOptions: { types: ['node'], noEmit: true, moduleDetection: 'force' },
      include: ['**/*.ts'],
      exclude: ['**/out/**'],
    }),
  );
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const { stdout } = await run(process.execPath, [tsc, '-p', scratch, '--pretty', 'false'], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }));
  for (const message of stdout.split(/\n(?=\S)/).filter(Boolean)) {
    const m = /^(?:docs\/\.snippets\/)?([^(]+)\((\d+),(\d+)\): (.*)$/s.exec(message.trim());
    const file = m ? relative(scratch, join(root, 'docs/.snippets', m[1]!)) : '';
    const snippet = snippets.find((s) => s.file === file);
    const text =
      snippet && m
        ? `${snippet.where.split(':')[0]}:${snippet.line + Number(m[2]) - 1}:${m[3]} ${m[4]}`
        : message;
    const key = snippet?.file ?? '';
    diagnostics.set(key, [...(diagnostics.get(key) ?? []), text]);
  }
}, 300_000);

describe('documentation snippets', () => {
  it('finds the marked snippets (the testing README runs for real)', () => {
    expect(runnable.some((s) => s.where.startsWith('packages/testing/README.md'))).toBe(true);
    expect(snippets.length).toBeGreaterThan(20);
  });

  it('tsc reports nothing outside the snippets', () => {
    expect(diagnostics.get('') ?? []).toEqual([]);
  });

  it.each(snippets.map((s) => [`${s.where} (${s.mode})`, s] as const))(
    '%s compiles under strict tsc',
    (_name, s) => {
      expect(diagnostics.get(s.file) ?? []).toEqual([]);
    },
  );

  // A fresh corepack cache needs them in CI or behind a signature-less mirror: the quick start
  // must say so where a new user looks, not only in a brief for contributors.
  it('the quick start names the corepack settings and when each is needed', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const quickStart = readme.slice(
      readme.indexOf('## Quick start'),
      readme.indexOf('\n## ', readme.indexOf('## Quick start') + 3),
    );
    expect(quickStart).toMatch(/`COREPACK_ENABLE_DOWNLOAD_PROMPT=0` for an unattended first run/);
    expect(quickStart).toMatch(/`COREPACK_INTEGRITY_KEYS=0` when [\s\S]*mirror/);
    expect(quickStart).toMatch(/^export COREPACK_ENABLE_DOWNLOAD_PROMPT=0 /m);
    expect(quickStart).toMatch(/^export COREPACK_INTEGRITY_KEYS=0 /m);
  });

  // A route under a group that already authenticates needs `requireScopes`, not a second
  // `authenticate(...)`, which would verify the same credential again on every request.
  it('no checked snippet authenticates a request twice (group, then route)', () => {
    const twice = snippets.flatMap((s) => {
      const groups = [...s.code.matchAll(/\.use\(\s*'([^']*?)\*?'\s*,\s*authenticate\(/g)].map(
        (m) => m[1]!,
      );
      const routes = [
        ...s.code.matchAll(
          /\.(?:get|post|put|patch|delete|all)\(\s*'([^']+)'\s*,\s*authenticate\(/g,
        ),
      ].map((m) => m[1]!);
      return routes
        .filter((route) => groups.some((group) => route.startsWith(group)))
        .map((route) => `${s.where}: ${route}`);
    });
    expect(twice).toEqual([]);
  });

  // Deno resolves `./app.js` to `app.ts` only with --sloppy-imports: the page's own command line,
  // on the page's own app.ts, must run.
  it('the Deno command of getting-started/hono.md runs its app.ts', async () => {
    const page = readFileSync(join(root, 'docs/getting-started/hono.md'), 'utf8');
    const line = /^deno run (.*) server\.ts$/m.exec(page);
    expect(line, 'a `deno run … server.ts` line').not.toBeNull();
    const dir = join(scratch, 'docs_getting-started_hono');
    writeFileSync(
      join(dir, 'deno-check.ts'),
      `import { createAuthenticator, jwt } from '@authcore/core';
import { createApp } from './app.js';
const options = { issuer: 'https://i.example/', audience: 'a', algorithms: ['ES256' as const] };
const app = createApp(createAuthenticator({ schemes: [jwt({ ...options, jwksUri: 'https://i.example/jwks' })] }));
const res = await app.request('/v1/me');
console.log(res.status, res.headers.get('www-authenticate'));
`,
    );
    const flags = line![1]!.split(/\s+/);
    const { stdout } = await run(
      join(root, 'node_modules/.bin/deno'),
      ['run', ...flags, '--no-lock', '--node-modules-dir=manual', 'deno-check.ts'],
      { cwd: dir, env: childEnv, timeout: 90_000 },
    );
    expect(stdout.trim()).toBe('401 Bearer realm="api"');
  }, 120_000);

  it.each(runnable.map((s) => [s.where, s] as const))(
    '%s runs',
    async (_name, s) => {
      const out = join(scratch, dirname(s.file), 'out');
      const js = s.file.split('/').pop()!.replace(/\.ts$/, '.js');
      let command: string[];
      if (/from 'vitest'/.test(s.code)) {
        const config = `vitest.${js}.config.mjs`;
        writeFileSync(
          join(out, config),
          `export default { test: { include: [${JSON.stringify(js)}], testTimeout: 20000 } };\n`,
        );
        command = [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', config];
      } else if (/from 'node:test'/.test(s.code)) command = ['--test', js];
      else command = [js];
      const result = await run(process.execPath, command, {
        cwd: out,
        env: childEnv,
        timeout: 90_000,
      }).then(
        (r) => ({ code: 0, output: `${r.stdout}${r.stderr}` }),
        (e: { code?: number; stdout?: string; stderr?: string }) => ({
          code: e.code ?? 1,
          output: `${e.stdout ?? ''}${e.stderr ?? ''}`,
        }),
      );
      expect(result, `${s.where} failed:\n${result.output}`).toMatchObject({ code: 0 });
      // A run that found no test would pass vacuously.
      if (command[0] !== js) expect(result.output).toMatch(/\b[1-9]\d* passed|# pass [1-9]/);
      // `console.log(…); // 401 …`: the comment is what the snippet prints, line by line.
      const printed = [...s.code.matchAll(/^\s*console\.log\(.*\);\s*\/\/ (.*)$/gm)].map(
        (m) => m[1],
      );
      if (command[0] === js && printed.length > 0)
        expect(result.output.trim().split('\n')).toEqual(printed);
    },
    120_000,
  );
});
