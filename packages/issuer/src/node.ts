/**
 * A bridge from Node's `(req, res)` to a Web fetch handler. Typed structurally, with no `node:`
 * import, so the package stays runtime-neutral.
 */
import { requestUrl } from '@authcore/core';
import type { Answer, Incoming, Reply } from './lib/exchange.js';
import { internalHandlers } from './lib/internal.js';

/** The part of Node's `IncomingMessage` the bridge reads (Express's `originalUrl` included). */
export interface NodeIncomingLike extends AsyncIterable<Uint8Array | string> {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly originalUrl?: string | undefined;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Name, value, name, value…: shows repeated header lines that `headers` merges or drops. */
  readonly rawHeaders?: readonly string[] | undefined;
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

/** A request the bridge refuses before the handler sees it. */
class Refused extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
  ) {
    super(description);
  }
}

async function readBody(req: NodeIncomingLike, max: number): Promise<Uint8Array<ArrayBuffer>> {
  if (Number(first(req.headers['content-length'])) > max) throw tooLarge();
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Pulled by hand: leaving a for-await loop would destroy Node's request, and its socket with
  // it, before the 413 is written. Past the cap nothing more is pulled or kept.
  const iterator = req[Symbol.asyncIterator]();
  for (;;) {
    const { done, value } = await iterator.next();
    if (done) break;
    const bytes = typeof value === 'string' ? encoder.encode(value) : value;
    size += bytes.byteLength;
    if (size > max) throw tooLarge();
    chunks.push(bytes);
  }
  // A form body mostly comes in one chunk: no copy then (the Request copies it anyway).
  if (chunks.length === 1) return chunks[0] as Uint8Array<ArrayBuffer>;
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

const tooLarge = () => new Refused(413, 'the request body is too large');

// Node keeps only the first of repeated `Authorization` lines in `req.headers`; the raw lines
// show them all, so the handler can refuse two credentials instead of using one.
const REPEATED_IN_RAW = new Set(['authorization']);

// Name-value pairs, not a `Headers`: the Request builds its own from them (one copy, not two).
function webHeaders(req: NodeIncomingLike): [string, string][] {
  const headers: [string, string][] = [];
  for (const name in req.headers) {
    const value = req.headers[name];
    if (value === undefined || name.startsWith(':')) continue;
    if (req.rawHeaders && REPEATED_IN_RAW.has(name)) continue;
    if (typeof value === 'string') headers.push([name, value]);
    else for (const v of value) headers.push([name, v]);
  }
  const raw = req.rawHeaders ?? [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (REPEATED_IN_RAW.has(name)) headers.push([name, raw[i + 1]!]);
  }
  return headers;
}

/** The request's absolute URL, by the core's builder; a malformed Host is refused (400). */
function nodeUrl(req: NodeIncomingLike, options: NodeListenerOptions): string {
  const proto =
    (options.trustProxy && first(req.headers['x-forwarded-proto'])) ||
    ((req.socket as { encrypted?: unknown } | null | undefined)?.encrypted === true
      ? 'https'
      : 'http');
  const forwardedHost = options.trustProxy ? first(req.headers['x-forwarded-host']) : undefined;
  const hostHeader = req.headers.host ?? req.headers[':authority'];
  const host =
    forwardedHost || (typeof hostHeader === 'string' ? hostHeader : hostHeader?.[0]) || 'localhost';
  // The core's builder: a Host with a path or query in it is refused, never pasted into the URL.
  const url = requestUrl(proto, host, req.originalUrl ?? req.url ?? '/');
  if (url === undefined) throw new Refused(400, 'malformed Host header or request target');
  return url;
}

const hasBody = (method: string) => method !== 'GET' && method !== 'HEAD';

const buildRequest = (
  req: NodeIncomingLike,
  method: string,
  url: string,
  body: Uint8Array<ArrayBuffer> | undefined,
) =>
  new Request(url, {
    method,
    headers: webHeaders(req),
    ...(body && body.byteLength > 0 && { body }),
  });

/**
 * Builds a Web `Request` from a Node request, reading its body (at most `maxBodyBytes`). Throws
 * on a malformed `Host` / `X-Forwarded-Host` or an oversized body; `toNodeListener` answers
 * those 400 and 413.
 */
export async function toWebRequest(
  req: NodeIncomingLike,
  options: NodeListenerOptions = {},
): Promise<Request> {
  const method = req.method ?? 'GET';
  const url = nodeUrl(req, options);
  const body = hasBody(method) ? await readBody(req, options.maxBodyBytes ?? 65_536) : undefined;
  return buildRequest(req, method, url, body);
}

/** A header as `Headers.get` gives it: repeated lines merged with ", " (`Authorization` from the raw lines). */
function nodeHeader(req: NodeIncomingLike, name: string): string | null {
  const key = name.toLowerCase();
  if (req.rawHeaders && REPEATED_IN_RAW.has(key)) {
    const raw = req.rawHeaders;
    let merged: string | null = null;
    for (let i = 0; i + 1 < raw.length; i += 2)
      if (raw[i]!.toLowerCase() === key)
        merged = merged === null ? raw[i + 1]! : `${merged}, ${raw[i + 1]!}`;
    return merged;
  }
  if (key.startsWith(':')) return null;
  const value = req.headers[key];
  if (value === undefined) return null;
  return typeof value === 'string' ? value : value.join(', ');
}

/**
 * The issuer's view of a Node request, its body already read by the bridge (bounded): what the
 * Web `Request` would give, without building one unless a route asks for it.
 */
async function toIncoming(req: NodeIncomingLike, options: NodeListenerOptions): Promise<Incoming> {
  const method = req.method ?? 'GET';
  const url = nodeUrl(req, options);
  const body = hasBody(method) ? await readBody(req, options.maxBodyBytes ?? 65_536) : undefined;
  const headers = { get: (name: string) => nodeHeader(req, name) };
  let request: Request | undefined;
  return {
    method,
    url,
    headers,
    // The same bound a Web `Request` body gets (`readBounded`): declared length, then size.
    body: async (max) => {
      if (Number(headers.get('content-length')) > max) return undefined;
      const bytes = body ?? new Uint8Array(0);
      return bytes.byteLength > max ? undefined : bytes;
    },
    request: () => {
      request ??= buildRequest(req, method, url, body);
      return request;
    },
  };
}

const encoder = new TextEncoder();

/** Writes the issuer's own answer as it is: no Web `Response` to build and read back. */
function sendReply(res: NodeResponseLike, reply: Reply): void {
  const body = reply.body === undefined ? undefined : encoder.encode(reply.body);
  res.statusCode = reply.status;
  for (const name in reply.headers) res.setHeader(name, reply.headers[name]!);
  // Set here, not left to `end`: a framework may have sent headers another way.
  if (reply.status !== 204 && reply.status !== 304)
    res.setHeader('content-length', String(body?.byteLength ?? 0));
  res.end(body);
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
    const internal = internalHandlers.get(handler);
    let answer: Answer;
    try {
      answer = internal
        ? await internal(await toIncoming(req, options))
        : await handler.fetch(await toWebRequest(req, options));
    } catch (error) {
      answer =
        error instanceof Refused
          ? {
              status: error.status,
              headers: {
                'content-type': 'application/json',
                'cache-control': 'no-store',
                // The unread rest of the body is not waited for.
                ...(error.status === 413 && { connection: 'close' }),
              },
              body: JSON.stringify({
                error: 'invalid_request',
                error_description: error.description,
              }),
            }
          : {
              status: 500,
              headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
              body: JSON.stringify({ error: 'server_error' }),
            };
    }
    if (answer instanceof Response) await sendWebResponse(res, answer);
    else sendReply(res, answer);
  };
}
