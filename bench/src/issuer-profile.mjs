// Profiling aid for the issuer part: `node src/issuer-profile.mjs [authcore|oidc-provider] [s]`
// starts one issuer under `--cpu-prof` (profiles in bench/prof/), loads it with autocannon for
// `s` seconds, stops it; `node src/profile-summary.mjs prof/<file>.cpuprofile` lists where time goes.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { BODY, HEADERS } from './issuer.mjs';

const [kind = 'authcore', seconds = '10'] = process.argv.slice(2);
const dir = fileURLToPath(new URL('../prof/', import.meta.url));
const child = fork(fileURLToPath(new URL('./issuer-server.mjs', import.meta.url)), [], {
  env: { ...process.env, NODE_ENV: 'production', BENCH_ISSUER: kind },
  execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
});
const port = await new Promise((resolve, reject) => {
  child.once('message', (/** @type {{ port?: number, error?: string }} */ m) =>
    m.port ? resolve(m.port) : reject(new Error(m.error)),
  );
});
const result = await autocannon({
  url: `http://127.0.0.1:${port}/token`,
  method: 'POST',
  headers: HEADERS,
  body: BODY,
  connections: 16,
  duration: Number(seconds),
});
console.log(`${kind}: ${Math.round(result.requests.average)} tokens/s, non-2xx ${result.non2xx}`);
child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));
console.log(`profile in ${dir}`);
process.exit(0);
