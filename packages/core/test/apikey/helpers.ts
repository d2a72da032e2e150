import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import {
  type ApiKeyRecord,
  type ApiKeyStore,
  fetchRequestView,
  MemoryApiKeyStore,
  type RequestView,
} from '@authcore/core';

// An implementation of the format independent of the one under test (node:zlib's CRC-32).
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function checksum(body: string): string {
  let v = crc32(body);
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = B62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out;
}

/** `<prefix>_<id>_<secret>` with its correct checksum appended. */
export const keyOf = (prefix: string, id: string, secret: string) => {
  const body = `${prefix}_${id}_${secret}`;
  return body + checksum(body);
};

export const sha256b64url = (s: string) => createHash('sha256').update(s).digest('base64url');

/** A store that counts every call, around the real memory store. */
export class CountingStore implements ApiKeyStore {
  readonly inner = new MemoryApiKeyStore();
  readonly calls = { find: 0, create: 0, revoke: 0, expire: 0, listByOwner: 0, recordUse: 0 };
  find(id: string) {
    this.calls.find++;
    return this.inner.find(id);
  }
  create(record: ApiKeyRecord) {
    this.calls.create++;
    return this.inner.create(record);
  }
  revoke(id: string, at: number) {
    this.calls.revoke++;
    return this.inner.revoke(id, at);
  }
  expire(id: string, at: number) {
    this.calls.expire++;
    return this.inner.expire(id, at);
  }
  listByOwner(owner: string) {
    this.calls.listByOwner++;
    return this.inner.listByOwner(owner);
  }
  recordUse(id: string, at: number) {
    this.calls.recordUse++;
    return this.inner.recordUse(id, at);
  }
}

export const withHeaders = (headers: Record<string, string>): RequestView =>
  fetchRequestView(new Request('https://api.example.com/orders', { headers }));

/** Lets pending fire-and-forget promises settle. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** The key with its last checksum character changed. */
export const typo = (key: string) => key.slice(0, -1) + (key.endsWith('0') ? '1' : '0');
