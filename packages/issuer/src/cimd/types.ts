/** What a document fetcher hands back: status, headers and the (already bounded) body. */
export interface DocumentResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

export interface DocumentFetchLimits {
  timeoutMs: number;
  maxBytes: number;
  /** The development option: loopback addresses (and http to them) are allowed. */
  allowLoopback: boolean;
}

/**
 * Fetches a client metadata document URL, which a client chose: it must refuse non-https URLs,
 * redirects and non-public addresses (unless `allowLoopback`, for loopback only), and keep to the
 * deadline and byte cap. Throw (or reject) to refuse. `nodeDocumentFetcher()` is the default.
 */
export type DocumentFetcher = (url: URL, limits: DocumentFetchLimits) => Promise<DocumentResponse>;
