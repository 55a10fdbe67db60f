import { PDFArray, PDFDict, PDFName, PDFString, PDFHexString, type PDFDocument, type PDFObject } from 'pdf-lib';

/** The structure types in a tagged PDF's structure tree, with each figure's alternative text. */
export function structureOf(pdf: PDFDocument): { types: Record<string, number>; alts: string[]; order: string[] } {
  const types: Record<string, number> = {};
  const alts: string[] = [];
  const order: string[] = [];
  const text = (o: PDFObject | undefined) => (o instanceof PDFString || o instanceof PDFHexString ? o.decodeText() : '');
  const walk = (ref: PDFObject | undefined) => {
    const node = ref ? pdf.context.lookup(ref) : undefined;
    if (node instanceof PDFArray) return node.asArray().forEach(walk);
    if (!(node instanceof PDFDict)) return;
    const s = node.get(PDFName.of('S'));
    if (s instanceof PDFName) {
      const type = s.decodeText();
      types[type] = (types[type] ?? 0) + 1;
      if (type === 'H2') order.push(type);
      if (type === 'Figure') alts.push(text(node.get(PDFName.of('Alt'))));
    }
    walk(node.get(PDFName.of('K')));
  };
  walk(pdf.catalog.get(PDFName.of('StructTreeRoot')));
  return { types, alts, order };
}

export function outlineTitles(pdf: PDFDocument): string[] {
  const titles: string[] = [];
  const outlines = pdf.context.lookup(pdf.catalog.get(PDFName.of('Outlines')));
  if (!(outlines instanceof PDFDict)) return titles;
  let item = pdf.context.lookup(outlines.get(PDFName.of('First')));
  while (item instanceof PDFDict) {
    const t = item.get(PDFName.of('Title'));
    titles.push(t instanceof PDFString || t instanceof PDFHexString ? t.decodeText() : '');
    item = pdf.context.lookup(item.get(PDFName.of('Next')));
  }
  return titles;
}

