// Part 6: the HTTP cost of authenticating, measured at the same moment as the no-auth baseline.
// On a shared two-core VM the CPU's speed drifts by a third from one second to the next, more than
// the effect measured, so figures taken one after the other (part 2) carry that drift. Here the
// no-auth server and the candidate run at once, pinned to the same CPU, each driven by its own load
// generator: the scheduler gives both the same CPU time and the same drift, so the ratio of their
// requests per second is the ratio of their costs per request. A control pair (no auth against
// no auth) shows the method's own error. With `wrk` on the PATH it drives the load (a C load
// generator keeps up with two servers from one CPU); without it, autocannon in this process,
// which the fastest servers can outrun (their ratios are then compressed towards 1: said so).
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { httpAffinity } from './affinity.mjs';
import { FRAMEWORKS, headersFor, modeLabel, sanity, startServer } from './http.mjs';
import { median } from './stats.mjs';

const run = promisify(execFile);

export const hasWrk = () => {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // `wrk --version` prints its banner and exits 1.
    return /** @type {{ status?: number }} */ (error).status === 1;
  }
};

/**
 * @param {number} port @param {Record<string, string>} headers
 * @param {{ duration: number, connections: number, amount?: number }} opts @param {boolean} wrk
 * @returns {Promise<number>} requests per second, every answer a 2xx
 */
export async function load(port, headers, opts, wrk) {
  const url = `http://127.0.0.1:${port}/v1/me`;
  if (wrk && !opts.amount) {
    const args = ['-t1', `-c${opts.connections}`, `-d${opts.duration}s`];
    for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
    const { stdout } = await run('wrk', [...args, url]);
    if (/Non-2xx|Socket errors/.test(stdout)) throw new Error(`wrk: failed requests\n${stdout}`);
    return Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? Number.NaN);
  }
  const r = await autocannon({
    url,
    connections: opts.connections,
    headers,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration }),
  });
  if (r.non2xx + r.errors + r.timeouts > 0) throw new Error(`${r.non2xx} non-2xx answers`);
  return r.requests.total / Math.max(r.duration, 1e-3);
}

/**
 * @param {{ duration: number, rounds: number, connections: number, amount?: number,
 *   frameworks?: string[] }} opts
 * @param {{ token: string, plainToken: string, apiKey: string }} fixture
 * @param {(line: string) => void} log
 */
export async function runPaired(opts, fixture, log) {
  const wrk = hasWrk();
  const affinity = opts.amount ? undefined : httpAffinity();
  const out = [];
  try {
    for (const [framework] of Object.entries(FRAMEWORKS)) {
      if (opts.frameworks && !opts.frameworks.includes(framework)) continue;
      const modes = ['none', 'jwt-cache', 'apikey'];
      const base = await startServer(framework, 'none', fixture);
      if ('error' in base) {
        out.push({ framework, rows: modes.map((mode) => ({ mode, reason: base.error })) });
        continue;
      }
      affinity?.server(base.child.pid);
      const rows = [];
      for (const mode of modes) {
        const label =
          mode === 'none' ? 'no auth (control: the method’s own error)' : modeLabel(mode);
        const cand = await startServer(framework, mode, fixture);
        if ('error' in cand) {
          rows.push({ mode, label, reason: cand.error });
          continue;
        }
        affinity?.server(cand.child.pid);
        try {
          const headers = headersFor(framework, mode, fixture);
          await sanity(framework, cand.port, mode, fixture);
          const warm = { ...opts, duration: 1, ...(opts.amount && { amount: opts.amount }) };
          await Promise.all([
            load(base.port, headers, warm, wrk),
            load(cand.port, headers, warm, wrk),
          ]);
          const ratios = [];
          const rps = [];
          const baseRps = [];
          for (let round = 0; round < opts.rounds; round++) {
            const [b, c] = await Promise.all([
              load(base.port, headers, opts, wrk),
              load(cand.port, headers, opts, wrk),
            ]);
            ratios.push(c / b);
            rps.push(c);
            baseRps.push(b);
          }
          rows.push({
            mode,
            label,
            rps: median(rps),
            baseRps: median(baseRps),
            ratio: median(ratios),
            ratios,
          });
          log(`paired ${framework} ${mode}: ${median(ratios).toFixed(3)}`);
        } catch (error) {
          rows.push({ mode, label, reason: /** @type {Error} */ (error).message.split('\n')[0] });
        } finally {
          cand.child.kill();
        }
      }
      base.child.kill();
      out.push({ framework, rows });
    }
  } finally {
    affinity?.restore();
  }
  return {
    loader: wrk && !opts.amount ? 'wrk' : 'autocannon',
    pinned: affinity?.enabled ?? false,
    frameworks: out,
  };
}
