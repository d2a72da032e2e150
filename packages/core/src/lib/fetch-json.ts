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
  const declared = Number(response.headers.get('content-length'));
  if (declared > options.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`${url} body exceeds ${options.maxBytes} bytes`);
  }
  const text = await readBounded(response, options.maxBytes, url);
  return JSON.parse(text) as unknown;
}

async function readBounded(response: Response, maxBytes: number, url: string): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`${url} body exceeds ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}
