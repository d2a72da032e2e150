import { deepFreeze } from '../lib/freeze.js';
import type { ClientRecord, RegisteredClientStore } from './types.js';

export interface MemoryRegisteredClientStoreOptions {
  /** Most clients held at once; a registration past it is refused. Default 1000. */
  maxClients?: number;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * Registered clients in this process's memory, bounded: expired ones are dropped when room is
 * needed. Records go in as copies, deep-frozen, and come out frozen: callers share them read-only.
 */
export function memoryRegisteredClientStore(
  options: MemoryRegisteredClientStoreOptions = {},
): RegisteredClientStore {
  const max = options.maxClients ?? 1000;
  if (!Number.isInteger(max) || max < 1)
    throw new TypeError('memoryRegisteredClientStore: `maxClients` must be a positive integer');
  const now = options.now ?? Date.now;
  const clients = new Map<string, ClientRecord>();
  const expired = (record: ClientRecord) =>
    record.expiresAt !== undefined && record.expiresAt <= now();
  return {
    async get(clientId) {
      const record = clients.get(clientId);
      if (!record) return undefined;
      if (expired(record)) {
        clients.delete(clientId);
        return undefined;
      }
      return record;
    },
    async register(record) {
      if (clients.size >= max) for (const [id, r] of clients) if (expired(r)) clients.delete(id);
      if (clients.size >= max || clients.has(record.clientId)) return false;
      clients.set(record.clientId, deepFreeze(structuredClone(record)));
      return true;
    },
    async remove(clientId) {
      return clients.delete(clientId);
    },
  };
}
