/**
 * The egress guard on loopback: a real HTTP server on 127.0.0.1, reached through the guarded
 * fetch with the operator allow-list on and off, by literal address and by a DNS name
 * (refused when the connection is made, so DNS rebinding cannot slip past a first check).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressProblem, EgressRefused, endpointProblem, guardedFetch, parseEgressAllow, urlProblem } from '../../src/embeddings/egress.js';

let server: Server;
let port = 0;
let hits = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    if (req.url === '/redirect') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const service = { mode: 'service' as const };
const allowLoopback = { mode: 'service' as const, allow: parseEgressAllow('127.0.0.1, ::1/128') };

describe('egress guard', () => {
  it('refuses loopback, private, link-local, CGNAT, multicast, metadata and IPv4-mapped addresses in service mode', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '100.64.0.1',
      '169.254.169.254',
      '224.0.0.1',
      '0.0.0.0',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00:ec2::254',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::a9fe:a9fe',
    ]) {
      expect(addressProblem(ip, service), ip).toMatch(/internal address/);
    }
    for (const ip of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(addressProblem(ip, service), ip).toBeUndefined();
    expect(addressProblem('127.0.0.1', allowLoopback)).toBeUndefined();
    expect(addressProblem('::ffff:127.0.0.1', allowLoopback)).toBeUndefined();
    expect(addressProblem('10.0.0.1', allowLoopback)).toMatch(/internal/);
  });

  it('allows only https in service mode (http only to an allow-listed address), and https or loopback http locally', () => {
    expect(urlProblem('http://api.example.com/v1', service)).toMatch(/https/);
    expect(urlProblem(`http://127.0.0.1:${port}/v1`, allowLoopback)).toBeUndefined();
    expect(urlProblem('https://user:pass@api.example.com/v1', service)).toMatch(/user name or password/);
    expect(urlProblem('ftp://api.example.com', service)).toMatch(/https/);
    expect(endpointProblem('https://api.example.com/v1#/admin', service)).toMatch(/fragment/);
    expect(urlProblem('http://localhost:8080/v1', { mode: 'local' })).toBeUndefined();
    expect(urlProblem('http://10.0.0.5:8080/v1', { mode: 'local' })).toMatch(/localhost/);
    expect(urlProblem('https://10.0.0.5/v1', { mode: 'local' })).toBeUndefined();
    expect(() => parseEgressAllow('10.0.0.0/33')).toThrow(/prefix/);
    expect(() => parseEgressAllow('example.com')).toThrow(/not an IP/);
  });

  it('with the allow-list off, reaches nothing on loopback, by address or by name, and sends no request', async () => {
    const f = guardedFetch(service);
    const before = hits;
    await expect(f(`http://127.0.0.1:${port}/x`)).rejects.toBeInstanceOf(EgressRefused);
    await expect(f(`https://127.0.0.1:${port}/x`)).rejects.toBeInstanceOf(EgressRefused);
    // A name is resolved when the connection is made; its loopback address is refused there.
    const byName = await f(`https://localhost:${port}/x`).catch((e: unknown) => e);
    expect(String((byName as Error).cause ?? byName)).toMatch(/internal address/);
    expect(hits).toBe(before);
  });

  it('with the allow-list on, reaches the allow-listed server but never follows its redirect', async () => {
    const f = guardedFetch(allowLoopback);
    const ok = await f(`http://127.0.0.1:${port}/x`, { method: 'POST', body: '{}' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true });
    await expect(f(`http://127.0.0.1:${port}/redirect`)).rejects.toThrow(/redirect/);
  });
});
