import { describe, expect, it } from 'vitest';
import { DocumentError } from './document-error.ts';
import { LOGO_MAX_BYTES, LOGO_MAX_NESTING, markupDepth, readLogo, sanitiseSvg } from './logo-image.ts';

const svg = (inner: string, attrs = '') => `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"${attrs}>${inner}</svg>`;

describe('a partnership logo', () => {
  it('keeps the drawing of an SVG', async () => {
    const clean = await sanitiseSvg(svg('<title>Logo</title><circle cx="5" cy="5" r="4" fill="#1d70b8"/>'));
    expect(clean).toContain('<circle');
    expect(clean).toContain('<title>Logo</title>');
  });

  it('removes scripts, event handlers, links, external images and styles', async () => {
    const clean = (await sanitiseSvg(
      svg(
        '<script>alert(1)</script><rect width="5" height="5" onclick="alert(2)"/><a href="javascript:alert(3)"><text>x</text></a>' +
          '<image href="https://tracker.example/p.png"/><use href="https://evil.example/x.svg#a"/><foreignObject><iframe src="https://evil.example"></iframe></foreignObject>' +
          '<style>@import url(https://evil.example/x.css)</style>',
        ' onload="alert(4)" style="background:url(https://evil.example/y)"',
      ),
    ))!;
    for (const bad of ['script', 'alert', 'onclick', 'onload', 'javascript:', 'href', 'https://', 'foreignObject', 'iframe', '<style', 'style=']) expect(clean).not.toContain(bad);
    expect(clean).toContain('<rect');
  });

  it('accepts a PNG by its signature and refuses other files', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(20)]);
    expect(await readLogo(png, sanitiseSvg)).toMatchObject({ ok: true, logo: { type: 'image/png' } });
    expect(await readLogo(Buffer.from('GIF89a....'), sanitiseSvg)).toEqual({ ok: false, problem: 'The logo must be an SVG or a PNG image' });
    expect(await readLogo(Buffer.from('<svg><script>alert(1)</script></svg>'), sanitiseSvg)).toMatchObject({ ok: true });
    expect(await readLogo(Buffer.alloc(0), sanitiseSvg)).toEqual({ ok: false, problem: 'The selected file is empty' });
  });

  it('refuses a logo over the size limit', async () => {
    expect(await readLogo(Buffer.alloc(LOGO_MAX_BYTES + 1, 0x20), sanitiseSvg)).toMatchObject({ ok: false, problem: expect.stringContaining('KB or smaller') });
  });

  it('says why when the SVG could not be cleaned in time or memory, and passes on any other failure', async () => {
    const slow = new DocumentError('the file took longer than 5 seconds to read, so reading it was stopped');
    expect(await readLogo(Buffer.from(svg('<rect/>')), () => Promise.reject(slow))).toEqual({
      ok: false,
      problem: 'The logo cannot be used: the file took longer than 5 seconds to read, so reading it was stopped.',
    });
    await expect(readLogo(Buffer.from(svg('<rect/>')), () => Promise.reject(new Error('worker gone')))).rejects.toThrow('worker gone');
  });
});

