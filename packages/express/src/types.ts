import type { Principal } from '@authcore/core';
import type { AdapterOptions } from '@authcore/core/adapter';

declare global {
  namespace Express {
    interface Request {
      /**
       * The principal `authenticate` resolved: typed by `Register` in `@authcore/core`,
       * `undefined` on an anonymous request of an optional route (or a route without `authenticate`).
       */
      auth?: Principal;
    }
  }
}

/** The second argument of `requireScopes`: where a refusal goes (`respond` by default). */
export type RequireScopesOptions = Pick<AdapterOptions, 'errors'>;
