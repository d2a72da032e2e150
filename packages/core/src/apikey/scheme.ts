import { AuthError, type AuthResult } from '../errors.js';
import type { Credential } from '../extract.js';
import { BoundedCache } from '../lib/bounded-cache.js';
import { readonlyDate, readonlyScopes } from '../lib/frozen.js';
import { timingSafeEqual } from '../lib/timing-safe-equal.js';
import type { ApiKeyPrincipal } from '../principal.js';
import type { AuthFailureReason } from '../reasons.js';
import type { Scheme } from '../scheme.js';
import {
  type ApiKeyParts,
  checkPrefix,
  decodeHash,
  hasApiKeyShape,
  hashKey,
  hashSecret,
  splitApiKey,
} from './key.js';
import type { ApiKeyRecord, ApiKeyStore } from './types.js';

export interface ApiKeyOptions {
  /** Where the records are. */
  store: ApiKeyStore;
  /** The header carrying the key. Default `x-api-key`. */
  header?: string;
  /**
   * Also take keys sent as `Authorization: Bearer <key>`. Only tokens of the API key form come
   * here, so a JWT scheme beside this one still gets the JWTs. Default `false`.
   */
  bearer?: boolean;
  /** Only keys with one of these prefixes (`['sk_live']`); others are refused before any lookup. */
  prefixes?: readonly string[];
  /** Call `store.recordUse` after each success (not awaited, failures ignored). Default `true`. */
  trackUsage?: boolean;
  /** Clock in epoch ms, for expiry. */
  now?: () => number;
}

// RFC 9110 §5.1 field-name token.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const noop = () => {};
const invalid = (cause: Error, reason: AuthFailureReason) =>
  ({
    ok: false,
    error: new AuthError('invalid_token', { scheme: 'ApiKey', cause, reason }),
  }) as const;

// The reasons, made once: a refusal is the hot path under attack, so it builds no extra stack trace.
// Only `reason` tells an unknown id from a wrong secret: the answer and its cost are the same.
const REASONS = {
  malformed: [new Error('malformed API key'), 'api_key_malformed'],
  checksum: [new Error('API key checksum mismatch'), 'api_key_checksum'],
  prefixNotAllowed: [new Error('API key prefix not allowed'), 'api_key_malformed'],
  unknownId: [new Error('unknown API key id'), 'api_key_unknown'],
  unreadableHash: [new Error('stored API key hash is unreadable'), 'store_unavailable'],
  secretMismatch: [new Error('API key secret mismatch'), 'api_key_mismatch'],
  prefixMismatch: [new Error('API key prefix does not match its record'), 'api_key_mismatch'],
  revoked: [new Error('API key revoked'), 'api_key_revoked'],
  expired: [new Error('API key expired'), 'api_key_expired'],
} as const satisfies Record<string, readonly [Error, AuthFailureReason]>;
const reject = (reason: keyof typeof REASONS) => {
  const [cause, why] = REASONS[reason];
  return invalid(cause, why);
};

// Compared by value, not by reference: a store that edits a record in place must not leave an
// old principal (old scopes) in use.
const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);
const sameMetadata = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) => {
  const keys = Object.keys(a ?? {});
  return keys.length === Object.keys(b ?? {}).length && keys.every((k) => a[k] === b?.[k]);
};
const sameIdentity = (a: ApiKeyRecord, b: ApiKeyRecord) =>
  a.owner === b.owner &&
  a.prefix === b.prefix &&
  a.expiresAt === b.expiresAt &&
  sameList(a.scopes, b.scopes) &&
  sameMetadata(a.metadata, b.metadata);

const isThenable = <T>(value: T | PromiseLike<T>): value is PromiseLike<T> =>
  typeof (value as Partial<PromiseLike<T>> | undefined)?.then === 'function';

const NO_AUDIENCE: readonly string[] = Object.freeze([]);
// Each of the scheme's three memos holds at most this many keys.
const MEMO_ENTRIES = 1024;

// Frozen, with copies of the record's lists: the memo below hands it to every request with the key.
function buildPrincipal(record: ApiKeyRecord): ApiKeyPrincipal {
  const { expiresAt } = record;
  return Object.freeze({
    scheme: 'apiKey',
    kind: 'application',
    id: record.id,
    scopes: readonlyScopes(record.scopes),
    clientId: undefined,
    issuer: undefined,
    audience: NO_AUDIENCE,
    expiresAt: expiresAt === undefined || expiresAt === null ? undefined : readonlyDate(expiresAt),
    claims: Object.freeze({
      keyId: record.id,
      owner: record.owner,
      prefix: record.prefix,
      metadata: Object.freeze({ ...record.metadata }),
    }),
  });
}

/**
 * The API key scheme. A key is refused before any store lookup when malformed, when its checksum
 * does not match or when its prefix is not allowed. Otherwise the SHA-256 of its secret is
 * compared in constant time with the stored one (with a dummy hash for an unknown id, so that
 * costs the same as a wrong secret), then expiry and revocation are checked. Every refusal is the
 * same `invalid_token`; `cause` says why, for logs.
 */
