import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { esc, page } from './html.js';
import {
  API_ROUTES,
  type ApiCall,
  callApi,
  jwtPayload,
  pkce,
  postForm,
  randomState,
  type TokenResponse,
} from './oauth.js';

export interface DemoWebOptions {
  webUrl: string;
  issuerUrl: string;
  apiUrl: string;
  /** The issuer's endpoints (from its metadata). */
  authorizationEndpoint: string;
  tokenEndpoint: string;
  revocationEndpoint: string;
  client: { clientId: string; clientSecret: string };
  scope: string;
}

interface Session {
  csrf: string;
  /** The authorization request in flight: state and PKCE verifier never leave the server. */
  flight?: { state: string; verifier: string };
  tokens?: TokenResponse;
  refreshes: number;
  calls: ApiCall[];
  message?: string;
}

const COOKIE = 'authcore_demo_web';
const MAX_SESSIONS = 1000;

const sameString = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 16_384) break;
  }
  return new URLSearchParams(body);
}

function send(res: ServerResponse, status: number, html: string, headers = {}): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(html);
}

const redirect = (res: ServerResponse, location: string, headers = {}) => {
  res.writeHead(303, { location, 'cache-control': 'no-store', ...headers });
  res.end();
};

const statusClass = (status: number) => `s${String(status)[0]}`;

function renderCall(call: ApiCall, index: number): string {
  return `<div class="call" id="call-${index}" data-status="${call.status}">
<span class="status ${statusClass(call.status)}">${call.status}</span>
<code>${esc(call.method)} ${esc(call.path)}</code> <span class="muted">needs ${esc(call.needs)}</span>
${call.challenge ? `<pre>WWW-Authenticate: ${esc(call.challenge)}</pre>` : ''}
<pre>${esc(call.body)}</pre>
</div>`;
}

/**
 * The web page acting as an OAuth client. Its backend is a confidential client (`demo-web`) that
 * runs the authorization code flow with PKCE S256: the state and the verifier stay in the
 * server-side session, the redirect URI is exactly the registered one, the callback checks
 * `state` and `iss` (RFC 9207), and tokens never reach the browser (a backend for frontend).
 */
