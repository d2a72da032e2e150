import type { Authenticator, Principal } from '@authcore/core';
import type { AdapterOptions } from '@authcore/core/adapter';

/** The adapter's options, and whether refusals are logged on `request.log` (default `true`). */
export interface FastifyAuthOptions extends AdapterOptions {
  requestLog?: boolean;
}

/** A route's `config.auth` (all but `trustProxy`): it overrides the plugin's defaults for that route. */
export type RouteAuthOptions = Omit<FastifyAuthOptions, 'trustProxy'>;

/** `app.register(authcore, options)`: the authenticator and the defaults of every route. */
export interface AuthcorePluginOptions extends FastifyAuthOptions {
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
