import type { Context } from '../lib/context.js';
import type { Incoming, Reply } from '../lib/exchange.js';
import { methodNotAllowed, reply } from '../lib/http.js';

/** Published to any origin: public keys and metadata are for every client. */
export const PUBLIC_HEADERS = { 'access-control-allow-origin': '*' };

/** `GET /jwks`: the published public keys, current, next and retiring (RFC 7517). */
export async function jwksEndpoint(ctx: Context, request: Incoming): Promise<Reply> {
  if (request.method !== 'GET') throw methodNotAllowed('GET');
  return reply(200, await ctx.keys.jwks(), {
    ...PUBLIC_HEADERS,
    'content-type': 'application/jwk-set+json',
    'cache-control': 'public, max-age=60',
  });
}
