import { describe, expect, it } from 'vitest';
import { withoutLayoutWhitespace } from './layout-whitespace.ts';

describe('pages without their templates’ indentation', () => {
  it('turns a run of line breaks and indentation between two tags into one line break', () => {
    expect(withoutLayoutWhitespace('<ul>\n    <li>One</li>\n\n    <li>Two</li>\n  </ul>\n')).toBe('<ul>\n<li>One</li>\n<li>Two</li>\n</ul>\n');
    expect(withoutLayoutWhitespace('<p>a</p> \t\r\n \n\t <p>b</p>')).toBe('<p>a</p>\n<p>b</p>');
  });

  it('leaves spaces between tags that hold no line break: they may be the only space between two words', () => {
    const inline = '<strong>Due</strong> <span>3 May</span>  <a href="/x">Open</a>';
    expect(withoutLayoutWhitespace(inline)).toBe(inline);
  });

  it('never touches whitespace with text on either side, as typed text has', () => {
    const typed = '<p class="cspr-prose">First line\n\n   second paragraph\n</p><td>\n  indented note</td>';
    expect(withoutLayoutWhitespace(typed)).toBe(typed);
  });

  it('keeps a non-breaking space, which is not HTML whitespace', () => {
    const page = '<td>\u00a0\n</td>\n  <td>\n\u00a0<b>x</b></td>';
    expect(withoutLayoutWhitespace(page)).toBe('<td>\u00a0\n</td>\n<td>\n\u00a0<b>x</b></td>');
  });

  it('keeps the content of textarea, pre, script and style exactly, whatever their case', () => {
    const page = [
      '<div>\n  <textarea name="n" rows="5">\n\n  </textarea>\n</div>',
      '<pre class="cspr-json"><code>\n  <b>x</b>\n</code></pre>',
      '<PRE>\n  <i>y</i>\n</PRE >',
      '<script nonce="n">if (a >\n  <b) {}</script>',
      '<style>a>\n  <b{}</style>',
    ].join('\n  ');
    expect(withoutLayoutWhitespace(page)).toBe(
      [
        '<div>\n<textarea name="n" rows="5">\n\n  </textarea>\n</div>',
        '<pre class="cspr-json"><code>\n  <b>x</b>\n</code></pre>',
        '<PRE>\n  <i>y</i>\n</PRE >',
        '<script nonce="n">if (a >\n  <b) {}</script>',
        '<style>a>\n  <b{}</style>',
      ].join('\n'),
    );
  });

  it('does not mistake a tag whose name only starts like one of those for it', () => {
    expect(withoutLayoutWhitespace('<preview>\n  <b>x</b>\n</preview>')).toBe('<preview>\n<b>x</b>\n</preview>');
  });

  it('reads a long run of typed line breaks after a tag once (a pattern that backtracked took minutes)', () => {
    const typed = `<td class="cspr-pre-wrap">${'\n'.repeat(200_000)}note</td>\n  <td>${' \n'.repeat(100_000)}x</td>`;
    expect(withoutLayoutWhitespace(typed)).toBe(`<td class="cspr-pre-wrap">${'\n'.repeat(200_000)}note</td>\n<td>${' \n'.repeat(100_000)}x</td>`);
  });

  it('leaves the rest of the page as it is after an opening of textarea, pre, script or style that is never closed, and reads it once', () => {
    expect(withoutLayoutWhitespace('<p>a</p>\n  <pre>\n  <b>x</b>\n  <i>y</i>')).toBe('<p>a</p>\n<pre>\n  <b>x</b>\n  <i>y</i>');
    const unclosed = '<pre>\n <textarea>\n '.repeat(30_000);
    expect(withoutLayoutWhitespace(unclosed)).toBe(unclosed);
  });

  it('treats a tag whose name only begins with one of those names as any other tag, also when it is never closed', () => {
    const custom = '<pre-x>\n <b>'.repeat(25_000);
    expect(withoutLayoutWhitespace(custom)).toBe('<pre-x>\n<b>'.repeat(25_000));
  });
});
