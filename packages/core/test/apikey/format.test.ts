import { crc32 } from 'node:zlib';
import { API_KEY_PATTERN, generateApiKey, parseApiKey } from '@authcore/core';
import { describe, expect, it } from 'vitest';
import { crc32 as coreCrc32 } from '../../src/lib/crc32.js';
import { keyOf } from './helpers.js';

const ID = 'AbCdEf012345';
const SECRET = 'abcdefghijklmnopqrstuvwx';

describe('API key format', () => {
  it('is <prefix>_<id>_<secret><checksum> with a 12-char id, 24-char secret and 6-char checksum', async () => {
    const { key, record } = await generateApiKey({ prefix: 'sk_live', owner: 'acme' });
    expect(key).toMatch(/^sk_live_[0-9A-Za-z]{12}_[0-9A-Za-z]{30}$/);
    const parsed = parseApiKey(key)!;
    expect(parsed.prefix).toBe('sk_live');
    expect(parsed.id).toBe(record.id);
    expect(parsed.secret).toHaveLength(24); // 24 * log2(62) ≈ 142.9 bits
    expect(key.endsWith(keyOf('sk_live', parsed.id, parsed.secret).slice(-6))).toBe(true);
  });

  it('computes the CRC-32 of node:zlib', () => {
    expect(coreCrc32('123456789')).toBe(0xcbf43926);
    for (const s of ['', 'sk_live_AbCdEf012345_x', 'a'.repeat(80)])
      expect(coreCrc32(s)).toBe(crc32(s));
  });

  it('parses from the right, so a prefix may contain underscores', () => {
    for (const prefix of ['sk', 'sk_live', 'acme_sk_test', 'a1_b2_c3']) {
      expect(parseApiKey(keyOf(prefix, ID, SECRET))).toEqual({ prefix, id: ID, secret: SECRET });
    }
  });

  it('refuses every single-character typo by its checksum', () => {
    const key = keyOf('sk_test', ID, SECRET);
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    const start = 'sk_test_'.length;
    for (let i = start; i < key.length; i++) {
      if (key[i] === '_') continue;
      for (const c of alphabet) {
        if (c === key[i]) continue;
        expect(parseApiKey(key.slice(0, i) + c + key.slice(i + 1))).toBeUndefined();
      }
    }
    // Two adjacent characters swapped.
    const swapped = `${key.slice(0, start)}${key[start + 1]}${key[start]}${key.slice(start + 2)}`;
    expect(parseApiKey(swapped)).toBeUndefined();
  });

  it('refuses malformed keys', () => {
    const good = keyOf('sk_live', ID, SECRET);
    const bad = [
      '',
      'garbage',
      good.slice(1 + 'sk_live'.length), // no prefix
      `Sk${good.slice(2)}`, // upper-case prefix
      `_${good}`,
      good.replace('sk_live_', 'sk__live_'),
      `${good}x`,
      good.slice(0, -1),
      good.replace(`_${ID}_`, `-${ID}_`),
      keyOf(`${'a'.repeat(33)}`, ID, SECRET), // prefix too long
      keyOf('sk', 'AbCdEf01234-', SECRET),
      keyOf('sk', ID, 'abcdefghijklmnopqrstuvw='),
      'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
    ];
    for (const key of bad) expect(parseApiKey(key), key).toBeUndefined();
    expect(parseApiKey(undefined as unknown as string)).toBeUndefined();
    expect(parseApiKey(keyOf('a'.repeat(32), ID, SECRET))).toBeDefined();
  });

  it('exports the pattern a secret scanner uses', async () => {
    const { key } = await generateApiKey({ prefix: 'sk_live', owner: 'acme' });
    const text = `config:\n  API_KEY="${key}"\n  other=sk_live_short_one\n`;
    const scanner = new RegExp(API_KEY_PATTERN.source, 'g');
    expect(text.match(scanner)).toEqual([key]);
    expect(API_KEY_PATTERN.flags).toBe('');
    expect(API_KEY_PATTERN.test(`${key}Z`)).toBe(false);
    expect(API_KEY_PATTERN.test('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toBe(false);
  });
});
