import type { Logger } from '@authcore/core';
import { recordLogLine } from './sink.js';

export interface CapturedLine {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

/**
 * A `Logger` that keeps every line as the JSON a log shipper would see, and hands each to the
 * suite's secret scan. Use it for every logger a test gives the core, the issuer or an adapter.
 */
export function captureLogger() {
  const lines: CapturedLine[] = [];
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, message: string): void => {
      const line = { level, fields, message };
      lines.push(line);
      recordLogLine('logger', safeJson(line));
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { logger, lines, text: () => JSON.stringify(lines) };
}

const safeJson = (value: unknown): string => {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
};
