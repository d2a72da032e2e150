import { AsyncLocalStorage } from 'node:async_hooks';
import ipaddr from 'ipaddr.js';

/**
 * The key the demo's limits count a client by: its TCP peer address (never `X-Forwarded-For`,
 * which any client can write; nothing proxies the demo). An IPv6 client is counted by its /64,
 * the block one subscriber usually holds, so rotating addresses inside it doesn't reset a limit.
 */
export function addressKey(remoteAddress: string | undefined): string {
  if (!remoteAddress || !ipaddr.isValid(remoteAddress)) return 'unknown';
  const address = ipaddr.process(remoteAddress); // ::ffff:a.b.c.d counts as a.b.c.d
  if (address.kind() === 'ipv4') return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((part) => part.toString(16)).join(':')}::/64`;
}

/**
 * The issuer is a fetch handler: its `Request` carries no socket. The demo's Node listener runs
 * each request inside `peer.run(addressKey(req.socket.remoteAddress), …)` and the login hook
 * reads it back with `currentPeer()`.
 */
export const peer = new AsyncLocalStorage<string>();

export const currentPeer = (): string => peer.getStore() ?? 'unknown';
