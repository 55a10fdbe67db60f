/**
 * Host names a partnership's public pages answer on (e.g. reviews.example-scp.org.uk). A host
 * name is letters, digits and hyphens in dot-separated labels of at most 63 characters, 253 in
 * all (RFC 1035 §2.3.4, RFC 1123 §2.1), with at least two labels; IP addresses and ports are not
 * host names of a site.
 */
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** The host name a request names: lower case, without port or trailing dot. */
export function hostOfHeader(header: string | undefined): string {
  if (!header) return '';
  let host = header.trim().toLowerCase();
  if (host.startsWith('[')) return host; // IPv6 literal: never a partnership's host
  host = host.replace(/:\d+$/, '').replace(/\.$/, '');
  return host;
}

/** The problem with a host name as typed, or null when it can be used. */
export function hostNameProblem(value: string): string | null {
  const host = value.trim().toLowerCase().replace(/\.$/, '');
  if (host.length === 0) return 'Enter a host name';
  if (/[/:@?#\s]/.test(host)) return `Enter ${value.trim()} as a host name only, like reviews.example.org.uk, without https:// or a path`;
  if (host.length > 253) return 'A host name must be 253 characters or fewer';
  const labels = host.split('.');
  if (labels.length < 2) return `${host} is not a full host name: give the whole name, like reviews.example.org.uk`;
  if (labels.every((l) => /^\d+$/.test(l))) return `${host} is an IP address: give a host name`;
  if (!labels.every((l) => LABEL.test(l))) return `${host} is not a host name: use letters, digits and hyphens between the dots`;
  return null;
}

/**
 * The host names in a text box (one a line, or separated by commas or spaces), normalised,
 * without repeats, with the problem of each bad one.
 */
export function readHostNames(text: string): { hosts: string[]; problems: string[] } {
  const hosts: string[] = [];
  const problems: string[] = [];
  for (const raw of text.split(/[\s,]+/).filter(Boolean)) {
    const problem = hostNameProblem(raw);
    if (problem) problems.push(problem);
    else {
      const host = raw.trim().toLowerCase().replace(/\.$/, '');
      if (!hosts.includes(host)) hosts.push(host);
    }
  }
  return { hosts, problems };
}
