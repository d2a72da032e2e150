// globalSetup: a directory the workers write their log lines to, and after the whole run a scan
// that fails it if any line holds a token, an API key, a private key or a secret.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { findSecrets, masked } from './patterns.js';

declare module 'vitest' {
  interface ProvidedContext {
    authcoreLogDir: string | undefined;
  }
}

let dir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  dir = await mkdtemp(join(tmpdir(), 'authcore-logs-'));
  project.provide('authcoreLogDir', dir);
}

/** Every leak in the captured lines of `logDir`, masked, with how many lines were read. */
export async function scanLogs(logDir: string) {
  const leaks: string[] = [];
  let lines = 0;
  const files = (await readdir(logDir)).filter((f) => f.endsWith('.log'));
  for (const file of files) {
    for (const text of (await readFile(join(logDir, file), 'utf8')).split('\n')) {
      if (text === '') continue;
      lines++;
      const { source, line } = JSON.parse(text) as { source: string; line: string };
      const found = findSecrets(line);
      if (found.length > 0)
        leaks.push(
          `${source}: ${[...new Set(found.map((f) => f.kind))].join(', ')}: ${masked(line, found)}`,
        );
    }
  }
  return { files: files.length, lines, leaks };
}

export async function teardown(): Promise<void> {
  if (dir === undefined) return;
  const { files, lines, leaks } = await scanLogs(dir);
  if (leaks.length > 0) {
    // Vitest 4 reports an error thrown by a teardown ("error during close") and still exits 0:
    // the exit code is set here, the error says why. The directory stays for a look.
    process.exitCode = 1;
    throw new Error(
      `log scan: ${leaks.length} of ${lines} captured log lines hold a secret (kept in ${dir}):\n${leaks.slice(0, 20).join('\n')}`,
    );
  }
  process.stdout.write(`log scan: ${lines} log lines from ${files} workers, no secret\n`);
  await rm(dir, { recursive: true, force: true });
}
