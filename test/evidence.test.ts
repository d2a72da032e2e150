import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

// scripts/evidence.mjs is what the closing notes quote: it must keep running and saying so.
// It runs the built packages (`pnpm build` first).
it('scripts/evidence.mjs prints the outage, the telemetry and every provider profile', async () => {
  const script = fileURLToPath(new URL('../scripts/evidence.mjs', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 60_000 });
  const section = (title: string) => stdout.slice(stdout.indexOf(title));
  expect(stdout).toContain('## (a) JWKS outage');
  expect(section('JWKS down')).toMatch(
    /"level":"warn".*"reason":"key_source_unavailable"[\s\S]*HTTP 503\n\s+www-authenticate: Bearer realm="api", error="temporarily_unavailable"[\s\S]*retry-after: \d+/,
  );
  expect(section('## (b)')).toMatch(
    /span authcore\.authenticate[\s\S]*authcore\.outcome = "success"/,
  );
  expect(section('## (b)')).toMatch(
    /metric authcore\.requests .*"authcore\.outcome":"success"\} 1/,
  );
  expect(section('## (b)')).toContain('metric authcore.jwks.fetches');
  for (const p of ['auth0', 'okta', 'entra', 'keycloak', 'cognito'])
    expect(section(`### ${p}(`)).toMatch(
      /^### \S+[\s\S]*?\n {2}accepted {2}[\s\S]*?\n {2}refused {3}/,
    );
  expect(stdout).toContain(
    'refused   ID token posing as access token: 401 invalid_token (reason claim_missing)',
  );
  expect(stdout).toContain(
    'refused   token of another tenant: 401 invalid_token (reason issuer_mismatch)',
  );
  expect(stdout).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  expect(stdout.trimEnd().endsWith('evidence: done')).toBe(true);
}, 90_000);
