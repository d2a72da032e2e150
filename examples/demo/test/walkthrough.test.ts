import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/run.js';

const free = { DEMO_ISSUER_PORT: '0', DEMO_API_PORT: '0', DEMO_WEB_PORT: '0' };

async function run(env: Record<string, string>, argv: string[] = [], signal?: AbortSignal) {
  const lines: string[] = [];
  const code = await runDemo({
    env,
    argv,
    log: (line) => lines.push(line),
    signal: signal ?? new AbortController().signal,
  });
  return { code, output: lines.join('\n') };
}

describe('pnpm demo', () => {
  it('runs the scripted walk-through to completion against the real servers', async () => {
    const { code, output } = await run({ ...free, DEMO_EXIT_AFTER_WALKTHROUGH: '1' });
    expect(output, output).toContain('Walk-through complete: all 8 steps passed.');
    expect(code).toBe(0);
    expect(output).not.toContain('FAILED');
    // URLs and credentials first.
    expect(output).toMatch(/Issuer {3}http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toMatch(/API {6}http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toMatch(/Web {6}http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toContain('Demo user          alice / wonderland');
    // 1-2: client credentials, then 200.
    expect(output).toMatch(/1\. Client credentials[^\n]*\n\s+→ 200 token_type=Bearer/);
    expect(output).toMatch(/2\. Call the API[^\n]*\n\s+→ 200 \{"orders"/);
    // 3: 403 with its challenge.
    expect(output).toMatch(/3\. [^\n]*orders:admin[^\n]*\n\s+→ 403 /);
    expect(output).toContain(
      'WWW-Authenticate: Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope", scope="orders:admin"',
    );
    // 4: the API key.
    expect(output).toMatch(/4\. API key[^\n]*\n\s+→ 200 /);
    expect(output).toMatch(/"kind":"application"/);
    // 5: the code flow with PKCE, forms posted.
    expect(output).toContain('→ 200 login form');
    expect(output).toContain('→ 401 form again');
    expect(output).toContain('→ 200 consent form');
    expect(output).toMatch(/POST consent \(Allow\) → 302 to http:\/\/127\.0\.0\.1:\d+\/callback/);
    expect(output).toContain('state and iss match what was sent');
    expect(output).toContain('posted again → 400');
    expect(output).toMatch(/grant_type=authorization_code \+ code_verifier → 200/);
    expect(output).toMatch(/GET \/v1\/me with the user's token → 200 \{"kind":"user","id":"alice"/);
    // 6-8: refresh, reuse revokes the family.
    expect(output).toMatch(
      /6\. Refresh[^\n]*\n\s+→ 200 a new access token and a new refresh token \(different: true\)/,
    );
    expect(output).toMatch(/7\. Reuse[^\n]*\n[^\n]*\n\s+→ 400 \{"error":"invalid_grant"/);
    expect(output).toContain('POST /introspect the new access token → 200 {"active":false}');
    expect(output).toMatch(
      /GET \/v1\/me with it → 401 WWW-Authenticate: Bearer [^\n]*invalid_token/,
    );
    expect(output).toMatch(/newest refresh token → 400 \{"error":"invalid_grant"/);
  });

  it('says which port is taken and how to move it', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const { code, output } = await run({ ...free, DEMO_API_PORT: String(taken) });
      expect(code).toBe(1);
      expect(output).toContain(
        `Port ${taken} on 127.0.0.1 (the api) is already in use. Stop whatever listens there (another \`pnpm demo\`?) or pick another port: DEMO_API_PORT=<port> pnpm demo`,
      );
    } finally {
      blocker.close();
    }
  });

  it('serves until stopped (Ctrl-C), then closes its servers and exits 0', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    const done = runDemo({
      env: { ...free, DEMO_SKIP_WALKTHROUGH: '1' },
      argv: [],
      log: (line) => lines.push(line),
      signal: controller.signal,
    });
    await expect.poll(() => lines.join('\n'), { timeout: 10_000 }).toContain('Ctrl-C stops');
    const web = /Web {6}(http:\/\/127\.0\.0\.1:\d+)/.exec(lines.join('\n'))![1]!;
    expect((await fetch(web)).status).toBe(200);
    controller.abort();
    expect(await done).toBe(0);
    await expect(fetch(web)).rejects.toThrow();
  });
});
