import type { IncomingMessage, ServerResponse } from 'node:http';
import { createAuthenticator, type IntrospectionOptions, introspection } from '@authcore/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, clock, INVALID_TOKEN, type JsonServer, startJsonServer } from './fixtures.js';

let server: JsonServer;
const active: Record<string, Record<string, unknown>> = {};
// Requests held until `release()`: the way to make lookups overlap for real.
let held: (() => void)[] = [];
let holding = false;
const release = () => {
  const waiting = held;
  held = [];
  for (const go of waiting) go();
};

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => resolve(body));
  });

const answer = async (req: IncomingMessage, res: ServerResponse) => {
  const token = new URLSearchParams(await readBody(req)).get('token') ?? '';
  const send = () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(active[token] ?? { active: false }));
  };
  if (holding) held.push(send);
  else send();
};

beforeAll(async () => {
  server = await startJsonServer();
  for (const path of ['/a', '/b', '/c', '/d', '/e']) server.route(path, answer);
  server.route('/broken', (_req, res) => {
    res.writeHead(500).end();
  });
});
afterAll(() => server.close());

const future = () => Math.floor(Date.now() / 1000) + 600;
const auth = (path: string, extra: Partial<IntrospectionOptions> = {}) =>
  createAuthenticator({
    schemes: [
      introspection({
        endpoint: `${server.origin}${path}`,
        clientId: 'api',
        clientSecret: 'secret',
        ...extra,
      }),
    ],
  });

const unavailable = (retryAfter: string) => ({
  status: 503,
  headers: {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'www-authenticate':
      'Bearer realm="api", error="temporarily_unavailable", error_description="Authentication is temporarily unavailable"',
    'retry-after': retryAfter,
  },
  body: '{"error":"temporarily_unavailable","error_description":"Authentication is temporarily unavailable"}',
});

describe('introspection under load', () => {
  it('fifty concurrent requests with one token make one call', async () => {
    active['shared-token'] = { active: true, sub: 'u1', exp: future() };
    const a = auth('/a');
    holding = true;
    const pending = Array.from({ length: 50 }, () => a.authenticate(bearer('shared-token')));
    await new Promise((r) => setTimeout(r, 100));
    holding = false;
    release();
    const results = await Promise.all(pending);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(server.hitsOf('/a')).toBe(1);
  });

  it('remembers a refused token for 10 seconds by default, then asks again', async () => {
    const c = clock(Date.now());
    const a = auth('/b', { now: c.now });
    for (let i = 0; i < 20; i++) {
      const result = await a.authenticate(bearer('garbage-token'));
      expect(result.ok).toBe(false);
      if (!result.ok) {
        const r = a.render(result.error);
        expect({
          status: r.status,
          wwwAuthenticate: r.headers['www-authenticate'],
          body: r.body,
        }).toEqual(INVALID_TOKEN);
        // The remembered refusal keeps its reason.
        expect(result.error.reason).toBe('token_inactive');
      }
    }
    expect(server.hitsOf('/b')).toBe(1);
    c.t += 10_001;
    expect((await a.authenticate(bearer('garbage-token'))).ok).toBe(false);
    expect(server.hitsOf('/b')).toBe(2);
    // Concurrent refusals share one call too.
    await Promise.all(Array.from({ length: 10 }, () => a.authenticate(bearer('other-garbage'))));
    expect(server.hitsOf('/b')).toBe(3);
  });

  it('a failing endpoint is never remembered; as a 503 it carries Retry-After', async () => {
    const a = auth('/broken', { onUnavailable: 'temporarily_unavailable' });
    for (let i = 0; i < 3; i++) {
      const result = await a.authenticate(bearer('any-token'));
      if (result.ok) throw new Error('expected a refusal');
      expect(a.render(result.error)).toEqual(unavailable('5'));
      expect(result.error.reason).toBe('introspection_unavailable');
    }
    expect(server.hitsOf('/broken')).toBe(3);
  });

  it('bounds the calls in flight: beyond maxConcurrent, 503 with Retry-After, no call', async () => {
    for (const t of ['t1', 't2', 't3', 't4']) active[t] = { active: true, sub: t, exp: future() };
    const a = auth('/c', { maxConcurrent: 2 });
    holding = true;
    const first = [a.authenticate(bearer('t1')), a.authenticate(bearer('t2'))];
    // Same token as one in flight: it joins that call and is not refused.
    const joined = a.authenticate(bearer('t1'));
    const over = await a.authenticate(bearer('t3'));
    if (over.ok) throw new Error('expected a refusal');
    expect(a.render(over.error)).toEqual(unavailable('1'));
    expect(over.error.reason).toBe('introspection_overloaded');
    await new Promise((r) => setTimeout(r, 100));
    holding = false;
    release();
    expect((await Promise.all([...first, joined])).map((r) => r.ok)).toEqual([true, true, true]);
    expect(server.hitsOf('/c')).toBe(2);
    expect((await a.authenticate(bearer('t4'))).ok).toBe(true);
    expect(server.hitsOf('/c')).toBe(3);
    expect(() => auth('/c', { maxConcurrent: 0 })).toThrow(TypeError);
  });

  it('refuses a non-number nbf like a non-number exp', async () => {
    const a = auth('/d');
    const cases: [string, Record<string, unknown>][] = [
      ['nbf-string', { nbf: 'yesterday' }],
      ['nbf-null', { nbf: null }],
      ['nbf-object', { nbf: {} }],
      ['exp-string', { exp: 'never' }],
    ];
    for (const [token, claims] of cases) {
      active[token] = { active: true, sub: 'u1', exp: future(), ...claims };
      const result = await a.authenticate(bearer(token));
      if (result.ok) throw new Error(`${token}: expected a refusal`);
      const r = a.render(result.error);
      expect({
        token,
        status: r.status,
        wwwAuthenticate: r.headers['www-authenticate'],
        body: r.body,
      }).toEqual({ token, ...INVALID_TOKEN });
    }
    // The same token with a numeric nbf in the past is accepted.
    active['nbf-number'] = { active: true, sub: 'u1', exp: future(), nbf: 1 };
    expect((await a.authenticate(bearer('nbf-number'))).ok).toBe(true);
  });
});
