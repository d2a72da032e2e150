import type { Principal } from '@authcore/core';
import type { AdapterOptions } from '@authcore/core/adapter';

/**
 * The variables `authenticate` sets: `c.get('auth')` / `c.var.auth` is the principal, or
 * `undefined` on an optional route with no credential. `Principal` follows your `Register`.
 */
export type AuthVariables<P = Principal | undefined> = { auth: P };

/** The Hono `Env` of the middleware, for `new Hono<AuthEnv>()` or `createMiddleware<AuthEnv>`. */
export type AuthEnv<P = Principal | undefined> = { Variables: AuthVariables<P> };

declare module 'hono' {
  // Types `c.get('auth')` in every handler, even on an app declared without `AuthEnv`.
  interface ContextVariableMap extends AuthVariables {}
}

/** The second argument of `requireScopes`: where a refusal goes (`respond` by default). */
export type RequireScopesOptions = Pick<AdapterOptions, 'errors'>;
