import { describe, expect, it } from 'vitest';
import { DocumentError } from './document-error.ts';
import { LOGO_MAX_ATTRIBUTES, LOGO_MAX_BYTES, LOGO_MAX_NESTING, markupShape, readLogo, sanitiseSvg, withoutPreamble } from './logo-image.ts';

const markupDepth = (text: string, stopAbove = Infinity) => markupShape(text, { depth: stopAbove, attributes: Infinity }).depth;

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

  it('keeps references into the drawing and drops those to anywhere else', async () => {
    const clean = (await sanitiseSvg(
      svg(
        '<defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs>' +
          '<rect width="5" height="5" fill="url(#g)"/><rect width="5" height="5" fill="url( \'#g\' )"/>' +
          '<rect width="5" height="5" fill="url(https://evil.example/x.svg#g)" filter="URL( \'//evil.example/f\')" mask="url(data:image/svg+xml,x)"/>',
      ),
    ))!;
    expect(clean).toContain('fill="url(#g)"');
    expect(clean).toContain("fill=\"url( '#g' )\"");
    for (const bad of ['evil.example', 'data:']) expect(clean).not.toContain(bad);
    expect(clean.match(/<rect/g)).toHaveLength(3);
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

describe('how deep an SVG nests (markupShape)', () => {
  const deep = (n: number, tag = 'g') => `<${tag}>`.repeat(n);

  it('counts opening tags that stay open, not those that close themselves', () => {
    expect(markupDepth('<svg><g><g><rect/></g></g></svg>')).toBe(3);
    expect(markupDepth('<svg><g/><g/><g/></svg>')).toBe(1);
    expect(markupDepth('<svg><g></g><g><g></g></g></svg>')).toBe(3);
  });

  it('ignores the declaration, comments, CDATA, instructions, a quoted ">" and text', () => {
    const text = '<?xml version="1.0"?><!DOCTYPE svg><svg><!-- <g><g><g> --><![CDATA[<g><g>]]><?pi <g>?><text a="x>y" b = \'<g>\'>1 &lt; 2</text></svg>';
    expect(markupDepth(text)).toBe(2);
  });

  it('counts unclosed tags as open and stops counting past the limit', () => {
    expect(markupDepth('<svg><g><g>')).toBe(3);
    expect(markupDepth(deep(1000), 10)).toBe(11);
  });

  // Each case below is a way the XML parser nests elements that a count by other rules would miss.
  it('takes any name as an element, as XML names start with "_" or a letter of any script', () => {
    expect(markupDepth(`<svg>${deep(300, '_')}`)).toBe(301);
    expect(markupDepth(`<svg>${deep(300, 'é')}`)).toBe(301);
    expect(markupDepth(`<svg>${deep(300, '中')}`)).toBe(301);
  });

  it('ends instructions and CDATA where XML does, not at the first ">"', () => {
    expect(markupDepth(`<svg><?x ><!--?>${deep(300)}`)).toBe(301);
    expect(markupDepth(`<svg><![CDATA[><!--]]>${deep(300)}`)).toBe(301);
    expect(markupDepth(`<svg>${'<g><?x ></g>?>'.repeat(300)}`)).toBe(301);
    expect(markupDepth(`<svg>${'<g><![CDATA[></g>]]>'.repeat(300)}`)).toBe(301);
  });

  it('finds each end when the text has many comments and none of their ends', () => {
    // 200 KB of openings: each end is looked for from where the last was found, so the text is
    // read once, not once per comment, on the thread that answers requests.
    expect(markupDepth(`<svg>${'<!--'.repeat(50_000)}`)).toBe(1);
    expect(markupDepth(`<svg>${'<?x'.repeat(60_000)}<g>`)).toBe(1);
    expect(markupDepth(`<svg><!-- a --><g><!-- b --><g>`)).toBe(3);
  });

  it('refuses a logo nested deeper than the limit before cleaning it, and keeps one at the limit', async () => {
    const nested = (n: number) => Buffer.from(svg(`${deep(n)}<rect width="1" height="1"/>${'</g>'.repeat(n)}`));
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

describe('how many attributes an element of an SVG has (markupShape)', () => {
  it('counts each attribute of the tag with the most, not "=" inside quoted values', () => {
    expect(markupShape('<svg a="1" b=\'2\'><g c = "x=y" d="="/><rect/></svg>').attributes).toBe(2);
    expect(markupShape('<svg>text = more</svg>').attributes).toBe(0);
  });

  it('refuses a logo with an element of more attributes than the limit before cleaning it, and keeps one at the limit', async () => {
    const wide = (n: number) => Buffer.from(svg(`<rect ${Array.from({ length: n }, (_, i) => `data-a${i}="${i}"`).join(' ')} width="1" height="1"/>`));
    let cleaned = 0;
    const counting = (text: string) => ((cleaned += 1), sanitiseSvg(text));
    expect(await readLogo(wide(LOGO_MAX_ATTRIBUTES - 1), counting)).toEqual({
      ok: false,
      problem: `An element of the SVG has more than ${LOGO_MAX_ATTRIBUTES} attributes: save it again as plain SVG, or use a PNG`,
    });
    expect(cleaned).toBe(0);
    expect(await readLogo(wide(LOGO_MAX_ATTRIBUTES - 2), counting)).toMatchObject({ ok: true });
    expect(cleaned).toBe(1);
  });
});

describe('the parser the cleaning uses', () => {
  // markupDepth follows XML's rules because DOMPurify, given the SVG namespace, parses as XML. Were
  // that to change (an HTML parser closes what is left open, and reads the text by other rules),
  // this fails, and the count must be written for the new parser.
  it('is XML: an element left open is refused, not closed for it', async () => {
    expect(await sanitiseSvg(svg('<g><rect width="1" height="1"></g>'))).toBeNull();
    expect(await sanitiseSvg(svg('<g><rect width="1" height="1"/></g>'))).toContain('<rect');
  });
});

describe('an SVG as drawing programs save it', () => {
  const drawing = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>';

  it('is kept with its XML declaration, comments and DOCTYPE before the drawing', async () => {
    for (const preamble of [
      '<?xml version="1.0" encoding="utf-8"?>\n<!-- Generator: a drawing program 23.0 -->\n',
      '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n',
      '\uFEFF',
    ]) {
      expect(withoutPreamble(preamble + drawing)).toBe(drawing);
      expect(await sanitiseSvg(preamble + drawing)).toContain('<circle');
    }
  });

  it('keeps what is not a preamble, and a DOCTYPE that declares entities, for the parser to judge', () => {
    const entities = '<!DOCTYPE svg [<!ENTITY ns "http://www.w3.org/2000/svg">]>';
    expect(withoutPreamble(entities + drawing)).toBe(entities + drawing);
    expect(withoutPreamble(`<p>text</p>${drawing}`)).toBe(`<p>text</p>${drawing}`);
    expect(withoutPreamble(`<!-- never closed ${drawing}`)).toBe(`<!-- never closed ${drawing}`);
  });
});
