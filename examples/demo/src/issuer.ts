import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  type AuthorizeContext,
  type AuthorizeHook,
  createIssuer,
  type Issuer,
} from '@authcore/issuer';
import { esc, htmlResponse, page } from './html.js';

/** The one user of the demo's login form. */
export interface DemoUser {
  username: string;
  password: string;
  name: string;
}

export const DEMO_USER: DemoUser = { username: 'alice', password: 'wonderland', name: 'Alice' };

/** The scopes the demo clients may get: `orders:admin` (needed by GET /v1/admin) is not one. */
export const CLIENT_SCOPES = ['orders:read', 'orders:write'];

const SCOPE_TEXT: Record<string, string> = {
  'orders:read': 'See your orders',
  'orders:write': 'Place orders for you',
};

export interface DemoIssuerOptions {
  issuerUrl: string;
  /** The API's identifier: the `aud` of every access token. */
  audience: string;
  /** The web client's exact redirect URI. */
  redirectUri: string;
  serviceClient: { clientId: string; clientSecret: string };
  webClient: { clientId: string; clientSecret: string };
  user?: DemoUser;
  /** Seconds during which a refresh token presented again is taken for a race (issuer default 2). */
  refreshReuseLeeway?: number;
  onError?: (error: unknown) => void;
}

/** Form fields of the login and consent pages; every other field is the authorization request. */
const FORM_PREFIX = 'demo_';
const PENDING_TTL_MS = 10 * 60_000;
const MAX_PENDING = 1000;
const MAX_ATTEMPTS = 5;

interface Pending {
  /** The authorization request this form belongs to, canonicalised. */
  request: string;
  stage: 'login' | 'consent';
  userId?: string;
  attempts: number;
  expiresAt: number;
}

/** The authorization request's own parameters (not the form's), in a comparable form. */
function canonical(params: URLSearchParams): string {
  const entries = [...params].filter(([name]) => !name.startsWith(FORM_PREFIX));
  entries.sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1));
  return JSON.stringify(entries);
}

const hiddenFields = (params: URLSearchParams): string =>
  [...params]
    .filter(([name]) => !name.startsWith(FORM_PREFIX))
    .map(([name, value]) => `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`)
    .join('\n');

/** Constant-time comparison of two strings of any length. */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * The host's login and consent step, as the issuer's `authorize` hook: plain HTML forms that
 * POST back to `/authorize` with the authorization request's parameters, bound to a pending
 * request id that is random, single-stage, expires in 10 minutes and must come with exactly the
 * parameters it was issued for. A form can't be replayed for another client or redirect URI,
 * and a consent can't be posted without a successful login first.
 */
