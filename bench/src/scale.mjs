// Issuer throughput, scaled out: client-credentials tokens per second from one issuer process and
// from two (examples/multi-instance's issuer, ES256 access tokens), with in-memory stores and with
// Redis (one redis-server; a Redis Cluster too when AUTHCORE_REDIS_CLUSTER_NODES is set).
//
//   pnpm build && node bench/src/scale.mjs [--duration 5] [--connections 16] [--json]
//
// Redis: AUTHCORE_REDIS_URL, else a redis-server of its own on a free loopback port (no
// persistence), stopped at the end. Every process it starts is on 127.0.0.1 and stopped when it
// exits. The load generator (autocannon) shares the machine: the figures compare setups, they are
// no capacity rating. Two instances get half the connections each, at once; their sum is reported.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const ISSUER = fileURLToPath(
  new URL('../../examples/multi-instance/dist/issuer.js', import.meta.url),
);
const BASIC = `Basic ${Buffer.from('demo:demo-secret').toString('base64')}`;
const BODY = 'grant_type=client_credentials&scope=orders:read';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    json: { type: 'boolean', default: false },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
if (!(duration > 0) || !(connections >= 2)) throw new Error('--duration > 0, --connections >= 2');

/** @type {import('node:child_process').ChildProcess[]} */
const children = [];
const stopAll = () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
};
process.once('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    stopAll();
    process.exit(130);
  });

/** @returns {Promise<number>} */
const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

/** A redis-server of our own, answering PING. @returns {Promise<string>} */
async function startRedis() {
  if (spawnSync('redis-server', ['--version']).status !== 0)
    throw new Error('redis-server is not installed (or set AUTHCORE_REDIS_URL)');
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  children.push(child);
  for (let i = 0; i < 100; i++) {
    const ping = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
    if (ping.stdout.trim() === 'PONG') return `redis://127.0.0.1:${port}`;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not answer');
}

/** @param {Record<string, string>} env @returns {Promise<{ url: string, child: import('node:child_process').ChildProcess }>} */
function startIssuer(env) {
  const child = spawn(process.execPath, [ISSUER], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`issuer not ready: ${out}`)), 15_000);
    child.stdout.on('data', (chunk) => {
      out += chunk.toString();
      const ready = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (ready) {
        clearTimeout(timer);
        resolve({ url: ready[1], child });
      }
    });
    child.once('exit', (code) => reject(new Error(`issuer exited with ${code}: ${out}`)));
  });
}

/** @param {string} url @param {number} conns @param {number} seconds */
async function load(url, conns, seconds) {
  const result = await autocannon({
    url: `${url}/token`,
    method: 'POST',
    headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
    body: BODY,
    connections: conns,
    duration: seconds,
  });
  return {
    requests: result.requests.total,
    failed: result.non2xx + result.errors + result.timeouts,
    seconds: result.duration,
    p99: result.latency.p99,
  };
}

/** Tokens per second from `instances` issuers started with `env`, loaded at once. */
async function measure(env, instances) {
  const started = [];
  for (let i = 0; i < instances; i++) started.push(await startIssuer(env));
  const share = Math.floor(connections / instances);
  // Warm up (JIT, connections, the key set read), then measure.
  await Promise.all(started.map(({ url }) => load(url, share, 1)));
  const runs = await Promise.all(started.map(({ url }) => load(url, share, duration)));
  for (const { child } of started) child.kill('SIGTERM');
  await Promise.all(
    started.map(({ child }) =>
      child.exitCode === null ? new Promise((r) => child.once('exit', r)) : undefined,
    ),
  );
  const requests = runs.reduce((n, r) => n + r.requests, 0);
  const failed = runs.reduce((n, r) => n + r.failed, 0);
  if (failed > 0) throw new Error(`${failed} failed token requests`);
  const seconds = Math.max(...runs.map((r) => r.seconds));
  return {
    tokensPerSecond: Math.round(requests / seconds),
    requests,
    p99ms: Math.max(...runs.map((r) => r.p99)),
  };
}

if (!existsSync(ISSUER)) throw new Error(`${ISSUER} is missing: run \`pnpm build\` first`);
const shared = {
  AUTHCORE_REDIS_PREFIX: `scale:${process.pid}:`,
  AUTHCORE_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
  ISSUER_PUBLIC_URL: 'http://127.0.0.1:4000',
};
const redisUrl = process.env.AUTHCORE_REDIS_URL ?? (await startRedis());
const setups = [
  ['memory', { ...shared, ISSUER_STORES: 'memory' }],
  [
    'one redis-server',
    { ...shared, AUTHCORE_REDIS_URL: redisUrl, AUTHCORE_REDIS_CLUSTER_NODES: '' },
  ],
];
if (process.env.AUTHCORE_REDIS_CLUSTER_NODES)
  setups.push([
    'Redis Cluster',
    { ...shared, AUTHCORE_REDIS_CLUSTER_NODES: process.env.AUTHCORE_REDIS_CLUSTER_NODES },
  ]);

const rows = [];
for (const [stores, env] of setups) {
  const one = await measure(env, 1);
  const two = await measure(env, 2);
  rows.push({
    stores,
    '1 instance (tokens/s)': one.tokensPerSecond,
    '2 instances (tokens/s)': two.tokensPerSecond,
    '2 / 1': Number((two.tokensPerSecond / one.tokensPerSecond).toFixed(2)),
    'p99 ms (1 / 2)': `${one.p99ms} / ${two.p99ms}`,
  });
}
const meta = { connections, duration, cpus: (await import('node:os')).cpus().length };
if (values.json) console.log(JSON.stringify({ ...meta, rows }, null, 2));
else {
  console.log(
    `issuer client-credentials throughput, ${connections} connections, ${duration} s per row, ${meta.cpus} CPUs`,
  );
  console.table(rows);
}
stopAll();
