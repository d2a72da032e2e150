import type { Demo } from './demo.js';
import {
  API_ROUTES,
  type ApiCall,
  callApi,
  jwtPayload,
  pkce,
  postForm,
  randomState,
} from './oauth.js';

export interface WalkthroughResult {
  ok: boolean;
  /** Titles of the steps whose checks failed. */
  failures: string[];
}

type Log = (line: string) => void;

class CheckFailed extends Error {}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message);
}

const UNESCAPE: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};
const unescapeHtml = (s: string) => s.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => UNESCAPE[e]!);

/** The fields a browser would submit from the page's form (hidden inputs and checked boxes). */
export function formOf(html: string): { action: string; fields: URLSearchParams } {
  const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1];
  check(action !== undefined, 'the page has no form');
  const fields = new URLSearchParams();
  for (const [, name, value] of html.matchAll(
    /<input type="hidden" name="([^"]*)" value="([^"]*)">/g,
  ))
    fields.append(unescapeHtml(name!), unescapeHtml(value!));
  for (const [, name, value] of html.matchAll(
    /<input type="checkbox" name="([^"]*)" value="([^"]*)" checked>/g,
  ))
    fields.append(unescapeHtml(name!), unescapeHtml(value!));
  return { action: unescapeHtml(action), fields };
}

const short = (text: string, max = 160) => (text.length > max ? `${text.slice(0, max)}…` : text);
const describe = (call: ApiCall) => `${call.status} ${short(call.body)}`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The scripted walk-through: every step is a real HTTP exchange with the running servers, and
 * its result is printed and checked.
 */
