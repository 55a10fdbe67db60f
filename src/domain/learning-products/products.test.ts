import { describe, expect, it } from 'vitest';
import { checkStep, completenessProblems, contentProblems, slugify, stepsFrom, type ProductContent } from './products.ts';

const full: ProductContent = {
  title: 'Abusive head trauma',
  kind: 'seven-minute-briefing',
  sections: { background: 'b', 'why-it-matters': 'w', information: 'i', practice: 'p', questions: 'q' },
  sourceCount: 2,
};
const writer = { userId: 'writer', submittedBy: null };

describe('learning product statuses', () => {
  it('goes draft → in review → published, each step by its role', () => {
    expect(checkStep('draft', 'submit', 'writer', full, writer)).toEqual({ ok: true, to: 'in-review' });
    expect(checkStep('in-review', 'approve', 'approver', full, { userId: 'lead', submittedBy: 'writer' })).toEqual({ ok: true, to: 'published' });
    expect(checkStep('in-review', 'send-back', 'approver', full, { userId: 'lead', submittedBy: 'writer' })).toEqual({ ok: true, to: 'draft' });
    expect(checkStep('published', 'unpublish', 'writer', full, writer)).toEqual({ ok: true, to: 'draft' });
  });

  it('refuses a step out of order, by the wrong role, or unknown', () => {
    expect(checkStep('draft', 'approve', 'approver', full, writer).ok).toBe(false);
    expect(checkStep('in-review', 'approve', 'writer', full, writer).ok).toBe(false);
    expect(checkStep('published', 'submit', 'writer', full, writer).ok).toBe(false);
    expect(checkStep('draft', 'publish-now', 'writer', full, writer)).toEqual({ ok: false, problems: [{ field: 'step', message: 'Choose what to do with the product' }] });
  });

  it('does not let the person who sent it for review approve it', () => {
    const r = checkStep('in-review', 'approve', 'approver', full, { userId: 'same', submittedBy: 'same' });
    expect(r.ok).toBe(false);
  });

  it('needs every required section and a review drawn on before review', () => {
    const r = checkStep('draft', 'submit', 'writer', { ...full, sections: { ...full.sections, questions: '  ' }, sourceCount: 0 }, writer);
    expect(r).toEqual({
      ok: false,
      problems: [
        { field: 'section-questions', message: 'Write the section “Questions for reflection”' },
        { field: 'sources', message: 'Select at least one review the product draws on' },
      ],
    });
    // The child's lived experience is optional on a Learning on a Page.
    expect(completenessProblems({ title: 't', kind: 'learning-on-a-page', sections: { 'key-learning': 'k', practice: 'p' }, sourceCount: 1 })).toEqual([]);
  });

  it('lists the steps open to each role', () => {
    expect(stepsFrom('draft', 'writer')).toEqual(['submit']);
    expect(stepsFrom('in-review', 'approver')).toEqual(['approve', 'send-back']);
    expect(stepsFrom('in-review', 'writer')).toEqual([]);
  });
});

describe('what a draft needs', () => {
  it('needs a title and a kind, and a clean web address', () => {
    expect(contentProblems({ title: ' ', kind: 'leaflet', slug: 'Bad Slug', sections: {} }).map((p) => p.field)).toEqual(['title', 'kind', 'slug']);
    expect(contentProblems({ title: 'x'.repeat(201), kind: 'learning-on-a-page', slug: '', sections: { practice: 'y'.repeat(5001) } }).map((p) => p.field)).toEqual(['title', 'section-practice']);
  });

  it('makes a web address from a title', () => {
    expect(slugify('Fractures in infants: what we learned (2026)')).toBe('fractures-in-infants-what-we-learned-2026');
    expect(slugify('Élan — naïve')).toBe('elan-naive');
    expect(slugify('!!!')).toBe('learning');
  });
});
