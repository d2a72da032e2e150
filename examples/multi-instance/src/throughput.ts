// Issuer throughput: client-credentials tokens per second from one issuer process and from two,
// with the in-memory stores and with Redis (AUTHCORE_REDIS_CLUSTER_NODES, else
// AUTHCORE_REDIS_URL, else redis://127.0.0.1:6379). After `pnpm build`: node dist/throughput.js
// Env: REQUESTS (per run, default 2000), CONCURRENCY (default 32). The load comes from this
// process, on the same machine: the figures compare setups, they are no capacity rating.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./issuer.js', import.meta.url));
const requests = Number(process.env.REQUESTS ?? 2000);
const concurrency = Number(process.env.CONCURRENCY ?? 32);
const basic = `Basic ${Buffer.from('demo:demo-secret').toString('base64')}`;
const children: ChildProcess[] = [];

function startIssuer(env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (ready) resolve(ready[1]!);
    });
    child.once('exit', (code) => reject(new Error(`issuer exited with ${code}`)));
  });
}

const grant = async (on: string) => {
  const res = await fetch(`${on}/token`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=orders:read',
  });
  await res.arrayBuffer();
  return res.status === 200;
};

/** Tokens per second over `requests` grants, spread over `urls` in turn. */
async function measure(urls: string[]): Promise<{ perSecond: number; failed: number }> {
  for (let i = 0; i < 50; i++) await grant(urls[i % urls.length]!); // warm up
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const n = next++;
        if (!(await grant(urls[n % urls.length]!))) failed++;
      }
    }),
  );
  return { perSecond: Math.round((requests / (performance.now() - started)) * 1000), failed };
}

const redis = process.env.AUTHCORE_REDIS_CLUSTER_NODES
  ? 'Redis Cluster'
  : `Redis ${process.env.AUTHCORE_REDIS_URL ?? 'redis://127.0.0.1:6379'}`;
const shared = {
  AUTHCORE_REDIS_PREFIX: `throughput:${process.pid}:`,
  AUTHCORE_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
  ISSUER_PUBLIC_URL: 'http://127.0.0.1:4000',
};
const rows: Record<string, string | number>[] = [];
try {
  for (const [stores, instances] of [
    ['memory', 1],
    ['memory', 2],
    [redis, 1],
    [redis, 2],
  ] as const) {
    const env = stores === 'memory' ? { ...shared, ISSUER_STORES: 'memory' } : shared;
    const urls: string[] = [];
    for (let i = 0; i < instances; i++) urls.push(await startIssuer(env));
    rows.push({ stores, instances, requests, concurrency, ...(await measure(urls)) });
    for (const child of children.splice(0)) child.kill('SIGTERM');
  }
  console.table(rows);
} finally {
  for (const child of children) child.kill('SIGKILL');
}
