// Old against new, paired: `node src/against.mjs <old checkout>` (both built). For each framework
// and candidate, the old checkout's bench server and this one's run at the same time on the same
// CPU, each with its own load generator (part 6's method, `wrk` when installed), so the ratio
// new / old is taken under the same drift; the no-auth pair is the control. Then the core alone:
// both builds' authenticators in this process, in 100 ms windows, new bracketed by old.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { httpAffinity } from './affinity.mjs';
import { timeBox } from './core.mjs';
import { AUDIENCE, ISSUER, jwtFixture, serverFixture } from './fixtures.mjs';
import { FRAMEWORKS, headersFor, startServer } from './http.mjs';
import { hasWrk, load } from './paired.mjs';
import { median } from './stats.mjs';

const oldDir = resolve(process.argv[2] ?? '');
const oldServer = join(oldDir, 'bench/src/server.mjs');
const oldCore = join(oldDir, 'packages/core/dist/index.js');
if (!existsSync(oldServer) || !existsSync(oldCore))
  throw new Error('usage: node src/against.mjs <a built checkout of an older authcore>');
const rounds = Number(process.argv[3] ?? 5);
const opts = { duration: 3, connections: 32 };
const wrk = hasWrk();
const fixture = await serverFixture();
const q = (/** @type {number[]} */ r) => {
  const s = [...r].sort((a, b) => a - b);
  return `${median(r).toFixed(2)}x (${s[0]?.toFixed(2)}–${s.at(-1)?.toFixed(2)})`;
};

console.log(`loader: ${wrk ? 'wrk' : 'autocannon'}, ${rounds} rounds of ${opts.duration} s\n`);
console.log('| framework | candidate | new / old |');
console.log('| --- | --- | ---: |');
const affinity = httpAffinity();
try {
  for (const framework of Object.keys(FRAMEWORKS)) {
    for (const mode of ['none', 'jwt-cache', 'apikey']) {
      const old = await startServer(framework, mode, fixture, oldServer);
      const now = await startServer(framework, mode, fixture);
      if ('error' in old || 'error' in now) {
        console.log(`| ${framework} | ${mode} | n/a |`);
        continue;
      }
      affinity.server(old.child.pid);
      affinity.server(now.child.pid);
      const headers = headersFor(framework, mode, fixture);
      const warm = { ...opts, duration: 1 };
      await Promise.all([load(old.port, headers, warm, wrk), load(now.port, headers, warm, wrk)]);
      const ratios = [];
      for (let r = 0; r < rounds; r++) {
        const [a, b] = await Promise.all([
          load(old.port, headers, opts, wrk),
          load(now.port, headers, opts, wrk),
        ]);
        ratios.push(b / a);
      }
      console.log(
        `| ${framework} | ${mode === 'none' ? 'no auth (control)' : mode} | ${q(ratios)} |`,
      );
      old.child.kill();
      now.child.kill();
    }
  }
} finally {
  affinity.restore();
}

// The core alone: `authenticate` of each build on the same request, 64 in flight.
const NEW = await import('@authcore/core');
const OLD = await import(pathToFileURL(oldCore).href);
const { key, record } = await NEW.generateApiKey({ prefix: 'sk_live', owner: 'bench' });
const es = await jwtFixture('ES256');
console.log('\n| core, in one process | new / old |\n| --- | ---: |');
for (const what of ['jwt-cache', 'apikey']) {
  const make = (/** @type {typeof NEW} */ M) =>
    what === 'apikey'
      ? M.createAuthenticator({ schemes: [M.apiKey({ store: new M.MemoryApiKeyStore([record]) })] })
      : M.createAuthenticator({
          schemes: [
            M.jwt({ issuer: ISSUER, audience: AUDIENCE, algorithms: ['ES256'], keys: es.jwk }),
          ],
        });
  const header = what === 'apikey' ? ['X-API-Key', key] : ['Authorization', `Bearer ${es.token}`];
  const req = { method: 'GET', url: '/v1/me', rawHeaders: ['Host', 'h', ...header], socket: null };
  const a = make(OLD);
  const b = make(NEW);
  const fa = () => a.authenticate(OLD.nodeRequestView(req));
  const fb = () => b.authenticate(NEW.nodeRequestView(req));
  if (!(await fa()).ok || !(await fb()).ok) throw new Error(`${what}: a build refused`);
  await timeBox(fa, 300, 64);
  await timeBox(fb, 300, 64);
  const ratios = [];
  for (let i = 0; i < 30; i++) {
    const before = await timeBox(fa, 100, 64);
    const mid = await timeBox(fb, 100, 64);
    const after = await timeBox(fa, 100, 64);
    ratios.push(mid / ((before + after) / 2));
  }
  console.log(`| ${what} | ${q(ratios)} |`);
}
