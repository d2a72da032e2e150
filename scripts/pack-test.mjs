// Packaging test: what npm users get. Packs every publishable package (packages/* without
// `private: true`) with `pnpm pack`, installs all the tarballs and the frameworks (the adapters'
// peer dependencies) with one `npm install` into a scratch project outside the workspace, then
// from an ESM file and a CJS file imports every entry point of every package and runs real
// authenticated requests per adapter on 127.0.0.1 with a token from @authcore/testing. Each
// tarball must carry npm metadata (repository with its directory, homepage, bugs, MIT license), a
// LICENSE file and a README whose links all work on npm (absolute). The `authcore-keys` bin runs
// from the installed tarball through `npx`.
// Needs the packages built (`pnpm build`). `--keep` keeps the temp dir. Prints `N passed, N failed`.
import { execFile, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
// Where every package's repository, homepage and bugs point, and READMEs' links lead.
const REPOSITORY = 'https://github.com/authcore/authcore';
const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;

let passed = 0;
let failed = 0;
function record(ok, name, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok' : 'not ok'} - ${name}${detail ? `: ${detail}` : ''}`);
}
async function check(name, fn) {
  try {
    const detail = await fn();
    record(true, name, typeof detail === 'string' ? detail : '');
    return true;
  } catch (error) {
    record(false, name, error?.stderr?.trim() || error?.stack || String(error));
    return false;
  }
}

// pnpm passes its own npm_config_* settings to scripts; the scratch npm must not inherit them.
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') && !k.startsWith('PNPM_')),
);

/** Every file an export map points at, for the "is it built?" check. */
const exportTargets = (value) =>
  typeof value === 'string'
    ? [value]
    : value && typeof value === 'object'
      ? Object.values(value).flatMap(exportTargets)
      : [];

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => join(root, 'packages', dir))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => manifest.private !== true)
  .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));

