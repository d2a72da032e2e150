#!/usr/bin/env node
// Creates and inspects authcore API keys from the command line. Uses the built core
// (packages/core/dist): run `pnpm --filter @authcore/core build` first. AUTHCORE_CORE_MODULE may
// name another build of the core (its tests use a fresh one).
//
//   node scripts/authcore-keys.mjs create --owner acme --prefix sk_live --scopes "orders:read orders:write"
//   node scripts/authcore-keys.mjs record <key> --owner acme --scopes "orders:read"
//   node scripts/authcore-keys.mjs check <key>
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const USAGE = `usage:
  authcore-keys create --owner <owner> [--prefix sk] [--scopes "a b"] [--expires <ISO date | 30d | 12h>] [--meta k=v]... [--json]
      a new key (printed once: store it now) and its record (what your store keeps)
  authcore-keys record <key> --owner <owner> [--scopes "a b"] [--expires …] [--meta k=v]... [--json]
      the record of an existing key, to seed a store
  authcore-keys check <key>
      whether a key is well formed with a matching checksum (no store consulted)`;

const OPTIONS = {
  owner: { type: 'string' },
  prefix: { type: 'string' },
  scopes: { type: 'string' },
  expires: { type: 'string' },
  meta: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

function fail(message) {
  process.stderr.write(`authcore-keys: ${message}\n`);
  process.exit(2);
}

async function loadCore() {
  try {
    // biome-ignore lint/suspicious/noUndeclaredEnvVars: a test seam, not an input of any turbo task
    const module = process.env.AUTHCORE_CORE_MODULE;
    const url = module
      ? pathToFileURL(module)
      : new URL('../packages/core/dist/index.js', import.meta.url);
    return await import(url.href);
  } catch (cause) {
    fail(
      `cannot load packages/core/dist (run \`pnpm --filter @authcore/core build\`): ${cause.message}`,
    );
  }
}

function expiry(value, now) {
  if (value === undefined) return undefined;
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2]];
    return now + Number(relative[1]) * unit;
  }
  const at = Date.parse(value);
  if (Number.isNaN(at)) fail(`--expires: not a date nor a duration such as 30d: ${value}`);
  return at;
}

function metadata(pairs = []) {
  const out = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) fail(`--meta expects key=value, got ${pair}`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

async function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    fail(`${error.message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const [command, key, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (rest.length > 0) fail(`unexpected arguments: ${rest.join(' ')}`);
  const core = await loadCore();
  const now = Date.now();
  const fields = () => {
    if (!values.owner) fail('--owner is required');
    return {
      owner: values.owner,
      scopes: values.scopes ?? [],
      expiresAt: expiry(values.expires, now),
      metadata: metadata(values.meta),
    };
  };
  const print = (fullKey, record) => {
    if (values.json) process.stdout.write(`${JSON.stringify({ key: fullKey, record })}\n`);
    else process.stdout.write(`${fullKey}\n${JSON.stringify(record, null, 2)}\n`);
  };

  switch (command) {
    case 'create': {
      if (key !== undefined) fail('create takes no positional key');
      const { key: created, record } = await core
        .generateApiKey({ ...fields(), prefix: values.prefix ?? 'sk', now: () => now })
        .catch((error) => fail(error.message));
      print(created, record);
      return;
    }
    case 'record': {
      if (key === undefined) fail('record needs the key');
      if (values.prefix !== undefined) fail('record takes the prefix from the key');
      const record = await core
        .apiKeyRecord(key, { ...fields(), now: () => now })
        .catch((error) => fail(error.message));
      print(key, record);
      return;
    }
    case 'check': {
      if (key === undefined) fail('check needs the key');
      const parts = core.parseApiKey(key);
      if (!parts) {
        process.stdout.write('invalid: malformed or checksum mismatch\n');
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`valid: prefix ${parts.prefix}, id ${parts.id}\n`);
      return;
    }
    default:
      fail(`unknown command ${command}\n${USAGE}`);
  }
}

await main(process.argv.slice(2));
