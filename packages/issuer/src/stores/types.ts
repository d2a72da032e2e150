/**
 * Store interfaces. Every method is async and every record is plain, JSON-serialisable data with
 * expirations as epoch milliseconds, so a shared store (Redis, SQL) implements them unchanged.
 * Stores hold only SHA-256 hashes of codes, refresh tokens and client secrets, never the values.
 */

export type GrantType = 'authorization_code' | 'client_credentials' | 'refresh_token';

/** A registered client as the issuer reads it. */
export interface ClientRecord {
  clientId: string;
  /** base64url SHA-256 of the secret (see `clientSecretHash`); absent for a public client. */
  clientSecretHash?: string | undefined;
  /** Exact redirect URIs for the authorization code flow. */
  redirectUris: string[];
  /** Scopes the client may be granted; a token never carries more. */
  scopes: string[];
  /** Audiences (resource identifiers) the client may get tokens for; the first is the default. */
  audience: string[];
  grantTypes: GrantType[];
  /** Where the client comes from; absent means configured by the host (`preregistered`). */
  provenance?: ClientProvenance | undefined;
  /** Display metadata (RFC 7591 §2) of a registered or metadata-document client. */
  clientName?: string | undefined;
  clientUri?: string | undefined;
  logoUri?: string | undefined;
  /** Epoch ms after which the client (and its secret: `client_secret_expires_at`) is unknown. */
  expiresAt?: number | undefined;
  /** What RFC 7591 registration recorded, to answer RFC 7592 reads. */
  registration?: RegistrationRecord | undefined;
}

/** `preregistered`: configured by the host; `registered`: RFC 7591; `metadata_document`: CIMD. */
export type ClientProvenance = 'preregistered' | 'registered' | 'metadata_document';

export type TokenEndpointAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post';

export interface RegistrationRecord {
  /** Epoch ms (`client_id_issued_at`). */
  issuedAt: number;
  applicationType: 'web' | 'native';
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  responseTypes: 'code'[];
  /** base64url SHA-256 of the RFC 7592 registration access token. */
  accessTokenHash: string;
}

export interface ClientStore {
  get(clientId: string): Promise<ClientRecord | undefined>;
}

/** Where clients that registered themselves (RFC 7591) live: bounded, shared by instances. */
export interface RegisteredClientStore extends ClientStore {
  /**
   * Adds a client (its id is new), kept until `record.expiresAt` when set. `false` when the
   * store already holds as many clients as it may: the registration is refused.
   */
  register(record: ClientRecord): Promise<boolean>;
  /** `false` when there was no such client. */
  remove(clientId: string): Promise<boolean>;
}

/** What `consume` found: the record, and whether it had been consumed before this call. */
export interface Consumed<R> {
  record: R;
  /** `true` when an earlier call already consumed it: a replay. */
  alreadyUsed: boolean;
  /** When it was first consumed (epoch ms): `now` of this call, or of the earlier one. */
  usedAt: number;
}

export interface CodeRecord {
  codeHash: string;
  clientId: string;
  /** The redirect URI used (given, or the client's only one). */
  redirectUri: string;
  /** Whether the request carried `redirect_uri`, which the token request must then repeat. */
  redirectUriInRequest: boolean;
  userId: string;
  scopes: string[];
  audience: string[];
  /** PKCE S256 challenge. */
  codeChallenge: string;
  /** The family of every token issued from this code. */
  familyId: string;
  /** Extra access-token claims from the host's `authorize` hook. */
  claims?: Record<string, unknown> | undefined;
  issuedAt: number;
  /** The code is redeemable until then. */
  expiresAt: number;
  /**
   * Keep the record (used or not) until then, so that a replay is still recognised while the
   * access tokens issued from the code live: the issuer sets `expiresAt` + the access-token lifetime.
   */
  retainUntil: number;
}

export interface CodeStore {
  save(record: CodeRecord): Promise<void>;
  /**
   * Atomically marks the code used at `now` (unless it already was) and returns it with its
   * previous state; `undefined` when unknown (or dropped after `retainUntil`). Exactly one
   * concurrent caller sees `alreadyUsed: false`.
   */
  consume(codeHash: string, now: number): Promise<Consumed<CodeRecord> | undefined>;
}

/**
 * A refresh-token family: the grant and its one current token. Rotation replaces the token in
 * place, so a family costs the same after one rotation or thousands; past tokens are not kept.
 */
export interface RefreshTokenRecord {
  /** SHA-256 of the family's current token. */
  tokenHash: string;
  familyId: string;
  clientId: string;
  userId: string;
  /** Scopes of the original grant; a refresh may narrow the access token, never this. */
  scopes: string[];
  audience: string[];
  claims?: Record<string, unknown> | undefined;
  /** When the current token was issued. */
  issuedAt: number;
  /** Absolute end of the family: rotation does not extend it. */
  expiresAt: number;
}

export interface TrackedAccessToken {
  jti: string;
  expiresAt: number;
}

/** Most live access tokens a family tracks; `trackAccessToken` hands back the oldest beyond it. */
export const MAX_TRACKED_ACCESS_TOKENS = 16;

export interface RefreshTokenStore {
  /**
   * Makes `record.tokenHash` its family's current token: creates the family, or rotates it (the
   * token it replaces is remembered as the previous one, for the reuse leeway). Keeps the family
   * until `record.expiresAt`, and never more than one record per family.
   */
  save(record: RefreshTokenRecord): Promise<void>;
  /**
   * Atomically marks the family's current token used at `now` when `tokenHash` is that token,
   * unused. Otherwise `alreadyUsed: true` with `usedAt`: the current token's first use, the time
   * the previous token was rotated out, or `0` for any other token presented for this family (an
   * earlier one: reuse). `undefined` when the family is unknown or past `expiresAt`. Exactly one
   * concurrent caller with the current token sees `alreadyUsed: false`.
   */
  consume(
    familyId: string,
    tokenHash: string,
    now: number,
  ): Promise<Consumed<RefreshTokenRecord> | undefined>;
  /**
   * Reads a family without consuming (introspection, revocation); `used` unless `tokenHash` is
   * its current, unused token.
   */
  find(
    familyId: string,
    tokenHash: string,
  ): Promise<{ record: RefreshTokenRecord; used: boolean } | undefined>;
  /**
   * Remembers an access token issued in a family so that revoking the family revokes it too:
   * at most `MAX_TRACKED_ACCESS_TOKENS` live ones, and the oldest beyond that are returned (the
   * caller revokes them). Returns `false` when the family is already revoked (the caller then
   * revokes the token).
   */
  trackAccessToken(
    familyId: string,
    token: TrackedAccessToken,
    familyExpiresAt: number,
  ): Promise<TrackedAccessToken[] | false>;
  /**
   * Revokes a family (RFC 9700 §4.14): none of its refresh tokens is usable afterwards. Keeps
   * the mark until `until`; returns the access tokens tracked in the family.
   */
  revokeFamily(familyId: string, until: number): Promise<TrackedAccessToken[]>;
  isFamilyRevoked(familyId: string): Promise<boolean>;
}

/** Revoked access-token `jti`s, each kept until the token would have expired anyway. */
export interface RevocationStore {
  revoke(jti: string, expiresAt: number): Promise<void>;
  isRevoked(jti: string): Promise<boolean>;
}
