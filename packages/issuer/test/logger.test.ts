import type { Logger } from '@authcore/core';
import { createIssuer, type IssuerOptions } from '@authcore/issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizeCode,
  challengeOf,
  codeFor,
  post,
  REDIRECT,
  SERVICE,
  type Served,
  serve,
  VERIFIER,
  WEBAPP,
} from './helpers.js';

type Line = { level: keyof Logger; fields: Record<string, unknown>; message: string };

/**
 * A logger of the shape pino and console share: `lines` since the last reset, `all` ever given.
 */
function capture(): { logger: Logger; lines: Line[]; all: Line[] } {
  const lines: Line[] = [];
  const all: Line[] = [];
  const at = (level: keyof Logger) => (fields: Record<string, unknown>, message: string) => {
    lines.push({ level, fields, message });
    all.push({ level, fields, message });
  };
  return {
    lines,
    all,
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
  };
}

// A store error as Redis's would be: marked unavailable, and with a message naming what it held.
class Down extends Error {
  readonly unavailable = true;
}
const SECRET_IN_ERROR = 'family-7f3c.secret-in-a-store-error';

const tokenRequest = (issuer: ReturnType<typeof createIssuer>) =>
  issuer.fetch(
    new Request('https://as.test/token', {
      method: 'POST',
      headers: { authorization: SERVICE, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    }),
  );

function failingIssuer(fail: () => Error, logger: Logger, clock: { t: number }) {
  const clients: IssuerOptions['clients'] = { get: () => Promise.reject(fail()) };
  return createIssuer({ issuer: 'https://as.test', clients, logger, now: () => clock.t });
}

describe('the issuer logger', () => {
  it('warns once per minute per endpoint for a store outage, with a debug line per request', async () => {
    const { logger, lines } = capture();
    const clock = { t: Date.UTC(2030, 0, 1) };
    const issuer = failingIssuer(() => new Down(`redis: GET ${SECRET_IN_ERROR}`), logger, clock);
    for (let i = 0; i < 3; i++) expect((await tokenRequest(issuer)).status).toBe(503);
    expect(lines.filter((l) => l.level === 'warn')).toEqual([
      {
        level: 'warn',
        fields: { endpoint: 'token', error: 'temporarily_unavailable', errorName: 'Error' },
        message:
          'authcore issuer: a store is unavailable: answering 503 temporarily_unavailable (onError has the error)',
      },
    ]);
    expect(lines.filter((l) => l.level === 'debug')).toEqual(
      Array(3).fill({
        level: 'debug',
        fields: { endpoint: 'token', error: 'temporarily_unavailable', status: 503 },
        message: 'authcore issuer: request refused',
      }),
    );
    // Another endpoint has its own warning; the same one warns again a minute later.
    const authorize = await issuer.fetch(
      new Request('https://as.test/authorize?response_type=code&client_id=webapp'),
    );
    expect(authorize.status).toBe(404); // no `authorize` hook: no endpoint, nothing logged
    clock.t += 60_000;
    await tokenRequest(issuer);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(2);
    expect(JSON.stringify(lines)).not.toContain(SECRET_IN_ERROR);
  });

  it('warns for an unexpected error by its name only, never its message', async () => {
    const { logger, lines } = capture();
    const issuer = failingIssuer(() => new TypeError(SECRET_IN_ERROR), logger, { t: 0 });
    expect((await tokenRequest(issuer)).status).toBe(500);
    expect(lines.map((l) => [l.level, l.fields])).toEqual([
      ['warn', { endpoint: 'token', error: 'server_error', errorName: 'TypeError' }],
      ['debug', { endpoint: 'token', error: 'server_error', status: 500 }],
    ]);
    expect(lines[0]!.message).toBe(
      'authcore issuer: an unexpected error: answering 500 server_error (onError has the error)',
    );
    expect(JSON.stringify(lines)).not.toContain(SECRET_IN_ERROR);
  });

  it('a logger that throws does not change the answer', async () => {
    const broken: Logger = {
      debug: () => {
        throw new Error('log sink down');
      },
      info: () => {},
      warn: () => {
        throw new Error('log sink down');
      },
      error: () => {},
    };
    const issuer = failingIssuer(() => new Down('down'), broken, { t: 0 });
    expect((await tokenRequest(issuer)).status).toBe(503);
  });
});

describe('refused requests are logged at debug with their OAuth error code, and no secret', () => {
  const { logger, lines, all } = capture();
  let served: Served;
  const used: string[] = [
    'service-secret-0123456789abcdef',
    'webapp-secret-0123456789abcdef',
    VERIFIER,
  ];
  beforeAll(async () => {
    served = await serve({
      logger,
      registration: { policy: 'open' },
      dynamicClients: { audience: ['https://api.example.test'], scopes: ['read'] },
    });
  });
  afterAll(() => served.close());
  const debug = () => lines.filter((l) => l.level === 'debug').map((l) => l.fields);

  it('a refused grant: the endpoint, the code and the status', async () => {
    lines.length = 0;
    const wrong = `Basic ${Buffer.from('service:not-the-secret-0123456789').toString('base64')}`;
    used.push('not-the-secret-0123456789');
    expect(
      (
        await post(
          `${served.url}/token`,
          { grant_type: 'client_credentials' },
          { authorization: wrong },
        )
      ).status,
    ).toBe(401);
    const code = await codeFor(served, 'webapp');
    used.push(code);
    const exchange = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
    };
    const first = await post(`${served.url}/token`, exchange, { authorization: WEBAPP });
    expect(first.status).toBe(200);
    used.push(String(first.body!.access_token), String(first.body!.refresh_token));
    // The code again: refused, and the grant is revoked.
    expect((await post(`${served.url}/token`, exchange, { authorization: WEBAPP })).status).toBe(
      400,
    );
    const refresh = await post(
      `${served.url}/token`,
      { grant_type: 'refresh_token', refresh_token: String(first.body!.refresh_token) },
      { authorization: WEBAPP },
    );
    expect(refresh.status).toBe(400);
    expect(debug()).toEqual([
      { endpoint: 'token', error: 'invalid_client', status: 401 },
      { endpoint: 'token', error: 'invalid_grant', status: 400 },
      { endpoint: 'token', error: 'invalid_grant', status: 400 },
    ]);
    expect(lines.every((l) => l.message === 'authcore issuer: request refused')).toBe(true);
  });

  it('an authorization error redirected to the client, and a 405', async () => {
    lines.length = 0;
    const { status } = await authorizeCode(served, {
      response_type: 'token',
      client_id: 'webapp',
      redirect_uri: REDIRECT,
      code_challenge: await challengeOf(VERIFIER),
      code_challenge_method: 'S256',
    });
    expect(status).toBe(302);
    expect((await fetch(`${served.url}/jwks`, { method: 'POST' })).status).toBe(405);
    expect(debug()).toEqual([
      { endpoint: 'authorize', error: 'unsupported_response_type', status: 302 },
      { endpoint: 'jwks', error: 'invalid_request', status: 405 },
    ]);
  });

  it('registration: a wrong registration access token is logged, the client secret never', async () => {
    lines.length = 0;
    const res = await fetch(`${served.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [REDIRECT], scope: 'read' }),
    });
    expect(res.status).toBe(201);
    const registered = (await res.json()) as Record<string, string>;
    used.push(registered.client_secret!, registered.registration_access_token!);
    const wrongToken = `${registered.registration_access_token!.slice(0, -2)}AA`;
    used.push(wrongToken);
    const read = await fetch(`${served.url}/register?client_id=${registered.client_id}`, {
      headers: { authorization: `Bearer ${wrongToken}` },
    });
    expect(read.status).toBe(401);
    const token = await post(
      `${served.url}/token`,
      { grant_type: 'refresh_token', refresh_token: 'x.y' },
      {
        authorization: `Basic ${Buffer.from(`${registered.client_id}:${registered.client_secret}`).toString('base64')}`,
      },
    );
    expect(token.status).toBe(400);
    expect(debug()).toEqual([
      { endpoint: 'registration', error: 'invalid_token', status: 401 },
      // Authenticated by its secret, then refused the grant it did not register for.
      { endpoint: 'token', error: 'unauthorized_client', status: 400 },
    ]);
  });

  it('no line holds a token, code, verifier or secret the tests used', () => {
    expect(all.length).toBeGreaterThan(5);
    const text = JSON.stringify(all);
    for (const value of used) expect(text).not.toContain(value);
  });
});
