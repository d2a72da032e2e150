// Requests per second of each runnable example, as a real process, with and without auth:
// `node src/examples.mjs [seconds]` (build first). Same method as the HTTP part of the bench:
// autocannon from this process, 64 connections, the no-auth route measured beside each.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateApiKey } from '@authcore/core';
import autocannon from 'autocannon';

const seconds = Number(process.argv[2] ?? 3);
const examples = ['express', 'koa', 'hono', 'fastify', 'node-http'];
const key = (await generateApiKey({ prefix: 'sk_test', owner: 'bench' })).key;

/** @param {string} name */
function start(name) {
  const dir = fileURLToPath(new URL(`../../examples/${name}/`, import.meta.url));
  const child = spawn(process.execPath, ['dist/server.js'], {
    cwd: dir,
    env: {
      ...process.env,
      PORT: '0',
      AUTHCORE_API_KEYS: key,
      AUTHCORE_API_KEY_SCOPES: 'orders:read',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const token = /^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/m.exec(out)?.[1];
      if (url && token) resolve({ child, url, token });
    });
    child.once('exit', (code) => reject(new Error(`${name} exited ${code}`)));
  });
}

/** @param {string} url @param {Record<string, string>} headers */
async function rps(url, headers) {
  const r = await autocannon({ url, connections: 64, duration: seconds, headers });
  if (r.non2xx > 0) throw new Error(`${url}: ${r.non2xx} non-2xx answers`);
  return Math.round(r.requests.average);
}

console.log('| example | GET /health (no auth) | GET /v1/me (JWT) | GET /v1/orders (API key) |');
console.log('| --- | ---: | ---: | ---: |');
for (const name of examples) {
  const { child, url, token } = await start(name);
  const jwtHeaders = { authorization: `Bearer ${token}` };
  const health = await rps(`${url}/health`, jwtHeaders);
  const me = await rps(`${url}/v1/me`, jwtHeaders);
  const orders = await rps(`${url}/v1/orders`, { 'x-api-key': key });
  console.log(
    `| ${name} | ${health} | ${me} (${(me / health).toFixed(2)}x) | ${orders} (${(orders / health).toFixed(2)}x) |`,
  );
  child.kill();
}
