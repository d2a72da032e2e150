import type { AdapterOptions, Authenticator, Principal } from '@authcore/core';

/** A route's `config.auth` (all but `trustProxy`): it overrides the plugin's defaults for that route. */
export type RouteAuthOptions = Omit<AdapterOptions, 'trustProxy'>;

/** `app.register(authcore, options)`: the authenticator and the defaults of every route. */
export interface AuthcorePluginOptions extends AdapterOptions {
  authenticator: Authenticator<Principal>;
}

/** The second argument of `requireScopes`: where a refusal goes (`respond` by default). */
export type RequireScopesOptions = Pick<AdapterOptions, 'errors'>;

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The principal authcore resolved, typed by `Register` in `@authcore/core`; `undefined` on a
     * public route or an anonymous request of an optional one.
     */
    auth: Principal | undefined;
  }
  interface FastifyContextConfig {
    /** Per-route authentication under the `authcore` plugin; `false` makes the route public. */
    auth?: RouteAuthOptions | false;
  }
}
