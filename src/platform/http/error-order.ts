/**
 * The error summary in the order of the page's fields (GOV.UK Design System: "list errors in the
 * same order as they appear on the page"). Routes find problems in the order their rules run (dates
 * first, say), not the order of the form; the rendered page knows where each field is, so the
 * summary's items are put in the order of the fields they link to. Items linking to nothing after
 * the summary keep their order, last.
 */
const SUMMARY_LIST = /(<ul class="govuk-list govuk-error-summary__list">)([\s\S]*?)(<\/ul>)/;
const ITEM = /<li>[\s\S]*?<\/li>/g;

export function errorsInPageOrder(html: string): string {
  const list = SUMMARY_LIST.exec(html);
  if (!list) return html;
  const items = list[2].match(ITEM);
  if (!items || items.length < 2) return html;
  const after = list.index + list[0].length;
  const placed = items.map((li, i) => {
    const id = /href="#([^"]+)"/.exec(li)?.[1];
    const at = id ? html.indexOf(`id="${id}"`, after) : -1;
    return { li, i, at: at < 0 ? Number.POSITIVE_INFINITY : at };
  });
  placed.sort((a, b) => a.at - b.at || a.i - b.i);
  if (placed.every((p, i) => p.i === i)) return html;
  let k = 0;
  const reordered = list[2].replace(ITEM, () => placed[k++].li);
  return html.slice(0, list.index) + list[1] + reordered + list[3] + html.slice(after);
}
