/**
 * What the core needs of a request, and no more. Adapters build it from their framework's
 * request without copying every header.
 */
export interface RequestView {
  readonly method: string;
  /** The absolute URL as the client used it (scheme, host, path, query). */
  readonly url: string;
  /** Every value of a header, one entry per field line, in order; `name` is lower case. */
  headers(name: string): readonly string[];
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * A view's request target as received, whose query is the URL's, without building the absolute
 * URL: the extractor looks at the query of every request with a credential. Internal.
 */
export const TARGET: unique symbol = Symbol('authcore.target');
/** The query-bearing part of a view's URL: its `TARGET` when it has one, else `url`. */
export const targetOf = (view: RequestView): string =>
  (view as { [TARGET]?: string })[TARGET] ?? view.url;

// Fetch `Headers` merges repeated field lines with ", ". No credential grammar the core reads
// allows a comma, so splitting restores the separate values (and so the "two headers" check).
// But other schemes' credentials do (`Digest username="a", realm="b"`, RFC 9110 §11.4): a piece
// that does not start a new credential (`auth-scheme` alone or followed by a space) is an
// auth-param of the previous one and is joined back, so the fetch view answers like the Node
// view (one header, no Bearer credential: 401) instead of "two headers" (400).
const CREDENTIAL_START = /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*(?: |$)/;
const splitMerged = (value: string | null): readonly string[] => {
  if (value === null) return NONE;
  if (!value.includes(',')) return [value];
  const out: string[] = [];
  for (const piece of value.split(',')) {
    const v = piece.trim();
    if (out.length > 0 && !CREDENTIAL_START.test(v)) out[out.length - 1] += `, ${v}`;
    else out.push(v);
  }
  return out;
};

/** The first value of a comma-separated forwarding header. */
const firstForwarded = (value: string | null | undefined) =>
  value?.split(',')[0]?.trim() || undefined;

// RFC 9110 §7.2 `uri-host [ ":" port ]` (reg-name or bracketed IPv6). Anything else (a path or
// query smuggled into Host) would change the URL the request is checked against (DPoP `htu`), so
// it becomes a host no proof can name.
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::\d{1,5})?$/;
const UNUSABLE_HOST = 'invalid.invalid';
const safeHost = (host: string) => (HOST.test(host) ? host : UNUSABLE_HOST);
const PROTO = /^https?$/i;
const safeProto = (proto: string | undefined) =>
  proto && PROTO.test(proto) ? proto.toLowerCase() : undefined;

/**
 * The absolute URL of a request from its scheme, `Host` (or `X-Forwarded-Host`) and request
 * target, or `undefined` when one of them is not what HTTP allows there: an `http`/`https`
 * scheme, a `uri-host [":" port]` (RFC 9110 §7.2), an origin-form target starting with `/`
 * (RFC 9112 §3.2.1). A host carrying a path or query (`example.com/token?`) never moves the URL.
 */
export function requestUrl(proto: string, host: string, target: string): string | undefined {
  const scheme = safeProto(proto);
  if (scheme === undefined || !HOST.test(host) || !target.startsWith('/')) return undefined;
  return `${scheme}://${host}${target}`;
}

/** A request view over a Web `Request` (Hono, Bun, Deno, edge runtimes, the issuer). */
export function fetchRequestView(
  request: Request,
  options: Pick<NodeRequestViewOptions, 'trustProxy'> = {},
): RequestView {
  const headers = (name: string) =>
    name === 'cookie'
      ? [request.headers.get(name) ?? ''].filter(Boolean)
      : splitMerged(request.headers.get(name));
  if (!options.trustProxy) return { method: request.method, url: request.url, headers };
  let url: string | undefined;
  const view: RequestView & { [TARGET]: string } = {
    method: request.method,
    headers,
    [TARGET]: request.url,
    get url() {
      if (url === undefined) {
        const u = new URL(request.url);
        const proto = safeProto(firstForwarded(request.headers.get('x-forwarded-proto')));
        const host = firstForwarded(request.headers.get('x-forwarded-host'));
        url = `${proto ?? u.protocol.slice(0, -1)}://${host === undefined ? u.host : safeHost(host)}${u.pathname}${u.search}`;
      }
      return url;
    },
  };
  return view;
}

/** The part of Node's `IncomingMessage` the core reads; typed structurally to stay free of `node:`. */
export interface NodeRequestLike {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  /** Node's `rawHeaders`: name, value, name, value… with repeated headers kept apart. */
  readonly rawHeaders: readonly string[];
  /**
   * Its `encrypted` flag (a TLS socket) picks `https`. Typed as `object`: a `{ encrypted?: boolean }`
   * would be a weak type that `net.Socket`, which has no `encrypted`, is refused against.
   */
  readonly socket?: object | null | undefined;
}

export interface NodeRequestViewOptions {
  /** Take the scheme and host from `X-Forwarded-Proto` / `X-Forwarded-Host` (behind a proxy you run). */
  trustProxy?: boolean;
  /** Overrides the path and query (frameworks that rewrite `req.url`, such as Express routers). */
  originalUrl?: string | undefined;
}

const isEncrypted = (socket: object | null | undefined) =>
  (socket as { encrypted?: unknown } | null | undefined)?.encrypted === true;

// A class, not an object literal with a getter and closures: one is built per request, and a
// class instance costs a small fraction of that literal (measured in bench/).
class NodeView implements RequestView {
  readonly method: string;
  readonly #req: NodeRequestLike;
  readonly #options: NodeRequestViewOptions;
  #url: string | undefined;

  constructor(req: NodeRequestLike, options: NodeRequestViewOptions) {
    this.#req = req;
    this.#options = options;
    this.method = req.method ?? 'GET';
  }

  headers(name: string): readonly string[] {
    const raw = this.#req.rawHeaders;
    let found: string[] | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const key = raw[i]!;
      if (key.length === name.length && key.toLowerCase() === name) {
        found ??= [];
        found.push(raw[i + 1]!);
      }
    }
    return found ?? NONE;
  }

  get [TARGET](): string {
    return this.#options.originalUrl ?? this.#req.url ?? '/';
  }

  get url(): string {
    if (this.#url === undefined) {
      const { trustProxy, originalUrl } = this.#options;
      const forwarded = (h: string) =>
        trustProxy ? firstForwarded(this.headers(h)[0]) : undefined;
      const proto =
        safeProto(forwarded('x-forwarded-proto')) ??
        (isEncrypted(this.#req.socket) ? 'https' : 'http');
      // HTTP/2 carries the host in the :authority pseudo-header.
      const host =
        forwarded('x-forwarded-host') ??
        this.headers('host')[0] ??
        this.headers(':authority')[0] ??
        'localhost';
      const target = originalUrl ?? this.#req.url ?? '/';
      // A malformed Host is checked against a host no proof can name, never refused here.
      this.#url =
        requestUrl(proto, host, target) ??
        requestUrl(proto, UNUSABLE_HOST, target) ??
        `${proto}://${UNUSABLE_HOST}/`;
    }
    return this.#url;
  }
}

const NO_OPTIONS: NodeRequestViewOptions = Object.freeze({});

/** A request view over Node's `IncomingMessage` (Express, Koa, Fastify, `node:http`). */
export function nodeRequestView(
  req: NodeRequestLike,
  options: NodeRequestViewOptions = NO_OPTIONS,
): RequestView {
  return new NodeView(req, options);
}
