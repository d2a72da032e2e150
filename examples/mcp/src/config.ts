/**
 * The environment contract: PORT (3000), AUTHCORE_ISSUER (required: the authorization server,
 * e.g. examples/issuer), AUTHCORE_AUDIENCE (default http://127.0.0.1:$PORT/mcp, the MCP server's
 * URL and the resource its tokens must be for), AUTHCORE_JWKS_URI (default: discovered from the
 * issuer's RFC 8414 metadata).
 */
export interface McpConfig {
  port: number;
  issuer: string;
  /** `AUTHCORE_AUDIENCE`, or undefined for `http://127.0.0.1:<port>/mcp` once listening. */
  audience: string | undefined;
  jwksUri: string | undefined;
}

const fail = (message: string): never => {
  throw new Error(`examples/mcp: ${message}`);
};

export function readConfig(env: Record<string, string | undefined>): McpConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`PORT ${env.PORT} is not a port`);
  const issuer = env.AUTHCORE_ISSUER || fail('AUTHCORE_ISSUER is required (run examples/issuer)');
  for (const [name, value] of [
    ['AUTHCORE_ISSUER', issuer],
    ['AUTHCORE_AUDIENCE', env.AUTHCORE_AUDIENCE],
    ['AUTHCORE_JWKS_URI', env.AUTHCORE_JWKS_URI],
  ] as const) {
    if (value && !URL.canParse(value)) fail(`${name} ${value} is not a URL`);
  }
  return {
    port,
    issuer,
    audience: env.AUTHCORE_AUDIENCE || undefined,
    jwksUri: env.AUTHCORE_JWKS_URI || undefined,
  };
}