export function createDemoWeb(
  options: DemoWebOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const sessions = new Map<string, Session>();
  const redirectUri = `${options.webUrl}/callback`;

  const session = (req: IncomingMessage, res: ServerResponse): Session => {
    const sid = /(?:^|;\s*)authcore_demo_web=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1];
    const existing = sid ? sessions.get(sid) : undefined;
    if (existing) return existing;
    while (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    const created: Session = {
      csrf: randomBytes(16).toString('base64url'),
      refreshes: 0,
      calls: [],
    };
    sessions.set(id, created);
    res.setHeader('set-cookie', `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`);
    return created;
  };

  const callAll = async (s: Session) => {
    const headers = { authorization: `Bearer ${s.tokens!.access_token}` };
    s.calls = [];
    for (const route of API_ROUTES)
      s.calls.push(await callApi(options.apiUrl, route.method, route.path, route.needs, headers));
  };

  const home = (s: Session): string => {
    const csrf = `<input type="hidden" name="csrf" value="${esc(s.csrf)}">`;
    const message = s.message ? `<p class="error" id="message">${esc(s.message)}</p>` : '';
    s.message = undefined;
    if (!s.tokens) {
      return page(
        'authcore demo web client',
        'authcore demo <small>web client</small>',
        `<div class="card">
<h1>A web page acting as an OAuth client</h1>
${message}
<p>Its backend is the confidential client <code>${esc(options.client.clientId)}</code>. Log in to
run the authorization code flow with PKCE against the issuer at <code>${esc(options.issuerUrl)}</code>,
then watch this page call the API at <code>${esc(options.apiUrl)}</code> with your token.</p>
<a class="button" id="login" href="/login">Log in with the authcore demo issuer</a>
</div>`,
      );
    }
    const claims = jwtPayload(s.tokens.access_token);
    return page(
      'authcore demo web client',
      'authcore demo <small>web client</small>',
      `<div class="card">
<h1 id="signed-in">Signed in as ${esc(claims.name ?? claims.sub)} (<code>${esc(claims.sub)}</code>)</h1>
${message}
<p>Access token scopes: <code id="scopes">${esc(claims.scope ?? '')}</code>;
expires in ${esc(s.tokens.expires_in)} s; refreshed ${s.refreshes} time(s).
The tokens stay on this page's server.</p>
<div class="actions">
<form method="post" action="/call">${csrf}<button type="submit" id="call">Call the API again</button></form>
<form method="post" action="/refresh">${csrf}<button type="submit" id="refresh" class="secondary">Refresh the tokens</button></form>
<form method="post" action="/logout">${csrf}<button type="submit" id="logout" class="secondary">Log out</button></form>
</div>
</div>
<div class="card" id="api">
<h2>The API's answers</h2>
${s.calls.map(renderCall).join('\n')}
</div>
<div class="card">
<h2>Access token claims</h2>
<pre id="claims">${esc(JSON.stringify(claims, null, 2))}</pre>
</div>`,
    );
  };

  return async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', options.webUrl);
      const s = session(req, res);

      if (req.method === 'GET' && url.pathname === '/') return send(res, 200, home(s));

      if (req.method === 'GET' && url.pathname === '/login') {
        const { verifier, challenge } = pkce();
        const state = randomState();
        s.flight = { state, verifier };
        const authorize = new URL(options.authorizationEndpoint);
        authorize.search = new URLSearchParams({
          response_type: 'code',
          client_id: options.client.clientId,
          redirect_uri: redirectUri,
          scope: options.scope,
          state,
          code_challenge: challenge,
          code_challenge_method: 'S256',
        }).toString();
        return redirect(res, authorize.href);
      }

      if (req.method === 'GET' && url.pathname === '/callback') {
        const flight = s.flight;
        s.flight = undefined; // one callback per authorization request
        const state = url.searchParams.get('state') ?? '';
        if (!flight || !sameString(state, flight.state)) {
          s.message = 'The callback does not match a login started here (state); log in again.';
          return redirect(res, '/');
        }
        if (url.searchParams.get('iss') !== options.issuerUrl) {
          s.message = 'The callback came from an unexpected issuer (iss); log in again.';
          return redirect(res, '/');
        }
        const error = url.searchParams.get('error');
        if (error) {
          s.message = `The issuer answered ${error}: ${url.searchParams.get('error_description') ?? ''}`;
          return redirect(res, '/');
        }
        const token = await postForm(options.tokenEndpoint, options.client, {
          grant_type: 'authorization_code',
          code: url.searchParams.get('code') ?? '',
          redirect_uri: redirectUri,
          code_verifier: flight.verifier,
        });
        if (token.status !== 200) {
          s.message = `The token endpoint answered ${token.status} ${JSON.stringify(token.body)}`;
          return redirect(res, '/');
        }
        s.tokens = token.body as unknown as TokenResponse;
        s.refreshes = 0;
        await callAll(s);
        return redirect(res, '/');
      }

      if (req.method === 'POST' && ['/call', '/refresh', '/logout'].includes(url.pathname)) {
        const form = await readForm(req);
        if (!sameString(form.get('csrf') ?? '', s.csrf)) return send(res, 403, 'Forbidden');
        if (!s.tokens) return redirect(res, '/');
        if (url.pathname === '/refresh') {
          const token = await postForm(options.tokenEndpoint, options.client, {
            grant_type: 'refresh_token',
            refresh_token: s.tokens.refresh_token ?? '',
          });
          if (token.status !== 200) {
            s.tokens = undefined;
            s.message = `Refresh refused (${token.status} ${JSON.stringify(token.body)}); log in again.`;
            return redirect(res, '/');
          }
          s.tokens = token.body as unknown as TokenResponse;
          s.refreshes += 1;
        }
        if (url.pathname === '/logout') {
          if (s.tokens.refresh_token)
            await postForm(options.revocationEndpoint, options.client, {
              token: s.tokens.refresh_token,
              token_type_hint: 'refresh_token',
            });
          s.tokens = undefined;
          s.calls = [];
          return redirect(res, '/');
        }
        await callAll(s);
        return redirect(res, '/');
      }

      send(res, 404, page('Not found', 'authcore demo', '<div class="card">Not found</div>'));
    } catch (error) {
      console.error('web client error:', error);
      if (!res.headersSent) send(res, 500, 'Internal error');
      else res.end();
    }
  };
}
