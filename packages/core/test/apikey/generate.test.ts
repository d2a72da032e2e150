import { apiKeyRecord, generateApiKey, parseApiKey } from '@authcore/core';
import { describe, expect, it } from 'vitest';
import { keyOf, sha256b64url, typo } from './helpers.js';

describe('generateApiKey', () => {
  it('returns the key once and a record holding only the SHA-256 of the secret', async () => {
    const { key, record } = await generateApiKey({
      prefix: 'sk_live',
      owner: 'acme',
      scopes: ['orders:read', 'orders:write'],
      expiresAt: new Date('2031-01-01T00:00:00Z'),
      metadata: { env: 'production' },
      now: () => 1_700_000_000_000,
    });
    const { id, secret } = parseApiKey(key)!;
    expect(record).toEqual({
      id,
      prefix: 'sk_live',
      hash: sha256b64url(secret),
      hint: `sk_live_${id.slice(0, 6)}...`,
      owner: 'acme',
      scopes: ['orders:read', 'orders:write'],
      createdAt: 1_700_000_000_000,
      expiresAt: Date.parse('2031-01-01T00:00:00Z'),
      metadata: { env: 'production' },
    });
    const json = JSON.stringify(record);
    expect(json).not.toContain(secret);
    expect(json).not.toContain(key.slice(-30, -6));
    expect(JSON.parse(json)).toEqual(record);
  });

  it('defaults to prefix sk, no scopes, no expiry and empty metadata', async () => {
    const { key, record } = await generateApiKey({ owner: 'acme' });
    expect(key.startsWith('sk_')).toBe(true);
    expect(record.scopes).toEqual([]);
    expect(record.metadata).toEqual({});
    expect('expiresAt' in record).toBe(false);
    expect('revokedAt' in record).toBe(false);
  });

  it('makes a different key and id every time', async () => {
    const keys = await Promise.all(
      Array.from({ length: 50 }, () => generateApiKey({ owner: 'a' })),
    );
    expect(new Set(keys.map((k) => k.key)).size).toBe(50);
    expect(new Set(keys.map((k) => k.record.id)).size).toBe(50);
  });

  it('takes scopes as a space-delimited string, deduplicated', async () => {
    const { record } = await generateApiKey({ owner: 'a', scopes: 'orders:read  orders:read x' });
    expect(record.scopes).toEqual(['orders:read', 'x']);
  });

  it('throws on misconfiguration', async () => {
    await expect(generateApiKey({ owner: '' })).rejects.toThrow(/owner/);
    await expect(generateApiKey({ owner: 'a', prefix: 'sk_live_' })).rejects.toThrow(/prefix/);
    await expect(generateApiKey({ owner: 'a', prefix: 'SK' })).rejects.toThrow(/prefix/);
    await expect(generateApiKey({ owner: 'a', scopes: ['a"b'] })).rejects.toThrow(/scope/);
    await expect(generateApiKey({ owner: 'a', expiresAt: new Date('nope') })).rejects.toThrow(
      /expiresAt/,
    );
    await expect(
      generateApiKey({ owner: 'a', metadata: { n: 1 as unknown as string } }),
    ).rejects.toThrow(/metadata/);
  });
});

describe('apiKeyRecord', () => {
  it('builds the record of an existing key', async () => {
    const key = keyOf('sk_test', 'Q1w2E3r4T5y6', 'ZxCvBnMaSdFgHjKlQwErTyUi');
    const record = await apiKeyRecord(key, { owner: 'demo', scopes: 'orders:read', now: () => 5 });
    expect(record).toEqual({
      id: 'Q1w2E3r4T5y6',
      prefix: 'sk_test',
      hash: sha256b64url('ZxCvBnMaSdFgHjKlQwErTyUi'),
      hint: 'sk_test_Q1w2E3...',
      owner: 'demo',
      scopes: ['orders:read'],
      createdAt: 5,
      metadata: {},
    });
  });

  it('gives the same record as generateApiKey for the same key', async () => {
    const { key, record } = await generateApiKey({ owner: 'o', scopes: ['s'], now: () => 1 });
    expect(await apiKeyRecord(key, { owner: 'o', scopes: ['s'], now: () => 1 })).toEqual(record);
  });

  it('refuses a malformed key or a bad checksum', async () => {
    const key = keyOf('sk_test', 'Q1w2E3r4T5y6', 'ZxCvBnMaSdFgHjKlQwErTyUi');
    await expect(apiKeyRecord('nope', { owner: 'o' })).rejects.toThrow(/not an API key/);
    await expect(apiKeyRecord(typo(key), { owner: 'o' })).rejects.toThrow(/checksum/);
  });
});
