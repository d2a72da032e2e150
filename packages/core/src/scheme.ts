import type { AuthResult, ChallengeScheme } from './errors.js';
import type { Credential, CredentialSources } from './extract.js';
import type { RequestView } from './request.js';
import type { AuthorizablePrincipal } from './scopes.js';

/**
 * One kind of credential verified into a principal. The authenticator extracts the credential and
 * hands it to the first scheme that `accepts` it. Its principal has a scope
 * set (`scopes: ReadonlySet<string>`, empty if the credential grants none): scope checks read it.
 * Hand out principals nobody can change (frozen) when you cache them.
 */
export interface Scheme<P extends AuthorizablePrincipal> {
  readonly name: string;
  /** Extra places to look for credentials (an API key header, `Authorization: DPoP`). */
  readonly sources?: Partial<CredentialSources>;
  /** The challenge scheme(s) this scheme offers in a bare 401. */
  readonly challenge: ChallengeScheme | readonly ChallengeScheme[];
  /**
   * Parameters every challenge of a scheme carries for the credentials this scheme verified, scope
   * and step-up refusals included (DPoP's `algs`, RFC 9449 §7.1).
   */
  readonly challengeParams?: { readonly [S in ChallengeScheme]?: Readonly<Record<string, string>> };
  /**
   * Whether this credential is for this scheme, by where it came from (`credential.slot`) and its
   * form only (no I/O).
   */
  accepts(credential: Credential): boolean;
  /**
   * Never throws for a bad credential: failures are `{ ok: false, error }`. May answer
   * synchronously (a cache hit) to spare the hot path a promise.
   */
  verify(credential: Credential, request: RequestView): AuthResult<P> | Promise<AuthResult<P>>;
  /**
   * Fetches what the scheme needs before the first request (remote keys, discovery); rejects
   * when it cannot. Optional: a scheme with nothing to fetch has none.
   */
  warmup?(): Promise<void>;
}

/** The principal type a scheme resolves to. */
export type SchemePrincipal<S> =
  S extends Scheme<infer P extends AuthorizablePrincipal> ? P : never;
