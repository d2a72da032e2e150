import { memoryClientStore, memoryRegisteredClientStore } from '@authcore/issuer';
import { describe, expect, it } from 'vitest';

// The stores hand the same record to every caller: it must be read-only all the way down.
describe('client stores hand out frozen records', () => {
  it('memoryClientStore: a record and its arrays cannot be changed by a caller', async () => {
    const store = memoryClientStore([
      { clientId: 'svc', clientSecret: 's3cret', scopes: ['read'], audience: 'https://api' },
    ]);
    const record = (await store.get('svc'))!;
    expect(Object.isFrozen(record)).toBe(true);
    expect(() => record.scopes.push('admin')).toThrow(TypeError);
    expect(() => {
      record.clientSecretHash = 'x';
    }).toThrow(TypeError);
    expect(() => record.audience.splice(0, 1, 'https://evil')).toThrow(TypeError);
    const again = (await store.get('svc'))!;
    expect(again.scopes).toEqual(['read']);
    expect(again.audience).toEqual(['https://api']);
    expect(again.clientSecretHash).toBe(record.clientSecretHash);
  });

  it('memoryRegisteredClientStore: registration copies, reads are frozen', async () => {
    const store = memoryRegisteredClientStore();
    const input = {
      clientId: 'dyn',
      redirectUris: ['https://app.example/cb'],
      scopes: ['read'],
      audience: [],
      grantTypes: ['authorization_code' as const],
    };
    expect(await store.register(input)).toBe(true);
    // The caller's object stays the caller's: not frozen, and changing it changes nothing stored.
    expect(Object.isFrozen(input)).toBe(false);
    input.scopes.push('admin');
    const record = (await store.get('dyn'))!;
    expect(record.scopes).toEqual(['read']);
    expect(Object.isFrozen(record.redirectUris)).toBe(true);
    expect(() => record.redirectUris.push('https://evil.example/cb')).toThrow(TypeError);
    expect((await store.get('dyn'))!.redirectUris).toEqual(['https://app.example/cb']);
  });
});
