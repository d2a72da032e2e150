import { OAuthError } from './http.js';

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
/** RFC 6749 §3.3: the requested scopes, each allowed; all allowed ones when none are asked for. */
export function resolveScopes(requested: string | undefined, allowed: readonly string[]): string[] {
  if (requested === undefined) return [...allowed];
  const scopes = [...new Set(requested.split(' ').filter((s) => s !== ''))];
  for (const scope of scopes) {
    if (!SCOPE_TOKEN.test(scope)) throw new OAuthError('invalid_scope', 'malformed scope');
    if (!allowed.includes(scope))
      throw new OAuthError('invalid_scope', 'a requested scope is not allowed for this client');
  }
  return scopes;
}

/** RFC 8707: each `resource` must be an allowed audience; none means the default (the first). */
export function resolveAudience(
  resources: readonly string[],
  allowed: readonly string[],
): string[] {
  if (resources.length === 0) {
    if (allowed[0] === undefined)
      throw new OAuthError('invalid_target', 'no audience is configured for this client');
    return [allowed[0]];
  }
  const audience = [...new Set(resources)];
  for (const resource of audience) {
    if (!allowed.includes(resource))
      throw new OAuthError('invalid_target', 'a requested resource is not allowed for this client');
  }
  return audience;
}
