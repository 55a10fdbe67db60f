/**
 * The repository for machines: an Atom 1.0 feed of new publications and a sitemap of the public
 * pages. Everything is escaped for XML, and every link is absolute.
 */

// Characters XML 1.0 does not allow at all, and lone surrogates.
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/gu;
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);
}

export type FeedEntry = {
  slug: string;
  title: string;
  summary: string;
  partnershipName: string;
  publishedOn: string;
  updatedAt: Date;
  themes: { key: string; label: string }[];
};

export type Feed = {
  title: string;
  /** Absolute address of the feed itself. */
  selfUrl: string;
  /** Absolute address of the page the feed mirrors. */
  pageUrl: string;
  /** The service's absolute base (no trailing slash), for entry links. */
  base: string;
  entries: FeedEntry[];
  /** When there are no entries. */
  fallbackUpdated: Date;
};

const SUMMARY_CHARS = 1000;

function shortened(text: string): string {
  const chars = Array.from(text);
  return chars.length > SUMMARY_CHARS ? `${chars.slice(0, SUMMARY_CHARS).join('').trimEnd()}…` : text;
}

export function atomFeed(feed: Feed): string {
  const updated = feed.entries.reduce((latest, e) => (e.updatedAt > latest ? e.updatedAt : latest), feed.entries.length ? new Date(0) : feed.fallbackUpdated);
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <title>${escapeXml(feed.title)}</title>`,
    `  <id>${escapeXml(feed.selfUrl)}</id>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeXml(feed.selfUrl)}"/>`,
    `  <link rel="alternate" type="text/html" href="${escapeXml(feed.pageUrl)}"/>`,
    `  <updated>${updated.toISOString()}</updated>`,
    '  <author><name>CSPR Hub</name></author>',
  ];
  for (const e of feed.entries) {
    const url = `${feed.base}/reviews/${e.slug}`;
    lines.push(
      '  <entry>',
      `    <title type="text">${escapeXml(e.title)}</title>`,
      `    <id>${escapeXml(url)}</id>`,
      `    <link rel="alternate" type="text/html" href="${escapeXml(url)}"/>`,
      `    <published>${e.publishedOn}T00:00:00Z</published>`,
      `    <updated>${e.updatedAt.toISOString()}</updated>`,
      `    <author><name>${escapeXml(e.partnershipName)}</name></author>`,
      ...e.themes.map((t) => `    <category term="${escapeXml(t.key)}" label="${escapeXml(t.label)}"/>`),
      `    <summary type="text">${escapeXml(shortened(e.summary))}</summary>`,
      '  </entry>',
    );
  }
  lines.push('</feed>', '');
  return lines.join('\n');
}

export type SitemapUrl = { loc: string; lastmod?: string };

export function sitemap(urls: SitemapUrl[]): string {
  const lines = ['<?xml version="1.0" encoding="utf-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'];
  for (const u of urls) {
    lines.push(`  <url><loc>${escapeXml(u.loc)}</loc>${u.lastmod ? `<lastmod>${escapeXml(u.lastmod)}</lastmod>` : ''}</url>`);
  }
  lines.push('</urlset>', '');
  return lines.join('\n');
}
