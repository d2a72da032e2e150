import { readBounded } from './read-bounded.js';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface BoundedFetchOptions {
  fetch?: FetchLike | undefined;
  /** Whole request, body included. */
  timeoutMs: number;
  maxBytes: number;
  headers?: Record<string, string> | undefined;
  /** A form body makes it a POST (introspection). */
  form?: URLSearchParams | undefined;
}

/**
 * GETs (or POSTs a form for) a JSON document with a deadline and a cap on its size, following no redirect: key and
 * metadata endpoints are configured URLs and must answer for themselves.
 */
export async function fetchJson(url: string, options: BoundedFetchOptions): Promise<unknown> {
  const doFetch = options.fetch ?? fetch;
  const signal = AbortSignal.timeout(options.timeoutMs);
  const response = await doFetch(url, {
    method: options.form ? 'POST' : 'GET',
    redirect: 'manual',
    signal,
    headers: {
      accept: 'application/json',
      ...(options.form && { 'content-type': 'application/x-www-form-urlencoded' }),
      ...options.headers,
    },
    ...(options.form && { body: options.form.toString() }),
  });
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`${url} answered HTTP ${response.status}`);
  }
  const bytes = await readBounded(response, options.maxBytes);
  if (bytes === undefined) throw new Error(`${url} body exceeds ${options.maxBytes} bytes`);
  return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
}
