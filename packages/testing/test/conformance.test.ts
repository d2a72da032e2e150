import { createServer } from 'node:http';
import { nodeRequestView } from '@authcore/core';
import { conformanceHarness, listenOnLoopback } from '@authcore/testing';
import { afterAll, describe, expect, it } from 'vitest';

// The smallest conformance app: `/v1/me` only, with nothing but the core.
const h = await conformanceHarness((auth) =>
  listenOnLoopback(
    createServer(async (req, res) => {
      const result = await auth.authenticate(nodeRequestView(req));
      const r = result.ok
        ? { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' }
        : auth.render(result.error);
      res.writeHead(r.status, r.headers).end(r.body);
    }),
  ),
);
afterAll(() => h.close());
const named = (name: string) => {
  const c = h.cases.find((x) => x.name === name);
  if (!c) throw new Error(`no case ${name}`);
  return c;
};

describe('the conformance table', () => {
  it('names the reason of every refusal, and none for a success', () => {
    const refusals = h.cases.filter((c) => c.expect.status >= 400);
    expect(refusals.length).toBeGreaterThan(30);
    for (const c of h.cases) {
      if (c.expect.status >= 400) expect(c.expect.reason, c.name).toMatch(/^[a-z_]+$/);
      else expect(c.expect.reason, c.name).toBeUndefined();
      expect(c.expect.reason).not.toBe('unspecified');
    }
  });

  it('the harness checks the reason the server refused for', async () => {
    const expired = named('expired JWT');
    expect(await h.check(expired)).toEqual([]);
    // Same status, code, header and body; another reason: a refusal for the wrong reason fails.
    expect(
      await h.check({ ...expired, expect: { ...expired.expect, reason: 'signature_invalid' } }),
    ).toEqual(['reasons ["token_expired"], expected ["signature_invalid"]']);
    // A row that forgets its reason fails too.
    const { reason: _, ...noReason } = expired.expect;
    expect(await h.check({ ...expired, expect: noReason })).toEqual([
      'reasons ["token_expired"], expected []',
    ]);
  });
});
