// The `authcore-keys` command: creates and inspects API keys. Node only (it parses argv with
// `node:util`), so it lives outside `src/`: the library stays free of `node:` imports, and the
// published bin (dist/bin/authcore-keys.js) imports the library by its package name.
import { parseArgs } from 'node:util';
import { apiKeyRecord, generateApiKey, parseApiKey } from '@authcore/core';

export const USAGE = `usage:
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
} as const;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Milliseconds since the epoch; `Date.now` by default. */
  now?: () => number;
}

/** A usage mistake: exit code 2 with the message on stderr. */
class UsageError extends Error {}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function expiry(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) return now + Number(relative[1]) * UNITS[relative[2]!]!;
  const at = Date.parse(value);
  if (Number.isNaN(at))
    throw new UsageError(`--expires: not a date nor a duration such as 30d: ${value}`);
  return at;
}

function metadata(pairs: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--meta expects key=value, got ${pair}`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** Runs the command and returns its exit code: 0 done, 1 an invalid key (`check`), 2 a usage error. */
export async function runKeysCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`authcore-keys: ${message}\n`);
    return 2;
  }
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const [command, key, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  const now = (io.now ?? Date.now)();
  const fields = () => {
    if (!values.owner) throw new UsageError('--owner is required');
    return {
      owner: values.owner,
      scopes: values.scopes ?? [],
      expiresAt: expiry(values.expires, now),
      metadata: metadata(values.meta),
    };
  };
  const print = (fullKey: string, record: unknown) => {
    if (values.json) io.stdout(`${JSON.stringify({ key: fullKey, record })}\n`);
    else io.stdout(`${fullKey}\n${JSON.stringify(record, null, 2)}\n`);
  };

  switch (command) {
    case 'create': {
      if (key !== undefined) throw new UsageError('create takes no positional key');
      const { key: created, record } = await generateApiKey({
        ...fields(),
        prefix: values.prefix ?? 'sk',
        now: () => now,
      });
      print(created, record);
      return 0;
    }
    case 'record': {
      if (key === undefined) throw new UsageError('record needs the key');
      if (values.prefix !== undefined) throw new UsageError('record takes the prefix from the key');
      print(key, await apiKeyRecord(key, { ...fields(), now: () => now }));
      return 0;
    }
    case 'check': {
      if (key === undefined) throw new UsageError('check needs the key');
      const parts = parseApiKey(key);
      if (!parts) {
        io.stdout('invalid: malformed or checksum mismatch\n');
        return 1;
      }
      io.stdout(`valid: prefix ${parts.prefix}, id ${parts.id}\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${command}\n${USAGE}`);
  }
}
