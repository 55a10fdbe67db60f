// What the PDFs use of fontkit (it ships no types of its own): pdfkit embeds fonts with it.
declare module 'fontkit' {
  export type Font = { hasGlyphForCodePoint(codePoint: number): boolean; layout(text: string): unknown };
  export function create(buffer: Buffer): Font;
}
