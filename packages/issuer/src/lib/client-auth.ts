import type { ClientRecord, ClientStore } from '../stores/types.js';
import type { Context } from './context.js';
import { digestsEqual, sha256 } from './crypto.js';
import { headerLines, type Incoming } from './exchange.js';
import { OAuthError, type Params, readForm } from './http.js';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface AuthenticatedClient {
  client: ClientRecord;
  method: ClientAuthMethod;
}

// Compared against when the client is unknown, so that costs what a wrong secret costs.
const DUMMY_HASH = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));

function parseBasic(value: string): { id: string; secret: string } | undefined {
  const match = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(value);
  if (!match) return undefined;
  try {
    const binary = atob(match[1]!);
    // A plain loop: `Uint8Array.from` with a map function was most of this function's time.
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    const decoded = UTF8.decode(bytes);
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    // RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
    return {
      id: formDecode(decoded.slice(0, colon)),
      secret: formDecode(decoded.slice(colon + 1)),
    };
  } catch {
    return undefined;
  }
}

/**
 * Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3):
 * `client_secret_basic`, `client_secret_post`, or `none` for a public client when allowed.
 */
export async function authenticateClient(
  request: Incoming,
  params: Params,
  clients: ClientStore,
  options: { realm: string; allowPublic: boolean },
): Promise<AuthenticatedClient> {
  // Fetch merges repeated lines with ", "; the core's view splits them back (RFC 6750 §2: one
  // credential per request, and RFC 6749 §2.3: one authentication method).
  const lines = headerLines(request, 'authorization');
  if (lines.length > 1)
    throw new OAuthError('invalid_request', 'use only one Authorization header');
  const header = lines[0] ?? null;
  const challenge = { 'www-authenticate': `Basic realm="${options.realm}"` };
  const failed = (basic: boolean) =>
    new OAuthError('invalid_client', 'client authentication failed', 401, basic ? challenge : {});

  let id: string | undefined;
  let secret: string | undefined;
  let method: ClientAuthMethod;
  if (header !== null) {
    const basic = parseBasic(header);
    if (!basic) throw failed(true);
    if (params.get('client_secret') !== undefined)
      throw new OAuthError('invalid_request', 'use only one client authentication method');
    const bodyId = params.get('client_id');
    if (bodyId !== undefined && bodyId !== basic.id)
      throw new OAuthError('invalid_request', 'client_id does not match the authenticated client');
    ({ id, secret } = basic);
    method = 'client_secret_basic';
  } else {
    id = params.get('client_id');
    secret = params.get('client_secret');
    if (id === undefined)
      throw new OAuthError('invalid_client', 'client authentication failed', 401);
    method = secret === undefined ? 'none' : 'client_secret_post';
  }

  const client = await clients.get(id);
  if (method === 'none') {
    if (!client || client.clientSecretHash !== undefined || !options.allowPublic)
      throw failed(false);
    return { client, method };
  }
  const presented = await sha256(secret ?? '');
  const matches = digestsEqual(presented, client?.clientSecretHash ?? DUMMY_HASH);
  // A client that registered itself (RFC 7591) authenticates only the way it registered.
  const registered = client?.registration?.tokenEndpointAuthMethod;
  if (
    !client ||
    client.clientSecretHash === undefined ||
    !matches ||
    (registered !== undefined && registered !== method)
  )
    throw failed(method === 'client_secret_basic');
  return { client, method };
}

/**
 * A revocation or introspection request (RFC 7009 §2.1, RFC 7662 §2.1): the form, its client
 * authenticated, and the `token` it names.
 */
export async function tokenRequest(
  ctx: Context,
  request: Incoming,
  allowPublic: boolean,
): Promise<{ client: ClientRecord; token: string }> {
  const params = await readForm(request);
  const { client } = await authenticateClient(request, params, ctx.clients, {
    realm: ctx.issuer,
    allowPublic,
  });
  const token = params.get('token');
  if (token === undefined) throw new OAuthError('invalid_request', 'token is required');
  return { client, token };
}
