// setupFiles: every test file's console lines go to the suite's secret scan (global.ts).
import { format } from 'node:util';
import { inject } from 'vitest';
import { logCaptureTo, recordLogLine } from './sink.js';

logCaptureTo(inject('authcoreLogDir'), `${process.pid}-${process.env.VITEST_POOL_ID ?? '0'}`);

type Method = 'log' | 'info' | 'warn' | 'error' | 'debug' | 'trace';
const WRAPPED = Symbol.for('authcore.logCapture');
const target = console as Console & { [WRAPPED]?: true };
if (!target[WRAPPED]) {
  target[WRAPPED] = true;
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as Method[]) {
    const original = target[method].bind(target);
    target[method] = (...args: unknown[]) => {
      recordLogLine(`console.${method}`, format(...args));
      original(...args);
    };
  }
}
