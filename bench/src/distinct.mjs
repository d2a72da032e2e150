// Part 5: distinct tokens over HTTP. Every request carries another of `tokens` ES256 tokens (5,000
// by default, more than any verified-token cache here holds, sent in turn), so every request
// verifies a signature. authcore's adapter against the peer middleware on the same framework,
// and two floors on bare node:http (jose.jwtVerify, and a synchronous node:crypto check), every
// server in a process of its own. Two scenarios with the same servers: "one CPU" (each server
// pinned to one CPU, the load generator to the other) and "two CPUs" (nothing pinned). Candidates
// run in alternation round by round; ratios are taken within a round, figures are medians.
import autocannon from 'autocannon';
import { httpAffinity } from './affinity.mjs';
import { miniLoad, startServer } from './http.mjs';
import { median } from './stats.mjs';

/**
 * @typedef {{ key: string, framework: string, mode: string, label: string,
 *   role: 'authcore' | 'peer' | 'floor', plain?: boolean }} DistinctCandidate
 */

/** @type {DistinctCandidate[]} */
export const DISTINCT = [
  {
    key: 'express',
    framework: 'express',
    mode: 'jwt-cache',
    label: '@authcore/express',
    role: 'authcore',
  },
  { key: 'express-peer', framework: 'express', mode: 'peer', label: 'express-jwt', role: 'peer' },
  { key: 'koa', framework: 'koa', mode: 'jwt-cache', label: '@authcore/koa', role: 'authcore' },
  { key: 'koa-peer', framework: 'koa', mode: 'peer', label: 'koa-jwt', role: 'peer' },
  {
    key: 'fastify',
    framework: 'fastify',
    mode: 'jwt-cache',
    label: '@authcore/fastify',
    role: 'authcore',
  },
  // @fastify/jwt's default (no cache): with distinct tokens a cache only costs.
  {
    key: 'fastify-peer',
    framework: 'fastify',
    mode: 'peer-nocache',
    label: '@fastify/jwt',
    role: 'peer',
  },
  { key: 'hono', framework: 'hono', mode: 'jwt-cache', label: '@authcore/hono', role: 'authcore' },
  // hono/jwt refuses `typ: at+jwt`: it gets the same claims with `typ: JWT`.
  {
    key: 'hono-peer',
    framework: 'hono',
    mode: 'peer',
    label: 'hono/jwt',
    role: 'peer',
    plain: true,
  },
  {
    key: 'jose',
    framework: 'node',
    mode: 'jose',
    label: 'jose.jwtVerify on node:http (floor)',
    role: 'floor',
  },
  {
    key: 'crypto',
    framework: 'node',
    mode: 'crypto',
    label: 'node:crypto verify, sync, on node:http (floor)',
    role: 'floor',
  },
];

/**
 * Rotates through the tokens: each request gets the next one.
 * @param {string[]} tokens
 */
function rotation(tokens) {
  let i = 0;
  return () => tokens[i++ % tokens.length];
}

/**
 * @param {number} port @param {() => string} next
 * @param {{ duration: number, amount?: number, connections: number }} opts
 */
async function load(port, next, opts) {
  if (opts.amount)
    return miniLoad(port, () => ({ authorization: `Bearer ${next()}` }), {
      amount: opts.amount,
      connections: opts.connections,
    });
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/v1/me`,
    connections: opts.connections,
    duration: opts.duration,
    requests: [
      {
        setupRequest: (/** @type {{ headers?: Record<string, string> }} */ req) => ({
          ...req,
          headers: { ...req.headers, authorization: `Bearer ${next()}` },
        }),
      },
    ],
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${bad} failed requests (non-2xx ${result.non2xx})`);
  return { rps: result.requests.total / Math.max(result.duration, 1e-3), p99: result.latency.p99 };
}

/**
 * A server must accept two different valid tokens (answering each one's `sub`) and refuse a
 * request without one: a server that answered from a cache or ignored the token would fail.
 * @param {number} port @param {string[]} tokens
 */