describe('how deep an SVG nests (markupDepth)', () => {
  it('counts opening tags that stay open, not those that close themselves', () => {
    expect(markupDepth('<svg><g><g><rect/></g></g></svg>')).toBe(3);
    expect(markupDepth('<svg><g/><g/><g/></svg>')).toBe(1);
    expect(markupDepth('<svg><g></g><g><g></g></g></svg>')).toBe(3);
  });

  it('ignores comments, processing instructions, declarations, quoted ">" and "<" in text', () => {
    const text = '<?xml version="1.0"?><!DOCTYPE svg><svg><!-- <g><g><g> --><text a="x>y" b=\'<g>\'>1 < 2</text></svg>';
    expect(markupDepth(text)).toBe(2);
  });

  // Each case below is a way an HTML parser (which DOMPurify uses) nests elements that a careless count would miss.
  it('reads what ends comments, instructions and declarations as an HTML parser does', () => {
    const deep = '<g>'.repeat(300);
    expect(markupDepth(`<svg><!-->${deep}-->`)).toBe(301); // '<!-->' is a whole comment
    expect(markupDepth(`<svg><!-- a --!>${deep}-->`)).toBe(301); // '--!>' ends a comment
    expect(markupDepth(`<svg><?x >${deep}?>`)).toBe(301); // '<?' runs to the first '>'
    expect(markupDepth(`<svg><!x >${deep}`)).toBe(301);
  });

  it('closes only elements that are open, as the parser ignores other closing tags', () => {
    expect(markupDepth(`<svg>${'<g></x>'.repeat(300)}`)).toBe(301);
    expect(markupDepth(`<svg><g><rect></g></svg>`)).toBe(3); // closing the g closes the rect inside it too
    expect(markupDepth(`<svg><g><rect></g><g></g></svg>`)).toBe(3);
  });

  it('reads quotes as the HTML tokenizer does: only a value opened right after "=" is quoted', () => {
    expect(markupDepth(`<svg><g x">${'<g>'.repeat(300)}`)).toBe(302);
    expect(markupDepth(`<svg><g x=a"b>${'<g>'.repeat(300)}"`)).toBe(302);
    expect(markupDepth(`<svg><g x = "a>b"><g>`)).toBe(3);
  });

  it('does not trust "/>" once anything is parsed as HTML, where it closes nothing', () => {
    expect(markupDepth(`<svg><g>${'<path/>'.repeat(300)}</g></svg>`)).toBe(2);
    expect(markupDepth(`<svg><p></p>${'<g/>'.repeat(300)}`)).toBeGreaterThan(300); // <p> ends SVG content
    expect(markupDepth(`<svg></br>${'<g/>'.repeat(300)}`)).toBeGreaterThan(300);
    expect(markupDepth(`<svg><title>${'<g/>'.repeat(300)}`)).toBeGreaterThan(300); // a title's content is HTML
    expect(markupDepth(`<svg><title>Logo</title>${'<g/>'.repeat(300)}</svg>`)).toBe(2); // the title itself
  });

  it('counts unclosed tags as open and stops counting past the limit', () => {
    expect(markupDepth('<svg><g><g>')).toBe(3);
    expect(markupDepth('<g>'.repeat(1000), 10)).toBe(11);
  });

  it('refuses a logo nested deeper than the limit before cleaning it, and keeps one at the limit', async () => {
    const nested = (n: number) => Buffer.from(svg(`${'<g>'.repeat(n)}<rect width="1" height="1"/>${'</g>'.repeat(n)}`));
    let cleaned = 0;
    const counting = (text: string) => ((cleaned += 1), sanitiseSvg(text));
    expect(await readLogo(nested(LOGO_MAX_NESTING), counting)).toEqual({
      ok: false,
      problem: `The SVG’s elements are nested more than ${LOGO_MAX_NESTING} deep: save it again as plain SVG, or use a PNG`,
    });
    expect(cleaned).toBe(0);
    const atLimit = await readLogo(nested(LOGO_MAX_NESTING - 1), counting);
    expect(atLimit).toMatchObject({ ok: true });
    expect(cleaned).toBe(1);
  });
});

describe('counting a logo’s nesting over many comments', () => {
  it('finds each comment’s end when the text has only one kind of end', () => {
    // 200 KB of comments: each end is looked for from where the last was found, so the text is read
    // once, not once per comment (29,000 times), on the thread that answers requests.
    expect(markupDepth(`<svg>${'<!---->'.repeat(29_000)}<g></g></svg>`)).toBe(2);
    expect(markupDepth(`<svg>${'<!-- --!>'.repeat(22_000)}<g><g></g></g></svg>`)).toBe(3);
    expect(markupDepth(`<svg><!-- --!><g><!-- --><g><!-- --!><g>`)).toBe(4);
  });
});
