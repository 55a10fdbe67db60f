import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mayConnectTo, ProviderConnectionError, providerFetch } from './provider-fetch.ts';
import { testConnection } from './service.ts';

describe('where the service may connect for an identity provider', () => {
  it('connects to public addresses only (IANA special-purpose registries)', () => {
    for (const address of ['8.8.8.8', '20.190.151.0', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(mayConnectTo(address, false), address).toBe(true);
    const inside = [
      '127.0.0.1', '127.10.0.5', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
      '224.0.0.1', '255.255.255.255', '198.18.0.1', '::1', '::', 'fe80::1', 'fd00::1', 'fc00::1', 'ff02::1',
      // IPv4 inside IPv6: mapped (both notations), NAT64 and 6to4
      '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', '64:ff9b::a9fe:a9fe', '2002:7f00:1::1',
    ];
    for (const address of inside) expect(mayConnectTo(address, false), address).toBe(false);
    for (const address of ['172.15.255.255', '172.32.0.1', '100.128.0.1', '11.0.0.1']) expect(mayConnectTo(address, false), address).toBe(true);
  });

  it('allows loopback, and nothing else inside, only where asked (the service itself on a loopback address)', () => {
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) expect(mayConnectTo(address, true), address).toBe(true);
    for (const address of ['10.0.0.1', '169.254.169.254', 'fd00::1']) expect(mayConnectTo(address, true), address).toBe(false);
  });

  describe('against a server on this machine', () => {
    let server: http.Server;
    let port = 0;
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        if (req.url === '/big') {
          res.end(Buffer.alloc(2 * 1024 * 1024, 97));
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: req.method, body: req.headers['content-length'] ?? null }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('refuses it, by digits or by a name that resolves to it, unless loopback is allowed', async () => {
      const refused = (url: string) => providerFetch(false)(url, { method: 'GET', headers: {}, redirect: 'manual' } as never).then(
        () => 'answered',
        (err: unknown) => (err instanceof ProviderConnectionError ? err.reason : String(err)),
      );
      expect(await refused(`http://127.0.0.1:${port}/`)).toBe('not-public');
      expect(await refused(`http://[::ffff:127.0.0.1]:${port}/`)).toBe('not-public');
      expect(await refused(`http://localhost:${port}/`)).toBe('not-public');
      const res = await providerFetch(true)(`http://localhost:${port}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ a: 'b' }), redirect: 'manual' } as never);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ method: 'POST', body: '3' });
      // An answer larger than any provider's is not held.
      await expect(providerFetch(true)(`http://127.0.0.1:${port}/big`, { method: 'GET', headers: {}, redirect: 'manual' } as never)).rejects.toMatchObject({ reason: 'too-large' });
    });

    it('makes the connection test say only that the address is private, whatever listens there', async () => {
      const listening = await testConnection({ issuer: `https://127.0.0.1:${port}`, clientId: 'x' }, false);
      const nothing = await testConnection({ issuer: 'https://127.0.0.1:9', clientId: 'x' }, false);
      const message = 'the provider could not be reached: its address is inside a private network, which the service does not connect to';
      expect(listening).toEqual({ ok: false, message });
      expect(nothing).toEqual({ ok: false, message });
    });
  });
});
