import type { DpopOptions, Logger, TelemetryOptions } from '@authcore/core';
import type { JWK } from 'jose';
import type { SigningAlgorithm } from './lib/keys.js';
import type {
  ClientMetadataDocumentOptions,
  DynamicClientPolicy,
  RegistrationOptions,
} from './registration/options.js';
import type { ClientConfig } from './stores/clients.js';
import type { KeyStore } from './stores/keys.js';
import type {
  ClientProvenance,
  ClientRecord,
  ClientStore,
  CodeStore,
  RefreshTokenStore,
  RevocationStore,
} from './stores/types.js';

export type EndpointName =
  | 'authorize'
  | 'token'
  | 'revoke'
  | 'introspect'
  | 'jwks'
  | 'metadata'
  | 'registration';

/**
 * A client as the `authorize` hook sees it: no secret hash, no registration record. A consent
 * page can warn about a client that is not `preregistered`: its name, URI and logo are what the
 * client said of itself (`clientUri` of a metadata document is the document's claim; only its
 * `clientId` URL's host is verified, by the fetch).
 */
export type ClientInfo = Omit<ClientRecord, 'clientSecretHash' | 'registration' | 'provenance'> & {
  public: boolean;
  provenance: ClientProvenance;
};

/** What `/authorize` validated before asking the host. */
export interface AuthorizeContext {
  client: ClientInfo;
  /** Scopes requested and allowed for the client (all of its scopes when none were asked for). */
  scopes: string[];
  /** Audience the tokens will carry (client default or RFC 8707 `resource`). */
  audience: string[];
  redirectUri: string;
  state: string | undefined;
  /** Every parameter of the authorization request, as sent. */
  params: URLSearchParams;
}

/** The host's answer: a user who consented, a refusal, or its own page (login, consent). */
export type AuthorizeDecision =
  | {
      /** The user, as the access token's `sub`. */
      userId: string;
      /** Scopes the user consented to: a subset of `context.scopes`. Default all of them. */
      scopes?: readonly string[];
      /**
       * Extra access-token claims (`acr`, `auth_time`, roles…). Registered claims the issuer
       * sets (`iss`, `sub`, `aud`, `exp`, `iat`, `nbf`, `jti`, `client_id`, `scope`) are ignored.
       */
      claims?: Record<string, unknown>;
    }
  | {
      error: 'access_denied' | 'login_required' | 'consent_required' | 'interaction_required';
      errorDescription?: string;
    };

export type AuthorizeHook = (
  request: Request,
  context: AuthorizeContext,
) => AuthorizeDecision | Response | Promise<AuthorizeDecision | Response>;

export interface IssuerStores {
  codes?: CodeStore;
  refreshTokens?: RefreshTokenStore;
  revocations?: RevocationStore;
  /**
   * The signing keys every instance shares (`RedisKeyStore`); needs `keyEncryptionKey`. Default:
   * keys of this instance only.
   */
  keys?: KeyStore;
}

export interface IssuerOptions {
  /** The issuer identifier (`iss`): an http(s) URL with no query or fragment. */
  issuer: string;
  /** Client configurations (held in memory), or your own store. */
  clients: readonly ClientConfig[] | ClientStore;
  /** Authenticates the user and records consent for `/authorize`; without it, no code flow. */
  authorize?: AuthorizeHook;
  /** Access-token lifetime in seconds, 300 to 900. Default 600. */
  accessTokenTtl?: number;
  /** Refresh-token family lifetime in seconds (rotation does not extend it); 0 issues none. Default 14 days. */
  refreshTokenTtl?: number;
  /**
   * Seconds after a refresh token's first use during which presenting it again is taken for
   * the client racing itself: refused, without revoking the family. Later reuse revokes the
   * family. 0 treats every reuse as theft. Default 2.
   */
  refreshReuseLeeway?: number;
  /** Authorization-code lifetime in seconds, 1 to 600. Default 60. */
  codeTtl?: number;
  /** Seconds a rotated-out public key stays in the JWKS; at least `accessTokenTtl`. Default 3600. */
  keyGracePeriod?: number;
  /** Signing algorithm. Default `ES256`. */
  algorithm?: SigningAlgorithm;
  /**
   * Private JWKs to sign with (the first) and to keep publishing (the rest); default a fresh key.
   * With `stores.keys`, they seed a store that holds no keys yet and are ignored otherwise.
   */
  keys?: readonly JWK[];
  /**
   * The 32-byte key (bytes, or base64url / base64 text) that seals private keys written to
   * `stores.keys` (AES-256-GCM); required with it. Keep it out of the store (a secret manager).
   */
  keyEncryptionKey?: Uint8Array | string;
  /**
   * With `stores.keys`: seconds after which an instance reads the key set again (and a new key is
   * published this long before it signs), 1 to 300. Default 10.
   */
  keyRefreshInterval?: number;
  /** Rotate the signing key when it is this many seconds old; off by default. */
  rotateEvery?: number;
  /** Shared stores; in-memory by default. */
  stores?: IssuerStores;
  /** Endpoint paths; defaults are the issuer's path + `/authorize`, `/token`… and RFC 8414's. */
  paths?: Partial<Record<EndpointName, string>>;
  /** Advertised `scopes_supported`; default: every scope of the configured clients (array form). */
  scopesSupported?: readonly string[];
  /**
   * DPoP (RFC 9449 §5): a token request with a valid `DPoP` proof gets tokens bound to its key
   * (`cnf.jkt`, `token_type: DPoP`); a public client's refresh tokens are bound too. On by
   * default; `false` ignores proofs and issues Bearer tokens only.
   */
  dpop?: DpopOptions | false;
  /** Dynamic client registration (RFC 7591, RFC 7592): off unless given. */
  registration?: RegistrationOptions;
  /** Client ID Metadata Documents (an https `client_id` fetched as metadata): off unless given. */
  clientMetadataDocuments?: ClientMetadataDocumentOptions;
  /** Audience and scopes of registered and metadata-document clients; required with either. */
  dynamicClients?: DynamicClientPolicy;
  /** Called with unexpected errors (those answered `server_error` or, for a store outage, 503). */
  onError?: (error: unknown) => void;
  /**
   * Where the issuer logs (pino, Fastify's `request.log`, `console`): a rate-limited `warn` per
   * endpoint for store outages and unexpected errors, a `debug` line per refused request with its
   * OAuth error code. Never a token, code or secret. See docs/observability.md.
   */
  logger?: Logger;
  /**
   * OpenTelemetry (`{ api: otel }` or `{ tracer, meter }`, as `createAuthenticator`'s): a span
   * and counters per endpoint and grant. See docs/observability.md.
   */
  telemetry?: TelemetryOptions;
  /** Clock in epoch milliseconds (tests). Default `Date.now`. */
  now?: () => number;
}
