// `pnpm bench`: the full suite (core verification, HTTP, memory, issuer, distinct tokens), a table
// on stdout and bench/RESULTS.md. `--smoke`: the same harness with tiny durations, a few seconds
// in all, writing nothing unless `--out` is given (the test suite runs it so the harness cannot rot).
//
// Options: --smoke, --part=core,http,memory,issuer,distinct,paired (or --only=, or BENCH_PART; a partial
// run writes no RESULTS.md unless --out is given), --out=FILE (markdown), --json=FILE,
// --frameworks=express,koa, --core-ms, --rounds, --http-s, --memory-tokens, --memory-garbage,
// --tokens (distinct tokens, 5,000). `--k v` works as `--k=v` does.
import { fork } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { runCore } from './core.mjs';
import { runIssuer } from './issuer.mjs';
import { renderReport } from './report.mjs';

/** @type {Record<string, string>} */
const argv = {};
{
  const args = process.argv.slice(2).filter((a) => a !== '--');
  for (let i = 0; i < args.length; i++) {
    const [k = '', ...v] = (args[i] ?? '').replace(/^--/, '').split('=');
    if (v.length) argv[k] = v.join('=');
    else if (args[i + 1] !== undefined && !args[i + 1]?.startsWith('--')) argv[k] = args[++i] ?? '';
    else argv[k] = 'true';
  }
}
const smoke = argv.smoke === 'true';
const num = (/** @type {string} */ k, /** @type {number} */ d) =>
  argv[k] === undefined ? d : Number(argv[k]);
const ALL = 'core,http,memory,issuer,distinct,paired';
const only = new Set((argv.part ?? argv.only ?? process.env.BENCH_PART ?? ALL).split(','));
const partial = ALL.split(',').some((p) => !only.has(p));
const KEEP_MARKER = '<!-- written by hand below: pnpm bench keeps it -->';
const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);

const config = {
  smoke,
  core: {
    ms: num('core-ms', smoke ? 40 : 1000),
    warmupMs: smoke ? 20 : 500,
    // Four rounds: on a shared two-core machine single runs swing by a fifth or more.
    rounds: num('rounds', smoke ? 1 : 4),
    concurrency: 64,
    distinctTokens: num('tokens', smoke ? 50 : 5000),
    distinctMs: smoke ? 40 : 200,
    distinctRounds: num('rounds', smoke ? 1 : 25),
  },
  http: {
    duration: num('http-s', 2),
    warmup: 1,
    rounds: num('rounds', smoke ? 1 : 4),
    connections: 64,
    // Smoke: a fixed number of requests instead of a duration.
    ...(smoke && { amount: 64, warmupAmount: 64 }),
    ...(argv.frameworks && { frameworks: argv.frameworks.split(',') }),
  },
  issuer: {
    duration: num('http-s', 2),
    warmup: 1,
    rounds: num('rounds', smoke ? 1 : 5),
    connections: 16,
    ...(smoke && { amount: 32 }),
  },
  distinct: {
    tokens: num('tokens', smoke ? 50 : 5000),
    duration: num('http-s', 2),
    warmup: 1,
    rounds: num('rounds', smoke ? 1 : 5),
    roundsBoth: num('rounds', smoke ? 1 : 3),
    connections: 64,
    ...(smoke && { amount: 32 }),
  },
  paired: {
    duration: num('http-s', 3),
    rounds: num('rounds', smoke ? 1 : 5),
    connections: 32,
    ...(smoke && { amount: 32 }),
    ...(argv.frameworks && { frameworks: argv.frameworks.split(',') }),
  },
  memory: {
    tokens: num('memory-tokens', smoke ? 1000 : 1_000_000),
    garbage: num('memory-garbage', smoke ? 1000 : 100_000),
    cache: smoke ? 100 : 1000,
  },
};

