/**
 * Which IP addresses a client metadata document may be fetched from. Pure (no `node:`), so that
 * any fetcher can use it. Only global unicast is public: everything else (private, loopback,
 * link-local, CGNAT, multicast, unspecified, documentation, benchmarking, IPv4-mapped, NAT64,
 * 6to4, Teredo, unique-local) is refused.
 */

export type AddressKind = 'public' | 'loopback' | 'forbidden';

function ipv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return bytes;
}

/** Eight 16-bit groups, or undefined when `text` is not an IPv6 address. */
function ipv6(text: string): number[] | undefined {
  let s = text.toLowerCase();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s.includes('%') || !s.includes(':')) return undefined;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const v4 = ipv4(s.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    s = `${s.slice(0, lastColon + 1)}0:0`;
    tail.length = 2;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string) => (h === '' ? [] : h.split(':'));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups: number[] = [];
  for (const g of [
    ...head,
    ...Array<string>(halves.length === 2 ? missing : 0).fill('0'),
    ...rest,
  ]) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
    groups.push(Number.parseInt(g, 16));
  }
  if (tail.length === 2) {
    groups[6] = tail[0]!;
    groups[7] = tail[1]!;
  }
  return groups;
}

function kind4([a, b, c]: number[]): AddressKind {
  if (a === 127) return 'loopback';
  const forbidden =
    a === 0 || // "this network", unspecified
    a === 10 ||
    (a === 100 && b! >= 64 && b! <= 127) || // CGNAT
    (a === 169 && b === 254) || // link-local
    (a === 172 && b! >= 16 && b! <= 31) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) || // IETF assignments, TEST-NET-1
    (a === 192 && b === 88 && c === 99) || // 6to4 relay
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    (a === 198 && b === 51 && c === 100) || // TEST-NET-2
    (a === 203 && b === 0 && c === 113) || // TEST-NET-3
    a! >= 224; // multicast, reserved, broadcast
  return forbidden ? 'forbidden' : 'public';
}

function kind6(g: number[]): AddressKind {
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'loopback';
  const first = g[0]!;
  // Global unicast is 2000::/3; inside it, refuse the special-purpose blocks.
  if ((first & 0xe000) !== 0x2000) return 'forbidden';
  if (first === 0x2001 && g[1]! < 0x0200) return 'forbidden'; // 2001::/23: Teredo, ORCHID, …
  if (first === 0x2001 && g[1] === 0x0db8) return 'forbidden'; // documentation
  if (first === 0x2002) return 'forbidden'; // 6to4
  if (first === 0x3fff && g[1]! < 0x1000) return 'forbidden'; // documentation (RFC 9637)
  return 'public';
}

/** The kind of an IP literal; `undefined` when `address` is not one. */
export function addressKind(address: string): AddressKind | undefined {
  const v4 = ipv4(address);
  if (v4) return kind4(v4);
  const v6 = ipv6(address);
  return v6 ? kind6(v6) : undefined;
}
