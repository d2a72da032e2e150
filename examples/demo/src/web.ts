import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BoundedStore } from './bounded.js';
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
import { addressKey } from './peer.js';

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
  /** When the access token expires (from `expires_in`; a client doesn't read its claims for it). */
  tokensExpireAt?: number;
  refreshes: number;
  calls: ApiCall[];
  message?: Message;
}

interface Message {
  text: string;
  kind: 'error' | 'notice';
}

const COOKIE = 'authcore_demo_web';
/** Sessions: one hour each; in all, and per client address (its own quota only). */
const SESSION_TTL_MS = 60 * 60_000;
const MAX_SESSIONS = 10_000;
const MAX_SESSIONS_PER_ADDRESS = 20;

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

function send(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
  scriptNonce?: string,
): void {
  const script = scriptNonce ? `; script-src 'nonce-${scriptNonce}'` : '';
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'${script}`,
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

/** The token's remaining lifetime, counted down in the page (its only script). */
const COUNTDOWN = `const el = document.getElementById('expires-in');
const end = performance.now() + Number(el.dataset.seconds) * 1000;
const tick = () => { el.textContent = String(Math.max(0, Math.ceil((end - performance.now()) / 1000))); };
setInterval(tick, 1000);`;

/**
 * The web page acting as an OAuth client. Its backend is a confidential client (`demo-web`) that
 * runs the authorization code flow with PKCE S256: the state and the verifier stay in the
 * server-side session, the redirect URI is exactly the registered one, the callback checks
 * `state` and `iss` (RFC 9207), and tokens never reach the browser (a backend for frontend).
 * A session is made only by "Log in", and each client address holds at most 20 of them (then
 * 429): a flood of requests makes none, and can't push another browser's session out.
 */
export function createDemoWeb(
  options: DemoWebOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const sessions = new BoundedStore<Session>({
    ttlMs: SESSION_TTL_MS,
    maxEntries: MAX_SESSIONS,
    maxPerOwner: MAX_SESSIONS_PER_ADDRESS,
  });
  const redirectUri = `${options.webUrl}/callback`;

  const findSession = (req: IncomingMessage): Session | undefined => {
    const sid = /(?:^|;\s*)authcore_demo_web=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1];
    return sid ? sessions.get(sid) : undefined;
  };

  /** The request's session, or a new one; a refusal is sent as 429 or 503 with Retry-After. */
  const sessionFor = (req: IncomingMessage, res: ServerResponse): Session | undefined => {
    const existing = findSession(req);
    if (existing) return existing;
    const created: Session = {
      csrf: randomBytes(16).toString('base64url'),
      refreshes: 0,
      calls: [],
    };
    const added = sessions.add(addressKey(req.socket.remoteAddress), created);
    if ('id' in added) {
      res.setHeader(
        'set-cookie',
        `${COOKIE}=${added.id}; Path=/; Max-Age=${SESSION_TTL_MS / 1000}; HttpOnly; SameSite=Lax`,
      );
      return created;
    }
    const text =
      added.reason === 'owner_full'
        ? 'Too many sessions were started from your address. Wait a few minutes and try again.'
        : 'This page is busy. Wait a few minutes and try again.';
    send(
      res,
      added.reason === 'owner_full' ? 429 : 503,
      page(
        'Try again later · authcore demo web client',
        'authcore demo <small>web client</small>',
        `<div class="card"><h1>Try again later</h1>\n<p class="error" id="refused">${esc(text)}</p></div>`,
      ),
      { 'retry-after': String(added.retryAfterSeconds) },
    );
    return undefined;
  };

  const callAll = async (s: Session) => {
    const headers = { authorization: `Bearer ${s.tokens!.access_token}` };
    s.calls = [];
    for (const route of API_ROUTES)
      s.calls.push(await callApi(options.apiUrl, route.method, route.path, route.needs, headers));
  };

  const keepTokens = (s: Session, tokens: TokenResponse) => {
    s.tokens = tokens;
    s.tokensExpireAt = Date.now() + tokens.expires_in * 1000;
  };

  /** The page, and the nonce of its script when it has one. */
  const home = (s: Session | undefined, note = s?.message): { html: string; nonce?: string } => {
    const message = note ? `<p class="${note.kind}" id="message">${esc(note.text)}</p>` : '';
    if (s) s.message = undefined;
    if (!s?.tokens) {
      return {
        html: page(
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
        ),
      };
    }
    const csrf = `<input type="hidden" name="csrf" value="${esc(s.csrf)}">`;
    const claims = jwtPayload(s.tokens.access_token);
    const seconds = Math.max(0, Math.ceil(((s.tokensExpireAt ?? 0) - Date.now()) / 1000));
    const nonce = randomBytes(16).toString('base64');
    return {
      nonce,
      html: page(
        'authcore demo web client',
        'authcore demo <small>web client</small>',
        `<div class="card">
<h1 id="signed-in">Signed in as ${esc(claims.name ?? claims.sub)} (<code>${esc(claims.sub)}</code>)</h1>
${message}
<p>Access token scopes: <code id="scopes">${esc(claims.scope ?? '')}</code>;
expires in <span id="expires-in" data-seconds="${seconds}">${seconds}</span> s; refreshed ${s.refreshes} time(s).
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
</div>
<script nonce="${nonce}">${COUNTDOWN}</script>`,
      ),
    };
  };

  return async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', options.webUrl);

      if (req.method === 'GET' && url.pathname === '/') {
        const { html, nonce } = home(findSession(req));
        return send(res, 200, html, {}, nonce);
      }

      if (req.method === 'GET' && url.pathname === '/login') {
        const s = sessionFor(req, res);
        if (!s) return;
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
        const s = findSession(req);
        const flight = s?.flight;
        if (s) s.flight = undefined; // one callback per authorization request
        const state = url.searchParams.get('state') ?? '';
        if (!s || !flight || !sameString(state, flight.state)) {
          const text = 'The callback does not match a login started here (state); log in again.';
          if (!s) return send(res, 400, home(undefined, { text, kind: 'error' }).html);
          s.message = { text, kind: 'error' };
          return redirect(res, '/');
        }
        if (url.searchParams.get('iss') !== options.issuerUrl) {
          s.message = {
            text: 'The callback came from an unexpected issuer (iss); log in again.',
            kind: 'error',
          };
          return redirect(res, '/');
        }
        const error = url.searchParams.get('error');
        if (error) {
          s.message = {
            text: `The issuer answered ${error}: ${url.searchParams.get('error_description') ?? ''}`,
            kind: 'error',
          };
          return redirect(res, '/');
        }
        const token = await postForm(options.tokenEndpoint, options.client, {
          grant_type: 'authorization_code',
          code: url.searchParams.get('code') ?? '',
          redirect_uri: redirectUri,
          code_verifier: flight.verifier,
        });
        if (token.status !== 200) {
          s.message = {
            text: `The token endpoint answered ${token.status} ${JSON.stringify(token.body)}`,
            kind: 'error',
          };
          return redirect(res, '/');
        }
        keepTokens(s, token.body as unknown as TokenResponse);
        s.refreshes = 0;
        await callAll(s);
        return redirect(res, '/');
      }

      if (req.method === 'POST' && ['/call', '/refresh', '/logout'].includes(url.pathname)) {
        const s = findSession(req);
        const form = await readForm(req);
        if (!s || !sameString(form.get('csrf') ?? '', s.csrf)) return send(res, 403, 'Forbidden');
        if (!s.tokens) return redirect(res, '/');
        if (url.pathname === '/refresh') {
          const token = await postForm(options.tokenEndpoint, options.client, {
            grant_type: 'refresh_token',
            refresh_token: s.tokens.refresh_token ?? '',
          });
          if (token.status !== 200) {
            s.tokens = undefined;
            s.message = {
              text: `Refresh refused (${token.status} ${JSON.stringify(token.body)}); log in again.`,
              kind: 'error',
            };
            return redirect(res, '/');
          }
          keepTokens(s, token.body as unknown as TokenResponse);
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
          s.message = { text: 'You are logged out.', kind: 'notice' };
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
