import { type FetchLike, fetchJson } from '../lib/fetch-json.js';

/**
 * The well-known metadata URLs of an issuer: RFC 8414 §3.1 (path inserted after the host), then
 * OpenID Connect Discovery (path appended).
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

/** Finds the issuer's `jwks_uri`; the document's `issuer` must equal the configured one exactly. */
export async function discoverJwksUri(
  issuer: string,
  options: { fetch?: FetchLike | undefined; timeoutMs: number; maxBytes: number },
): Promise<string> {
  let lastError: unknown;
  for (const url of metadataUrls(issuer)) {
    try {
      const doc = await fetchJson(url, {
        fetch: options.fetch,
        timeoutMs: options.timeoutMs,
        maxBytes: options.maxBytes,
      });
      if (typeof doc !== 'object' || doc === null)
        throw new Error(`${url}: metadata is not an object`);
      const { issuer: found, jwks_uri: jwksUri } = doc as Record<string, unknown>;
      if (found !== issuer) throw new Error(`${url}: issuer ${String(found)} is not ${issuer}`);
      if (typeof jwksUri !== 'string') throw new Error(`${url}: no jwks_uri`);
      const parsed = new URL(jwksUri);
      if (parsed.protocol !== 'https:' && new URL(issuer).protocol === 'https:') {
        throw new Error(`${url}: jwks_uri must use https`);
      }
      return jwksUri;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
