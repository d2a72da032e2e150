// Part 1: core verification throughput, one process, a fixed number of verifications in flight.
// Every candidate of an algorithm runs once per round, in alternation, and its figure is the
// median of the rounds; ratios are taken round by round against the baseline of the same round.
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import {
  apiKey,
  createAuthenticator,
  jwt,
  MemoryApiKeyStore,
  nodeRequestView,
} from '@authcore/core';
import { createVerifier } from 'fast-jwt';
import { importJWK, importSPKI, jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { pinSelfToOneCpu } from './affinity.mjs';
import {
  ALGORITHMS,
  AUDIENCE,
  apiKeyFixture,
  distinctFixture,
  ISSUER,
  jwtFixture,
} from './fixtures.mjs';
import { median } from './stats.mjs';

const verifyAsync = promisify(crypto.verify);

/**
 * Runs `fn` with `concurrency` calls in flight until `ms` have passed.
 * @param {() => unknown} fn
 * @param {number} ms
 * @param {number} concurrency
 * @returns {Promise<number>} operations per second
 */
export async function timeBox(fn, ms, concurrency) {
  globalThis.gc?.();
  let count = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  const worker = async () => {
    while (performance.now() < end) {
      await fn();
      count++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count / ((performance.now() - t0) / 1000);
}

/** A Node-like request as the HTTP parser would hand it to an adapter. */
const nodeRequest = (/** @type {string[]} */ extra) => ({
  method: 'GET',
  url: '/v1/me',
  rawHeaders: ['Host', '127.0.0.1:3000', 'User-Agent', 'bench', 'Accept', '*/*', ...extra],
  socket: null,
});

/**
 * @typedef {{ name: string, fn: () => unknown, check: () => Promise<boolean> }} Candidate
 * @typedef {{ name: string, reason: string }} Unavailable
 */

/**
 * authcore's JWT scheme on local keys, as a candidate of every group: its default cache, or none.
 * @param {'ES256' | 'RS256' | 'EdDSA'} alg @param {object} jwk @param {boolean} cache
 */
const authcoreFor = (alg, jwk, cache) =>
  createAuthenticator({
    schemes: [
      jwt({
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: [alg],
        keys: /** @type {import('jose').JWK} */ (jwk),
        ...(cache ? {} : { cache: false }),
      }),
    ],
  });

/** @param {'ES256' | 'RS256' | 'EdDSA'} alg */
async function jwtCandidates(alg) {
  const fx = await jwtFixture(alg);
  const { token } = fx;
  const dot = token.lastIndexOf('.');
  const input = Buffer.from(token.slice(0, dot));
  const hash = alg === 'EdDSA' ? null : 'sha256';
  const keyOpts = alg === 'ES256' ? { key: fx.publicKey, dsaEncoding: 'ieee-p1363' } : fx.publicKey;
  const joseKey = await importSPKI(fx.pem, alg);
  const claims = { issuer: ISSUER, audience: AUDIENCE, algorithms: [alg] };
  const fastOpts = { key: fx.pem, algorithms: [alg], allowedIss: ISSUER, allowedAud: AUDIENCE };
  const fastNoCache = createVerifier({ ...fastOpts, cache: false });
  const fastCache = createVerifier({ ...fastOpts, cache: true });
  const authOff = authcoreFor(alg, fx.jwk, false);
  const authOn = authcoreFor(alg, fx.jwk, true);
  const req = nodeRequest(['Authorization', `Bearer ${token}`]);
  const ok = (/** @type {{ ok: boolean }} */ r) => r.ok === true;

  /** @type {Candidate[]} */
  const candidates = [
    {
      name: 'node:crypto verify (sync floor)',
      fn: () => crypto.verify(hash, input, keyOpts, Buffer.from(token.slice(dot + 1), 'base64url')),
      check: async () =>
        crypto.verify(hash, input, keyOpts, Buffer.from(token.slice(dot + 1), 'base64url')),
    },
    {
      name: 'node:crypto verify (async, threadpool)',
      fn: () => verifyAsync(hash, input, keyOpts, Buffer.from(token.slice(dot + 1), 'base64url')),
      check: () =>
        verifyAsync(hash, input, keyOpts, Buffer.from(token.slice(dot + 1), 'base64url')),
    },
    {
      name: 'jose.jwtVerify',
      fn: () => jwtVerify(token, joseKey, claims),
      check: async () => (await jwtVerify(token, joseKey, claims)).payload.sub === 'user-42',
    },
    {
      name: 'fast-jwt (no cache)',
      fn: () => fastNoCache(token),
      check: async () => fastNoCache(token).sub === 'user-42',
    },
    {
      name: 'fast-jwt (cache)',
      fn: () => fastCache(token),
      check: async () => fastCache(token).sub === 'user-42',
    },
    {
      name: 'jsonwebtoken',
      fn: () => jsonwebtoken.verify(token, fx.publicKey, claims),
      check: async () =>
        /** @type {{ sub: string }} */ (jsonwebtoken.verify(token, fx.publicKey, claims)).sub ===
        'user-42',
    },
    {
      name: 'authcore (cache off)',
      fn: () => authOff.authenticate(nodeRequestView(req)),
      check: async () => ok(await authOff.authenticate(nodeRequestView(req))),
    },
    {
      name: 'authcore (cache on)',
      fn: () => authOn.authenticate(nodeRequestView(req)),
      check: async () => ok(await authOn.authenticate(nodeRequestView(req))),
    },
  ];
  return candidates;
}

async function apiKeyCandidates() {
  const { key, record } = await apiKeyFixture();
  const auth = createAuthenticator({
    schemes: [apiKey({ store: new MemoryApiKeyStore([record]) })],
  });
  const req = nodeRequest(['X-API-Key', key]);
  const secret = key.slice(key.lastIndexOf('_') + 1);
  const stored = Buffer.from(record.hash, 'base64url');
  const map = new Map([[record.id, stored]]);
  const floor = () => {
    const digest = crypto.createHash('sha256').update(secret).digest();
    return crypto.timingSafeEqual(digest.subarray(0, 32), map.get(record.id) ?? digest);
  };
  /** @type {Candidate[]} */
  return [
    { name: 'node:crypto sha256 + Map (floor)', fn: floor, check: async () => true },
    {
      name: 'authcore apiKey (memory store)',
      fn: () => auth.authenticate(nodeRequestView(req)),
      check: async () => (await auth.authenticate(nodeRequestView(req))).ok === true,
    },
  ];
}

/**
 * ES256 with `n` distinct tokens taken in turn, so every call verifies a signature (authcore's
 * default cache holds 1,000 and misses every time). Run on one CPU: jose's WebCrypto jobs and
 * the threadpool then share the core with the event loop, as in a server pinned to one CPU.
 * @param {number} n
 */
async function distinctCandidates(n) {
  const fx = await distinctFixture(n);
  const { tokens } = fx;
  const key = { key: crypto.createPublicKey(fx.server.pem), dsaEncoding: 'ieee-p1363' };
  const joseKey = await importJWK(/** @type {import('jose').JWK} */ (fx.server.jwk), 'ES256');
  const claims = { issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256'] };
  const requests = tokens.map((t) => nodeRequest(['Authorization', `Bearer ${t}`]));
  const authOff = authcoreFor('ES256', fx.server.jwk, false);
  const authOn = authcoreFor('ES256', fx.server.jwk, true);
  const turn = () => {
    let i = 0;
    return () => i++ % n;
  };
  const floor = (/** @type {string} */ token) => {
    const dot = token.lastIndexOf('.');
    const input = Buffer.from(token.slice(0, dot));
    const ok = crypto.verify('sha256', input, key, Buffer.from(token.slice(dot + 1), 'base64url'));
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    return ok && payload.iss === ISSUER && payload.exp > Date.now() / 1000;
  };
  const [a, b, c, d] = [turn(), turn(), turn(), turn()];
  /** @type {Candidate[]} */
  return [
    {
      name: 'node:crypto verify (sync floor)',
      fn: () => floor(tokens[a()] ?? ''),
      check: async () => floor(tokens[0] ?? ''),
    },
    {
      name: 'jose.jwtVerify',
      fn: () => jwtVerify(tokens[b()] ?? '', joseKey, claims),
      check: async () =>
        (await jwtVerify(tokens[1] ?? '', joseKey, claims)).payload.sub === 'user-1',
    },
    {
      name: 'authcore (cache off)',
      fn: () => authOff.authenticate(nodeRequestView(requests[c()])),
      check: async () => (await authOff.authenticate(nodeRequestView(requests[2]))).ok === true,
    },
    {
      name: 'authcore (default cache, every token a miss)',
      fn: () => authOn.authenticate(nodeRequestView(requests[d()])),
      check: async () => (await authOn.authenticate(nodeRequestView(requests[3]))).ok === true,
    },
  ];
}

/**
 * @param {Candidate[]} candidates
 * @param {{ ms: number, rounds: number, warmupMs: number, concurrency: number }} opts
 */
async function measure(candidates, opts) {
  /** @type {Map<string, number[]>} */
  const figures = new Map();
  /** @type {Map<string, string>} */
  const unavailable = new Map();
  const live = [];
  for (const c of candidates) {
    try {
      if (!(await c.check())) throw new Error('did not verify the valid token');
      live.push(c);
      figures.set(c.name, []);
    } catch (error) {
      unavailable.set(c.name, /** @type {Error} */ (error).message.split('\n')[0]);
    }
  }
  for (const c of live) await timeBox(c.fn, opts.warmupMs, opts.concurrency);
  for (let round = 0; round < opts.rounds; round++) {
    // Alternate the order every round so no candidate always follows the same neighbour.
    const order = round % 2 === 0 ? live : [...live].reverse();
    for (const c of order)
      figures.get(c.name)?.push(await timeBox(c.fn, opts.ms, opts.concurrency));
  }
  return candidates.map((c) => {
    const runs = figures.get(c.name);
    return runs
      ? { name: c.name, opsPerSec: median(runs), runs }
      : { name: c.name, opsPerSec: undefined, runs: [], reason: unavailable.get(c.name) };
  });
}

/**
 * @param {{ ms: number, rounds: number, warmupMs: number, concurrency: number,
 *   distinctTokens?: number, distinctMs?: number, distinctRounds?: number }} opts
 */
export async function runCore(opts) {
  /** @type {{ group: string, pinned?: boolean, rows: Awaited<ReturnType<typeof measure>> }[]} */
  const groups = [];
  for (const alg of ALGORITHMS) {
    groups.push({ group: alg, rows: await measure(await jwtCandidates(alg), opts) });
  }
  groups.push({ group: 'API key', rows: await measure(await apiKeyCandidates(), opts) });
  const candidates = await distinctCandidates(opts.distinctTokens ?? 5000);
  const pinned = pinSelfToOneCpu();
  try {
    // Short windows, many rounds: the CPU's speed drifts over seconds on a shared VM, and a
    // ratio of two windows a fifth of a second apart carries little of that drift.
    const rows = await measure(candidates, {
      ...opts,
      ms: opts.distinctMs ?? opts.ms,
      rounds: opts.distinctRounds ?? opts.rounds,
    });
    groups.push({ group: 'ES256, distinct tokens, one CPU', pinned: pinned.enabled, rows });
  } finally {
    pinned.restore();
  }
  return groups;
}