async function sanity(port, tokens) {
  for (const i of [0, tokens.length - 1]) {
    const res = await fetch(`http://127.0.0.1:${port}/v1/me`, {
      headers: { authorization: `Bearer ${tokens[i]}` },
    });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`valid token got ${res.status}: ${body}`);
    if (JSON.parse(body).id !== `user-${i}`) throw new Error(`unexpected answer ${body}`);
  }
  const bare = await fetch(`http://127.0.0.1:${port}/v1/me`);
  await bare.arrayBuffer();
  if (bare.status !== 401) throw new Error(`request without a token got ${bare.status}`);
}

/**
 * @param {{ duration: number, warmup: number, rounds: number, roundsBoth: number,
 *   connections: number, amount?: number }} opts
 * @param {{ server: object, tokens: string[], plainTokens: string[] }} fixture
 * @param {(line: string) => void} log
 */
export async function runDistinct(opts, fixture, log) {
  const affinity = opts.amount ? undefined : httpAffinity();
  const started = await Promise.all(
    DISTINCT.map((c) => startServer(c.framework, c.mode, fixture.server)),
  );
  /** @type {Map<string, { port: number, pid: number | undefined, next: () => string }>} */
  const live = new Map();
  /** @type {Map<string, string>} */
  const reasons = new Map();
  try {
    for (const [i, c] of DISTINCT.entries()) {
      const s = started[i];
      if ('error' in s) {
        reasons.set(c.key, s.error);
        continue;
      }
      const tokens = c.plain ? fixture.plainTokens : fixture.tokens;
      try {
        await sanity(s.port, tokens);
        live.set(c.key, { port: s.port, pid: s.child.pid, next: rotation(tokens) });
      } catch (error) {
        reasons.set(c.key, /** @type {Error} */ (error).message);
      }
    }
    const scenarios = [];
    for (const scenario of /** @type {const} */ (['one CPU', 'two CPUs'])) {
      const pinned = scenario === 'one CPU';
      // One CPU: the servers on CPU 1 (the loader stays on CPU 0); two CPUs: nothing pinned.
      if (affinity?.enabled) {
        if (pinned) for (const s of live.values()) affinity.server(s.pid);
        else {
          affinity.restore();
          for (const s of live.values()) affinity.unpin(s.pid);
        }
      }
      const rounds = pinned ? opts.rounds : opts.roundsBoth;
      /** @type {Map<string, { rps: number[], p99: number[] }>} */
      const runs = new Map([...live.keys()].map((k) => [k, { rps: [], p99: [] }]));
      const order = DISTINCT.filter((c) => live.has(c.key));
      for (const c of order) {
        const s = /** @type {NonNullable<ReturnType<typeof live.get>>} */ (live.get(c.key));
        await load(s.port, s.next, { ...opts, duration: opts.warmup });
      }
      for (let round = 0; round < rounds; round++) {
        const ordered = round % 2 === 0 ? order : [...order].reverse();
        for (const c of ordered) {
          const s = live.get(c.key);
          if (!s) continue;
          try {
            const r = await load(s.port, s.next, opts);
            runs.get(c.key)?.rps.push(r.rps);
            runs.get(c.key)?.p99.push(r.p99);
          } catch (error) {
            live.delete(c.key);
            runs.delete(c.key);
            reasons.set(c.key, /** @type {Error} */ (error).message);
          }
        }
        log(`  distinct ${scenario}: round ${round + 1}/${rounds} done`);
      }
      scenarios.push({
        scenario,
        pinned: pinned && (affinity?.enabled ?? false),
        rounds,
        rows: DISTINCT.map((c) => {
          const r = runs.get(c.key);
          return r && r.rps.length === rounds
            ? { ...c, rps: median(r.rps), p99: median(r.p99), runs: r.rps }
            : { ...c, reason: reasons.get(c.key) ?? 'not measured' };
        }),
      });
    }
    return { tokens: fixture.tokens.length, scenarios };
  } finally {
    for (const s of started) if ('child' in s) s.child.kill();
    affinity?.restore();
  }
}
