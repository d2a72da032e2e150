import {
  fetchRequestView,
  type NodeRequestLike,
  nodeRequestView,
  type RequestView,
} from '@authcore/core';
import type { Context } from 'hono';

const isNodeRequest = (value: unknown): value is NodeRequestLike =>
  typeof value === 'object' &&
  value !== null &&
  Array.isArray((value as NodeRequestLike).rawHeaders);

/**
 * On `@hono/node-server`, `c.env.incoming` is Node's request: its `rawHeaders` keep two
 * `Authorization` lines apart. Elsewhere (Bun, Deno, workers) the Web `Request` is all there is;
 * both honour `trustProxy`.
 */
export function requestView(c: Context, trustProxy: boolean): RequestView {
  const incoming: unknown = (c.env as { incoming?: unknown } | undefined)?.incoming;
  return isNodeRequest(incoming)
    ? nodeRequestView(incoming, { trustProxy })
    : fetchRequestView(c.req.raw, { trustProxy });
}
