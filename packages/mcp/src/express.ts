import type { IncomingMessage, ServerResponse } from 'node:http';
import { forwardsErrors, guardScopes, type Refusal } from '@authcore/core/adapter';
import type {} from '@authcore/express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type AuthInfo, type AuthInfoOptions, accessToken, toAuthInfo } from './auth-info.js';
import { checkToolScopes, type ToolScopes, toolRequirements } from './lib/tool-calls.js';

export type { AuthInfo, AuthInfoOptions, ToolScopes };

/** What the SDK's `StreamableHTTPServerTransport` (Node) offers: `handleRequest(req, res, body)`. */
export interface NodeMcpTransport {
  handleRequest(
    req: IncomingMessage & { auth?: AuthInfo },
    res: ServerResponse,
    parsedBody?: unknown,
  ): Promise<void>;
}

/**
 * The SDK's `AuthInfo` for the principal `authenticate` put on `req.auth`, with the token of the
 * `Authorization` header; `undefined` on an anonymous request.
 */
export function mcpAuthInfo(req: Request, options?: AuthInfoOptions): AuthInfo | undefined {
  const principal = req.auth;
  if (principal === undefined) return undefined;
  return toAuthInfo(principal, accessToken(req.headers.authorization), options);
}

/**
 * Hands the request to the SDK's transport with `req.auth` as the SDK reads it (its `AuthInfo`,
 * which it gives tools as `extra.authInfo`), and puts the principal back once the transport is
 * done. `body` defaults to `req.body` (from `express.json()`).
 */
export async function handleMcpRequest(
  transport: NodeMcpTransport,
  req: Request,
  res: Response,
  body: unknown = req.body,
  options?: AuthInfoOptions,
): Promise<void> {
  const principal = req.auth;
  // The SDK and @authcore/express both name their value `req.auth`: the SDK's for this call only.
  const sdkRequest = req as unknown as IncomingMessage & { auth?: AuthInfo };
  sdkRequest.auth = mcpAuthInfo(req, options);
  try {
    await transport.handleRequest(sdkRequest, res, body);
  } finally {
    req.auth = principal;
  }
}

// As @authcore/express answers: the rendering byte for byte, or the `AuthError` to `next`.
function refuse(res: Response, next: NextFunction, { forward, error, response }: Refusal) {
  if (forward) return next(error);
  res.status(response.status);
  for (const name in response.headers) res.setHeader(name, response.headers[name]!);
  res.end(response.body);
}

/**
 * Per-tool scopes, after `authenticate` and `express.json()`: a `tools/call` of a listed tool
 * without its scopes is answered 403 `insufficient_scope` (an HTTP answer, so MCP clients step
 * up), an anonymous one 401. Other messages go on to the transport. A JSON body that no parser
 * read (no `express.json()` before it) is a programming error: `next(error)`, Express answers 500.
 */
export function requireToolScopes(
  scopes: ToolScopes,
  options: { errors?: 'respond' | 'forward' } = {},
): RequestHandler {
  const tools = checkToolScopes(scopes, '@authcore/mcp/express');
  const forward = forwardsErrors(options.errors, '@authcore/mcp/express');
  return (req, res, next) => {
    // Unparsed JSON would reach the transport unguarded: fail closed.
    if (req.body === undefined && req.is('application/json'))
      return next(new Error('@authcore/mcp/express: requireToolScopes needs express.json() first'));
    for (const requirement of toolRequirements(req.body, tools)) {
      const refusal = guardScopes(req, req.auth, requirement, forward);
      if (refusal) return refuse(res, next, refusal);
    }
    next();
  };
}
