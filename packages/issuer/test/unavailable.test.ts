import { createIssuer, type IssuerOptions } from '@authcore/issuer';
import { describe, expect, it } from 'vitest';
import { SERVICE } from './helpers.js';

// A store that cannot answer is the server's problem: 503 temporarily_unavailable with
// Retry-After (clients retry), never a 500 or a refusal the client would act on. Any other
// unexpected error stays a 500 server_error. The stores are real ones that fail as Redis does.
class Down extends Error {
  readonly unavailable = true;
}
const clients = (fail: () => Error): NonNullable<IssuerOptions['clients']> => ({
  get: () => Promise.reject(fail()),
});
const token = (issuer: ReturnType<typeof createIssuer>) =>
  issuer.fetch(
    new Request('https://as.test/token', {
      method: 'POST',
      headers: { authorization: SERVICE, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    }),
  );

describe('a store that cannot answer', () => {
  it('is a 503 temporarily_unavailable with Retry-After at /token, reported to onError', async () => {
    const seen: unknown[] = [];
    const issuer = createIssuer({
      issuer: 'https://as.test',
      clients: clients(() => new Down('redis: no answer within 500 ms')),
      onError: (e) => seen.push(e),
    });
    const res = await token(issuer);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the authorization server is temporarily unavailable',
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(Down);
  });

  it('at /authorize too, as an error page (no redirect to a client not yet checked)', async () => {
    const issuer = createIssuer({
      issuer: 'https://as.test',
      clients: clients(() => new Down('down')),
      authorize: () => ({ userId: 'u' }),
      onError: () => {},
    });
    const res = await issuer.fetch(
      new Request('https://as.test/authorize?response_type=code&client_id=webapp'),
    );
    expect(res.status).toBe(503);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the authorization server is temporarily unavailable',
    });
  });

  it('any other unexpected error stays a 500 server_error', async () => {
    const issuer = createIssuer({
      issuer: 'https://as.test',
      clients: clients(() => new Error('a bug')),
      onError: () => {},
    });
    const res = await token(issuer);
    expect(res.status).toBe(500);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(await res.json()).toEqual({ error: 'server_error' });
  });
});
