import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

// Set by the setup file from what the global setup provides: one file per worker.
let file: string | undefined;

export function logCaptureTo(dir: string | undefined, worker: string): void {
  file = dir === undefined ? undefined : join(dir, `${worker}.log`);
}

/**
 * Keeps one log line for the suite's secret scan (see global.ts). Every logger a test builds
 * (`captureLogger`, a pino stream, `console`) reports its lines here.
 */
export function recordLogLine(source: string, line: string): void {
  if (file === undefined) return;
  try {
    appendFileSync(file, `${JSON.stringify({ source, line })}\n`);
  } catch {}
}
