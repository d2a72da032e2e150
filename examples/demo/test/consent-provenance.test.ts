import { createIssuer } from '@authcore/issuer';
import { describe, expect, it } from 'vitest';
import { loginAndConsent } from '../src/issuer.js';
import { pkce } from '../src/oauth.js';
import { formOf } from '../src/walkthrough.js';

// The consent page tells the user where the issuer knows the client from, so an unknown client
// (one that registered itself) is flagged. In process: the issuer's fetch handler and the demo's
// own login-and-consent hook, with dynamic registration on.
const ISSUER = 'http://issuer.test';
const issuer = createIssuer({
  issuer: ISSUER,
  clients: [
    {
      clientId: 'known-web',
      clientSecret: 'known-web-secret-0123456789abcdef',
      redirectUris: ['https://known.example/cb'],
      scopes: ['orders:read'],
      audience: ['https://api.test'],
    },
  ],
  registration: { policy: 'open' },
  dynamicClients: { audience: ['https://api.test'], scopes: ['orders:read'] },
  authorize: loginAndConsent({ clientAddress: () => '127.0.0.1' }),
});

async function consentPageFor(clientId: string, redirectUri: string): Promise<string> {
  const url = new URL('/authorize', ISSUER);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'orders:read',
    state: 'st',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
  }).toString();
  const login = await issuer.fetch(new Request(url));
  expect(login.status).toBe(200);
  const { action, fields } = formOf(await login.text());
  fields.set('demo_username', 'alice');
  fields.set('demo_password', 'wonderland');
  const consent = await issuer.fetch(
    new Request(new URL(action, ISSUER), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
    }),
  );
  expect(consent.status).toBe(200);
  return consent.text();
}

describe('the consent page names the client and where it comes from', () => {
  it('a pre-registered client is the operator’s', async () => {
    const page = await consentPageFor('known-web', 'https://known.example/cb');
    expect(page).toContain('<h1>Allow known-web to access the demo API?</h1>');
    expect(page).toContain(
      `<p id="client-provenance">A client registered by this server's operator.</p>`,
    );
  });

  it('a client that registered itself is flagged as unverified, its name and site as its own claims', async () => {
    const registered = await issuer.fetch(
      new Request(new URL('/register', ISSUER), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_name: 'Totally <b>Legit</b> App',
          client_uri: 'https://legit.example',
          redirect_uris: ['https://legit.example/cb'],
          token_endpoint_auth_method: 'none',
          scope: 'orders:read',
        }),
      }),
    );
    expect(registered.status).toBe(201);
    const { client_id } = (await registered.json()) as { client_id: string };
    const page = await consentPageFor(client_id, 'https://legit.example/cb');
    // The client's own name, escaped.
    expect(page).toContain(
      '<h1>Allow Totally &lt;b&gt;Legit&lt;/b&gt; App to access the demo API?</h1>',
    );
    expect(page).toContain(
      '<p id="client-provenance" class="warning">Unverified client: it registered itself a moment ago. Its name and site are its own claims; allow it only if you expected it. <code id="client-uri">https://legit.example</code></p>',
    );
  });
});
