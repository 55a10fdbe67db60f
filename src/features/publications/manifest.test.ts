import { describe, expect, it } from 'vitest';
import { filePathProblem, ManifestError, parseManifest, type ManifestContext } from './manifest.ts';

const HEADER = 'file,title,partnership,published_on,review_type,themes,summary';

const context: ManifestContext = {
  partnerships: [
    { id: 'p-north', slug: 'northmoor' },
    { id: 'p-south', slug: 'southdale' },
  ],
  themes: [
    { key: 'neglect', label: 'Neglect', retired: false },
    { key: 'domestic-abuse', label: 'Domestic abuse', retired: false },
    { key: 'impact-of-covid-19', label: 'Impact of Covid-19', retired: true },
  ],
};

describe('filePathProblem', () => {
  it('allows files beside or below the manifest only', () => {
    expect(filePathProblem('report.pdf')).toBeNull();
    expect(filePathProblem('2019/reports/child-l.pdf')).toBeNull();
    expect(filePathProblem('2019\\child-l.pdf')).toBeNull();
    expect(filePathProblem('/etc/passwd')).toMatch(/not an absolute path/);
    expect(filePathProblem('C:\\reports\\a.pdf')).toMatch(/not an absolute path/);
    expect(filePathProblem('../other/a.pdf')).toMatch(/'\.\.' is not allowed/);
    expect(filePathProblem('a/../../b.pdf')).toMatch(/'\.\.' is not allowed/);
    expect(filePathProblem('')).toBe('the file is missing');
  });
});

describe('parseManifest', () => {
  it('refuses a manifest whose quoting is broken as a whole, with the line', () => {
    expect(() => parseManifest(`${HEADER}\n"a.pdf,Title`, context)).toThrow(new ManifestError('Line 2: a quoted field is not closed.'));
  });

  it('reads good rows, with review types and themes by key or label in any case', () => {
    const text = [
      HEADER,
      'reports/child-l.pdf,"Child L, a review",Northmoor,2024-05-01,local-cspr,"Neglect; DOMESTIC-ABUSE ; neglect","A summary, with a comma\nand a second line"',
      'child-k.docx,Child K,southdale,2018-01-31,Serious case review (before 2019),,Summary K',
    ].join('\r\n');
    const { rows, problems } = parseManifest(text, context);
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      {
        line: 2,
        file: 'reports/child-l.pdf',
        title: 'Child L, a review',
        partnershipId: 'p-north',
        partnershipSlug: 'northmoor',
        publishedOn: '2024-05-01',
        reviewType: 'local-cspr',
        themes: ['neglect', 'domestic-abuse'],
        summary: 'A summary, with a comma\nand a second line',
        newThemes: [],
        notes: [],
      },
      expect.objectContaining({ line: 4, file: 'child-k.docx', partnershipId: 'p-south', reviewType: 'scr', themes: [] }),
    ]);
  });

  it('reports every problem of a row, by the line it starts on, and keeps the good rows', () => {
    const text = [
      HEADER,
      '../secret.pdf,,nowhere,2024-02-30,opinion,"Neglect;Astrology;Impact of Covid-19",',
      'good.pdf,Good,northmoor,2024-01-01,thematic,neglect,Fine',
      'short.pdf,Too few',
    ].join('\n');
    const { rows, problems } = parseManifest(text, context);
    expect(rows.map((r) => r.file)).toEqual(['good.pdf']);
    expect(problems).toEqual([
      {
        line: 2,
        file: '../secret.pdf',
        message:
          "the file '../secret.pdf' must be in the manifest's folder or below it ('..' is not allowed); the title is missing; there is no partnership 'nowhere'; " +
          "the publication date '2024-02-30' must be a real date written YYYY-MM-DD; there is no review type 'opinion' (use one of local-cspr, national, scr, deep-dive, practice-learning, thematic); " +
          "there is no theme 'Astrology'; the theme 'Impact of Covid-19' is retired; the summary is missing",
      },
      { line: 4, file: 'short.pdf', message: 'the row has 2 fields where the header has 7' },
    ]);
  });

  it('matches labels whatever the case and punctuation, and the common names of review types', () => {
    const text = [
      HEADER,
      'a.pdf,A,northmoor,2017-01-01,Serious case review,"domestic  abuse;NEGLECT.",S',
      'b.pdf,B,northmoor,2021-01-01,lcspr,Domestic-Abuse,S',
      'c.pdf,C,northmoor,2021-01-01,Multi-agency practice learning review,,S',
    ].join('\n');
    const { rows, problems } = parseManifest(text, context);
    expect(problems).toEqual([]);
    expect(rows.map((r) => [r.reviewType, r.themes])).toEqual([
      ['scr', ['domestic-abuse', 'neglect']],
      ['local-cspr', ['domestic-abuse']],
      ['practice-learning', []],
    ]);
  });

  it('suggests the closest theme for one the vocabulary lacks; adds it, or imports the row without it, when told to', () => {
    const text = [HEADER, 'a.pdf,A,northmoor,2022-01-01,thematic,"Neglekt;Domestic abuse and violence;Online harm",S'].join('\n');
    expect(parseManifest(text, context).problems[0].message).toBe(
      "there is no theme 'Neglekt' (did you mean 'Neglect'?); there is no theme 'Domestic abuse and violence' (did you mean 'Domestic abuse'?); there is no theme 'Online harm'",
    );
    const added = parseManifest(text, context, { unknownThemes: 'add' });
    expect(added.problems).toEqual([]);
    expect(added.rows[0].themes).toEqual(['neglekt', 'domestic-abuse-and-violence', 'online-harm']);
    expect(added.rows[0].newThemes).toEqual([
      { key: 'neglekt', label: 'Neglekt' },
      { key: 'domestic-abuse-and-violence', label: 'Domestic abuse and violence' },
      { key: 'online-harm', label: 'Online harm' },
    ]);
    const dropped = parseManifest(text, context, { unknownThemes: 'drop' });
    expect(dropped.rows[0].themes).toEqual([]);
    expect(dropped.rows[0].notes).toEqual([
      "without the theme 'Neglekt', not in the vocabulary (did you mean 'Neglect'?)",
      "without the theme 'Domestic abuse and violence', not in the vocabulary (did you mean 'Domestic abuse'?)",
      "without the theme 'Online harm', not in the vocabulary",
    ]);
    // A retired theme is still refused: it is known, and no longer used for new reviews.
    expect(parseManifest([HEADER, 'a.pdf,A,northmoor,2022-01-01,thematic,impact of covid 19,S'].join('\n'), context, { unknownThemes: 'drop' }).problems[0].message).toBe(
      "the theme 'Impact of Covid-19' is retired",
    );
  });

  it('accepts the columns in any order, and refuses a wrong header as a whole', () => {
    const reordered = 'summary,themes,review_type,published_on,partnership,title,file\nS,,scr,2016-03-04,northmoor,T,a.pdf';
    expect(parseManifest(reordered, context).rows[0]).toMatchObject({ file: 'a.pdf', title: 'T', summary: 'S', reviewType: 'scr' });
    expect(() => parseManifest('file,title,summary,colour\n', context)).toThrow(
      "The manifest's header must name the columns file,title,partnership,published_on,review_type,themes,summary (missing partnership, published_on, review_type, themes; unknown 'colour').",
    );
    expect(() => parseManifest('', context)).toThrow(/The manifest is empty/);
  });
});
