import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AnyPrincipal,
  type Authenticator,
  type MetadataResponse,
  nodeRequestView,
  principalToJSON,
  type RenderedError,
  type Requirement,
} from '@authcore/core';

type Access = { optional?: boolean; require?: Requirement<AnyPrincipal> } | null;

// The example contract: method + path -> the access it needs.
const routes: Record<string, Access> = {
  'GET /health': null,
  'GET /v1/me': {},
  'GET /v1/orders': { require: { scopes: 'orders:read' } },
  'POST /v1/orders': { require: { scopes: 'orders:write' } },
  'GET /v1/optional': { optional: true },
  // Step-up (RFC 9470): only a user who signed in with MFA; others get a 401 with acr_values.
  'GET /v1/step-up': { require: { acr: ['mfa'] } },
  'GET /v1/recent': { require: { acr: ['mfa'], maxAge: 300 } },
};

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendRendered(res: ServerResponse, rendered: RenderedError | MetadataResponse) {
  res.writeHead(rendered.status, rendered.headers);
  res.end(rendered.body);
}

/**
 * A request listener protecting the example routes with nothing but `@authcore/core`. Whatever
 * fails inside a request (a bug here or in a dependency) is a 500 JSON answer, never a rejected
 * promise: `node:http` ignores what a listener returns, so one would end the process.
 */
export function createListener(
  authenticator: Authenticator<AnyPrincipal>,
  resourceMetadata?: (method: string, path: string) => MetadataResponse | undefined,
) {
  const handle = handler(authenticator, resourceMetadata);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      await handle(req, res);
    } catch (error) {
      console.error('node-http: request failed:', error instanceof Error ? error.message : error);
      if (res.headersSent) res.destroy();
      else send(res, 500, { error: 'server_error' });
    }
  };
}

function handler(
  authenticator: Authenticator<AnyPrincipal>,
  resourceMetadata?: (method: string, path: string) => MetadataResponse | undefined,
) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const metadata = resourceMetadata?.(req.method ?? 'GET', path);
    if (metadata) return sendRendered(res, metadata);
    const key = `${req.method} ${path}`;
    if (!(key in routes)) return send(res, 404, { error: 'not_found' });
    const access = routes[key];
    if (access === null || access === undefined) return send(res, 200, { status: 'ok' });
    const result = await authenticator.authenticate(nodeRequestView(req), {
      optional: access.optional === true,
      ...(access.require && { require: access.require }),
    });
    if (!result.ok) return sendRendered(res, authenticator.render(result.error));
    const principal = result.principal;
    if (key === 'GET /v1/me') return send(res, 200, principalToJSON(principal!));
    if (key === 'GET /v1/orders') return send(res, 200, { orders: [] });
    if (key === 'POST /v1/orders') return send(res, 201, { created: true });
    if (key === 'GET /v1/step-up') return send(res, 200, { stepUp: true });
    if (key === 'GET /v1/recent') return send(res, 200, { recent: true });
    return send(
      res,
      200,
      principal
        ? { authenticated: true, principal: principalToJSON(principal) }
        : { authenticated: false },
    );
  };
}
