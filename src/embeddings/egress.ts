/**
 * The egress guard for embedding providers. In service mode a user chooses the endpoint, so the
 * server must not become their proxy into its own network: only https, no redirects, and no
 * connection to loopback, link-local, private, CGNAT, multicast, reserved or metadata addresses
 * (IPv4 and IPv6, IPv4-mapped included) unless the operator allow-lists them in
 * KAIROS_EGRESS_ALLOW. The address is checked when each connection is made (undici's connector
 * with our own DNS lookup), so a name that resolves differently later (DNS rebinding) is still
 * refused. Local mode only insists on https, or http to a loopback host.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { Agent, fetch as UndiciFetch } from 'undici';

/** Thrown (inside the provider client's fetch) when the guard refuses a destination. */
export class EgressRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'EgressRefused';
  }
}

/** The refusal inside an error's cause chain, if any (provider clients wrap fetch errors). */
export function findEgressRefusal(error: unknown): EgressRefused | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    if (current instanceof EgressRefused) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const BLOCKED_V4: Array<[string, number]> = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
];
const BLOCKED_V6: Array<[string, number]> = [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64: an IPv4 address in disguise
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7], // unique local (AWS metadata fd00:ec2::254 too)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
];

const blocked = new BlockList();
for (const [net, bits] of BLOCKED_V4) blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of BLOCKED_V6) blocked.addSubnet(net, bits, 'ipv6');

/** Parses KAIROS_EGRESS_ALLOW: comma-separated addresses or CIDR ranges, IPv4 or IPv6. */
export function parseEgressAllow(raw: string | undefined): BlockList | undefined {
  if (!raw?.trim()) return undefined;
  const list = new BlockList();
  for (const entry of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [addr, bitsRaw] = entry.split('/');
    const family = isIP(addr ?? '');
    if (!addr || family === 0) throw new Error(`KAIROS_EGRESS_ALLOW: "${entry}" is not an IP address or CIDR range.`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bitsRaw === undefined) list.addAddress(addr, type);
    else {
      const bits = Number(bitsRaw);
      if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) throw new Error(`KAIROS_EGRESS_ALLOW: "${entry}" has a bad prefix length.`);
      list.addSubnet(addr, bits, type);
    }
  }
  return list;
}

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d or ::ffff:7f00:1) as its IPv4 form. */
function unmapped(ip: string): string {
  const m = /^::ffff:(.+)$/i.exec(ip);
  if (!m) return ip;
  const rest = m[1]!;
  if (isIP(rest) === 4) return rest;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(rest);
  if (!hex) return ip;
  const hi = parseInt(hex[1]!, 16);
  const lo = parseInt(hex[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

export interface EgressPolicy {
  /** service: https only and no internal addresses; local: https, or http to loopback. */
  mode: 'service' | 'local';
  /** Operator allow-list (service mode): addresses here pass, over http too. */
  allow?: BlockList | undefined;
}

/** Why `ip` may not be connected to under `policy`; undefined when it may. */
export function addressProblem(ip: string, policy: EgressPolicy): string | undefined {
  if (policy.mode === 'local') return undefined;
  const addr = unmapped(ip.replace(/^\[|\]$/g, ''));
  const type = isIP(addr) === 4 ? 'ipv4' : 'ipv6';
  if (policy.allow?.check(addr, type)) return undefined;
  if (blocked.check(addr, type)) return `the endpoint resolves to an internal address (${addr}), which Kairos does not connect to`;
  return undefined;
}

function allowListed(host: string, policy: EgressPolicy): boolean {
  const addr = unmapped(host.replace(/^\[|\]$/g, ''));
  const family = isIP(addr);
  return family !== 0 && policy.allow?.check(addr, family === 4 ? 'ipv4' : 'ipv6') === true;
}

function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Checks a URL before anything is sent: scheme, credentials, and a literal address. */
export function urlProblem(raw: string, policy: EgressPolicy): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'the endpoint is not a valid URL';
  }
  if (u.username || u.password) return 'the endpoint URL must not contain a user name or password';
  if (u.protocol !== 'https:') {
    if (u.protocol !== 'http:') return 'the endpoint must be an https URL';
    const httpOk = policy.mode === 'local' ? isLoopbackHost(u.hostname) : allowListed(u.hostname, policy);
    if (!httpOk) return policy.mode === 'local' ? 'the endpoint must be https (plain http only to localhost)' : 'the endpoint must be an https URL';
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? addressProblem(host, policy) : undefined;
}

/**
 * Checks a configured endpoint (base URL): urlProblem, plus in service mode no query or
 * fragment (a `#` would let the user choose the request path).
 */
export function endpointProblem(raw: string, policy: EgressPolicy): string | undefined {
  const problem = urlProblem(raw, policy);
  if (problem || policy.mode === 'local') return problem;
  const u = new URL(raw);
  return u.search || u.hash ? 'the endpoint must not contain a query (?) or fragment (#)' : undefined;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup that refuses a name when any of its addresses is refused (checked at connect time). */
function guardedLookup(policy: EgressPolicy) {
  return (hostname: string, options: { all?: boolean; family?: number } | number, callback: LookupCallback): void => {
    const opts = typeof options === 'number' ? { family: options } : (options ?? {});
    dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      for (const a of addresses) {
        const problem = addressProblem(a.address, policy);
        if (problem) return callback(Object.assign(new EgressRefused(problem), { code: 'EGRESS_REFUSED' }), []);
      }
      if (opts.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

/**
 * A fetch for provider clients that enforces the policy on every request and every connection,
 * never follows a redirect, and reports a refused destination as EgressRefused.
 */
export function guardedFetch(policy: EgressPolicy): typeof fetch {
  // undici loads on the first guarded call (a service user's remote embedder), not at start-up.
  // It is CommonJS: its exports object is the default, under Node and in the split engine bundle.
  let client: Promise<{ agent: Agent; fetch: typeof UndiciFetch }> | undefined;
  const connect = (): Promise<{ agent: Agent; fetch: typeof UndiciFetch }> =>
    (client ??= import('undici').then(({ default: undici }) => {
      const base = undici.buildConnector({ lookup: guardedLookup(policy) as never });
      const agent = new undici.Agent({
        connect: (opts, cb) => {
          const host = opts.hostname.replace(/^\[|\]$/g, '');
          const problem = isIP(host) ? addressProblem(host, policy) : undefined;
          if (problem) return cb(new EgressRefused(problem), null);
          return base(opts, cb);
        },
      });
      return { agent, fetch: undici.fetch };
    }));
  const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const problem = urlProblem(url, policy);
    if (problem) throw new EgressRefused(problem);
    const { agent, fetch: undiciFetch } = await connect();
    const res = (await undiciFetch(url, { ...(init as object), redirect: 'manual', dispatcher: agent } as never)) as unknown as Response;
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      throw new EgressRefused(`the endpoint answered with a redirect (HTTP ${res.status}), which Kairos does not follow`);
    }
    return res;
  };
  return guarded as typeof fetch;
}
