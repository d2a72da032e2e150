import { fetchRequestView } from '@authcore/core';
import { readBounded } from '@authcore/core/adapter';

/**
 * What the issuer's endpoints read of a request. A Web `Request` fits it (`fromRequest`) and so
 * does the Node bridge's request, which then needs no Web `Request` at all.
 */
export interface Incoming {
  readonly method: string;
  /** The absolute URL, as the Web `Request` would have it. */
  readonly url: string;
  /** `Headers.get` semantics: repeated lines merged with ", ", `null` when absent. */
  readonly headers: { get(name: string): string | null };
  /** The body, of at most `max` bytes (by `Content-Length` and as read); `undefined` if larger. */
  body(max: number): Promise<Uint8Array | undefined>;
  /** A Web `Request` for the routes that hand one to host code (authorize, registration). */
  request(): Request;
}

/** An answer built by the issuer itself: the fetch handler makes it a `Response`, the bridge writes it. */
export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

export type Answer = Reply | Response;

export const fromRequest = (request: Request): Incoming => ({
  method: request.method,
  url: request.url,
  headers: request.headers,
  body: (max) => readBounded(request, max),
  request: () => request,
});

/**
 * Every field line of a header, split back as the core's fetch view splits them (RFC 6750 §2:
 * one credential per request). The view reads only `method`, `url` and `headers.get`.
 */
export const headerLines = (incoming: Incoming, name: string): readonly string[] =>
  fetchRequestView(incoming as unknown as Request).headers(name);

export const toResponse = (answer: Answer): Response =>
  answer instanceof Response
    ? answer
    : new Response(answer.body ?? null, { status: answer.status, headers: answer.headers });
