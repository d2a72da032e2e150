import type { AuthError } from '@authcore/core';
import type { AuthorizeHook, EndpointName } from '../options.js';
import type {
  ClientStore,
  CodeStore,
  RefreshTokenStore,
  RevocationStore,
} from '../stores/types.js';
import type { EndpointErrors } from './endpoint.js';
import type { Incoming } from './exchange.js';
import type { KeyRing } from './keys.js';

/** Everything an endpoint needs, resolved once by `createIssuer`. */
export interface Context {
  issuer: string;
  urls: Record<EndpointName, string>;
  clients: ClientStore;
  codes: CodeStore;
  refreshTokens: RefreshTokenStore;
  revocations: RevocationStore;
  keys: KeyRing;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  refreshReuseLeeway: number;
  codeTtl: number;
  now: () => number;
  authorize: AuthorizeHook | undefined;
  /** What an error becomes, reported and logged: for an endpoint that answers it itself. */
  errors: EndpointErrors;
  /** Checks a DPoP proof sent to `/token` (RFC 9449 §5); `undefined` when DPoP is off. */
  dpop: ((request: Incoming) => Promise<DpopCheck>) | undefined;
  /** Proof algorithms accepted, for the metadata document. */
  dpopAlgorithms: readonly string[];
}

export type DpopCheck = { ok: true; jkt: string } | { ok: false; error: AuthError };
