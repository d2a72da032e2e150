// Profiling aid: `node --cpu-prof --cpu-prof-dir=prof src/profile.mjs <alg|apikey> [cache] [ms]`
// runs one authcore candidate of the core part alone (64 in flight) so its profile holds
// nothing else; `node src/profile-summary.mjs prof/<file>.cpuprofile` lists where time goes.
import {
  apiKey,
  createAuthenticator,
  jwt,
  MemoryApiKeyStore,
  nodeRequestView,
} from '@authcore/core';
import { timeBox } from './core.mjs';
import { AUDIENCE, apiKeyFixture, ISSUER, jwtFixture } from './fixtures.mjs';

const [what = 'ES256', cache = 'off', ms = '5000'] = process.argv.slice(2);
let headers;
let auth;
if (what === 'apikey') {
  const { key, record } = await apiKeyFixture();
  auth = createAuthenticator({ schemes: [apiKey({ store: new MemoryApiKeyStore([record]) })] });
  headers = ['X-API-Key', key];
} else {
  const fx = await jwtFixture(/** @type {'ES256' | 'RS256' | 'EdDSA'} */ (what));
  auth = createAuthenticator({
    schemes: [
      jwt({
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: [fx.alg],
        keys: fx.jwk,
        ...(cache === 'off' && { cache: false }),
      }),
    ],
  });
  headers = ['Authorization', `Bearer ${fx.token}`];
}
const req = { method: 'GET', url: '/v1/me', rawHeaders: ['Host', 'h', ...headers], socket: null };
const ops = await timeBox(() => auth.authenticate(nodeRequestView(req)), Number(ms), 64);
console.log(`${what} cache ${cache}: ${Math.round(ops)} ops/s`);
