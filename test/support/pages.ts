/** Reading pages in integration tests: form values for GOV.UK date inputs, the error summary, the visible text, the layout's whitespace. */

/** The three boxes of a GOV.UK date input named `name`, for a YYYY-MM-DD date. */
export function dateFields(name: string, iso: string): Record<string, string> {
  const [y, m, d] = iso.split('-');
  return { [`${name}-day`]: String(Number(d)), [`${name}-month`]: String(Number(m)), [`${name}-year`]: y };
}

/** The text of the page's error summary ('' when there is none). */
export function errorSummary(body: string): string {
  const m = /<div class="govuk-error-summary"[\s\S]*?<\/ul>/.exec(body);
  return m ? m[0].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ') : '';
}

/** The page's text with tags removed, the usual entities read and white space folded. */
export function textOf(body: string): string {
  return body.replace(/<[^>]+>/g, ' ').replace(/&#39;|&rsquo;/g, '’').replace(/&quot;/g, '"').replace(/\s+/g, ' ');
}

/**
 * The first run of whitespace between two tags that is more than one line break (layout-whitespace.ts
 * sends none), outside text areas and preformatted text, whose content is sent as it is; null when there is none.
 */
export function layoutIndentation(body: string): string | null {
  const outside = body.replace(/<(textarea|pre)\b([^>]*)>[^]*?<\/\1>/gi, '<$1$2></$1>');
  return /(?<=>)[ \t\r\n]*\n[ \t\r\n]*[ \t\n][ \t\r\n]*(?=<)/.exec(outside)?.[0] ?? null;
}