export function apiKey(options: ApiKeyOptions): Scheme<ApiKeyPrincipal> {
  const store = options?.store;
  if (!store || typeof store.find !== 'function')
    throw new TypeError('apiKey: `store` (an ApiKeyStore) is required');
  const header = options.header ?? 'x-api-key';
  if (typeof header !== 'string' || !HEADER_NAME.test(header))
    throw new TypeError(`apiKey: invalid header name ${JSON.stringify(header)}`);
  const headerName = header.toLowerCase();
  if (headerName === 'authorization')
    throw new TypeError('apiKey: use `bearer: true` to take keys from the Authorization header');
  const bearer = options.bearer === true;
  const prefixes = options.prefixes?.map((p) => checkPrefix(p, 'apiKey: `prefixes`'));
  if (prefixes && prefixes.length === 0)
    throw new TypeError('apiKey: `prefixes`, when given, must not be empty');
  const trackUsage = options.trackUsage !== false;
  const now = options.now ?? Date.now;
  // Compared against when the id is unknown or its stored hash unreadable: same work, never equal.
  const dummy = crypto.getRandomValues(new Uint8Array(32));

  const recordUse = (id: string, at: number) => {
    try {
      const pending = store.recordUse(id, at);
      if (pending && typeof pending.then === 'function') pending.then(noop, noop);
    } catch {}
  };

  // Decoded stored hashes (`null`: unreadable), by their text: stores hand out fresh record
  // objects (a copy per `find`, or parsed from Redis), so identity is no key.
  const decoded = new BoundedCache<string, Uint8Array | null>({ maxEntries: MEMO_ENTRIES });
  const storedHash = (record: ApiKeyRecord) => {
    const text = record.hash;
    let bytes = decoded.get(text);
    if (bytes === undefined) {
      bytes = decodeHash(text) ?? null;
      decoded.set(text, bytes);
    }
    return bytes ?? undefined;
  };

  // Keys that verified before, by the SHA-256 of the whole key (never the key itself): their id,
  // prefix and secret digest, which a key determines. A hit skips the checksum and splitting,
  // never the store: revocation, expiry and the stored hash are read on every request. Only keys
  // that passed are kept (garbage cannot churn it).
  const verified = new BoundedCache<string, { id: string; prefix: string; digest: Uint8Array }>({
    maxEntries: MEMO_ENTRIES,
  });

  // Synchronous up to the store: with a store that answers at once (memory), no promise at all.
  function verifyKey(
    token: string,
  ): AuthResult<ApiKeyPrincipal> | Promise<AuthResult<ApiKeyPrincipal>> {
    // The form first: it bounds what is hashed and makes the key ASCII.
    if (!hasApiKeyShape(token)) return reject('malformed');
    let parts: Pick<ApiKeyParts, 'id' | 'prefix'>;
    let presented: Uint8Array;
    const memoKey = hashKey(token);
    const known = verified.get(memoKey);
    if (known) {
      parts = known;
      presented = known.digest;
    } else {
      const split = splitApiKey(token);
      if (split === 'malformed') return reject('malformed');
      if (split === 'checksum') return reject('checksum');
      if (prefixes && !prefixes.includes(split.prefix)) return reject('prefixNotAllowed');
      parts = split;
      presented = hashSecret(split.secret);
    }
    let found: ReturnType<ApiKeyStore['find']>;
    try {
      found = store.find(parts.id);
    } catch (cause) {
      return invalid(new Error('API key store failed', { cause }), 'store_unavailable');
    }
    // Any thenable, not only a native promise: a store may come from another promise library.
    if (isThenable(found)) {
      return Promise.resolve(found).then(
        (record) => checkRecord(memoKey, parts, presented, record, known === undefined),
        (cause: unknown) =>
          invalid(new Error('API key store failed', { cause }), 'store_unavailable'),
      );
    }
    return checkRecord(memoKey, parts, presented, found, known === undefined);
  }

  function checkRecord(
    memoKey: string,
    parts: Pick<ApiKeyParts, 'id' | 'prefix'>,
    presented: Uint8Array,
    record: ApiKeyRecord | undefined,
    remember: boolean,
  ): AuthResult<ApiKeyPrincipal> {
    const stored = record === undefined ? undefined : storedHash(record);
    // Always one compare of 32 bytes, whatever was found.
    const equal = timingSafeEqual(presented, stored ?? dummy);
    if (record === undefined) return reject('unknownId');
    if (stored === undefined) return reject('unreadableHash');
    if (!equal) return reject('secretMismatch');
    if (record.id !== parts.id || record.prefix !== parts.prefix) return reject('prefixMismatch');
    const t = now();
    if (record.revokedAt !== undefined && record.revokedAt !== null) return reject('revoked');
    const { expiresAt } = record;
    if (expiresAt !== undefined && expiresAt !== null && !(t < expiresAt)) return reject('expired');

    if (remember) verified.set(memoKey, { id: parts.id, prefix: parts.prefix, digest: presented });
    if (trackUsage) recordUse(record.id, t);
    return { ok: true, principal: principalOf(record) };
  }

  // The principal of a key, reused while the fields it is made of have the same values.
  const principals = new BoundedCache<string, { record: ApiKeyRecord; principal: ApiKeyPrincipal }>(
    { maxEntries: MEMO_ENTRIES },
  );
  const principalOf = (record: ApiKeyRecord): ApiKeyPrincipal => {
    const known = principals.get(record.id);
    if (known && sameIdentity(known.record, record)) return known.principal;
    const principal = buildPrincipal(record);
    // A snapshot, so a record mutated in place afterwards no longer matches it.
    const snapshot = { ...record, scopes: [...record.scopes], metadata: { ...record.metadata } };
    principals.set(record.id, { record: snapshot, principal });
    return principal;
  };

  return {
    name: 'apiKey',
    sources: { apiKeyHeader: headerName },
    challenge: 'ApiKey',
    accepts: (credential: Credential) =>
      credential.slot === 'apiKey' ||
      (bearer && credential.slot === 'bearer' && hasApiKeyShape(credential.token)),
    verify(credential) {
      try {
        return verifyKey(credential.token);
      } catch (cause) {
        return invalid(
          cause instanceof Error ? cause : new Error('API key check failed', { cause }),
          'scheme_error',
        );
      }
    },
  };
}
