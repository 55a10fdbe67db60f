import { describe, expect, it } from 'vitest';
import { errorsInPageOrder } from './error-order.ts';

const summary = (...items: string[]) => `<div class="govuk-error-summary"><ul class="govuk-list govuk-error-summary__list">\n${items.map((i) => `  <li>\n    ${i}\n  </li>\n`).join('')}</ul></div>`;
const link = (id: string, text: string) => `<a href="#${id}">${text}</a>`;

describe('the error summary in the order of the page’s fields', () => {
  it('puts each item where its field is on the page, those linking nowhere last', () => {
    const page = summary(link('due-day', 'Enter the due date'), link('main-content', 'Something else'), link('change', 'Enter the change'), link('lead', 'Enter the lead')) +
      '<main id="x"><textarea id="change"></textarea><input id="lead"><input id="due-day"></main>';
    const out = errorsInPageOrder(page);
    const order = [...out.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual(['change', 'lead', 'due-day', 'main-content']);
    // Only the list changes.
    expect(out.replace(/<ul[\s\S]*<\/ul>/, '')).toBe(page.replace(/<ul[\s\S]*<\/ul>/, ''));
  });

  it('leaves a page alone when it is already in order, has one error or none', () => {
    const inOrder = summary(link('a', 'A'), link('b', 'B')) + '<input id="a"><input id="b">';
    expect(errorsInPageOrder(inOrder)).toBe(inOrder);
    const one = summary(link('b', 'B')) + '<input id="a"><input id="b">';
    expect(errorsInPageOrder(one)).toBe(one);
    expect(errorsInPageOrder('<p>No errors</p>')).toBe('<p>No errors</p>');
  });

  it('finds a field by its whole id, not one that starts the same', () => {
    const page = summary(link('aware-day', 'Aware'), link('aware', 'Whole')) + '<p id="aware-day-hint"></p><div id="aware"></div><input id="aware-day">';
    expect([...errorsInPageOrder(page).matchAll(/href="#([^"]+)"/g)].map((m) => m[1])).toEqual(['aware', 'aware-day']);
  });
});
