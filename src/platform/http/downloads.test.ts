import { describe, expect, it } from 'vitest';
import { contentDisposition } from './downloads.ts';

describe('contentDisposition', () => {
  it('gives an ASCII name for old clients and the full name in UTF-8 (RFC 6266, RFC 8187)', () => {
    expect(contentDisposition('Zoë "report".pdf')).toBe('attachment; filename="Zo_ _report_.pdf"; filename*=UTF-8\'\'Zo%C3%AB%20%22report%22.pdf');
    expect(contentDisposition('Review 2024.pdf')).toBe('attachment; filename="Review 2024.pdf"; filename*=UTF-8\'\'Review%202024.pdf');
  });

  it("encodes the characters RFC 8187 does not allow unencoded, which encodeURIComponent leaves: ' ( ) *", () => {
    expect(contentDisposition("Child's review (final)*.pdf")).toBe(
      'attachment; filename="Child\'s review (final)*.pdf"; filename*=UTF-8\'\'Child%27s%20review%20%28final%29%2A.pdf',
    );
  });

  it('keeps percent signs and backslashes out of the plain name, and folders out of both', () => {
    expect(contentDisposition('100%25.pdf')).toBe('attachment; filename="100_25.pdf"; filename*=UTF-8\'\'100%2525.pdf');
    expect(contentDisposition('..\\..\\etc/passwd.pdf')).toBe('attachment; filename=".._.._etc_passwd.pdf"; filename*=UTF-8\'\'.._.._etc_passwd.pdf');
  });

  it('removes line breaks (header injection), right-to-left overrides (disguised extensions) and lone surrogates', () => {
    expect(contentDisposition('a\r\nSet-Cookie: x=1.pdf')).toBe('attachment; filename="aSet-Cookie: x=1.pdf"; filename*=UTF-8\'\'aSet-Cookie%3A%20x%3D1.pdf');
    expect(contentDisposition('report\u202Efdp.exe')).toBe('attachment; filename="reportfdp.exe"; filename*=UTF-8\'\'reportfdp.exe');
    expect(contentDisposition('a\uD800b.pdf')).toBe('attachment; filename="ab.pdf"; filename*=UTF-8\'\'ab.pdf');
    expect(contentDisposition('\u0000')).toBe('attachment; filename="download"; filename*=UTF-8\'\'download');
  });
});