const tmp = mkdtempSync(join(tmpdir(), 'authcore-pack-'));
const tarballs = join(tmp, 'tarballs');
const scratch = join(tmp, 'scratch');
mkdirSync(tarballs);
mkdirSync(scratch);
const cleanup = () => {
  if (keep) console.log(`# kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

console.log(
  `# ${packages.length} publishable packages: ${packages.map((p) => p.manifest.name).join(' ')}`,
);
console.log(`# scratch project: ${scratch}`);

try {
  await main();
} catch (error) {
  record(false, 'pack test', error?.stack ?? String(error));
} finally {
  cleanup();
}
console.log(`# ${seconds()}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

async function main() {
  if (!relative(root, scratch).startsWith('..'))
    throw new Error(`${scratch} is inside the workspace`);

  // 1. Built?
  const built = await check('every export target of every package is built', () => {
    const missing = packages.flatMap(({ dir, manifest }) =>
      exportTargets(manifest.exports)
        .filter((target) => !existsSync(join(dir, target)))
        .map((target) => `${manifest.name} ${target}`),
    );
    if (missing.length > 0) throw new Error(`missing (run \`pnpm build\`): ${missing.join(', ')}`);
  });
  if (!built) return;

  // 2. pnpm pack, two at a time (pnpm's startup dominates).
  const tarballOf = new Map();
  const queue = [...packages];
  await Promise.all(
    [0, 1].map(async () => {
      for (let pkg = queue.shift(); pkg; pkg = queue.shift()) {
        const { manifest, dir } = pkg;
        const before = new Set(readdirSync(tarballs));
        const ok = await check(`pnpm pack ${manifest.name}`, async () => {
          await run('pnpm', ['pack', '--pack-destination', tarballs], {
            cwd: dir,
            env: process.env,
          });
          const file = readdirSync(tarballs).find(
            (f) => !before.has(f) && f.startsWith(manifest.name.replace('@', '').replace('/', '-')),
          );
          if (!file) throw new Error('no tarball written');
          tarballOf.set(manifest.name, join(tarballs, file));
          return file;
        });
        if (ok) await checkTarball(manifest, tarballOf.get(manifest.name));
      }
    }),
  );
  if (tarballOf.size !== packages.length) return;

  // 3. One npm install: all the tarballs (so @authcore/* resolve to them, never the registry)
  //    and the frameworks the adapters are made for.
  const frameworks = new Map();
  for (const { manifest } of packages) {
    // A peer that is one of ours (@authcore/mcp's adapters) comes from its tarball.
    for (const [name, range] of Object.entries(manifest.peerDependencies ?? {}))
      if (!packages.some((p) => p.manifest.name === name)) frameworks.set(name, range);
    if (manifest.name === '@authcore/hono')
      frameworks.set('@hono/node-server', manifest.devDependencies?.['@hono/node-server'] ?? '*');
  }
  writeFileSync(
    join(scratch, 'package.json'),
    `${JSON.stringify({ name: 'authcore-pack-scratch', version: '0.0.0', private: true }, null, 2)}\n`,
  );
  const installed = await check('npm install the tarballs and the frameworks', async () => {
    const specs = [
      ...[...tarballOf.values()].map((file) => relative(scratch, file)),
      ...[...frameworks].map(([name, range]) => `${name}@${range}`),
    ];
    const t0 = Date.now();
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...specs], {
      cwd: scratch,
      env: cleanEnv,
      timeout: 300_000,
    });
    return `${[...frameworks.keys()].join(' ')} in ${((Date.now() - t0) / 1000).toFixed(1)}s`;
  });
  if (!installed) return;

  await check('@authcore/* resolve only to the local tarballs (one copy each)', () => {
    const lock = JSON.parse(readFileSync(join(scratch, 'package-lock.json'), 'utf8'));
    const entries = Object.entries(lock.packages).filter(([path]) =>
      /(^|\/)node_modules\/@authcore\//.test(path),
    );
    const problems = [];
    for (const { manifest } of packages) {
      const path = `node_modules/${manifest.name}`;
      const copies = entries.filter(([p]) => p.endsWith(path));
      if (copies.length !== 1) problems.push(`${manifest.name}: ${copies.length} copies`);
      for (const [p, entry] of copies) {
        if (p !== path) problems.push(`${manifest.name} nested at ${p}`);
        if (!String(entry.resolved).startsWith('file:'))
          problems.push(`${manifest.name} resolved from ${entry.resolved}`);
        if (entry.version !== manifest.version)
          problems.push(`${manifest.name} ${entry.version} is not ${manifest.version}`);
      }
    }
    if (problems.length > 0) throw new Error(problems.join('; '));
  });

  // 4. The `authcore-keys` bin of @authcore/core, as `npx authcore-keys` finds it.
  if (packages.some(({ manifest }) => manifest.name === '@authcore/core'))
    await check('npx authcore-keys: create, record, check', async () => {
      const keys = (...args) =>
        run('npx', ['--no-install', 'authcore-keys', ...args], { cwd: scratch, env: cleanEnv });
      const created = JSON.parse(
        (
          await keys(
            'create',
            '--owner',
            'acme',
            '--prefix',
            'sk_live',
            '--scopes',
            'a b',
            '--json',
          )
        ).stdout,
      );
      if (!/^sk_live_/.test(created.key) || created.record.owner !== 'acme')
        throw new Error(`create printed ${JSON.stringify(created)}`);
      const { record } = JSON.parse(
        (await keys('record', created.key, '--owner', 'acme', '--scopes', 'a b', '--json')).stdout,
      );
      if (record.hash !== created.record.hash || record.id !== created.record.id)
        throw new Error('record of the created key has another id or hash');
      const valid = (await keys('check', created.key)).stdout;
      if (valid !== `valid: prefix sk_live, id ${record.id}\n`) throw new Error(`check: ${valid}`);
      const typo = await keys(
        'check',
        `${created.key.slice(0, -1)}${created.key.endsWith('x') ? 'y' : 'x'}`,
      ).then(
        () => 'exit 0',
        (error) => error.code,
      );
      if (typo !== 1) throw new Error(`check of a mistyped key: ${typo}`);
      return `key ${record.hint}`;
    });

  // 5. The consumers: the same code from ESM and from CJS.
  const entries = packages.flatMap(({ manifest }) =>
    Object.keys(manifest.exports ?? { '.': manifest.main })
      .filter((key) => !key.includes('*'))
      .map((key) => ({
        pkg: manifest.name,
        spec: key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`,
        json: key.endsWith('.json'),
      })),
  );
  const adapters = ['express', 'koa', 'fastify', 'hono'].filter((a) =>
    packages.some(({ manifest }) => manifest.name === `@authcore/${a}`),
  );
  const args = JSON.stringify({ entries, adapters });
  writeFileSync(
    join(scratch, 'esm.mjs'),
    `const load = (s) => import(s, s.endsWith('.json') ? { with: { type: 'json' } } : undefined);\n(${consumer})(load, 'esm', ${args});\n`,
  );
  writeFileSync(
    join(scratch, 'cjs.cjs'),
    `const load = async (s) => require(s);\n(${consumer})(load, 'cjs', ${args});\n`,
  );
  for (const file of ['esm.mjs', 'cjs.cjs']) await runConsumer(file);

  await check('ESM and CJS entry points export the same names', () => {
    const read = (kind) => JSON.parse(readFileSync(join(scratch, `names-${kind}.json`), 'utf8'));
    const esm = read('esm');
    const cjs = read('cjs');
    const diffs = [];
    for (const { spec, json } of entries) {
      if (json) continue;
      const a = esm[spec] ?? [];
      const b = cjs[spec] ?? [];
      const onlyEsm = a.filter((n) => !b.includes(n));
      const onlyCjs = b.filter((n) => !a.includes(n));
      if (onlyEsm.length || onlyCjs.length)
        diffs.push(`${spec}: ESM only [${onlyEsm}], CJS only [${onlyCjs}]`);
    }
    if (diffs.length > 0) throw new Error(diffs.join('; '));
    return `${Object.keys(esm).length} entry points`;
  });
}

/** The packed manifest has no `workspace:` range and the tarball ships only what npm users need. */
async function checkTarball(manifest, file) {
  await check(`${manifest.name} tarball: real ranges, only dist and metadata`, async () => {
    const { stdout: list } = await run('tar', ['-tzf', file]);
    const extra = list
      .split('\n')
      .filter(Boolean)
      .filter(
        (f) =>
          !/^package\/(package\.json|README\.md|LICENSE(\.md)?|CHANGELOG\.md|dist\/.+)$/.test(f),
      );
    if (extra.length > 0) throw new Error(`unexpected files: ${extra.join(', ')}`);
    const { stdout } = await run('tar', ['-xOzf', file, 'package/package.json']);
    const packed = JSON.parse(stdout);
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [name, range] of Object.entries(packed[field] ?? {})) {
        if (String(range).startsWith('workspace:'))
          throw new Error(`${field}.${name} is still ${range}`);
        const local = packages.find((p) => p.manifest.name === name);
        if (local && !String(range).includes(local.manifest.version))
          throw new Error(
            `${field}.${name} is ${range}, not the workspace's ${local.manifest.version}`,
          );
      }
    }
    return `${list.split('\n').filter(Boolean).length} files`;
  });
  await check(
    `${manifest.name} tarball: npm metadata, LICENSE, README links that work on npm`,
    async () => {
      const read = async (name) => (await run('tar', ['-xOzf', file, `package/${name}`])).stdout;
      const packed = JSON.parse(await read('package.json'));
      const problems = metadataProblems(packed, relative(root, dirOf(manifest.name)));
      const license = await read('LICENSE').catch(() => '');
      if (!/^MIT License\b/.test(license) || !license.includes('authcore contributors'))
        problems.push('no MIT LICENSE file naming "authcore contributors"');
      const links = relativeLinks(await read('README.md').catch(() => ''));
      if (links.length > 0) problems.push(`relative links in README.md: ${links.join(', ')}`);
      if (problems.length > 0) throw new Error(problems.join('; '));
    },
  );
}

