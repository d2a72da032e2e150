/**
 * A bridge from Node's `(req, res)` to a Web fetch handler. Typed structurally, with no `node:`
 * import, so the package stays runtime-neutral.
 */

/** The part of Node's `IncomingMessage` the bridge reads (Express's `originalUrl` included). */
export interface NodeIncomingLike extends AsyncIterable<Uint8Array | string> {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly originalUrl?: string | undefined;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** A `TLSSocket` has `encrypted: true`. */
  readonly socket?: object | null | undefined;
}

/** The part of Node's `ServerResponse` the bridge writes. */
export interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string | readonly string[]): unknown;
  end(chunk?: Uint8Array | string): unknown;
}

export interface NodeListenerOptions {
  /** Take the scheme and host from `X-Forwarded-Proto` / `X-Forwarded-Host`. Default false. */
  trustProxy?: boolean;
  /** Largest request body accepted, in bytes. Default 65536. */
  maxBodyBytes?: number;
}

export interface FetchHandler {
  fetch(request: Request): Promise<Response> | Response;
  /** When present, requests for other paths go to `next` (Express, Connect). */
  handles?(pathname: string): boolean;
}

const first = (v: string | readonly string[] | undefined) =>
  (typeof v === 'string' ? v : v?.[0])?.split(',')[0]?.trim();

class BodyTooLarge extends Error {}

async function readBody(req: NodeIncomingLike, max: number): Promise<Uint8Array<ArrayBuffer>> {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req) {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    size += bytes.byteLength;
    if (size > max) throw new BodyTooLarge();
    chunks.push(bytes);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** Builds a Web `Request` from a Node request, reading its body. */
export async function toWebRequest(
  req: NodeIncomingLike,
  options: NodeListenerOptions = {},
): Promise<Request> {
  const method = req.method ?? 'GET';
  const proto =
    (options.trustProxy && first(req.headers['x-forwarded-proto'])) ||
    ((req.socket as { encrypted?: unknown } | null | undefined)?.encrypted === true
      ? 'https'
      : 'http');
  const host =
    (options.trustProxy && first(req.headers['x-forwarded-host'])) ||
    first(req.headers.host) ||
    'localhost';
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    if (typeof value === 'string') headers.append(name, value);
    else for (const v of value) headers.append(name, v);
  }
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const body = hasBody ? await readBody(req, options.maxBodyBytes ?? 65_536) : undefined;
  return new Request(`${proto}://${host}${req.originalUrl ?? req.url ?? '/'}`, {
    method,
    headers,
    ...(body && body.byteLength > 0 && { body }),
  });
}

/** Writes a Web `Response` to a Node response. */
export async function sendWebResponse(res: NodeResponseLike, response: Response): Promise<void> {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (name === 'set-cookie') continue;
    res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  res.end(response.body ? new Uint8Array(await response.arrayBuffer()) : undefined);
}

/**
 * A `(req, res, next?)` listener for `node:http`, Express/Connect (`app.use(listener)`: paths
 * the issuer does not serve go to `next`) and Koa (`ctx.respond = false`), serving a fetch
 * handler such as the issuer.
 */
export function toNodeListener(
  handler: FetchHandler,
  options: NodeListenerOptions = {},
): (
  req: NodeIncomingLike,
  res: NodeResponseLike,
  next?: (error?: unknown) => void,
) => Promise<void> {
  return async (req, res, next) => {
    if (next && handler.handles) {
      const path = (req.originalUrl ?? req.url ?? '/').split('?')[0]!;
      if (!handler.handles(path)) return next();
    }
    let response: Response;
    try {
      response = await handler.fetch(await toWebRequest(req, options));
    } catch (error) {
      response =
        error instanceof BodyTooLarge
          ? new Response(
              JSON.stringify({ error: 'invalid_request', error_description: 'body too large' }),
              {
                status: 413,
                headers: { 'content-type': 'application/json' },
              },
            )
          : new Response(JSON.stringify({ error: 'server_error' }), {
              status: 500,
              headers: { 'content-type': 'application/json' },
            });
    }
    await sendWebResponse(res, response);
  };
}
