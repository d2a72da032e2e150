import {
  type Authenticator,
  type MetadataResponse,
  type Principal,
  principalToJSON,
} from '@authcore/core';
import { authenticate, requireScopes } from '@authcore/hono';
import { Hono } from 'hono';

/** RFC 9728: answers `/.well-known/oauth-protected-resource` (see `resourceMetadataHandler`). */
export type ResourceMetadata = (method: string, path: string) => MetadataResponse | undefined;

/** The example API: the same routes and answers as every other authcore example. */
export function createApp(authenticator: Authenticator<Principal>, metadata?: ResourceMetadata) {
  const required = authenticate(authenticator);
  return new Hono()
    .use(async (c, next) => {
      const document = metadata?.(c.req.method, c.req.path);
      if (document) return c.body(document.body, 200, document.headers);
      await next();
    })
    .get('/health', (c) => c.json({ status: 'ok' }))
    .get('/v1/me', required, (c) => c.json(principalToJSON(c.var.auth)))
    .get('/v1/orders', required, requireScopes('orders:read'), (c) => c.json({ orders: [] }))
    .post('/v1/orders', required, requireScopes('orders:write'), (c) =>
      c.json({ created: true }, 201),
    )
    .get('/v1/optional', authenticate(authenticator, { optional: true }), (c) => {
      const principal = c.get('auth');
      return c.json(
        principal
          ? { authenticated: true, principal: principalToJSON(principal) }
          : { authenticated: false },
      );
    })
    .notFound((c) => c.json({ error: 'not_found' }, 404));
}
