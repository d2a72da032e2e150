// CPU pinning for the HTTP part: the load generator on CPU 0, the servers on the others, so the
// two never take turns on one core (on two cores, the scheduler otherwise moves them about and
// each run swings by a fifth). Linux with `taskset` only; elsewhere nothing is pinned.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

const cpus = () => os.availableParallelism?.() ?? os.cpus().length;

/**
 * Pins every thread of a process to a CPU list (`"0"`, `"1-3"`).
 * @param {number | undefined} pid @param {string} list @returns {boolean}
 */
function pin(pid, list) {
  if (process.platform !== 'linux' || pid === undefined) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', list, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The pinning of one HTTP part: `enabled` says whether it applies on this machine. */
export function httpAffinity() {
  const n = cpus();
  const enabled = n >= 2 && pin(process.pid, '0');
  return {
    enabled,
    /** @param {number | undefined} pid */
    server: (pid) => enabled && pin(pid, n === 2 ? '1' : `1-${n - 1}`),
    /** @param {number | undefined} pid */
    unpin: (pid) => enabled && pin(pid, `0-${n - 1}`),
    restore: () => enabled && pin(process.pid, `0-${n - 1}`),
  };
}

/**
 * Pins this process (every thread, and so the threads it starts later) to one CPU, for the core
 * part's one-CPU group; `restore` undoes it. `enabled` false where `taskset` is not available.
 */
export function pinSelfToOneCpu() {
  const n = cpus();
  const enabled = n >= 2 && pin(process.pid, String(n - 1));
  return { enabled, restore: () => enabled && pin(process.pid, `0-${n - 1}`) };
}