export async function runWalkthrough(demo: Demo, log: Log): Promise<WalkthroughResult> {
  const { urls, issuer } = demo;
  const token = issuer.metadata.token_endpoint;
  const failures: string[] = [];
  let n = 0;

  const step = async (title: string, run: (say: Log) => Promise<void>) => {
    n += 1;
    log('');
    log(`${String(n).padStart(2)}. ${title}`);
    const say: Log = (line) => log(`    ${line}`);
    try {
      await run(say);
    } catch (error) {
      failures.push(title);
      say(`✗ FAILED: ${error instanceof CheckFailed ? error.message : String(error)}`);
    }
  };
  const api = (method: string, path: string, headers: Record<string, string>) =>
    callApi(
      urls.api,
      method,
      path,
      API_ROUTES.find((r) => r.method === method && r.path === path)?.needs ?? '',
      headers,
    );

  log('Walk-through: each step below really runs against the servers above.');

  // 1. Client credentials.
  let serviceToken = '';
  await step(
    `Client credentials: POST ${token} as ${demo.serviceClient.clientId} (HTTP Basic)`,
    async (say) => {
      const r = await postForm(token, demo.serviceClient, { grant_type: 'client_credentials' });
      check(r.status === 200 && typeof r.body.access_token === 'string', `got ${r.status}`);
      serviceToken = r.body.access_token as string;
      const claims = jwtPayload(serviceToken);
      say(
        `→ ${r.status} token_type=${r.body.token_type} expires_in=${r.body.expires_in} scope="${r.body.scope}"`,
      );
      say(`  access token (JWT, ES256): sub=${claims.sub} aud=${claims.aud} jti=${claims.jti}`);
    },
  );

  // 2. The API accepts it.
  await step('Call the API with that token: GET /v1/orders (needs orders:read)', async (say) => {
    const call = await api('GET', '/v1/orders', bearer(serviceToken));
    say(`→ ${describe(call)}`);
    check(call.status === 200, `expected 200, got ${call.status}`);
    const me = await api('GET', '/v1/me', bearer(serviceToken));
    say(`  GET /v1/me → ${describe(me)}`);
    check(me.status === 200, `expected 200 from /v1/me, got ${me.status}`);
  });

  // 3. A scope the client can't have.
  await step(
    'A route needing a scope the client does not have: GET /v1/admin (needs orders:admin)',
    async (say) => {
      const call = await api('GET', '/v1/admin', bearer(serviceToken));
      say(`→ ${describe(call)}`);
      say(`  WWW-Authenticate: ${call.challenge}`);
      check(call.status === 403, `expected 403, got ${call.status}`);
      check(
        call.challenge?.includes('error="insufficient_scope"') &&
          call.challenge.includes('scope="orders:admin"'),
        'expected an insufficient_scope challenge naming orders:admin',
      );
    },
  );

  // 4. An API key.
  await step(
    `API key (generated at start into a MemoryApiKeyStore, ${demo.apiKey.hint}, scopes ${demo.apiKey.scopes.join(' ')}): GET /v1/orders with X-API-Key`,
    async (say) => {
      const call = await api('GET', '/v1/orders', { 'x-api-key': demo.apiKey.key });
      say(`→ ${describe(call)}`);
      check(call.status === 200, `expected 200, got ${call.status}`);
      const me = await api('GET', '/v1/me', { 'x-api-key': demo.apiKey.key });
      say(`  GET /v1/me → ${describe(me)}`);
      const write = await api('POST', '/v1/orders', { 'x-api-key': demo.apiKey.key });
      say(`  POST /v1/orders → ${write.status} (the key has no orders:write)`);
      check(write.status === 403, `expected 403 for POST, got ${write.status}`);
    },
  );

  // 5. The authorization code flow with PKCE, headless: what the web page does, over plain HTTP.
  let access = '';
  let refresh = '';
  await step(
    `Authorization code flow with PKCE (S256), headless: the login and consent forms posted over HTTP as ${demo.webClient.clientId}`,
    async (say) => {
      say(`(what the page at ${urls.web} does when you click "Log in", here without a browser)`);
      const { verifier, challenge } = pkce();
      const state = randomState();
      const authorize = new URL(issuer.metadata.authorization_endpoint!);
      authorize.search = new URLSearchParams({
        response_type: 'code',
        client_id: demo.webClient.clientId,
        redirect_uri: demo.redirectUri,
        scope: 'orders:read orders:write',
        state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }).toString();
      const login = await fetch(authorize, { redirect: 'manual' });
      const loginHtml = await login.text();
      say(
        `a. GET /authorize?response_type=code&code_challenge_method=S256&… → ${login.status} login form`,
      );
      check(login.status === 200 && loginHtml.includes('demo_password'), 'expected the login form');

      const loginForm = formOf(loginHtml);
      const wrong = new URLSearchParams(loginForm.fields);
      wrong.set('demo_username', demo.user.username);
      wrong.set('demo_password', 'not-the-password');
      const refused = await fetch(new URL(loginForm.action, urls.issuer), {
        method: 'POST',
        body: wrong,
        redirect: 'manual',
      });
      const refusedHtml = await refused.text();
      say(
        `b. POST the login form with a wrong password → ${refused.status} form again, "Wrong username or password."`,
      );
      check(refused.status === 401, `expected 401, got ${refused.status}`);

      const retry = formOf(refusedHtml).fields;
      retry.set('demo_username', demo.user.username);
      retry.set('demo_password', demo.user.password);
      const consent = await fetch(new URL(loginForm.action, urls.issuer), {
        method: 'POST',
        body: retry,
        redirect: 'manual',
      });
      const consentHtml = await consent.text();
      say(`c. POST the login form as ${demo.user.username} → ${consent.status} consent form`);
      check(
        consent.status === 200 && consentHtml.includes('demo_decision'),
        'expected the consent form',
      );

      const consentForm = formOf(consentHtml);
      consentForm.fields.set('demo_decision', 'allow');
      const back = await fetch(new URL(consentForm.action, urls.issuer), {
        method: 'POST',
        body: consentForm.fields,
        redirect: 'manual',
      });
      const location = new URL(back.headers.get('location') ?? 'about:blank');
      const code = location.searchParams.get('code');
      say(
        `d. POST consent (Allow) → ${back.status} to ${location.origin}${location.pathname}?code=…&state=…&iss=…`,
      );
      check(back.status === 302 && code, `expected a redirect with a code, got ${back.status}`);
      check(`${location.origin}${location.pathname}` === demo.redirectUri, 'wrong redirect URI');
      check(location.searchParams.get('state') === state, 'state does not match');
      check(location.searchParams.get('iss') === urls.issuer, 'iss does not match');
      say('   state and iss match what was sent');

      const replayed = await fetch(new URL(consentForm.action, urls.issuer), {
        method: 'POST',
        body: consentForm.fields,
        redirect: 'manual',
      });
      say(
        `   the same consent form posted again → ${replayed.status} (its pending request id is spent)`,
      );
      check(replayed.status === 400, `expected 400, got ${replayed.status}`);

      const r = await postForm(token, demo.webClient, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: demo.redirectUri,
        code_verifier: verifier,
      });
      say(
        `e. POST /token grant_type=authorization_code + code_verifier → ${r.status} access_token, refresh_token, scope="${r.body.scope}"`,
      );
      check(r.status === 200 && typeof r.body.refresh_token === 'string', `got ${r.status}`);
      access = r.body.access_token as string;
      refresh = r.body.refresh_token as string;

      const me = await api('GET', '/v1/me', bearer(access));
      say(`f. GET /v1/me with the user's token → ${describe(me)}`);
      check(
        me.status === 200 && me.body.includes(`"id":"${demo.user.username}"`),
        'expected the user',
      );
    },
  );

  // 6. Refresh.
  let access2 = '';
  let refresh2 = '';
  await step(
    'Refresh: POST /token grant_type=refresh_token (the refresh token rotates)',
    async (say) => {
      const r = await postForm(token, demo.webClient, {
        grant_type: 'refresh_token',
        refresh_token: refresh,
      });
      check(r.status === 200 && typeof r.body.refresh_token === 'string', `got ${r.status}`);
      access2 = r.body.access_token as string;
      refresh2 = r.body.refresh_token as string;
      say(
        `→ ${r.status} a new access token and a new refresh token (different: ${refresh2 !== refresh})`,
      );
      const orders = await api('GET', '/v1/orders', bearer(access2));
      say(`  GET /v1/orders with the new access token → ${describe(orders)}`);
      check(orders.status === 200, `expected 200, got ${orders.status}`);
    },
  );

  // 7. Reuse of a spent refresh token revokes the family.
  await step('Reuse the first (already used) refresh token, as a thief would', async (say) => {
    const wait = demo.refreshReuseLeeway * 1000 + 500;
    if (wait > 500)
      say(
        `(waiting ${wait / 1000} s: within the issuer's ${demo.refreshReuseLeeway} s leeway a reuse is taken for a race)`,
      );
    await sleep(wait);
    const r = await postForm(token, demo.webClient, {
      grant_type: 'refresh_token',
      refresh_token: refresh,
    });
    say(`→ ${r.status} ${JSON.stringify(r.body)}: the whole token family is revoked`);
    check(
      r.status === 400 && r.body.error === 'invalid_grant',
      `expected 400 invalid_grant, got ${r.status}`,
    );
  });

  await step('The family is dead: the tokens issued by the refresh fail too', async (say) => {
    const introspect = await postForm(issuer.metadata.introspection_endpoint, demo.webClient, {
      token: access2,
    });
    say(
      `a. POST /introspect the new access token → ${introspect.status} ${JSON.stringify(introspect.body)}`,
    );
    check(introspect.body.active === false, 'expected active: false');
    const me = await api('GET', '/v1/me', bearer(access2));
    say(`b. GET /v1/me with it → ${me.status} WWW-Authenticate: ${me.challenge}`);
    check(me.status === 401, `expected 401, got ${me.status}`);
    const r = await postForm(token, demo.webClient, {
      grant_type: 'refresh_token',
      refresh_token: refresh2,
    });
    say(`c. POST /token with the newest refresh token → ${r.status} ${JSON.stringify(r.body)}`);
    check(r.status === 400 && r.body.error === 'invalid_grant', `expected 400, got ${r.status}`);
  });

  log('');
  if (failures.length === 0) log(`Walk-through complete: all ${n} steps passed.`);
  else log(`Walk-through FAILED at: ${failures.join('; ')}`);
  return { ok: failures.length === 0, failures };
}
