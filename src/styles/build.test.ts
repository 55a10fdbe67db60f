import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildGovukCss, GOVUK_IDENTITY, OUTPUT, withoutRulesMentioning } from './build.ts';

describe('GOV.UK Frontend’s stylesheet as built for this service', () => {
  it('is up to date with its source (run npm run build:css after changing it or GOV.UK Frontend)', async () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(await buildGovukCss());
  }, 60_000);

  it('has the components in Arial, without GOV.UK’s typeface, font files or crest', () => {
    const css = readFileSync(OUTPUT, 'utf8');
    for (const mark of GOVUK_IDENTITY) expect(css).not.toMatch(mark);
    expect(css).toContain('font-family:arial,helvetica,sans-serif');
    for (const component of ['govuk-button', 'govuk-error-summary', 'govuk-service-navigation', 'govuk-footer', 'govuk-details']) expect(css).toContain(`.${component}`);
  });

  it('removes whole rules that mention a word, and at-rules left empty', () => {
    expect(withoutRulesMentioning('.a{color:red}.b::before{background:url(x-crest.svg)}@supports(x){.c{background:url(x-crest.svg)}}.d{top:0}', 'crest')).toBe('.a{color:red}.d{top:0}');
  });
});
