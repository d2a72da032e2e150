import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  type AuthorizeDecision,
  type AuthorizeHook,
  type ClientProvenance,
  type ClientStore,
  createIssuer,
  type Issuer,
  nodeDocumentFetcher,
  type RefreshTokenStore,
  type RegisteredClientStore,
  toNodeListener,
} from '@authcore/issuer';
import { expectTypeOf } from 'vitest';

const issuer = createIssuer({ issuer: 'https://issuer.test', clients: [] });
expectTypeOf(issuer).toEqualTypeOf<Issuer>();
expectTypeOf(issuer.fetch).toEqualTypeOf<(request: Request) => Promise<Response>>();

// The hook may answer a decision, a refusal or a Response, sync or async.
const hook: AuthorizeHook = async (_request, context) => {
  expectTypeOf(context.client.public).toBeBoolean();
  expectTypeOf(context.scopes).toEqualTypeOf<string[]>();
  return context.scopes.length > 0 ? { userId: 'u' } : new Response('login');
};
const refuse: AuthorizeHook = () => ({ error: 'access_denied' });
createIssuer({ issuer: 'https://issuer.test', clients: [], authorize: hook });
createIssuer({ issuer: 'https://issuer.test', clients: [], authorize: refuse });
// @ts-expect-error an unknown error code
const bad: AuthorizeDecision = { error: 'nope' };
void bad;

// Stores are async all the way down.
expectTypeOf<ReturnType<ClientStore['get']>>().toExtend<Promise<unknown>>();
expectTypeOf<ReturnType<RefreshTokenStore['consume']>>().toExtend<Promise<unknown>>();

// node:http's request and response fit the structural bridge.
const listener = toNodeListener(issuer);
createServer(listener);
expectTypeOf(listener).toBeCallableWith({} as IncomingMessage, {} as ServerResponse);

// @ts-expect-error the lifetime is in seconds, and a number
createIssuer({ issuer: 'https://issuer.test', clients: [], accessTokenTtl: '10m' });

// Registration and metadata documents: the policy types, and the provenance the hook sees.
const withDynamic = createIssuer({
  issuer: 'https://issuer.test',
  clients: [],
  dynamicClients: { audience: 'https://api.test', scopes: ['read'] },
  registration: {
    policy: 'open',
    review: (metadata) =>
      metadata.redirect_uris.length > 0 ? metadata : { error: 'invalid_redirect_uri' },
    rateLimit: async () => ({ retryAfter: 3 }),
  },
  clientMetadataDocuments: { allowLoopback: false, fetch: nodeDocumentFetcher() },
  authorize: (_request, context) => {
    expectTypeOf(context.client.provenance).toEqualTypeOf<ClientProvenance>();
    expectTypeOf(context.client.clientName).toEqualTypeOf<string | undefined>();
    // @ts-expect-error the registration record (hashes) is not shown to the hook
    void context.client.registration;
    return { userId: 'u' };
  },
});
expectTypeOf(withDynamic.paths.registration).toBeString();
expectTypeOf<ReturnType<RegisteredClientStore['register']>>().toEqualTypeOf<Promise<boolean>>();
// @ts-expect-error a policy the issuer does not know
createIssuer({ issuer: 'https://i.test', clients: [], registration: { policy: 'closed' } });
