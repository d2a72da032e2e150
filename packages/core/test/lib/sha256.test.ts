import { describe, expect, it } from 'vitest';
import { sha256, sha256Ascii } from '../../src/lib/sha256.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('sha256', () => {
  it('matches the FIPS 180-4 test vectors', () => {
    expect(hex(sha256(utf8('')))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(hex(sha256(utf8('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(hex(sha256(utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(hex(sha256(utf8('a'.repeat(1_000_000))))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });

  it('agrees with Web Crypto on every length around the block boundaries and random data', async () => {
    const lengths = [...Array.from({ length: 140 }, (_, i) => i), 255, 256, 1000, 4097];
    for (const n of lengths) {
      const data = crypto.getRandomValues(new Uint8Array(n));
      const expected = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
      expect(hex(sha256(data)), `length ${n}`).toBe(hex(expected));
    }
  });

  it('hashes ASCII text without copying it first, into a given array when asked', () => {
    for (const n of [0, 24, 55, 56, 63, 64, 119, 120, 200]) {
      const text = 'aZ09'.repeat(60).slice(0, n);
      const out = new Uint8Array(32);
      expect(sha256Ascii(text, out)).toBe(out);
      expect(hex(out), `length ${n}`).toBe(hex(sha256(utf8(text))));
    }
  });
});
