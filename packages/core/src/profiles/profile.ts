import type { JwtBaseOptions, JwtKeySource } from '../jwt/scheme.js';

/**
 * What a provider profile sets: spread it into `jwt()` and add your own options after it
 * (`jwt({ ...auth0({ domain, audience }), cache: { maxEntries: 5000 } })`).
 */
export type JwtProfile = Pick<
  JwtBaseOptions,
  | 'issuer'
  | 'audience'
  | 'algorithms'
  | 'typ'
  | 'scopes'
  | 'roles'
  | 'clientId'
  | 'kind'
  | 'claimValues'
  | 'requiredClaims'
> &
  Extract<JwtKeySource, { jwksUri: string } | { discovery: true }>;

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** The strings of an array claim (anything else in it is dropped by the scheme). */
export const arrayClaim = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The words of a space-separated string claim. */
export const spaceSeparated = (v: unknown): string[] =>
  typeof v === 'string' ? v.split(' ').filter(Boolean) : [];

/** A required, non-empty string option of a profile. */
export function required(profile: string, name: string, value: unknown): string {
  const s = str(value);
  if (s === undefined) throw new TypeError(`${profile}: \`${name}\` is required`);
  return s;
}

/** A required audience (one or several non-empty strings). */
export function audienceOption(profile: string, value: unknown): string | readonly string[] {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  if (list.length === 0 || list.some((a) => str(a) === undefined))
    throw new TypeError(`${profile}: \`audience\` is required (this API's identifier)`);
  return typeof value === 'string' ? value : Object.freeze([...(list as string[])]);
}

/** A bare host name (and port), as the provider's console shows it: no scheme, no path. */
export function hostOption(profile: string, name: string, value: unknown): string {
  const host = required(profile, name, value);
  let parsed: URL | undefined;
  try {
    parsed = new URL(`https://${host}`);
  } catch {}
  if (!parsed || parsed.host !== host.toLowerCase())
    throw new TypeError(`${profile}: \`${name}\` is a host name such as "example.com"`);
  return parsed.host;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An https base URL (http only on a loopback host, for a local server), without a trailing `/`. */
export function baseUrlOption(profile: string, name: string, value: unknown): URL {
  const raw = required(profile, name, value);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(`${profile}: \`${name}\` is not a URL`);
  }
  const local = url.protocol === 'http:' && LOOPBACK.has(url.hostname);
  if ((url.protocol !== 'https:' && !local) || url.search || url.hash || url.username)
    throw new TypeError(`${profile}: \`${name}\` must be an https URL without query or fragment`);
  return url;
}
