import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// Runs `pnpm --filter @authcore/bench smoke` as a child process against the built packages, so
// the harness cannot rot: every part runs with tiny durations and every candidate either
// produces a figure or says why not. Figures and PASS/MISS are not asserted (they mean nothing
// at these durations on a shared machine).
const run = promisify(execFile);
const bench = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'authcore-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Row {
  name?: string;
  label?: string;
  opsPerSec?: number;
  rps?: number;
  reason?: string;
}

describe('bench smoke run', () => {
  it('runs every part and reports a figure or a reason for every candidate', async () => {
    const json = join(dir, 'smoke.json');
    const md = join(dir, 'smoke.md');
    const { stdout } = await run(
      process.execPath,
      ['--expose-gc', 'src/run.mjs', '--smoke', `--json=${json}`, `--out=${md}`],
      { cwd: bench, timeout: 170_000, maxBuffer: 16 * 2 ** 20 },
    );
    expect(stdout).toContain('## Targets');
    expect(readFileSync(md, 'utf8')).toContain('## 1. Core verification');
    const report = JSON.parse(readFileSync(json, 'utf8'));

    const coreRows: Row[] = report.results.core.flatMap((g: { rows: Row[] }) => g.rows);
    for (const row of coreRows) expect(row.opsPerSec ?? row.reason, row.name).toBeDefined();
    // The authcore rows must run: the harness is about them.
    for (const row of coreRows.filter((r) => r.name?.startsWith('authcore')))
      expect(row.opsPerSec, row.name).toBeGreaterThan(0);

    const httpRows: Row[] = report.results.http.flatMap((f: { rows: Row[] }) => f.rows);
    expect(report.results.http.map((f: { framework: string }) => f.framework)).toEqual([
      'express',
      'koa',
      'hono',
      'fastify',
      'node',
    ]);
    for (const row of httpRows) expect(row.rps ?? row.reason, row.label).toBeDefined();
    const node = report.results.http.find((f: { framework: string }) => f.framework === 'node');
    for (const row of node.rows as Row[]) expect(row.rps, row.label).toBeGreaterThan(0);

    // The paired part: every framework has its control, JWT and API key rows, each a ratio.
    const paired: { framework: string; rows: (Row & { mode: string; ratio?: number })[] }[] =
      report.results.paired.frameworks;
    expect(paired.map((f) => f.framework)).toEqual(['express', 'koa', 'hono', 'fastify', 'node']);
    for (const { framework, rows } of paired) {
      expect(
        rows.map((r) => r.mode),
        framework,
      ).toEqual(['none', 'jwt-cache', 'apikey']);
      for (const row of rows) expect(row.ratio, `${framework} ${row.mode}`).toBeGreaterThan(0);
    }

    expect(report.results.memory.accepted).toBe(report.results.memory.tokens);
    expect(report.results.memory.garbageAccepted).toBe(0);
    // The issuer part: both issuers minted real tokens (checked before load) and served load.
    const issuerRows: { issuer: string; rps: number }[] = report.results.issuer.rows;
    expect(issuerRows.map((r) => r.issuer)).toEqual(['authcore', 'oidc-provider']);
    for (const row of issuerRows) expect(row.rps, row.issuer).toBeGreaterThan(0);
    // The distinct-token part: every server took two distinct valid tokens (checked before load,
    // answering each token's own `sub`) and served load in both scenarios, floors included.
    const scenarios: { scenario: string; rows: (Row & { key: string })[] }[] =
      report.results.distinct.scenarios;
    expect(scenarios.map((s) => s.scenario)).toEqual(['one CPU', 'two CPUs']);
    for (const s of scenarios) {
      expect(s.rows.map((r) => r.key)).toEqual([
        'express',
        'express-peer',
        'koa',
        'koa-peer',
        'fastify',
        'fastify-peer',
        'hono',
        'hono-peer',
        'jose',
        'crypto',
      ]);
      for (const row of s.rows) expect(row.rps ?? row.reason, row.label).toBeDefined();
      for (const row of s.rows.filter((r) => r.key === 'jose' || r.key === 'crypto'))
        expect(row.rps, row.label).toBeGreaterThan(0);
    }
    const distinctCore = report.results.core.find((g: { group: string }) =>
      g.group.includes('distinct'),
    );
    for (const row of distinctCore.rows as Row[])
      expect(row.opsPerSec, row.name).toBeGreaterThan(0);
    expect(readFileSync(md, 'utf8')).toContain('## 5. Distinct tokens over HTTP');
    expect(report.targets.length).toBeGreaterThan(10);
  }, 180_000);
});
