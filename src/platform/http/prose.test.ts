import { describe, expect, it } from 'vitest';
import { createViewEnvironment, proseHtml } from './views.ts';

describe('free text on pages (the prose filter)', () => {
  it('shows paragraphs and line breaks as typed, escaped, without the indents and blank lines around them', () => {
    expect(proseHtml('  Line one\n   line <two> & "three"\n\n\n\nNext')).toBe('<p class="govuk-body">Line one<br>line &lt;two&gt; &amp; &quot;three&quot;</p><p class="govuk-body">Next</p>');
    expect(proseHtml(null)).toBe('');
  });

  it('puts no whitespace of the template into a summary list value', () => {
    const env = createViewEnvironment();
    const html = env.renderString('{% from "govuk/components/summary-list/macro.njk" import govukSummaryList %}{{ govukSummaryList({ rows: [{ key: { text: "Notes" }, value: { html: text | prose } }] }) }}', { text: '\n  Typed <b>\n\n\nthen more' });
    expect(html).toContain('<p class="govuk-body">Typed &lt;b&gt;</p><p class="govuk-body">then more</p>');
    expect(html).not.toContain('<b>');
  });
});
