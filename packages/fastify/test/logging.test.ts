import { createAuthenticator, jwt } from '@authcore/core';
import { authcore, authenticate } from '@authcore/fastify';
import { createTestIssuer, type TestIssuer } from '@authcore/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordLogLine } from '../../../test/logs/sink.js';

let issuer: TestIssuer;
const apps: FastifyInstance[] = [];
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await issuer?.close();
});

/** A Fastify app at debug level whose pino lines are kept, parsed. */
async function app(register: (app: FastifyInstance) => void) {
  const lines: Record<string, unknown>[] = [];
  const stream = {
    write: (line: string) => {
      recordLogLine('pino', line);
      lines.push(JSON.parse(line));
    },
  };
  const fastify = Fastify({ logger: { level: 'debug', stream } });
  register(fastify);
  apps.push(fastify);
  const url = await fastify.listen({ port: 0, host: '127.0.0.1' });
  return {
    lines,
    get: (path: string, token: string) =>
      fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } }),
  };
}

describe('request.log', () => {
  it('logs each refusal on request.log (with its reqId), never the token', async () => {
    const authenticator = createAuthenticator({ schemes: [jwt(issuer.jwtOptions())] });
    const { lines, get } = await app((f) => {
      f.register(authcore, { authenticator });
      f.get('/orders', async () => ({ ok: true }));
    });
    const good = await issuer.issueToken({ sub: 'u1', scope: 'orders:read' });
    const expired = await issuer.issueToken({ sub: 'u1', exp: 1 });
    expect((await get('/orders', good)).status).toBe(200);
    expect((await get('/orders', expired)).status).toBe(401);
    const refusals = lines.filter((l) => l.msg === 'authcore: request refused');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({
      level: 20,
      code: 'invalid_token',
      status: 401,
      scheme: 'jwt',
      reqId: expect.any(String),
    });
    expect(typeof refusals[0]!.reason).toBe('string');
    const all = JSON.stringify(lines);
    for (const part of [...good.split('.'), ...expired.split('.')]) expect(all).not.toContain(part);
  });

  it('`requestLog: false` keeps authcore off request.log', async () => {
    const authenticator = createAuthenticator({ schemes: [jwt(issuer.jwtOptions())] });
    const { lines, get } = await app((f) => {
      f.get('/x', { onRequest: authenticate(authenticator, { requestLog: false }) }, async () => 1);
    });
    expect((await get('/x', 'not-a-jwt')).status).toBe(401);
    expect(lines.filter((l) => String(l.msg).startsWith('authcore'))).toEqual([]);
  });
});
