import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { linkBase } from './links.ts';

const config = { publicUrl: undefined, host: '127.0.0.1', port: 3000 };
const request = (host: string, protocol = 'http') => ({ host, protocol }) as unknown as FastifyRequest;

describe('the start of links in emails', () => {
  it('is PUBLIC_URL when set, without a trailing slash, whatever the request says', () => {
    expect(linkBase(request('evil.example'), { ...config, publicUrl: 'https://cspr.example.org/' })).toBe('https://cspr.example.org');
    expect(linkBase(request('localhost'), { ...config, publicUrl: 'https://example.org/cspr' })).toBe('https://example.org/cspr');
  });

  it('is the request origin when that names this machine (a local trial)', () => {
    expect(linkBase(request('localhost:3000'), config)).toBe('http://localhost:3000');
    expect(linkBase(request('127.0.0.1:4000'), config)).toBe('http://127.0.0.1:4000');
    expect(linkBase(request('[::1]:8080'), config)).toBe('http://[::1]:8080');
  });

  it('never trusts a Host header naming another site', () => {
    expect(linkBase(request('cspr.example.org', 'https'), config)).toBe('http://127.0.0.1:3000');
    expect(linkBase(request('evil.example'), { ...config, host: '0.0.0.0' })).toBe('http://localhost:3000');
  });

  it('falls back to the listening address when the Host header is not a plain host name', () => {
    expect(linkBase(request('evil.example/path?x='), config)).toBe('http://127.0.0.1:3000');
    expect(linkBase(request('a b'), config)).toBe('http://127.0.0.1:3000');
    expect(linkBase(request(''), config)).toBe('http://127.0.0.1:3000');
  });
});
