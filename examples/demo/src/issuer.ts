import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type AuthorizeContext,
  type AuthorizeHook,
  createIssuer,
  type Issuer,
} from '@authcore/issuer';
import { BoundedStore, type Refusal } from './bounded.js';
import { esc, htmlResponse, page } from './html.js';
import { LOGIN_LIMITS, LoginLimiter, type LoginLimitOptions } from './login-limits.js';
import { currentPeer } from './peer.js';

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

export interface LoginAndConsentOptions {
  user?: DemoUser;
  loginLimits?: LoginLimitOptions;
  /** The current request's client address key (default: the demo listener's `peer`). */
  clientAddress?: () => string;
}

/** Form fields of the login and consent pages; every other field is the authorization request. */
const FORM_PREFIX = 'demo_';
const PENDING_TTL_MS = 10 * 60_000;
/** Pending login and consent forms: in all, and per client address (its own quota only). */
const MAX_PENDING = 10_000;
const MAX_PENDING_PER_ADDRESS = 20;
/** Wrong passwords one login form takes before its id is spent. */
const MAX_ATTEMPTS = 5;

interface Pending {
  /** The authorization request this form belongs to, canonicalised. */
  request: string;
  stage: 'login' | 'consent';
  userId?: string;
  attempts: number;
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
 *
 * Bounded against a flood: each client address holds at most 20 open forms (the 21st is a 429
 * with `Retry-After`; nobody else's form is evicted), and wrong passwords are limited per
 * address and per username (then every attempt is a 429, the right password too).
 */
export function loginAndConsent(options: LoginAndConsentOptions = {}): AuthorizeHook {
  const user = options.user ?? DEMO_USER;
  const clientAddress = options.clientAddress ?? currentPeer;
  const limits = new LoginLimiter(options.loginLimits ?? LOGIN_LIMITS);
  const pending = new BoundedStore<Pending>({
    ttlMs: PENDING_TTL_MS,
    maxEntries: MAX_PENDING,
    maxPerOwner: MAX_PENDING_PER_ADDRESS,
  });

  const headersFor = (ctx: AuthorizeContext) => ({
    // No framing (clickjacking on consent); forms go to the issuer, whose answer redirects to
    // the client: Chromium checks `form-action` on that redirect too.
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'self' ${new URL(ctx.redirectUri).origin}`,
  });

  const loginPage = (
    request: Request,
    ctx: AuthorizeContext,
    id: string,
    failed?: { username: string },
  ) =>
    htmlResponse(
      failed ? 401 : 200,
      page(
        'Sign in · authcore demo issuer',
        'authcore demo issuer <small>login</small>',
        `<div class="card">
<h1>Sign in</h1>
<p><strong>${esc(ctx.client.clientId)}</strong> wants to access the demo API on your behalf.</p>
${failed ? '<p class="error" id="login-error">Wrong username or password.</p>' : ''}
<form method="post" action="${esc(new URL(request.url).pathname)}">
${hiddenFields(ctx.params)}
<input type="hidden" name="demo_pending" value="${esc(id)}">
<input type="hidden" name="demo_step" value="login">
<label for="username">Username</label>
<input type="text" id="username" name="demo_username" autocomplete="username" required${failed ? ` value="${esc(failed.username)}"` : ' autofocus'}>
<label for="password">Password</label>
<input type="password" id="password" name="demo_password" autocomplete="current-password" required${failed ? ' autofocus' : ''}>
<button type="submit" id="sign-in">Sign in</button>
</form>
<p class="muted">Demo user: <code>${esc(user.username)}</code> / <code>${esc(user.password)}</code></p>
</div>`,
      ),
      headersFor(ctx),
    );

  // Who the client is, by where the issuer learnt of it: a client that registered itself or that
  // a metadata document describes is unknown to the operator, and the page says so.
  const clientNotice = ({ client }: AuthorizeContext) => {
    const site = client.clientUri ? ` <code id="client-uri">${esc(client.clientUri)}</code>` : '';
    if (client.provenance === 'preregistered')
      return `<p id="client-provenance">A client registered by this server's operator.${site}</p>`;
    const how =
      client.provenance === 'registered'
        ? 'registered itself a moment ago'
        : 'describes itself by a metadata document at its client id';
    return `<p id="client-provenance" class="warning">Unverified client: it ${how}. Its name${site ? ' and site' : ''} are its own claims; allow it only if you expected it.${site}</p>`;
  };

  const consentPage = (request: Request, ctx: AuthorizeContext, id: string) =>
    htmlResponse(
      200,
      page(
        'Allow access · authcore demo issuer',
        'authcore demo issuer <small>consent</small>',
        `<div class="card">
<h1>Allow ${esc(ctx.client.clientName ?? ctx.client.clientId)} to access the demo API?</h1>
${clientNotice(ctx)}
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

  /** 429: this address holds its whole quota of open forms; 503: the store is full. */
  const busy = (refusal: Refusal) =>
    refusalPage(
      refusal.reason === 'owner_full' ? 429 : 503,
      refusal.retryAfterSeconds,
      refusal.reason === 'owner_full'
        ? 'Too many sign-in forms are open from your address. Finish one, or wait a few minutes and try again.'
        : 'The sign-in service is busy. Wait a few minutes and try again.',
    );

  const tooManyAttempts = (retryAfterSeconds: number) =>
    refusalPage(
      429,
      retryAfterSeconds,
      'Too many failed sign-in attempts. Wait a few minutes and try again.',
    );

  return async (request, ctx) => {
    const address = clientAddress();
    if (request.method !== 'POST') {
      // A new authorization request (the client redirected the browser here): the login form.
      const opened = pending.add(address, {
        request: canonical(ctx.params),
        stage: 'login',
        attempts: 0,
      });
      return 'id' in opened ? loginPage(request, ctx, opened.id) : busy(opened);
    }
    const form = new URLSearchParams(await request.text());
    const id = form.get('demo_pending') ?? '';
    const entry = pending.get(id);
    if (!entry || entry.request !== canonical(ctx.params)) return expired();
    const step = form.get('demo_step');

    if (entry.stage === 'login' && step === 'login') {
      const username = form.get('demo_username') ?? '';
      const attempt = await limits.begin(address, username);
      if (!attempt.ok) return tooManyAttempts(attempt.retryAfterSeconds);
      // Checked again after the wait: a parallel post may have spent the id.
      if (pending.get(id) !== entry) return expired();
      const ok =
        sameSecret(username, user.username) &&
        sameSecret(form.get('demo_password') ?? '', user.password);
      if (!ok) {
        entry.attempts += 1;
        if (entry.attempts >= MAX_ATTEMPTS) pending.delete(id);
        // The username comes back in the form (cut: it is echoed), the password never does.
        return loginPage(request, ctx, id, { username: username.slice(0, 256) });
      }
      // A fresh id for the consent stage: the login form's id is spent.
      pending.delete(id);
      await attempt.succeeded();
      const consent = pending.add(address, {
        request: entry.request,
        stage: 'consent',
        userId: user.username,
        attempts: 0,
      });
      return 'id' in consent ? consentPage(request, ctx, consent.id) : busy(consent);
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

/** A refusal with `Retry-After` (RFC 9110 §10.2.3): the text is fixed, the wait is in the header. */
function refusalPage(status: number, retryAfterSeconds: number, text: string): Response {
  return htmlResponse(
    status,
    page(
      'Try again later · authcore demo issuer',
      'authcore demo issuer',
      `<div class="card"><h1>Try again later</h1>
<p class="error" id="refused">${esc(text)}</p></div>`,
    ),
    {
      'retry-after': String(retryAfterSeconds),
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    },
  );
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
    authorize: loginAndConsent(options.user && { user: options.user }),
    ...(options.refreshReuseLeeway !== undefined && {
      refreshReuseLeeway: options.refreshReuseLeeway,
    }),
    onError: options.onError ?? ((error) => console.error('issuer error:', error)),
  });
}
