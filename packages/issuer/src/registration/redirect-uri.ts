import type { ClientRecord } from '../stores/types.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const MAX_URI = 2000;

export type RedirectUriCheck = { ok: true } | { ok: false };

const isLoopbackHttp = (url: URL) => url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);

/**
 * Whether a client that registered itself, or that a metadata document describes, may use this
 * redirect URI: an absolute URL with no fragment and no userinfo, and
 * - `https:` on any host;
 * - `http:` only on a loopback host, `127.0.0.1`, `[::1]` or `localhost` (RFC 8252 §7.3 and §8.3
 *   prefer the IP literals; the MCP SDK's clients register `http://localhost:<port>/…`);
 * - for `native` applications, a private-use scheme in reverse-domain form (RFC 8252 §7.1).
 */
export function acceptableRedirectUri(uri: unknown, applicationType: 'web' | 'native'): boolean {
  if (typeof uri !== 'string' || uri.length === 0 || uri.length > MAX_URI) return false;
  if (uri.includes('#')) return false;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '') return false;
  if (url.protocol === 'https:') return url.hostname !== '';
  if (url.protocol === 'http:') return isLoopbackHttp(url);
  // A private-use scheme names a domain the app's author controls: `com.example.app:/cb`.
  return (
    applicationType === 'native' &&
    /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/.test(url.protocol) &&
    !uri.includes('@')
  );
}

const withoutPort = (url: URL) => {
  url.port = '';
  return url.href;
};

/**
 * Whether `given` is one of the client's redirect URIs: exactly, or (for a client that
 * registered itself) a loopback `http:` URI on another port, which RFC 8252 §7.3 requires
 * because a native app picks its port when it starts.
 */
export function redirectUriMatches(client: ClientRecord, given: string): boolean {
  if (client.redirectUris.includes(given)) return true;
  if (client.provenance !== 'registered' || given.includes('#')) return false;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    return false;
  }
  if (!isLoopbackHttp(url) || url.username !== '' || url.password !== '') return false;
  const target = withoutPort(url);
  return client.redirectUris.some((registered) => {
    const r = new URL(registered);
    return isLoopbackHttp(r) && withoutPort(r) === target;
  });
}
