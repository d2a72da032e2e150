import type { LookupAddress } from 'node:dns';
import type { IncomingMessage } from 'node:http';
import { addressKind } from './address.js';
import type { DocumentFetcher, DocumentResponse } from './types.js';

export interface NodeDocumentFetcherOptions {
  /**
   * Resolves a host name to its addresses (default `node:dns` `lookup` with `all: true`). Every
   * answer is checked; the connection goes to the first one, pinned, so a second DNS answer
   * cannot move it elsewhere (DNS rebinding).
   */
  resolve?: (hostname: string) => Promise<readonly { address: string; family: number }[]>;
  /** Extra trusted CA certificates (PEM), e.g. a test's own. `NODE_EXTRA_CA_CERTS` also works. */
  ca?: string | readonly string[];
}

/** Why a fetch was refused; never shown to the client (its description is fixed). */
export class DocumentFetchError extends Error {
  override readonly name = 'DocumentFetchError';
  constructor(
    readonly reason:
      | 'scheme'
      | 'address'
      | 'resolve'
      | 'redirect'
      | 'status'
      | 'too_large'
      | 'timeout'
      | 'network',
    message: string,
  ) {
    super(message);
  }
}

async function checkedAddress(
  url: URL,
  allowLoopback: boolean,
  resolve: NonNullable<NodeDocumentFetcherOptions['resolve']>,
): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const literal = addressKind(host);
  const answers =
    literal !== undefined
      ? [{ address: host, family: host.includes(':') ? 6 : 4 }]
      : await resolve(host).catch(() => {
          throw new DocumentFetchError('resolve', `${host} did not resolve`);
        });
  if (answers.length === 0) throw new DocumentFetchError('resolve', `${host} did not resolve`);
  // Every answer must be acceptable: a name with one private address is refused outright.
  for (const { address } of answers) {
    const kind = addressKind(address);
    if (kind === 'public') continue;
    if (kind === 'loopback' && allowLoopback) continue;
    throw new DocumentFetchError('address', `${host} resolves to a non-public address`);
  }
  const first = answers[0]!;
  return { address: first.address, family: first.family };
}

const defaultResolve = async (hostname: string) => {
  const dns = await import('node:dns');
  return dns.promises.lookup(hostname, { all: true, verbatim: true });
};

/**
 * The default client metadata document fetcher, for Node (and runtimes with `node:https`):
 * https only (http only to loopback when `allowLoopback`), every DNS answer checked and the
 * connection pinned to a checked address, no redirects, a deadline and a byte cap on the
 * streamed body. Node modules load on first use, so importing the issuer stays runtime-neutral.
 */
export function nodeDocumentFetcher(options: NodeDocumentFetcherOptions = {}): DocumentFetcher {
  const resolve = options.resolve ?? defaultResolve;
  const ca = options.ca === undefined ? undefined : [options.ca].flat();
  return async (url, limits) => {
    const loopbackHttp =
      url.protocol === 'http:' &&
      limits.allowLoopback &&
      addressKind(url.hostname.replace(/^\[(.*)\]$/, '$1')) === 'loopback';
    if (url.protocol !== 'https:' && !loopbackHttp)
      throw new DocumentFetchError('scheme', 'only https documents are fetched');
    const deadline = AbortSignal.timeout(limits.timeoutMs);
    const pinned = await checkedAddress(url, limits.allowLoopback, resolve);
    if (deadline.aborted) throw new DocumentFetchError('timeout', 'no answer in time');
    const transport =
      url.protocol === 'https:' ? await import('node:https') : await import('node:http');
    return new Promise<DocumentResponse>((done, fail) => {
      let settled = false;
      const finish = (error: Error | undefined, value?: DocumentResponse) => {
        if (settled) return;
        settled = true;
        deadline.removeEventListener('abort', onAbort);
        if (error) {
          request.destroy();
          fail(error);
        } else done(value!);
      };
      const onAbort = () => finish(new DocumentFetchError('timeout', 'no answer in time'));
      const request = transport.request(
        url,
        {
          method: 'GET',
          headers: { accept: 'application/json' },
          agent: false,
          ...(ca && { ca }),
          // Connect to the address checked above, whatever DNS says now.
          lookup: ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
            if (opts?.all) cb(null, [pinned] satisfies LookupAddress[]);
            else cb(null, pinned.address, pinned.family);
          }) as never,
        },
        (response: IncomingMessage) => {
          const status = response.statusCode ?? 0;
          if (status >= 300 && status < 400)
            return finish(new DocumentFetchError('redirect', 'redirects are not followed'));
          if (Number(response.headers['content-length']) > limits.maxBytes)
            return finish(new DocumentFetchError('too_large', 'the document is too large'));
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.byteLength;
            if (size > limits.maxBytes)
              return finish(new DocumentFetchError('too_large', 'the document is too large'));
            chunks.push(chunk);
          });
          response.on('error', () =>
            finish(new DocumentFetchError('network', 'the response failed')),
          );
          response.on('end', () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(response.headers))
              if (typeof value === 'string') headers.set(name, value);
            finish(undefined, { status, headers, body: new Uint8Array(Buffer.concat(chunks)) });
          });
        },
      );
      request.on('error', () => finish(new DocumentFetchError('network', 'the request failed')));
      deadline.addEventListener('abort', onAbort);
      request.end();
    });
  };
}