function dirOf(name) {
  return packages.find((p) => p.manifest.name === name).dir;
}

/** What npm shows beside a package: repository (with its folder), homepage, bugs and license. */
function metadataProblems(packed, directory) {
  const problems = [];
  if (packed.license !== 'MIT') problems.push(`license is ${packed.license}`);
  const repo = packed.repository;
  if (repo?.type !== 'git' || repo?.url !== `git+${REPOSITORY}.git`)
    problems.push(`repository is ${JSON.stringify(repo)}`);
  if (repo?.directory !== directory) problems.push(`repository.directory is not ${directory}`);
  if (packed.homepage !== `${REPOSITORY}/tree/main/${directory}#readme`)
    problems.push(`homepage is ${packed.homepage}`);
  if (packed.bugs?.url !== `${REPOSITORY}/issues`)
    problems.push(`bugs is ${JSON.stringify(packed.bugs)}`);
  return problems;
}

/**
 * Link targets npm cannot follow: it renders the README away from the repository, so a link must
 * be absolute (an in-page `#anchor` is fine). Inline links, reference definitions, href and src.
 */
function relativeLinks(markdown) {
  const targets = [
    ...markdown.matchAll(/\]\(\s*<?([^)\s>]+)/g),
    ...markdown.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm),
    ...markdown.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/g),
  ].map((m) => m[1]);
  return targets.filter((t) => !/^(https?:|mailto:|#)/i.test(t));
}

/** Runs one consumer file with node and folds its `ok` / `not ok` lines into the totals. */
function runConsumer(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { cwd: scratch, env: cleanEnv });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let lines = 0;
      for (const line of out.split('\n')) {
        const m = /^(ok|not ok) - (.*)$/.exec(line);
        if (m) {
          lines++;
          if (m[1] === 'ok') passed++;
          else failed++;
        }
        if (line) console.log(line);
      }
      if (code !== 0 && !/^not ok/m.test(out))
        record(false, `${file} exited with ${signal ?? code}`, err.trim());
      else if (err.trim()) console.log(`# ${file} stderr: ${err.trim()}`);
      if (lines === 0 && code === 0) record(false, `${file} ran no check`);
      resolve();
    });
  });
}

