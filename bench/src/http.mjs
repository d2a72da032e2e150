// Part 2: HTTP throughput with autocannon against servers in child processes on 127.0.0.1.
// Per framework every server is started once; each round runs the no-auth baseline between
// every two candidates (none, c1, none, c2, …, none), and a candidate's ratio in a round is its
// figure over the mean of the two baselines around it. Figures are medians over rounds.
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { httpAffinity } from './affinity.mjs';
import { median } from './stats.mjs';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));

/** Which candidates each framework has; the peer is the middleware its users pick today. */
export const FRAMEWORKS = {
  // Signature-bound rows (cache off, distinct tokens) are part 5's, on a pinned CPU.
  express: { peer: 'express-jwt', modes: ['jwt-cache', 'apikey', 'peer'] },
  koa: { peer: 'koa-jwt', modes: ['jwt-cache', 'apikey', 'peer'] },
  hono: { peer: 'hono/jwt', modes: ['jwt-cache', 'apikey', 'peer'] },
  fastify: { peer: '@fastify/jwt', modes: ['jwt-cache', 'apikey', 'peer'] },
  node: { peer: undefined, modes: ['jwt-cache', 'apikey'] },
};

/** @param {string} mode @param {string | undefined} peer */
export function modeLabel(mode, peer) {
  switch (mode) {
    case 'none':
      return 'no auth (baseline)';
    case 'jwt-cache':
      return 'authcore JWT (cache on)';
    case 'jwt-nocache':
      return 'authcore JWT (cache off)';
    case 'apikey':
      return 'authcore API key';
    case 'peer':
      if (peer === 'hono/jwt') return `${peer} (typ JWT token: it refuses at+jwt)`;
      return peer === '@fastify/jwt' ? `${peer} (cache on)` : `${peer}`;
    case 'peer-nocache':
      return `${peer} (cache off)`;
    default:
      return mode;
  }
}

/**
 * @param {string} framework
 * @param {string} mode
 * @param {object} fixture
 * @param {string} [script] another checkout's `server.mjs` (old against new); default this one's
 * @returns {Promise<{ port: number, child: import('node:child_process').ChildProcess } | { error: string }>}
 */
export function startServer(framework, mode, fixture, script = SERVER) {
  return new Promise((resolve) => {
    const child = fork(script, [], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        BENCH_SERVER: JSON.stringify({ framework, mode }),
        BENCH_FIXTURE: JSON.stringify(fixture),
      },
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill();
      resolve({ error: 'server did not start within 60 s' });
      // A loaded machine starting a dozen servers at once can take a while.
    }, 60_000);
    child.on('message', (/** @type {{ port?: number, error?: string }} */ msg) => {
      clearTimeout(timer);
      if (msg.port) resolve({ port: msg.port, child });
      else {
        child.kill();
        resolve({ error: msg.error ?? 'server failed' });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ error: `server exited (${code}): ${stderr.trim().split('\n').pop() ?? ''}` });
    });
  });
}

/**
 * @param {string} framework @param {string} mode
 * @param {{ token: string, plainToken: string, apiKey: string }} fx
 */
export function headersFor(framework, mode, fx) {
  if (mode === 'none') return {};
  if (mode === 'apikey') return { 'x-api-key': fx.apiKey };
  // hono/jwt refuses `typ: at+jwt`; it gets the same claims and key with `typ: JWT`.
  if (framework === 'hono' && mode === 'peer') return { authorization: `Bearer ${fx.plainToken}` };
  return { authorization: `Bearer ${fx.token}` };
}

/**
 * Checks a server answers the valid credential with 200 and refuses a request without one.
 * @param {string} framework @param {number} port @param {string} mode
 * @param {{ token: string, plainToken: string, apiKey: string }} fx
 */
export async function sanity(framework, port, mode, fx) {
  const url = `http://127.0.0.1:${port}/v1/me`;
  const good = await fetch(url, { headers: headersFor(framework, mode, fx) });
  const body = await good.text();
  if (good.status !== 200) throw new Error(`valid credential got ${good.status}: ${body}`);
  const id = JSON.parse(body).id;
  const expected = mode === 'none' ? 'anonymous' : mode === 'apikey' ? undefined : 'user-42';
  if (expected !== undefined && id !== expected) throw new Error(`unexpected id ${id}`);
  if (mode !== 'none') {
    const bare = await fetch(url);
    await bare.arrayBuffer();
    if (bare.status !== 401) throw new Error(`request without credential got ${bare.status}`);
  }
}

/**
 * The smoke run's loader: `amount` keep-alive requests, `connections` at a time. autocannon
 * ticks once a second, so even a tiny run of it takes a second; the smoke run calls it once
 * (the first warm-up) and this for the rest, to stay within a few seconds.
 * `headers`: the same for every request, or a function giving each request's (distinct tokens).
 * @param {number} port @param {Record<string, string> | (() => Record<string, string>)} headers
 * @param {{ amount: number, connections: number }} opts
 */
export async function miniLoad(port, headers, opts) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
  let next = 0;
  let bad = 0;
  const t0 = performance.now();
  const one = () =>
    new Promise((resolve) => {
      const h = typeof headers === 'function' ? headers() : headers;
      const req = http.get(
        { host: '127.0.0.1', port, path: '/v1/me', headers: h, agent },
        (res) => {
          if (res.statusCode !== 200) bad++;
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', () => {
        bad++;
        resolve(undefined);
      });
    });
  const worker = async () => {
    while (next++ < opts.amount) await one();
  };
  await Promise.all(Array.from({ length: opts.connections }, worker));
  agent.destroy();
  if (bad > 0) throw new Error(`${bad} failed requests`);
  return { rps: opts.amount / ((performance.now() - t0) / 1000), p99: Number.NaN };
}

