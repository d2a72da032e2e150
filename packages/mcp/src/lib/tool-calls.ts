import type { ScopeRequirement } from '@authcore/core';

/** Scopes per tool name, for `requireToolScopes`. */
export type ToolScopes = Readonly<Record<string, ScopeRequirement>>;

/** Checks a tool-scope map once, when a guard is built. */
export function checkToolScopes(scopes: unknown, where: string): ToolScopes {
  if (typeof scopes !== 'object' || scopes === null || Array.isArray(scopes))
    throw new TypeError(`${where}: requireToolScopes() needs { [tool]: scopes }`);
  return scopes as ToolScopes;
}

/**
 * The requirements of the tools a JSON-RPC body (one message or a batch) calls with `tools/call`,
 * in order. Anything else in the body is left to the MCP transport to judge.
 */
export function toolRequirements(body: unknown, scopes: ToolScopes): ScopeRequirement[] {
  const messages = Array.isArray(body) ? body : [body];
  const out: ScopeRequirement[] = [];
  for (const message of messages) {
    if (typeof message !== 'object' || message === null) continue;
    const { method, params } = message as { method?: unknown; params?: unknown };
    if (method !== 'tools/call' || typeof params !== 'object' || params === null) continue;
    const name = (params as { name?: unknown }).name;
    if (typeof name === 'string' && Object.hasOwn(scopes, name)) out.push(scopes[name]!);
  }
  return out;
}
