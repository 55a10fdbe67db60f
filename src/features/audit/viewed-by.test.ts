import { describe, expect, it } from 'vitest';
import { createViewEnvironment } from '../../platform/http/views.ts';
import type { RecordView } from './service.ts';

const env = createViewEnvironment();
const render = (viewedBy: RecordView[] | undefined) => env.renderString('{% include "audit/views/_viewed-by.njk" %}', { viewedBy });

describe('the "Who has viewed this record" partial', () => {
  it('lists each person with their role, when they last looked and how often, escaped', () => {
    const html = render([
      {
        actorId: 'a',
        name: 'Ann <b>Admin</b>',
        email: 'ann@northshire.example',
        role: 'Partnership administrator (business unit)',
        lastViewedAt: new Date('2026-03-03T15:30:00Z'),
        lastViewed: '3 March 2026 at 3:30:00pm',
        views: 2,
      },
      { actorId: null, name: 'gone@example.org', email: 'gone@example.org', role: '', lastViewedAt: new Date(), lastViewed: '1 March 2026 at 9:00:00am', views: 1 },
    ]);
    expect(html).toContain('<caption class="govuk-table__caption govuk-table__caption--m">Who has viewed this record</caption>');
    expect(html).toContain('<th scope="col" class="govuk-table__header">Person</th>');
    expect(html).toContain('<th scope="row" class="govuk-table__header">Ann &lt;b&gt;Admin&lt;/b&gt; (ann@northshire.example)</th>');
    expect(html).not.toContain('<b>Admin</b>');
    expect(html).toContain('<td class="govuk-table__cell">Partnership administrator (business unit)</td>');
    expect(html).toContain('<td class="govuk-table__cell">3 March 2026 at 3:30:00pm</td>');
    expect(html).toContain('<td class="govuk-table__cell govuk-table__cell--numeric">2</td>');
    // Someone known only by their email is not named twice.
    expect(html).toContain('<th scope="row" class="govuk-table__header">gone@example.org</th>');
    expect(html).toContain('No role recorded');
    expect(html.match(/<tr class="govuk-table__row">/g)).toHaveLength(3);
  });

  it('says when no one has viewed the record', () => {
    for (const none of [[], undefined]) {
      const html = render(none);
      expect(html).toContain('<h2 class="govuk-heading-m">Who has viewed this record</h2>');
      expect(html).toContain('No one has viewed this record yet.');
      expect(html).not.toContain('<table');
    }
  });
});
