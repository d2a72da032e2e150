import { adapterSetup, authenticateFor, guardScopes } from '@authcore/core/adapter';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, rendered, sign, type TestKey, testKeys, userClaims } from '../fixtures.js';
import {
  ALGS,
  boundTo,
  type ClientKey,
  clientKey,
  dpopAuthenticator,
  dpopRequest,
  proofBy,
} from './helpers.js';

let ES256: TestKey;
let client: ClientKey;
beforeAll(async () => {
  ({ ES256 } = await testKeys());
  client = await clientKey();
});

const INSUFFICIENT = 'The access token does not have the required scope';
const scopeRefusal = (scheme: string, extra = '') => ({
  status: 403,
  code: 'insufficient_scope',
  wwwAuthenticate: `${scheme} realm="api", error="insufficient_scope", error_description="${INSUFFICIENT}", scope="admin"${extra}`,
  body: `{"error":"insufficient_scope","error_description":"${INSUFFICIENT}"}`,
});
const dpopScopeRefusal = scopeRefusal('DPoP', `, algs="${ALGS}"`);

describe('a scope refusal is challenged like the credential that authenticated the request', () => {
  it('DPoP: the same DPoP challenge with algs from authenticate({ require }) and from the guard', async () => {
    const auth = dpopAuthenticator(ES256);
    const token = await boundTo(ES256, client);
    const viaOption = await auth.authenticate(
      dpopRequest(`DPoP ${token}`, [await proofBy(client, token)]),
      { require: { scopes: 'admin' } },
    );
    expect(rendered(auth, viaOption, 'scope_missing')).toEqual(dpopScopeRefusal);

    const carrier = {};
    const outcome = await authenticateFor(
      adapterSetup(auth),
      carrier,
      dpopRequest(`DPoP ${token}`, [await proofBy(client, token)]),
      (o) => o,
    );
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const denied = guardScopes(carrier, outcome.principal, 'admin');
    expect({
      status: denied?.response.status,
      code: denied?.error.code,
      wwwAuthenticate: denied?.response.headers['www-authenticate'],
      body: denied?.response.body,
    }).toEqual(dpopScopeRefusal);
  });

  it('Bearer stays Bearer, with no algs, through the same authenticator', async () => {
    const auth = dpopAuthenticator(ES256);
    const token = await sign(ES256, userClaims());
    const carrier = {};
    const outcome = await authenticateFor(adapterSetup(auth), carrier, bearer(token), (o) => o);
    if (!outcome.ok) throw new Error('expected a principal');
    const denied = guardScopes(carrier, outcome.principal, 'admin');
    expect(denied?.response.headers['www-authenticate']).toBe(
      scopeRefusal('Bearer').wwwAuthenticate,
    );
    const viaOption = await auth.authenticate(bearer(token), { require: { scopes: 'admin' } });
    expect(rendered(auth, viaOption, 'scope_missing')).toEqual(scopeRefusal('Bearer'));
  });
});
