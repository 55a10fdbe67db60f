import { describe, expect, it } from 'vitest';
import { hostNameProblem, hostOfHeader, readHostNames } from './host-names.ts';

describe('host names of a partnership’s public pages', () => {
  it('accepts full host names, in any case', () => {
    expect(hostNameProblem('reviews.example-scp.org.uk')).toBeNull();
    expect(hostNameProblem('Reviews.Example.org.')).toBeNull();
  });

  it('refuses addresses, ports, paths, single labels, IP addresses and bad labels', () => {
    expect(hostNameProblem('https://reviews.example.org')).toMatch(/host name only/);
    expect(hostNameProblem('reviews.example.org:8080')).toMatch(/host name only/);
    expect(hostNameProblem('reviews.example.org/reviews')).toMatch(/host name only/);
    expect(hostNameProblem('localhost')).toMatch(/not a full host name/);
    expect(hostNameProblem('127.0.0.1')).toMatch(/IP address/);
    expect(hostNameProblem('-bad.example.org')).toMatch(/letters, digits and hyphens/);
    expect(hostNameProblem('under_score.example.org')).toMatch(/letters, digits and hyphens/);
    expect(hostNameProblem(`${'a'.repeat(64)}.example.org`)).toMatch(/letters, digits and hyphens/);
    expect(hostNameProblem('')).toBe('Enter a host name');
  });

  it('reads several from a text box, normalised and without repeats', () => {
    expect(readHostNames('Reviews.Example.org\nreviews.example.org, learning.example.org')).toEqual({
      hosts: ['reviews.example.org', 'learning.example.org'],
      problems: [],
    });
    expect(readHostNames('ok.example.org nope').problems).toHaveLength(1);
  });

  it('takes the host of a Host header without port or trailing dot', () => {
    expect(hostOfHeader('Reviews.Example.org:443')).toBe('reviews.example.org');
    expect(hostOfHeader('reviews.example.org.')).toBe('reviews.example.org');
    expect(hostOfHeader(undefined)).toBe('');
  });
});
