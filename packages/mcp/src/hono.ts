import type { Principal } from '@authcore/core';
import { forwardsErrors, guardScopes, type Refusal } from '@authcore/core/adapter';
import type {} from '@authcore/hono';
import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type AuthInfo, type AuthInfoOptions, accessToken, toAuthInfo } from './auth-info.js';
import { checkToolScopes, type ToolScopes, toolRequirements } from './lib/tool-calls.js';

export type { AuthInfo, AuthInfoOptions, ToolScopes };

/**
 * The SDK's `AuthInfo` for `c.get('auth')`, with the token of the `Authorization` header;
 * `undefined` on an anonymous request. Give it to the SDK's web-standard transport:
 * `transport.handleRequest(c.req.raw, { authInfo: mcpAuthInfo(c), parsedBody })`.
 */
export function mcpAuthInfo<P extends Principal | undefined>(
  c: Context<{ Variables: { auth: P } }>,
  options?: AuthInfoOptions,
): AuthInfo | undefined {
  const principal: Principal | undefined = c.get('auth');
  if (principal === undefined) return undefined;
  return toAuthInfo(principal, accessToken(c.req.header('authorization')), options);
}

// As @authcore/hono answers: the rendering, or an `HTTPException` whose cause is the `AuthError`.
function refuse(c: Context, { forward, error, response }: Refusal) {
  const status = response.status as ContentfulStatusCode;
  if (!forward) return c.body(response.body, status, response.headers);
  const res = new Response(response.body, { status, headers: response.headers });
  throw new HTTPException(status, { res, message: error.description, cause: error });
}

/**
 * Per-tool scopes, after `authenticate`: reads the JSON-RPC body (`c.req.json()`, which Hono keeps,
 * so the handler passes the same `await c.req.json()` as `parsedBody`); a `tools/call` of a listed
 * tool without its scopes is answered 403 `insufficient_scope`, an anonymous one 401. A POST
 * body that is not JSON is answered 400 with JSON-RPC's parse error (`-32700`).
 */
export function requireToolScopes(
  scopes: ToolScopes,
  options: { errors?: 'respond' | 'forward' } = {},
): MiddlewareHandler {
  const tools = checkToolScopes(scopes, '@authcore/mcp/hono');
  const forward = forwardsErrors(options.errors, '@authcore/mcp/hono');
  return createMiddleware(async (c, next) => {
    let body: unknown;
    if (c.req.method === 'POST') {
      try {
        body = await c.req.json();
      } catch {
        // What cannot be read cannot be guarded: refused as JSON-RPC's parse error.
        return c.json(
          { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null },
          400,
        );
      }
    }
    for (const requirement of toolRequirements(body, tools)) {
      const refusal = guardScopes(c, c.get('auth'), requirement, forward);
      if (refusal) return refuse(c, refusal);
    }
    await next();
  });
}
