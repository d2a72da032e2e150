import { readBounded } from '@authcore/core/adapter';
import { describe, expect, it } from 'vitest';

/** An endless stream of `chunk`-byte pieces that counts what was pulled and whether it was cancelled. */
function endless(chunk: number) {
  const seen = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      seen.pulled += chunk;
      controller.enqueue(new Uint8Array(chunk).fill(97));
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { stream, seen };
}

describe('readBounded', () => {
  it('returns the whole body of a Request, Response or stream within the limit', async () => {
    const text = 'a'.repeat(100);
    const decode = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
    expect(decode(await readBounded(new Response(text), 100))).toBe(text);
    const request = new Request('http://127.0.0.1/', { method: 'POST', body: text });
    expect(decode(await readBounded(request, 100))).toBe(text);
    expect(decode(await readBounded(new Response(text).body!, 100))).toBe(text);
    expect(await readBounded(new Response(null), 10)).toEqual(new Uint8Array(0));
  });

  it('stops pulling an endless stream just past the limit and cancels it', async () => {
    const { stream, seen } = endless(1024);
    expect(await readBounded(stream, 10_000)).toBeUndefined();
    // One chunk past the limit, and the queue's high-water mark (1 chunk): never more.
    expect(seen.pulled).toBeLessThanOrEqual(10_000 + 2 * 1024);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen.cancelled).toBe(true);
    const pulled = seen.pulled;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen.pulled).toBe(pulled);
  });

  it('refuses a declared Content-Length over the limit without reading the body', async () => {
    const { stream, seen } = endless(1024);
    const response = new Response(stream, { headers: { 'content-length': '10001' } });
    expect(await readBounded(response, 10_000)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen.cancelled).toBe(true);
    // Only what the stream queued by itself before anyone read (its high-water mark).
    expect(seen.pulled).toBeLessThanOrEqual(1024);
  });

  it('takes a body of exactly the limit', async () => {
    const bytes = await readBounded(new Response(new Uint8Array(4096)), 4096);
    expect(bytes?.byteLength).toBe(4096);
    expect(await readBounded(new Response(new Uint8Array(4097)), 4096)).toBeUndefined();
  });
});