/** A part run in `http-child.mjs` (a process of its own): its result, sent back over IPC. */
function inChild(/** @type {'distinct' | 'paired'} */ part) {
  const script = fileURLToPath(new URL('./http-child.mjs', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(script, [JSON.stringify(config[part]), part], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    /** @type {object | undefined} */
    let message;
    child.on('message', (m) => {
      message = /** @type {object} */ (m);
    });
    child.on('exit', (code) => {
      if (code === 0 && message) resolve(message);
      else reject(new Error(`${part} run failed (${code})`));
    });
  });
}

/** @returns {Promise<object[] & { pinned: boolean }>} */
function runHttp() {
  const script = fileURLToPath(new URL('./http-child.mjs', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(script, [JSON.stringify(config.http), 'http'], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    /** @type {{ rows: object[], pinned: boolean } | undefined} */
    let message;
    child.on('message', (m) => {
      message = /** @type {{ rows: object[], pinned: boolean }} */ (m);
    });
    child.on('exit', (code) => {
      if (code === 0 && message) resolve(Object.assign(message.rows, { pinned: message.pinned }));
      else reject(new Error(`http run failed (${code})`));
    });
  });
}

/** @returns {Promise<Record<string, number | string | object>>} */
function runMemory() {
  const script = fileURLToPath(new URL('./memory.mjs', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(
      script,
      [
        `--tokens=${config.memory.tokens}`,
        `--garbage=${config.memory.garbage}`,
        `--cache=${config.memory.cache}`,
      ],
      { execArgv: ['--expose-gc'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
    );
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => {
      out += d;
    });
    child.stderr?.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}'));
      else reject(new Error(`memory run failed (${code}): ${err.trim().split('\n').pop()}`));
    });
  });
}

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  date: new Date().toISOString(),
};

const started = performance.now();
/** @type {{ core?: Awaited<ReturnType<typeof runCore>>, http?: Awaited<ReturnType<typeof runHttp>>, memory?: Awaited<ReturnType<typeof runMemory>> | { error: string }, issuer?: Awaited<ReturnType<typeof runIssuer>> | { error: string }, distinct?: object, paired?: object }} */
const results = {};
const lap = (/** @type {string} */ part) =>
  log(`${part} (${Math.round(performance.now() - started) / 1000} s)…`);
if (only.has('core')) {
  lap('core verification');
  results.core = await runCore(config.core);
}
if (only.has('http')) {
  lap('http');
  results.http = await runHttp();
}
if (only.has('memory')) {
  lap('memory');
  try {
    results.memory = await runMemory();
  } catch (error) {
    results.memory = { error: /** @type {Error} */ (error).message };
  }
}
if (only.has('issuer')) {
  lap('issuer');
  try {
    results.issuer = await runIssuer(config.issuer, log);
  } catch (error) {
    results.issuer = { error: /** @type {Error} */ (error).message };
  }
}
if (only.has('distinct')) {
  lap('distinct tokens');
  try {
    results.distinct = await inChild('distinct');
  } catch (error) {
    results.distinct = { error: /** @type {Error} */ (error).message };
  }
}
if (only.has('paired')) {
  lap('http, paired with the baseline');
  try {
    results.paired = await inChild('paired');
  } catch (error) {
    results.paired = { error: /** @type {Error} */ (error).message };
  }
}
const elapsed = (performance.now() - started) / 1000;

const { markdown, targets } = renderReport({ machine, config, results, elapsed });
process.stdout.write(`${markdown}\n`);
const RESULTS = fileURLToPath(new URL('../RESULTS.md', import.meta.url));
const out = argv.out ?? (smoke || partial ? undefined : RESULTS);
if (out) {
  // What follows the marker in RESULTS.md is written by hand (the multi-instance fault run): kept.
  const kept = existsSync(out) ? readFileSync(out, 'utf8').split(KEEP_MARKER)[1] : undefined;
  writeFileSync(out, `${markdown}\n${kept === undefined ? '' : `\n${KEEP_MARKER}${kept}`}`);
}
if (argv.json) {
  writeFileSync(argv.json, JSON.stringify({ machine, config, results, targets, elapsed }, null, 2));
}
// autocannon (the issuer part runs it in this process) can leave a timer behind: the run is over.
process.exit(0);
