// Part 3: memory, in its own process started with --expose-gc (run.mjs forks it), so nothing
// the other parts left on the heap blurs the figures. Prints one JSON line on stdout.
//
// a) N distinct valid tokens through one authenticator (verified-token cache of `cacheSize`
//    entries): the heap after GC must stay bounded by the cache, not grow with N. Tokens are
//    HS256 (the scheme's `secret` option) so that minting a million costs seconds, not minutes.
// b) A flood of garbage tokens (malformed, bad signature, wrong algorithm, expired): the heap
//    after GC must come back to where it was.
import { createHmac, randomBytes } from 'node:crypto';
import { createAuthenticator, jwt, nodeRequestView } from '@authcore/core';
import { AUDIENCE, hs256Minter, ISSUER } from './fixtures.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, Number(v)];
  }),
);
const TOKENS = args.tokens ?? 1_000_000;
const GARBAGE = args.garbage ?? 1_000_000;
const CACHE = args.cache ?? 1000;
const IN_FLIGHT = 64;

const gc = /** @type {() => void} */ (globalThis.gc);
if (typeof gc !== 'function') throw new Error('memory.mjs needs node --expose-gc');
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const secret = randomBytes(32);
const auth = createAuthenticator({
  schemes: [
    jwt({
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
      secret,
      cache: { maxEntries: CACHE },
    }),
  ],
});

/** @param {string} token */
const requestFor = (token) => ({
  method: 'GET',
  url: '/v1/me',
  rawHeaders: ['Host', '127.0.0.1', 'Authorization', `Bearer ${token}`],
  socket: null,
});

/**
 * Pushes `count` tokens through with IN_FLIGHT in flight; returns how many were accepted.
 * @param {number} from @param {number} count @param {(i: number) => string} make
 */
async function pump(from, count, make) {
  let accepted = 0;
  let next = from;
  const end = from + count;
  const worker = async () => {
    while (next < end) {
      const i = next++;
      const result = await auth.authenticate(nodeRequestView(requestFor(make(i))));
      if (result.ok) accepted++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return accepted;
}

const mint = hs256Minter(secret);
const mb = (/** @type {number} */ b) => Math.round((b / 2 ** 20) * 100) / 100;

const start = heap();
// Fill the cache first: from here on the heap may not grow with the number of tokens.
const fill = Math.min(TOKENS, CACHE * 2);
let accepted = await pump(0, fill, mint);
const filled = heap();
const checkpoints = [{ tokens: fill, heapMB: mb(filled) }];
const step = Math.max(1, Math.floor((TOKENS - fill) / 4));
let done = fill;
const t0 = performance.now();
while (done < TOKENS) {
  const n = Math.min(step, TOKENS - done);
  accepted += await pump(done, n, mint);
  done += n;
  checkpoints.push({ tokens: done, heapMB: mb(heap()) });
}
const validSeconds = (performance.now() - t0) / 1000;
const validGrowth = Math.max(...checkpoints.map((c) => c.heapMB)) - mb(filled);

// Garbage: four kinds in turn, all with fresh random content.
const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'at+jwt' })).toString('base64url');
const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString(
  'base64url',
);
const otherSecret = randomBytes(32);
const expiredPayload = (/** @type {number} */ i) =>
  Buffer.from(
    JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: `u${i}`, exp: 1_000_000, jti: `g${i}` }),
  ).toString('base64url');
/** @param {number} i */
const garbage = (i) => {
  const r = randomBytes(24).toString('base64url');
  switch (i % 4) {
    case 0: // not a JWS at all
      return `${r}.${r}.${r}`;
    case 1: {
      // a well-formed token signed with another key
      const input = `${header}.${mint(i).split('.')[1]}`;
      return `${input}.${createHmac('sha256', otherSecret).update(input).digest('base64url')}`;
    }
    case 2: // alg none
      return `${noneHeader}.${mint(i).split('.')[1]}.`;
    default: {
      // expired, correctly signed
      const input = `${header}.${expiredPayload(i)}`;
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    }
  }
};
const beforeGarbage = heap();
const g0 = performance.now();
const garbageAccepted = await pump(0, GARBAGE, garbage);
const garbageSeconds = (performance.now() - g0) / 1000;
const afterGarbage = heap();

process.stdout.write(
  `${JSON.stringify({
    tokens: TOKENS,
    cacheSize: CACHE,
    accepted,
    startMB: mb(start),
    filledMB: mb(filled),
    checkpoints,
    validGrowthMB: Math.round(validGrowth * 100) / 100,
    validPerSec: Math.round((TOKENS - fill) / Math.max(validSeconds, 1e-3)),
    garbage: GARBAGE,
    garbageAccepted,
    beforeGarbageMB: mb(beforeGarbage),
    afterGarbageMB: mb(afterGarbage),
    garbageGrowthMB: Math.round((mb(afterGarbage) - mb(beforeGarbage)) * 100) / 100,
    garbagePerSec: Math.round(GARBAGE / Math.max(garbageSeconds, 1e-3)),
  })}\n`,
);