let autocannonRan = false;

/**
 * @param {number} port
 * @param {Record<string, string>} headers
 * @param {{ duration: number, amount?: number, connections: number }} opts
 */
async function load(port, headers, opts) {
  if (opts.amount && autocannonRan)
    return miniLoad(port, headers, { ...opts, amount: opts.amount });
  autocannonRan = true;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/v1/me`,
    connections: opts.connections,
    headers,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration }),
  });
  const seconds = Math.max(result.duration, 1e-3);
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${bad} failed requests (non-2xx ${result.non2xx})`);
  return { rps: result.requests.total / seconds, p99: result.latency.p99 };
}

/**
 * @param {{ duration: number, warmup: number, rounds: number, connections: number,
 *   amount?: number, warmupAmount?: number, frameworks?: string[],
 *   pin?: (pid: number | undefined) => boolean }} opts
 * @param {{ token: string, plainToken: string, apiKey: string }} fixture
 * @param {(line: string) => void} log
 */
export async function runHttp(opts, fixture, log) {
  const chosen = Object.entries(FRAMEWORKS).filter(
    ([framework]) => !opts.frameworks || opts.frameworks.includes(framework),
  );
  // The smoke run checks the harness, not speed: its frameworks run side by side.
  if (opts.amount) {
    return Promise.all(chosen.map(([f, def]) => benchFramework(f, def, opts, fixture, log)));
  }
  const affinity = httpAffinity();
  const out = [];
  try {
    for (const [f, def] of chosen) {
      out.push(await benchFramework(f, def, { ...opts, pin: affinity.server }, fixture, log));
    }
  } finally {
    affinity.restore();
  }
  return Object.assign(out, { pinned: affinity.enabled });
}

/**
 * @param {string} framework
 * @param {{ peer: string | undefined, modes: string[] }} def
 * @param {Parameters<typeof runHttp>[0]} opts
 * @param {Parameters<typeof runHttp>[1]} fixture
 * @param {(line: string) => void} log
 */
async function benchFramework(framework, def, opts, fixture, log) {
  {
    const modes = ['none', ...def.modes];
    const started = await Promise.all(modes.map((m) => startServer(framework, m, fixture)));
    for (const s of started) if ('child' in s) opts.pin?.(s.child.pid);
    /** @type {Map<string, { port: number, rps: number[], p99: number[], ratios: number[] }>} */
    const live = new Map();
    /** @type {Map<string, string>} */
    const reasons = new Map();
    for (const [i, mode] of modes.entries()) {
      const s = started[i];
      if ('error' in s) {
        reasons.set(mode, s.error);
        continue;
      }
      try {
        await sanity(framework, s.port, mode, fixture);
        live.set(mode, { port: s.port, rps: [], p99: [], ratios: [] });
      } catch (error) {
        reasons.set(mode, /** @type {Error} */ (error).message);
      }
    }
    const base = live.get('none');
    // The baseline gets the very request the candidate gets (its headers ignored), so a ratio
    // measures the server's authentication work, not the client sending a 600-byte token.
    const run = async (/** @type {string} */ mode, /** @type {string} */ as = mode) => {
      const s = /** @type {NonNullable<ReturnType<typeof live.get>>} */ (live.get(mode));
      return load(s.port, headersFor(framework, as, fixture), opts);
    };
    try {
      if (base) {
        const candidates = def.modes.filter((m) => live.has(m));
        for (const m of ['none', ...candidates]) {
          const s = /** @type {{ port: number }} */ (live.get(m));
          await load(s.port, headersFor(framework, m, fixture), {
            ...opts,
            duration: opts.warmup,
            amount: opts.warmupAmount,
          });
        }
        for (let round = 0; round < opts.rounds; round++) {
          const order = round % 2 === 0 ? candidates : [...candidates].reverse();
          for (const mode of order) {
            const s = /** @type {NonNullable<ReturnType<typeof live.get>>} */ (live.get(mode));
            try {
              const before = await run('none', mode);
              const r = await run(mode);
              const after = await run('none', mode);
              base.rps.push(before.rps, after.rps);
              base.p99.push(before.p99, after.p99);
              s.rps.push(r.rps);
              s.p99.push(r.p99);
              s.ratios.push(r.rps / ((before.rps + after.rps) / 2));
            } catch (error) {
              live.delete(mode);
              reasons.set(mode, /** @type {Error} */ (error).message);
            }
          }
          log(`  http ${framework}: round ${round + 1}/${opts.rounds} done`);
        }
      } else {
        for (const m of def.modes) if (!reasons.has(m)) reasons.set(m, 'no baseline server');
      }
    } finally {
      for (const s of started) if ('child' in s) s.child.kill();
    }
    const rows = modes.map((mode) => {
      const s = live.get(mode);
      return s && s.rps.length > 0
        ? {
            mode,
            label: modeLabel(mode, def.peer),
            rps: median(s.rps),
            p99: median(s.p99),
            ratioToBaseline: mode === 'none' ? 1 : median(s.ratios),
            ratios: s.ratios,
          }
        : {
            mode,
            label: modeLabel(mode, def.peer),
            reason: reasons.get(mode) ?? 'not measured',
          };
    });
    return { framework, peer: def.peer, rows };
  }
}
