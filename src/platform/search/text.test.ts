import { describe, expect, it } from 'vitest';
import { escapeHtml, guardQuery, highlightToHtml, highlightToText, QUERY_MAX_CHARS } from './text.ts';

describe('the query guard', () => {
  it('trims, collapses spaces and removes control characters, NUL included', () => {
    expect(guardQuery('  child \u0000 neglect\t\n ')).toBe('child neglect');
    expect(guardQuery('a\u0007b')).toBe('a b');
    expect(guardQuery('\u202Eevil')).toBe('evil');
  });

  it('keeps at most 500 characters, never half of one', () => {
    expect(guardQuery('x'.repeat(10_000))).toHaveLength(QUERY_MAX_CHARS);
    const emoji = guardQuery('😀'.repeat(600));
    expect(Array.from(emoji)).toHaveLength(QUERY_MAX_CHARS);
    expect(emoji).not.toMatch(/[\uD800-\uDBFF]$/);
  });

  it('drops lone surrogates and answers anything that is not text with nothing', () => {
    expect(guardQuery('a\uD800b')).toBe('a b');
    expect(guardQuery(undefined)).toBe('');
    expect(guardQuery(['a'])).toBe('');
    expect(guardQuery('   ')).toBe('');
  });
});

describe('highlighted snippets', () => {
  it('escapes the text, then marks the matched words', () => {
    expect(highlightToHtml('a <b> & \u0002bruising\u0003 "x" \'y\'')).toBe('a &lt;b&gt; &amp; <mark>bruising</mark> &quot;x&quot; &#39;y&#39;');
  });

  it('cannot be tricked into markup by the text itself', () => {
    const html = highlightToHtml('</mark><script>alert(1)</script>\u0002<img src=x onerror=alert(1)>\u0003');
    expect(html).toBe('&lt;/mark&gt;&lt;script&gt;alert(1)&lt;/script&gt;<mark>&lt;img src=x onerror=alert(1)&gt;</mark>');
  });

  it('balances marks whatever the input', () => {
    expect(highlightToHtml('\u0002open')).toBe('<mark>open</mark>');
    expect(highlightToHtml('close\u0003 \u0003')).toBe('close ');
    expect(highlightToHtml('\u0002a\u0002b\u0003')).toBe('<mark>ab</mark>');
  });

  it('gives plain text for the API', () => {
    expect(highlightToText('the \u0002health\u0003 <visitor>')).toBe('the health <visitor>');
    expect(escapeHtml('<&>')).toBe('&lt;&amp;&gt;');
  });
});
