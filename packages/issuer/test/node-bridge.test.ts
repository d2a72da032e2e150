import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { createIssuer, toNodeListener } from '@authcore/issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, CLIENTS, SERVICE } from './helpers.js';

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const issuer = createIssuer({ issuer: `http://127.0.0.1:${port}`, clients: CLIENTS });
  server.on('request', toNodeListener(issuer, { trustProxy: false }));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends raw bytes on a socket to 127.0.0.1 and returns the whole answer. */
function raw(request: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // Written, not ended: `Connection: close` makes the server close once it has answered.
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      data += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1]);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
  });
}

describe('toNodeListener builds the URL with the core’s validated builder', () => {
  it('a Host carrying a path and query is refused with 400, not served as another endpoint', async () => {
    // Pasted unchecked, `Host: example.com/jwks?` turned `GET /other` into `GET /jwks?/other`.
    const res = await raw(
      'GET /other HTTP/1.1\r\nHost: example.com/jwks?\r\nConnection: close\r\n\r\n',
    );
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({
      error: 'invalid_request',
      error_description: 'malformed Host header or request target',
    });
  });

  it('refuses a malformed X-Forwarded-Host when proxies are trusted', async () => {
    const issuer = createIssuer({ issuer: 'https://as.example', clients: CLIENTS });
    const proxied = createServer(toNodeListener(issuer, { trustProxy: true }));
    await new Promise<void>((resolve) => proxied.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(proxied.address() as AddressInfo).port}`;
      const bad = await fetch(`${url}/nothing`, {
        headers: { 'x-forwarded-host': 'as.example/jwks#', 'x-forwarded-proto': 'https' },
      });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toEqual({
        error: 'invalid_request',
        error_description: 'malformed Host header or request target',
      });
      const good = await fetch(`${url}/jwks`, {
        headers: { 'x-forwarded-host': 'as.example', 'x-forwarded-proto': 'https' },
      });
      expect(good.status).toBe(200);
    } finally {
      await new Promise((resolve) => proxied.close(resolve));
    }
  });

  it('serves a well-formed Host (name and port) as before', async () => {
    const res = await raw(
      `GET /jwks HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toHaveProperty('keys');
  });
});

describe('two Authorization lines at /token through the bridge', () => {
  it('are refused with 400 invalid_request, not answered with the first one', async () => {
    const form = 'grant_type=client_credentials';
    const res = await raw(
      `POST /token HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n` +
        `Authorization: ${SERVICE}\r\nAuthorization: ${basic('webapp', 'webapp-secret-0123456789abcdef')}\r\n` +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n\r\n${form}`,
    );
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({
      error: 'invalid_request',
      error_description: 'use only one Authorization header',
    });
  });
});

describe('one client authentication method at /token (RFC 6749 §2.3)', () => {
  const issuer = createIssuer({ issuer: 'http://127.0.0.1:1', clients: CLIENTS });
  const token = (headers: [string, string][], body: string) => {
    const h = new Headers({ 'content-type': 'application/x-www-form-urlencoded' });
    for (const [name, value] of headers) h.append(name, value);
    return issuer.fetch(
      new Request('http://127.0.0.1:1/token', { method: 'POST', headers: h, body }),
    );
  };

  it('two Authorization lines on a Web Request: 400 invalid_request', async () => {
    const res = await token(
      [
        ['authorization', SERVICE],
        ['authorization', SERVICE],
      ],
      'grant_type=client_credentials',
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'use only one Authorization header',
    });
  });

  it('Basic and client_secret_post together: 400 invalid_request', async () => {
    const res = await token(
      [['authorization', SERVICE]],
      'grant_type=client_credentials&client_id=service&client_secret=service-secret-0123456789abcdef',
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'use only one client authentication method',
    });
  });
});

describe('toNodeListener writes the issuer’s answers itself', () => {
  const lengthOf = (res: string) => /\r\ncontent-length: (\d+)\r\n/i.exec(res)?.[1];
  function rawFull(request: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(request));
      let data = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk) => {
        data += chunk;
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(data));
    });
  }

  it('a token answer has its exact Content-Length, not a chunked body', async () => {
    const form = 'grant_type=client_credentials&scope=read';
    const res = await rawFull(
      `POST /token HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${SERVICE}\r\n` +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n` +
        'Connection: close\r\n\r\n' +
        form,
    );
    expect(res).toMatch(/^HTTP\/1\.1 200 /);
    expect(res).not.toMatch(/transfer-encoding/i);
    const body = res.slice(res.indexOf('\r\n\r\n') + 4);
    expect(Number(lengthOf(res))).toBe(Buffer.byteLength(body));
    expect(res).toMatch(/\r\ncache-control: no-store\r\n/i);
    expect(res).toMatch(/\r\npragma: no-cache\r\n/i);
    expect(JSON.parse(body)).toMatchObject({ token_type: 'Bearer', expires_in: 600 });
  });

  it('an error answer keeps its status, challenge and length', async () => {
    const form = 'grant_type=client_credentials';
    const res = await rawFull(
      `POST /token HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
        `Authorization: ${basic('service', 'wrong')}\r\n` +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n` +
        'Connection: close\r\n\r\n' +
        form,
    );
    expect(res).toMatch(/^HTTP\/1\.1 401 /);
    expect(res).toMatch(/\r\nwww-authenticate: Basic realm="http:\/\/127\.0\.0\.1:\d+"\r\n/i);
    const body = res.slice(res.indexOf('\r\n\r\n') + 4);
    expect(Number(lengthOf(res))).toBe(Buffer.byteLength(body));
    expect(JSON.parse(body)).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
  });

  it('an empty answer (revocation) says Content-Length: 0', async () => {
    const form = 'token=nothing-we-issued';
    const res = await rawFull(
      `POST /revoke HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${SERVICE}\r\n` +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n` +
        'Connection: close\r\n\r\n' +
        form,
    );
    expect(res).toMatch(/^HTTP\/1\.1 200 /);
    expect(lengthOf(res)).toBe('0');
    expect(res.endsWith('\r\n\r\n')).toBe(true);
  });

  it('the authorize hook gets a Web Request with the body, and its Response is written as is', async () => {
    const hooked = createServer();
    await new Promise<void>((resolve) => hooked.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hooked.address() as AddressInfo).port}`;
    const issuer = createIssuer({
      issuer: url,
      clients: CLIENTS,
      authorize: async (request) =>
        new Response(`${request.method} ${await request.text()}`, {
          status: 200,
          headers: [
            ['set-cookie', 'a=1'],
            ['set-cookie', 'b=2'],
          ],
        }),
    });
    hooked.on('request', toNodeListener(issuer));
    try {
      const form = new URLSearchParams({
        client_id: 'spa',
        redirect_uri: 'http://127.0.0.1/cb',
        response_type: 'code',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      });
      const res = await fetch(`${url}/authorize`, { method: 'POST', body: form });
      expect(res.status).toBe(200);
      expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
      expect(await res.text()).toBe(`POST ${form}`);
    } finally {
      await new Promise((resolve) => hooked.close(resolve));
    }
  });
});
