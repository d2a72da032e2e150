import type { Principal } from '@authcore/core';
import type { AdapterOptions } from '@authcore/core/adapter';

/**
 * The state `authenticate` fills: `ctx.state.auth` is the principal (typed by `Register` in
 * `@authcore/core`), `undefined` on an anonymous request of an optional route.
 */
export interface AuthState {
  auth?: Principal;
}

declare module 'koa' {
  // Types `ctx.state.auth` on apps and routers declared with the default state too.
  interface DefaultState extends AuthState {}
}

/** The second argument of `requireScopes`: where a refusal goes (`respond` by default). */
export type RequireScopesOptions = Pick<AdapterOptions, 'errors'>;
