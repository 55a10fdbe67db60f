import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { CustomFetch } from 'openid-client';

/**
 * The service's requests to an identity provider (discovery, keys, tokens, user info) go only to
 * addresses on the public internet. A partnership administrator types the provider's address, and
 * "Test the connection" reports how the request went: without this, that person could make the
 * service reach into the network it runs in (a cloud's metadata service, a database, an admin port)
 * and tell from the answer what listens there. The address is checked where the connection is made,
 * after the name is looked up, so a name that resolves to a public address when checked and a private
 * one when used (DNS rebinding) is still refused. Loopback is allowed only where the service itself runs
 * on a loopback address (tests and local demonstrations, as for plain http in schemas.ts).
 */

/** Addresses outside the public internet (IANA special-purpose registries), refused as a provider's. */
const NOT_PUBLIC = (() => {
  const list = new net.BlockList();
  for (const [network, prefix] of [
    ['0.0.0.0', 8], // "this" network
    ['10.0.0.0', 8], // private
    ['100.64.0.0', 10], // carrier-grade NAT
    ['127.0.0.0', 8], // loopback
    ['169.254.0.0', 16], // link-local, where clouds answer with instance credentials
    ['172.16.0.0', 12], // private
    ['192.0.0.0', 24], // protocol assignments
    ['192.0.2.0', 24], // documentation
    ['192.88.99.0', 24], // 6to4 relay
    ['192.168.0.0', 16], // private
    ['198.18.0.0', 15], // benchmarking
    ['198.51.100.0', 24], // documentation
    ['203.0.113.0', 24], // documentation
    ['224.0.0.0', 4], // multicast
    ['240.0.0.0', 4], // reserved, and broadcast
  ] as const) {
    list.addSubnet(network, prefix, 'ipv4');
  }
  for (const [network, prefix] of [
    ['::', 128], // unspecified
    ['::1', 128], // loopback
    ['64:ff9b::', 96], // NAT64: an IPv4 address behind it may be private
    ['64:ff9b:1::', 48], // local NAT64
    ['100::', 64], // discard
    ['2001:db8::', 32], // documentation
    ['2002::', 16], // 6to4: an IPv4 address inside it may be private
    ['fc00::', 7], // unique local
    ['fe80::', 10], // link-local
    ['ff00::', 8], // multicast
  ] as const) {
    list.addSubnet(network, prefix, 'ipv6');
  }
  return list;
})();

const LOOPBACK = (() => {
  const list = new net.BlockList();
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addAddress('::1', 'ipv6');
  return list;
})();

/** An IPv4 address written as IPv6 (::ffff:a.b.c.d, in either notation), as IPv4; otherwise null. */
function mappedIpv4(address: string): string | null {
  const dotted = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (dotted) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return null;
  const [hi, lo] = [Number.parseInt(hex[1], 16), Number.parseInt(hex[2], 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** Whether the service may connect to this address for an identity provider. */
export function mayConnectTo(address: string, allowLoopback: boolean): boolean {
  const v4 = net.isIPv4(address) ? address : mappedIpv4(address);
  const [ip, family] = v4 ? [v4, 'ipv4' as const] : [address, 'ipv6' as const];
  if (!net.isIP(ip)) return false;
  if (allowLoopback && LOOPBACK.check(ip, family)) return true;
  return !NOT_PUBLIC.check(ip, family);
}

/** Why a request to a provider was not made or did not get an answer. */
export class ProviderConnectionError extends Error {
  readonly reason: 'not-public' | 'not-found' | 'refused' | 'failed' | 'too-large';
  constructor(reason: ProviderConnectionError['reason'], message: string) {
    super(message);
    this.reason = reason;
  }
}

/** More than any discovery document, key set or token answer: a provider cannot make the service hold an endless answer. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** Looks the name up as usual, then refuses it when any address it gives is not one the service may connect to. */
function guardedLookup(allowLoopback: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const refused = addresses.find((a) => !mayConnectTo(a.address, allowLoopback));
      if (refused || addresses.length === 0) {
        return callback(new ProviderConnectionError('not-public', 'its address is inside a private network, which the service does not connect to'), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

function bodyBytes(body: unknown): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof URLSearchParams) return Buffer.from(String(body));
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new ProviderConnectionError('failed', 'the request could not be made');
}

/** A fetch for openid-client (its customFetch) that connects only to public addresses (see above). */
export function providerFetch(allowLoopback: boolean): CustomFetch {
  return (url, options) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const literal = target.hostname.replace(/^\[(.*)\]$/, '$1');
      // An address written as digits is connected to without a lookup: it is checked here.
      if (net.isIP(literal) && !mayConnectTo(literal, allowLoopback)) {
        reject(new ProviderConnectionError('not-public', 'its address is inside a private network, which the service does not connect to'));
        return;
      }
      const transport = target.protocol === 'https:' ? https : http;
      const body = bodyBytes(options.body);
      const request = transport.request(target, { method: options.method, headers: options.headers, lookup: guardedLookup(allowLoopback), signal: options.signal ?? undefined }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) request.destroy(new ProviderConnectionError('too-large', 'its answer was too large'));
          else chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) for (const v of [value ?? []].flat()) headers.append(name, v);
          const status = res.statusCode ?? 502;
          const empty = status === 204 || status === 304 || options.method === 'HEAD';
          resolve(new Response(empty ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage, headers }));
        });
      });
      request.on('error', (err: NodeJS.ErrnoException) => {
        if (err instanceof ProviderConnectionError || err.name === 'AbortError' || err.name === 'TimeoutError') return reject(err);
        if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return reject(new ProviderConnectionError('not-found', 'its address was not found'));
        if (err.code === 'ECONNREFUSED') return reject(new ProviderConnectionError('refused', 'the connection was refused'));
        reject(new ProviderConnectionError('failed', 'the connection failed'));
      });
      request.end(body);
    });
}
