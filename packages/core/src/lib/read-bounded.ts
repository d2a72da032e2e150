/** Anything with a Web body: a `Request`, a `Response`, or a bare stream. */
export type BoundedSource =
  | { readonly body: ReadableStream<Uint8Array> | null; readonly headers?: Headers }
  | ReadableStream<Uint8Array>;

/**
 * The bytes of a body of at most `maxBytes`, or `undefined` when it is larger (by its declared
 * `Content-Length` or as it streams in): then reading stops at once and the stream is cancelled,
 * so nothing past the limit is ever buffered. The one bounded reader of the core and the issuer.
 */
export async function readBounded(
  source: BoundedSource,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const body = source instanceof ReadableStream ? source : source.body;
  const declared = source instanceof ReadableStream ? null : source.headers?.get('content-length');
  if (Number(declared) > maxBytes) {
    cancel(body);
    return undefined;
  }
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      cancel(reader);
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

// Not awaited: cancelling one branch of a cloned (teed) body settles only once the other branch
// is cancelled too.
const cancel = (stream: { cancel(): Promise<void> } | null) => {
  stream?.cancel().catch(() => undefined);
};
