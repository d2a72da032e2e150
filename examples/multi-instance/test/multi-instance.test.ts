import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedRedis, uniquePrefix } from '../../../packages/redis/test/redis-server.js';

// The example as it runs: the issuer and two API processes (A and B) on one Redis.
const dir = fileURLToPath(new URL('..', import.meta.url));
const ADMIN = 'test-admin-token';
const children: ChildProcess[] = [];

function start(script: string, env: Record<string, string>): Promise<string> {
  if (!existsSync(`${dir}dist/${script}`))
    throw new Error(`examples/multi-instance/dist/${script} is missing: run \`pnpm build\` first`);
  const child = spawn(process.execPath, [`dist/${script}`], {
    cwd: dir,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} not ready:\n${out}`)), 15_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${out}`));
    });
  });
}

let issuer: string;
let apiA: string;
let apiB: string;

beforeAll(async () => {
  const redis = await sharedRedis();
  const env = {
    AUTHCORE_REDIS_URL: redis.url,
    AUTHCORE_REDIS_PREFIX: uniquePrefix('example'),
    ADMIN_TOKEN: ADMIN,
    RATE_LIMIT: '5',
  };
  issuer = await start('issuer.js', env);
  [apiA, apiB] = await Promise.all([
    start('api.js', { ...env, ISSUER_URL: issuer, INSTANCE: 'A' }),
    start('api.js', { ...env, ISSUER_URL: issuer, INSTANCE: 'B' }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
        }),
    ),
  );
  await (await sharedRedis()).stop();
});

const createKey = async (on: string) => {
  const res = await fetch(`${on}/admin/keys`, {
    method: 'POST',
    headers: { 'x-admin-token': ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ owner: 'test' }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { key: string; id: string };
};
const get = (on: string, path: string, headers: Record<string, string>) =>
  fetch(`${on}${path}`, { headers });

describe('examples/multi-instance', () => {
  it('a key created and revoked through A is refused by B', async () => {
    const { key, id } = await createKey(apiA);
    const ok = await get(apiB, '/v1/me', { 'x-api-key': key });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      instance: 'B',
      principal: { kind: 'application', id },
    });
    const revoked = await fetch(`${apiA}/admin/keys/${id}/revoke`, {
      method: 'POST',
      headers: { 'x-admin-token': ADMIN },
    });
    expect(revoked.status).toBe(200);
    // Pub/sub reaches B within milliseconds; the documented bound is the cache ttl (5 s).
    const start = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - start < 5_000) {
      status = (await get(apiB, '/v1/me', { 'x-api-key': key })).status;
    }
    expect(status).toBe(401);
    expect(Date.now() - start).toBeLessThan(1_000);
    expect((await get(apiA, '/v1/me', { 'x-api-key': key })).status).toBe(401);
  });

  it('the per-key rate limit is shared by A and B', async () => {
    const { key } = await createKey(apiB);
    const statuses: number[] = [];
    for (const on of [apiA, apiB, apiA, apiB, apiA, apiB, apiA])
      statuses.push((await get(on, '/v1/orders', { 'x-api-key': key })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await get(apiA, '/v1/orders', { 'x-api-key': key });
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    // Another key has its own budget.
    const other = await createKey(apiA);
    expect((await get(apiB, '/v1/orders', { 'x-api-key': other.key })).status).toBe(200);
  });

  it('an access token revoked at the issuer is refused by both instances', async () => {
    const basic = `Basic ${Buffer.from('demo:demo-secret').toString('base64')}`;
    const res = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=orders:read',
    });
    expect(res.status).toBe(200);
    const { access_token: token } = (await res.json()) as { access_token: string };
    const bearer = { authorization: `Bearer ${token}` };
    expect((await get(apiA, '/v1/orders', bearer)).status).toBe(200);
    expect((await get(apiB, '/v1/orders', bearer)).status).toBe(200);
    const revoke = await fetch(`${issuer}/revoke`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${token}`,
    });
    expect(revoke.status).toBe(200);
    expect((await get(apiA, '/v1/orders', bearer)).status).toBe(401);
    expect((await get(apiB, '/v1/orders', bearer)).status).toBe(401);
  });
});
