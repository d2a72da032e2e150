// Part 4: issuer throughput. Client-credentials grants (HTTP Basic, one resource, ES256 JWT access
// tokens) against authcore's issuer and panva's oidc-provider, each in a process of its own on
// 127.0.0.1, 16 connections, rounds alternated (a, b, a, b…) so drift hits both alike. Pinned like
// the HTTP part: the load generator on CPU 0, the issuer on the other(s).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { httpAffinity } from './affinity.mjs';
import { CLIENT, RESOURCE, SCOPE } from './issuer-server.mjs';
import { median } from './stats.mjs';

const SERVER = fileURLToPath(new URL('./issuer-server.mjs', import.meta.url));
export const ISSUERS = ['authcore', 'oidc-provider'];

export const BODY = `grant_type=client_credentials&scope=${encodeURIComponent(SCOPE)}&resource=${encodeURIComponent(RESOURCE)}`;
export const HEADERS = {
  authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`,
  'content-type': 'application/x-www-form-urlencoded',
};

/** @param {string} kind @returns {Promise<{ port: number, child: import('node:child_process').ChildProcess }>} */
function start(kind) {
  return new Promise((resolve, reject) => {
    const child = fork(SERVER, [], {
      env: { ...process.env, NODE_ENV: 'production', BENCH_ISSUER: kind },
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${kind} did not start within 20 s`));
    }, 20_000);
    child.on('message', (/** @type {{ port?: number, error?: string }} */ m) => {
      clearTimeout(timer);
      if (m.port) resolve({ port: m.port, child });
      else reject(new Error(`${kind}: ${m.error}`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} exited (${code}): ${stderr.trim().split('\n').pop() ?? ''}`));
    });
  });
}

/** Both must answer a real token for the resource: an ES256 `at+jwt` with the right `aud`. */
async function sanity(kind, port) {
  const res = await fetch(`http://127.0.0.1:${port}/token`, {
    method: 'POST',
    headers: HEADERS,
    body: BODY,
  });
  const body = await res.json();
  if (res.status !== 200 || typeof body.access_token !== 'string') {
    throw new Error(`${kind}: token request got ${res.status} ${JSON.stringify(body)}`);
  }
  const [h, p] = body.access_token.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
  const aud = [payload.aud].flat();
  if (header.alg !== 'ES256' || !/at\+jwt/i.test(header.typ) || !aud.includes(RESOURCE)) {
    throw new Error(`${kind}: unexpected token ${JSON.stringify({ header, payload })}`);
  }
}

/** @param {number} port @param {{ duration?: number, amount?: number, connections: number }} opts */
async function load(port, opts) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/token`,
    method: 'POST',
    headers: HEADERS,
    body: BODY,
    connections: opts.connections,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration }),
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${bad} failed token requests (non-2xx ${result.non2xx})`);
  return { rps: result.requests.total / Math.max(result.duration, 1e-3), p99: result.latency.p99 };
}

/**
 * @param {{ duration: number, warmup: number, rounds: number, connections: number, amount?: number }} opts
 * @param {(line: string) => void} log
 */
export async function runIssuer(opts, log) {
  const affinity = opts.amount ? undefined : httpAffinity();
  /** @type {Record<string, { port: number, child: import('node:child_process').ChildProcess }>} */
  const servers = {};
  try {
    for (const kind of ISSUERS) {
      servers[kind] = await start(kind);
      affinity?.server(servers[kind].child.pid);
      await sanity(kind, servers[kind].port);
      await load(servers[kind].port, {
        ...opts,
        duration: opts.warmup,
        ...(opts.amount && { amount: opts.amount }),
      });
    }
    /** @type {Record<string, { rps: number, p99: number }[]>} */
    const runs = Object.fromEntries(ISSUERS.map((k) => [k, []]));
    const ratios = [];
    for (let round = 0; round < opts.rounds; round++) {
      const order = round % 2 === 0 ? ISSUERS : [...ISSUERS].reverse();
      const got = {};
      for (const kind of order) {
        got[kind] = await load(servers[kind].port, opts);
        runs[kind].push(got[kind]);
        log(`  issuer ${kind} round ${round + 1}: ${Math.round(got[kind].rps)} tokens/s`);
      }
      ratios.push(got.authcore.rps / got['oidc-provider'].rps);
    }
    const rows = ISSUERS.map((kind) => ({
      issuer: kind,
      rps: median(runs[kind].map((r) => r.rps)),
      p99: median(runs[kind].map((r) => r.p99)),
    }));
    return {
      rows,
      ratio: median(ratios),
      ratioLow: Math.min(...ratios),
      ratioHigh: Math.max(...ratios),
      pinned: affinity?.enabled ?? false,
    };
  } finally {
    for (const s of Object.values(servers)) s.child.kill();
    affinity?.restore();
  }
}

// Run alone: `node src/issuer.mjs [rounds] [seconds]`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rounds = Number(process.argv[2] ?? 5);
  const duration = Number(process.argv[3] ?? 3);
  const result = await runIssuer({ duration, warmup: 1, rounds, connections: 16 }, (l) =>
    process.stderr.write(`${l}\n`),
  );
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(0); // autocannon can leave a timer behind
}
