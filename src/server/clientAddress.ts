/**
 * The address a request came from, for per-client limits. The socket's peer by default; behind a
 * trusted reverse proxy (KAIROS_TRUST_PROXY=1) the last X-Forwarded-For entry, which is the one
 * that proxy appended (earlier entries are whatever the client sent). IPv6 clients are grouped
 * by /64, the block one host usually controls.
 */
import type { Context } from 'hono';
import { isIPv6 } from 'node:net';

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string } };
}

/** Expands an IPv6 address to its eight 16-bit groups (undefined when it is not one). */
function ipv6Groups(address: string): string[] | undefined {
  if (!isIPv6(address) || address.includes('.')) return undefined;
  const [head = '', tail] = address.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  const groups = [...left, ...fill, ...right];
  return groups.length === 8 ? groups.map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')) : undefined;
}

/** The limiting key of an address: IPv4 as is (also when IPv4-mapped), IPv6 by its /64. */
export function addressKey(raw: string): string {
  const address = raw
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  const groups = ipv6Groups(address);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : address;
}

/** The request's client address key, or undefined when neither the socket nor a trusted proxy tells. */
export function clientAddress(c: Context, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const forwarded = c.req
      .header('x-forwarded-for')
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const last = forwarded?.[forwarded.length - 1];
    if (last) return addressKey(last);
  }
  const remote = (c.env as NodeBindings | undefined)?.incoming?.socket?.remoteAddress;
  return remote ? addressKey(remote) : undefined;
}
