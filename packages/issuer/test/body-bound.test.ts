import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIssuer, type NodeIncomingLike, toNodeListener } from '@authcore/issuer';
import { describe, expect, it } from 'vitest';
import { CLIENTS, REDIRECT, SERVICE } from './helpers.js';

const TOTAL = 48 * 1024 * 1024;
const CHUNK = 16 * 1024;
const CAP = 65_536;
const TOO_LARGE = { error: 'invalid_request', error_description: 'the request body is too large' };

/** A 48 MB form body, produced only as it is pulled; `pulled` counts what was. */
function hugeForm() {
  const counter = { pulled: 0 };
  const chunk = new TextEncoder().encode('a'.repeat(CHUNK));
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (counter.pulled >= TOTAL) return controller.close();
        counter.pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, counter };
}

const issuer = createIssuer({
  issuer: 'http://127.0.0.1:1',
  clients: CLIENTS,
  authorize: () => ({ userId: 'alice' }),
});

const streamed = (path: string, headers: Record<string, string> = {}) => {
  const { stream, counter } = hugeForm();
  const request = new Request(`http://127.0.0.1:1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  return { request, counter };
};

describe('one bounded body reader for every endpoint (fetch handler)', () => {
  for (const [path, headers] of [
    ['/authorize', {}],
    ['/token', { authorization: SERVICE }],
    ['/revoke', { authorization: SERVICE }],
    ['/introspect', { authorization: SERVICE }],
  ] as const) {
    it(`POST ${path}: a streamed 48 MB body is answered 413 after at most the cap is pulled`, async () => {
      const { request, counter } = streamed(path, headers);
      const res = await issuer.fetch(request);
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual(TOO_LARGE);
      // The cap plus the chunk that crossed it (and one a tee may have queued), never the rest.
      expect(counter.pulled).toBeLessThanOrEqual(CAP + 2 * CHUNK);
    });
  }

  it('a form body under the cap still works at /authorize', async () => {
    const body = new URLSearchParams({
      response_type: 'code',
      client_id: 'spa',
      redirect_uri: REDIRECT,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const res = await issuer.fetch(
      new Request('http://127.0.0.1:1/authorize', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      }),
    );
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });
});

describe('the Node bridge stops reading at its cap', () => {
  it('pulls at most the cap plus one chunk of a 48 MB body, then answers 413', async () => {
    let pulled = 0;
    async function* body() {
      const chunk = new Uint8Array(CHUNK);
      while (pulled < TOTAL) {
        pulled += CHUNK;
        yield chunk;
      }
    }
    const req: NodeIncomingLike = Object.assign(body(), {
      method: 'POST',
      url: '/authorize',
      headers: { host: '127.0.0.1:1', 'content-type': 'application/x-www-form-urlencoded' },
    });
    const out = { status: 0, headers: {} as Record<string, unknown>, body: '' };
    await toNodeListener(issuer)(req, {
      set statusCode(s: number) {
        out.status = s;
      },
      get statusCode() {
        return out.status;
      },
      setHeader: (name, value) => {
        out.headers[name] = value;
      },
      end: (chunk) => {
        out.body = new TextDecoder().decode(chunk as Uint8Array);
      },
    });
    expect(out.status).toBe(413);
    expect(JSON.parse(out.body)).toEqual(TOO_LARGE);
    expect(pulled).toBeLessThanOrEqual(CAP + CHUNK);
  });

  it('over a real socket, a streamed 48 MB upload gets its 413 answer', async () => {
    const server = createServer(toNodeListener(issuer));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>(
        (resolve, reject) => {
          const req = httpRequest(
            {
              host: '127.0.0.1',
              port: (server.address() as AddressInfo).port,
              method: 'POST',
              path: '/token',
              headers: {
                'content-type': 'application/x-www-form-urlencoded',
                authorization: SERVICE,
              },
            },
            (res) => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (c) => {
                text += c;
              });
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
            },
          );
          req.on('error', reject);
          const chunk = Buffer.alloc(CHUNK, 'a');
          let sent = 0;
          const pump = () => {
            while (sent < TOTAL) {
              sent += CHUNK;
              if (!req.write(chunk)) return void req.once('drain', pump);
            }
            req.end();
          };
          pump();
        },
      );
      expect(status).toBe(413);
      expect(JSON.parse(body)).toEqual(TOO_LARGE);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