export function loginAndConsent(user: DemoUser = DEMO_USER): AuthorizeHook {
  const pending = new Map<string, Pending>();

  const sweep = (now: number) => {
    for (const [id, p] of pending) if (p.expiresAt <= now) pending.delete(id);
    while (pending.size >= MAX_PENDING) pending.delete(pending.keys().next().value!);
  };
  const open = (entry: Omit<Pending, 'expiresAt' | 'attempts'>, now: number) => {
    sweep(now);
    const id = randomBytes(32).toString('base64url');
    pending.set(id, { ...entry, attempts: 0, expiresAt: now + PENDING_TTL_MS });
    return id;
  };

  const headersFor = (ctx: AuthorizeContext) => ({
    // No framing (clickjacking on consent); forms go to the issuer, whose answer redirects to
    // the client: Chromium checks `form-action` on that redirect too.
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'self' ${new URL(ctx.redirectUri).origin}`,
  });

  const loginPage = (request: Request, ctx: AuthorizeContext, id: string, error?: string) =>
    htmlResponse(
      error ? 401 : 200,
      page(
        'Sign in · authcore demo issuer',
        'authcore demo issuer <small>login</small>',
        `<div class="card">
<h1>Sign in</h1>
<p><strong>${esc(ctx.client.clientId)}</strong> wants to access the demo API on your behalf.</p>
${error ? `<p class="error" id="login-error">${esc(error)}</p>` : ''}
<form method="post" action="${esc(new URL(request.url).pathname)}">
${hiddenFields(ctx.params)}
<input type="hidden" name="demo_pending" value="${esc(id)}">
<input type="hidden" name="demo_step" value="login">
<label for="username">Username</label>
<input type="text" id="username" name="demo_username" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="demo_password" autocomplete="current-password" required>
<button type="submit" id="sign-in">Sign in</button>
</form>
<p class="muted">Demo user: <code>${esc(user.username)}</code> / <code>${esc(user.password)}</code></p>
</div>`,
      ),
      headersFor(ctx),
    );

  const consentPage = (request: Request, ctx: AuthorizeContext, id: string) =>
    htmlResponse(
      200,
      page(
        'Allow access · authcore demo issuer',
        'authcore demo issuer <small>consent</small>',
        `<div class="card">
<h1>Allow ${esc(ctx.client.clientId)} to access the demo API?</h1>
<p>Signed in as <strong>${esc(user.name)}</strong> (<code>${esc(user.username)}</code>).
Tokens go to <code>${esc(ctx.audience.join(' '))}</code>, and you come back to
<code>${esc(ctx.redirectUri)}</code>.</p>
<form method="post" action="${esc(new URL(request.url).pathname)}">
${hiddenFields(ctx.params)}
<input type="hidden" name="demo_pending" value="${esc(id)}">
<input type="hidden" name="demo_step" value="consent">
<ul class="scopes">
${ctx.scopes
  .map(
    (scope) =>
      `<li><label><input type="checkbox" name="demo_grant.${esc(scope)}" value="on" checked> <code>${esc(scope)}</code> ${esc(SCOPE_TEXT[scope] ?? '')}</label></li>`,
  )
  .join('\n')}
</ul>
<button type="submit" id="allow" name="demo_decision" value="allow">Allow</button>
<button type="submit" id="deny" name="demo_decision" value="deny" class="secondary">Deny</button>
</form>
</div>`,
      ),
      headersFor(ctx),
    );

  const expired = () =>
    htmlResponse(
      400,
      page(
        'Sign-in expired · authcore demo issuer',
        'authcore demo issuer',
        `<div class="card"><h1>This form has expired</h1>
<p class="error" id="form-expired">It was used already, is older than 10 minutes, or was not issued for this request.
Go back to the application and sign in again.</p></div>`,
      ),
    );

  return async (request, ctx) => {
    const now = Date.now();
    if (request.method !== 'POST') {
      // A new authorization request (the client redirected the browser here): the login form.
      return loginPage(request, ctx, open({ request: canonical(ctx.params), stage: 'login' }, now));
    }
    const form = new URLSearchParams(await request.text());
    const id = form.get('demo_pending') ?? '';
    const entry = pending.get(id);
    if (!entry || entry.expiresAt <= now || entry.request !== canonical(ctx.params)) {
      return expired();
    }
    const step = form.get('demo_step');

    if (entry.stage === 'login' && step === 'login') {
      const ok =
        sameSecret(form.get('demo_username') ?? '', user.username) &&
        sameSecret(form.get('demo_password') ?? '', user.password);
      if (!ok) {
        entry.attempts += 1;
        if (entry.attempts >= MAX_ATTEMPTS) pending.delete(id);
        return loginPage(request, ctx, id, 'Wrong username or password.');
      }
      // A fresh id for the consent stage: the login form's id is spent.
      pending.delete(id);
      const consentId = open(
        { request: entry.request, stage: 'consent', userId: user.username },
        now,
      );
      return consentPage(request, ctx, consentId);
    }

    if (entry.stage === 'consent' && step === 'consent' && entry.userId) {
      pending.delete(id);
      if (form.get('demo_decision') !== 'allow')
        return { error: 'access_denied', errorDescription: 'the user denied the request' };
      const granted = ctx.scopes.filter((scope) => form.get(`demo_grant.${scope}`) === 'on');
      if (granted.length === 0)
        return { error: 'access_denied', errorDescription: 'the user granted no scope' };
      return { userId: entry.userId, scopes: granted, claims: { name: user.name } };
    }
    return expired();
  };
}

/** The demo's authorization server: a service client, a web client and the login hook. */
export function createDemoIssuer(options: DemoIssuerOptions): Issuer {
  return createIssuer({
    issuer: options.issuerUrl,
    clients: [
      {
        // Machine to machine: client credentials only.
        clientId: options.serviceClient.clientId,
        clientSecret: options.serviceClient.clientSecret,
        scopes: CLIENT_SCOPES,
        audience: options.audience,
        grantTypes: ['client_credentials'],
      },
      {
        // The web page's backend: a confidential client doing the code flow with PKCE.
        clientId: options.webClient.clientId,
        clientSecret: options.webClient.clientSecret,
        redirectUris: [options.redirectUri],
        scopes: CLIENT_SCOPES,
        audience: options.audience,
        grantTypes: ['authorization_code', 'refresh_token'],
      },
    ],
    authorize: loginAndConsent(options.user),
    ...(options.refreshReuseLeeway !== undefined && {
      refreshReuseLeeway: options.refreshReuseLeeway,
    }),
    onError: options.onError ?? ((error) => console.error('issuer error:', error)),
  });
}
