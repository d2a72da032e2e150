// The markdown report (printed and written to RESULTS.md) and the issue's targets, PASS/MISS.
import { pairedRatio } from './stats.mjs';

const int = (/** @type {number | undefined} */ n) =>
  n === undefined || !Number.isFinite(n) ? 'n/a' : Math.round(n).toLocaleString('en-US');
const x = (/** @type {number | undefined} */ r) =>
  r === undefined || !Number.isFinite(r) ? '–' : `${r.toFixed(2)}x`;

/** The lowest and highest of the per-round ratios `a[r] / b[r]`. */
const range = (/** @type {number[] | undefined} */ a, /** @type {number[] | undefined} */ b) => {
  if (!a?.length || !b?.length || a.length !== b.length || a.length < 2) return '–';
  const ratios = a.map((v, i) => v / (b[i] ?? Number.NaN));
  return `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
};

// How far the rounds of one candidate fall apart: the noise a single ratio carries.
const spread = (/** @type {number[] | undefined} */ ratios) =>
  ratios && ratios.length > 1
    ? `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`
    : '–';

/** Limits for the memory checks, in MB of heap after GC. */
const MEMORY_LIMITS = { validGrowthMB: 4, garbageGrowthMB: 1 };

/**
 * @typedef {{ name: string, opsPerSec?: number, runs: number[], reason?: string }} CoreRow
 * @typedef {{ mode: string, label: string, rps?: number, p99?: number, ratioToBaseline?: number, ratios?: number[], reason?: string }} HttpRow
 * @typedef {{ target: string, value: number | undefined, min: number, status: 'PASS' | 'MISS' | 'n/a', note?: string }} Target
 */

/** @param {{ machine: Record<string, unknown>, config: any, results: any, elapsed: number }} input */
export function renderReport({ machine, config, results, elapsed }) {
  /** @type {string[]} */
  const md = [];
  /** @type {Target[]} */
  const targets = [];
  const target = (
    /** @type {string} */ name,
    /** @type {number | undefined} */ value,
    /** @type {number} */ min,
    /** @type {string | undefined} */ note,
  ) =>
    targets.push({
      target: name,
      value,
      min,
      status:
        value === undefined || !Number.isFinite(value) ? 'n/a' : value >= min ? 'PASS' : 'MISS',
      ...(note && { note }),
    });

  md.push(`# authcore benchmarks${config.smoke ? ' (smoke run: figures are meaningless)' : ''}`);
  md.push('');
  md.push(
    `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.platform}; ` +
      `load average at start ${(/** @type {number[]} */ (machine.loadAverage)).join(' / ')}. ` +
      `Date: ${machine.date}. Run took ${Math.round(elapsed)} s.`,
  );
  md.push('');
  md.push(
    'Run it with `pnpm build && pnpm bench` (every part, written here), or one part with ' +
      '`pnpm bench -- --part distinct` (parts: core, http, memory, issuer, distinct, paired; several ' +
      'with commas; or `BENCH_PART=distinct pnpm bench`): a partial run prints its tables and ' +
      'writes this file only with `--out=FILE`. `pnpm smoke` runs every part with tiny ' +
      'durations (the test suite does).',
  );
  md.push('');
  md.push(
    'Other processes were running on this machine, so absolute figures are noisy; ratios are ' +
      'taken between figures measured in alternation in the same run, round by round, and the ' +
      'median of the rounds is shown.',
  );

  if (results.core) {
    const c = config.core;
    md.push('', '## 1. Core verification');
    md.push('');
    md.push(
      `${c.concurrency} verifications in flight in one process, ${c.ms} ms per candidate per ` +
        `round, ${c.rounds} round(s), candidates in alternation; the same valid token every time ` +
        '(so "cache on" is the repeated-token case). authcore builds a request view per ' +
        'operation from a Node-like request (`nodeRequestView`), as an adapter does, and runs ' +
        'the whole `authenticate` (extraction, scheme selection, verification, principal).',
    );
    for (const { group, rows, pinned } of results.core) {
      /** @type {Map<string, CoreRow>} */
      const by = new Map(rows.map((/** @type {CoreRow} */ r) => [r.name, r]));
      const jose = by.get('jose.jwtVerify');
      const fastCache = by.get('fast-jwt (cache)');
      const floor = by.get('node:crypto verify (sync floor)');
      md.push('', `### ${group}`, '');
      if (group.includes('distinct')) {
        md.push(
          `${int(c.distinctTokens)} distinct ES256 tokens taken in turn, so every call verifies a ` +
            "signature (authcore's default cache holds 1,000 entries and misses every time); " +
            `${c.distinctMs} ms per candidate per round, ${c.distinctRounds} rounds (short ` +
            'windows: the CPU speed drifts over seconds here); ' +
            (pinned
              ? 'the process pinned to one CPU (`taskset`: the event loop and the threadpool that runs WebCrypto share it).'
              : 'nothing pinned (no `taskset` here).'),
          '',
          '| candidate | ops/s | vs jose.jwtVerify | rounds (lowest–highest) | vs crypto floor |',
          '| --- | ---: | ---: | ---: | ---: |',
        );
        for (const r of rows) {
          md.push(
            r.reason
              ? `| ${r.name} | n/a: ${r.reason} | | | |`
              : `| ${r.name} | ${int(r.opsPerSec)} | ${x(pairedRatio(r.runs, jose?.runs))} | ` +
                  `${range(r.runs, jose?.runs)} | ${x(pairedRatio(r.runs, floor?.runs))} |`,
          );
        }
        target(
          'core ES256, distinct tokens, one CPU: authcore cache off / jose.jwtVerify',
          pairedRatio(by.get('authcore (cache off)')?.runs, jose?.runs),
          0.98,
        );
        continue;
      }
      if (group === 'API key') {
        md.push(
          'The same valid key every time. The floor hashes the secret on every call; authcore ' +
            'hashes a key once, then keeps its digest (and still reads the store, compares the ' +
            'digest in constant time and checks revocation and expiry every time).',
          '',
          '| candidate | ops/s | vs floor |',
          '| --- | ---: | ---: |',
        );
        const apiFloor = by.get('node:crypto sha256 + Map (floor)');
        for (const r of rows) {
          md.push(
            r.reason
              ? `| ${r.name} | n/a: ${r.reason} | |`
              : `| ${r.name} | ${int(r.opsPerSec)} | ${x(pairedRatio(r.runs, apiFloor?.runs))} |`,
          );
        }
        continue;
      }
      md.push(
        '| candidate | ops/s | vs jose.jwtVerify | vs fast-jwt (cache) | vs crypto floor |',
        '| --- | ---: | ---: | ---: | ---: |',
      );
      for (const r of rows) {
        md.push(
          r.reason
            ? `| ${r.name} | n/a: ${r.reason} | | | |`
            : `| ${r.name} | ${int(r.opsPerSec)} | ${x(pairedRatio(r.runs, jose?.runs))} | ` +
                `${x(pairedRatio(r.runs, fastCache?.runs))} | ${x(pairedRatio(r.runs, floor?.runs))} |`,
        );
      }
      target(
        `core ${group}: authcore cache off / jose.jwtVerify`,
        pairedRatio(by.get('authcore (cache off)')?.runs, jose?.runs),
        1.0,
      );
      target(
        `core ${group}: authcore cache on / fast-jwt cache (repeated token)`,
        pairedRatio(by.get('authcore (cache on)')?.runs, fastCache?.runs),
        1.0,
      );
    }
  }

  if (results.http) {
    const h = config.http;
    md.push('', '## 2. HTTP');
    md.push('');
    md.push(
      `autocannon (programmatic, in a fresh child process of the bench) with ${h.connections} connections ` +
        `against one server per candidate, each in its own child process on 127.0.0.1; ` +
        `${h.amount ? `${h.amount} requests` : `${h.duration} s`} per run, ${h.rounds} round(s). ` +
        'Each round runs the no-auth baseline just before and just after every candidate, sent ' +
        'the same request as that candidate (the baseline ignores its credential, so a ratio ' +
        'is the cost of authenticating, not of sending a token); "vs no auth" is a ' +
        'candidate\'s req/s over the mean of the two baselines around it, "vs peer" is that ' +
        "ratio over the peer's (median over rounds). `GET /v1/me` answers `{ id }`; JWT rows " +
        'send the same ES256 `at+jwt` token, the API key row an `X-API-Key`. ' +
        (results.http.pinned
          ? 'The load generator is pinned to CPU 0 and the servers to the other CPU(s) (`taskset`), ' +
            'so the two never share a core; with one core for the load generator, the fastest ' +
            'servers are partly bounded by it.'
          : 'Nothing is pinned to a CPU on this machine; the load generator shares the cores with ' +
            'the servers, so the fastest servers are partly bounded by it.'),
    );
    md.push('');
    md.push(
      '| framework | candidate | req/s | p99 ms | vs no auth | rounds (lowest–highest) | vs peer |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const { framework, peer, rows } of results.http) {
      /** @type {Map<string, HttpRow>} */
      const by = new Map(rows.map((/** @type {HttpRow} */ r) => [r.mode, r]));
      const peerRow = by.get('peer');
      const vsPeer = (/** @type {HttpRow | undefined} */ r) =>
        r?.ratioToBaseline !== undefined && peerRow?.ratioToBaseline !== undefined
          ? r.ratioToBaseline / peerRow.ratioToBaseline
          : undefined;
      for (const r of rows) {
        md.push(
          r.reason
            ? `| ${framework} | ${r.label} | n/a: ${r.reason} | | | | |`
            : `| ${framework} | ${r.label} | ${int(r.rps)} | ${Number.isFinite(r.p99) ? r.p99 : '–'} | ` +
                `${r.mode === 'none' ? '1.00x' : x(r.ratioToBaseline)} | ${spread(r.ratios)} | ` +
                `${r.mode.startsWith('jwt') || r.mode === 'apikey' ? x(vsPeer(r)) : '–'} |`,
        );
      }
      if (framework === 'node') continue; // the core on bare node:http: for reference, no target
      const jwtCache = by.get('jwt-cache');
      target(
        `http ${framework}: authcore JWT cache on / no auth`,
        jwtCache?.ratioToBaseline,
        0.92,
        jwtCache?.reason,
      );
      target(
        `http ${framework}: authcore JWT cache on / ${peer}${framework === 'fastify' ? ' (cache on)' : ''}`,
        vsPeer(jwtCache),
        1.3,
        jwtCache?.reason ?? peerRow?.reason,
      );
      const key = by.get('apikey');
      target(
        `http ${framework}: authcore API key / no auth`,
        key?.ratioToBaseline,
        0.85,
        key?.reason,
      );
    }
  }

  if (results.memory) {
    const m = results.memory;
    md.push('', '## 3. Memory');
    md.push('');
    if (m.error) {
      md.push(`n/a: ${m.error}`);
    } else {
      md.push(
        `Heap used after two full GCs (\`--expose-gc\`), own process, one authenticator with a ` +
          `${m.cacheSize}-entry verified-token cache, ${64} in flight. Distinct tokens are HS256 ` +
          '(the scheme configured with a `secret`) so they are cheap to mint.',
      );
      if (m.tokens < 1_000_000) {
        md.push(
          '',
          `${m.tokens.toLocaleString('en-US')} valid tokens in this run, not a million: at this ` +
            `machine's ${int(m.validPerSec)} verifications/s a million takes minutes; ` +
            '`pnpm bench -- --only=memory --memory-tokens=1000000 --memory-garbage=1000000` runs it.',
        );
      }
      md.push('', '| measure | value |', '| --- | ---: |');
      md.push(`| heap at start | ${m.startMB} MB |`);
      md.push(
        `| heap with the cache full (${int(m.checkpoints[0]?.tokens)} tokens) | ${m.filledMB} MB |`,
      );
      for (const cp of m.checkpoints.slice(1)) {
        md.push(`| heap after ${int(cp.tokens)} distinct valid tokens | ${cp.heapMB} MB |`);
      }
      md.push(`| valid tokens accepted | ${int(m.accepted)} of ${int(m.tokens)} |`);
      md.push(`| growth past a full cache | ${m.validGrowthMB} MB |`);
      md.push(
        `| garbage tokens (malformed, wrong key, alg none, expired) | ${int(m.garbage)}, ${int(m.garbageAccepted)} accepted |`,
      );
      md.push(
        `| heap before / after the garbage | ${m.beforeGarbageMB} / ${m.afterGarbageMB} MB |`,
      );
      md.push(`| garbage verifications per second | ${int(m.garbagePerSec)} |`);
      targets.push({
        target: `memory: heap growth past a full cache over ${int(m.tokens)} tokens < ${MEMORY_LIMITS.validGrowthMB} MB`,
        value: m.validGrowthMB,
        min: MEMORY_LIMITS.validGrowthMB,
        status:
          m.accepted === m.tokens && m.validGrowthMB < MEMORY_LIMITS.validGrowthMB
            ? 'PASS'
            : 'MISS',
      });
      targets.push({
        target: `memory: heap growth after ${int(m.garbage)} garbage tokens < ${MEMORY_LIMITS.garbageGrowthMB} MB, none accepted`,
        value: m.garbageGrowthMB,
        min: MEMORY_LIMITS.garbageGrowthMB,
        status:
          m.garbageAccepted === 0 && m.garbageGrowthMB < MEMORY_LIMITS.garbageGrowthMB
            ? 'PASS'
            : 'MISS',
      });
    }
  }

  if (results.issuer) {
    const r = results.issuer;
    md.push('', '## 4. Issuer');
    md.push('');
    if (r.error) {
      md.push(`n/a: ${r.error}`);
    } else {
      md.push(
        `Client-credentials grants (HTTP Basic, one resource, ES256 \`at+jwt\` access tokens), ` +
          `${config.issuer.connections} connections, ${config.issuer.rounds} alternated rounds of ` +
          `${config.issuer.duration} s, each issuer in its own process` +
          `${r.pinned ? ' pinned to the CPU(s) the load generator does not use' : ''}.`,
      );
      md.push('', '| issuer | tokens/s | p99 ms |', '| --- | ---: | ---: |');
      for (const row of r.rows) md.push(`| ${row.issuer} | ${int(row.rps)} | ${row.p99} |`);
      md.push(
        '',
        `authcore / oidc-provider: ${x(r.ratio)} (rounds ${x(r.ratioLow)}–${x(r.ratioHigh)}).`,
      );
      target('issuer: client-credentials tokens/s vs oidc-provider', r.ratio, 1.5);
    }
  }

  if (results.distinct) {
    const d = results.distinct;
    const dc = config.distinct;
    md.push('', '## 5. Distinct tokens over HTTP');
    md.push('');
    if (d.error) {
      md.push(`n/a: ${d.error}`);
    } else {
      md.push(
        `Every request carries the next of ${int(d.tokens)} distinct ES256 \`at+jwt\` tokens ` +
          '(hono/jwt gets the same claims with `typ: JWT`: it refuses `at+jwt`), so every request ' +
          "verifies a signature: authcore's adapters with their default options (a 1,000-entry " +
          'verified-token cache, which then never hits) against the peer middleware on the same ' +
          'framework with its defaults, and two floors on bare node:http: `jose.jwtVerify` (key ' +
          'imported once; iss, aud, alg, exp) and a synchronous `node:crypto` ECDSA check with the ' +
          `same claims by hand. autocannon, ${dc.connections} connections, ` +
          `${dc.amount ? `${dc.amount} requests` : `${dc.duration} s`} per run; every server in ` +
          'its own process, all candidates alternated round by round (order reversed every ' +
          'round); "vs peer" and "vs floor" are medians of per-round ratios, with their range. ' +
          '`GET /v1/me` answers `{ id }` (the token\'s `sub`). "One CPU": every server pinned to ' +
          'CPU 1, the load generator to CPU 0 (`taskset`); "two CPUs": nothing pinned, the load ' +
          'generator and the server share both cores.',
      );
      for (const sc of d.scenarios) {
        /** @type {Map<string, any>} */
        const by = new Map(sc.rows.map((/** @type {any} */ r) => [r.key, r]));
        const jose = by.get('jose');
        const cryptoFloor = by.get('crypto');
        md.push(
          '',
          `### ${sc.scenario}${sc.scenario === 'one CPU' && !sc.pinned ? ' (not pinned in this run)' : ''}, ${sc.rounds} round(s)`,
          '',
        );
        md.push(
          '| framework | candidate | req/s | p99 ms | vs peer | rounds (lowest–highest) | vs jose floor | vs crypto floor |',
          '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
        );
        for (const r of sc.rows) {
          const peer = r.role === 'authcore' ? by.get(`${r.key}-peer`) : undefined;
          md.push(
            r.reason
              ? `| ${r.framework} | ${r.label} | n/a: ${r.reason} | | | | | |`
              : `| ${r.framework} | ${r.label} | ${int(r.rps)} | ${Number.isFinite(r.p99) ? r.p99 : '–'} | ` +
                  `${peer ? x(pairedRatio(r.runs, peer.runs)) : '–'} | ${peer ? range(r.runs, peer.runs) : '–'} | ` +
                  `${x(pairedRatio(r.runs, jose?.runs))} | ${x(pairedRatio(r.runs, cryptoFloor?.runs))} |`,
          );
        }
        if (sc.scenario !== 'one CPU') continue;
        for (const [key, min] of /** @type {const} */ ([
          ['hono', 1.0],
          ['fastify', 1.2],
        ])) {
          const a = by.get(key);
          const p = by.get(`${key}-peer`);
          target(
            `distinct tokens, one CPU: @authcore/${key} / ${p?.label ?? key}`,
            pairedRatio(a?.runs, p?.runs),
            min,
            a?.reason ?? p?.reason,
          );
        }
      }
    }
  }

  if (results.paired) {
    const p = results.paired;
    const pc = config.paired;
    md.push('', '## 6. HTTP, paired with the baseline (the figures for the no-auth targets)', '');
    if (p.error) md.push(`n/a: ${p.error}`);
    else {
      md.push(
        'Part 2 measures a candidate and the no-auth server one after the other, and on this ' +
          'shared VM the CPU speed drifts by a third from second to second. Here the no-auth ' +
          'server and the candidate run at the same time' +
          (p.pinned ? ', both pinned to the same CPU (the load generators to the other)' : '') +
          `, each driven by its own load generator (${p.loader}, ${pc.connections} connections, ` +
          `${pc.duration} s, ${pc.rounds} round(s)). The scheduler gives them the same share of ` +
          'the CPU, and the same drift, so the ratio of their requests per second is the ratio ' +
          'of their costs per request. Both get the candidate’s request (the baseline ignores ' +
          'the credential). The control row pairs two no-auth servers: its distance from 1.00x ' +
          'is the method’s own error.' +
          (p.loader === 'wrk'
            ? ''
            : ' Without `wrk` autocannon drives both from one process, and the fastest servers ' +
              'can outrun it: their ratios are then pulled towards 1.00x.'),
        '',
        '| framework | candidate | req/s | baseline req/s | vs no auth | rounds (lowest–highest) |',
        '| --- | --- | ---: | ---: | ---: | ---: |',
      );
      for (const { framework, rows } of p.frameworks) {
        for (const r of rows) {
          const label = r.label ?? r.mode;
          md.push(
            r.reason
              ? `| ${framework} | ${label} | n/a: ${r.reason} | | | |`
              : `| ${framework} | ${label} | ${int(r.rps)} | ${int(r.baseRps)} | ${x(r.ratio)} | ${spread(r.ratios)} |`,
          );
        }
        if (framework === 'node') continue;
        const jwtCache = rows.find((/** @type {{ mode: string }} */ r) => r.mode === 'jwt-cache');
        target(
          `http ${framework}, paired: authcore JWT cache on / no auth`,
          jwtCache?.ratio,
          0.92,
          jwtCache?.reason,
        );
      }
    }
  }

  md.push('', '## Targets', '');
  md.push('| target | value | needed | result |', '| --- | ---: | ---: | --- |');
  for (const t of targets) {
    const isMemory = t.target.startsWith('memory');
    md.push(
      `| ${t.target} | ${isMemory ? `${t.value} MB` : x(t.value)} | ${isMemory ? `< ${t.min} MB` : `≥ ${t.min.toFixed(2)}x`} | ${t.status}${t.note ? ` (${t.note})` : ''} |`,
    );
  }
  return { markdown: md.join('\n'), targets };
}