/**
 * The scratch project's code, serialized into esm.mjs and cjs.cjs: it must not close over
 * anything. `load` is `import()` or `require`.
 */
async function consumer(load, kind, { entries, adapters }) {
  let failed = 0;
  const check = async (name, fn) => {
    try {
      await fn();
      console.log(`ok - [${kind}] ${name}`);
    } catch (error) {
      failed++;
      console.log(`not ok - [${kind}] ${name}: ${error?.stack ?? error}`);
    }
  };
  const def = (m) => m.default ?? m;
  const verb = kind === 'esm' ? 'import' : 'require';

  const names = {};
  for (const { pkg, spec, json } of entries) {
    await check(`${verb} ${spec}`, async () => {
      const mod = await load(spec);
      if (json) {
        if (def(mod).name !== pkg) throw new Error(`name is ${def(mod).name}`);
        return;
      }
      const keys = Object.keys(mod)
        .filter((k) => k !== 'default' && k !== '__esModule' && k !== 'module.exports')
        .sort();
      if (keys.length === 0) throw new Error('exports nothing');
      names[spec] = keys;
    });
  }
  def(await load('node:fs')).writeFileSync(`names-${kind}.json`, JSON.stringify(names));

  const core = await load('@authcore/core');
  const { createTestIssuer } = await load('@authcore/testing');
  const issuer = await createTestIssuer();
  const authenticator = core.createAuthenticator({
    schemes: [core.jwt(issuer.jwtOptions()), core.apiKey({ store: issuer.apiKeyStore })],
  });
  const token = await issuer.issueToken({ scope: 'orders:read' });
  const key = await issuer.createApiKey({ scopes: ['orders:read'] });
  const show = (auth) => ({ id: auth.id, scheme: auth.scheme });
  const nodeServer = (server) =>
    new Promise((resolve, reject) => {
      const ready = () =>
        resolve({
          port: server.address().port,
          close: () =>
            new Promise((done) => {
              server.closeAllConnections();
              server.close(() => done());
            }),
        });
      if (server.listening) ready();
      else server.once('listening', ready).once('error', reject);
    });

  const servers = {
    async express() {
      const express = def(await load('express'));
      const { authenticate } = await load('@authcore/express');
      const app = express();
      app.get('/me', authenticate(authenticator), (req, res) => res.json(show(req.auth)));
      return nodeServer(app.listen(0, '127.0.0.1'));
    },
    async koa() {
      const Koa = def(await load('koa'));
      const { authenticate } = await load('@authcore/koa');
      const app = new Koa();
      app.use(authenticate(authenticator));
      app.use((ctx) => {
        ctx.body = show(ctx.state.auth);
      });
      return nodeServer(app.listen(0, '127.0.0.1'));
    },
    async fastify() {
      const Fastify = def(await load('fastify'));
      const { authcore } = await load('@authcore/fastify');
      const app = Fastify();
      await app.register(authcore, { authenticator });
      app.get('/me', async (request) => show(request.auth));
      await app.listen({ port: 0, host: '127.0.0.1' });
      return { port: app.server.address().port, close: () => app.close() };
    },
    async hono() {
      const { Hono } = await load('hono');
      const { serve } = await load('@hono/node-server');
      const { authenticate } = await load('@authcore/hono');
      const app = new Hono();
      app.get('/me', authenticate(authenticator), (c) => c.json(show(c.get('auth'))));
      return nodeServer(serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }));
    },
  };

  const expectResponse = async (res, status, body, challenge) => {
    const text = await res.text();
    if (res.status !== status) throw new Error(`status ${res.status}, body ${text}`);
    if (body !== undefined && text !== body) throw new Error(`body ${text}, not ${body}`);
    const www = res.headers.get('www-authenticate');
    if (challenge !== undefined && www !== challenge)
      throw new Error(`WWW-Authenticate ${www}, not ${challenge}`);
  };
  for (const name of adapters) {
    await check(`@authcore/${name}: requests to a real server on 127.0.0.1`, async () => {
      const server = await servers[name]();
      try {
        const url = `http://127.0.0.1:${server.port}/me`;
        const auth = { authorization: `Bearer ${token}` };
        await expectResponse(
          await fetch(url, { headers: auth }),
          200,
          '{"id":"user-1","scheme":"jwt"}',
        );
        const byKey = await fetch(url, { headers: { 'x-api-key': key } });
        await expectResponse(
          byKey,
          200,
          `{"id":"${issuer.apiKeys.get(key).id}","scheme":"apiKey"}`,
        );
        await expectResponse(
          await fetch(url),
          401,
          '{"error":"credentials_required","error_description":"Authentication required"}',
          'Bearer realm="api", ApiKey realm="api"',
        );
      } finally {
        await server.close();
      }
    });
  }
  await issuer.close();
  process.exit(failed === 0 ? 0 : 1);
}
