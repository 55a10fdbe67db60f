import { describe, it, expect } from 'vitest';
import { scanForIdentifiers } from './scan.ts';
import type { Identifiers } from './types.ts';

const NONE: Identifiers = { people: [], datesOfBirth: [], addresses: [], postcodes: [], settings: [], nhsNumbers: [], phones: [], emails: [] };
const KAYDEN: Identifiers['people'] = [{ fullName: 'Kayden Lee Smith', role: 'child' }];

function scan(text: string, people: Identifiers['people'] = KAYDEN) {
  return scanForIdentifiers([{ source: 'summary', pages: [text] }], { ...NONE, people });
}
function matches(text: string, people: Identifiers['people'] = KAYDEN): string[] {
  return scan(text, people).map((f) => f.match);
}

describe('names: the forms that are flagged', () => {
  it('flags the full name once, as one finding, with a plain-English detail', () => {
    const [finding, ...rest] = scan('Kayden Smith lived with his mother.');
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      match: 'Kayden Smith',
      kind: 'name',
      severity: 'identifying',
      detail: "Matches the child's full name 'Kayden Lee Smith'",
      column: 1,
    });
  });

  it('flags the full name with the middle name, a middle initial, or surname first', () => {
    expect(matches('Kayden Lee Smith; Kayden L. Smith; SMITH, Kayden; Smith Kayden')).toEqual([
      'Kayden Lee Smith',
      'Kayden L. Smith',
      'SMITH, Kayden',
      'Smith Kayden',
    ]);
  });

  it('flags the first name alone', () => {
    const [finding] = scan('When Kayden was three');
    expect(finding).toMatchObject({ match: 'Kayden', detail: "Matches the child's first name 'Kayden'", column: 6 });
  });

  it('flags the surname alone', () => {
    const [finding] = scan('Ms Smith said the family had moved.');
    expect(finding).toMatchObject({ match: 'Smith', detail: "Matches the child's surname 'Smith'", column: 4 });
  });

  it('flags an initial with the surname, in the usual spellings, as one finding', () => {
    expect(matches('K. Smith; K Smith; K.Smith; K.L. Smith; K. L. Smith')).toEqual([
      'K. Smith',
      'K Smith',
      'K.Smith',
      'K.L. Smith',
      'K. L. Smith',
    ]);
    expect(scan('K. Smith')[0].detail).toBe("Matches the child's initial and surname 'K. Smith'");
  });

  it('does not flag bare initials', () => {
    expect(matches('KS and KLS were discussed; K. was mentioned.')).toEqual([]);
  });

  it('flags possessives, with straight or curly apostrophes, without taking the apostrophe', () => {
    const found = scan("Kayden's needs; Kayden’s school; Smiths' home; the Smiths");
    expect(found.map((f) => f.match)).toEqual(['Kayden', 'Kayden', 'Smiths', 'Smiths']);
    expect(found.map((f) => f.column)).toEqual([1, 17, 34, 52]);
  });

  it('flags a possessive written without an apostrophe', () => {
    expect(matches('Kaydens mother')).toEqual(['Kaydens']);
  });

  it('matches in any letter case', () => {
    expect(matches('KAYDEN; kayden; KaYdEn; SMITH; smith')).toEqual(['KAYDEN', 'kayden', 'KaYdEn', 'SMITH', 'smith']);
  });
});

describe('names: hyphenated and multi-part names', () => {
  const MOTHER: Identifiers['people'] = [{ fullName: 'Mary-Jane van der Berg', role: 'mother' }];

  it('flags a hyphenated first name written with a hyphen, a space, no space or a typographic hyphen', () => {
    expect(matches('Mary-Jane, Mary Jane, MaryJane and Mary\u2011Jane attended.', MOTHER)).toEqual([
      'Mary-Jane',
      'Mary Jane',
      'MaryJane',
      'Mary\u2011Jane',
    ]);
  });

  it('flags each part of a hyphenated first name on its own', () => {
    const found = scan('Jane said that Mary would come.', MOTHER);
    expect(found.map((f) => [f.match, f.detail])).toEqual([
      ['Jane', "Matches part of the mother's first name 'Mary-Jane' ('Jane')"],
      ['Mary', "Matches part of the mother's first name 'Mary-Jane' ('Mary')"],
    ]);
  });

  it('flags a particle surname in any case and spacing, and its core alone, but never the particles', () => {
    expect(matches('Ms van der Berg; Ms Van Der Berg; Ms VanderBerg; Ms Berg', MOTHER)).toEqual([
      'van der Berg',
      'Van Der Berg',
      'VanderBerg',
      'Berg',
    ]);
    expect(scan('Ms Berg', MOTHER)[0].detail).toBe("Matches part of the mother's surname 'van der Berg' ('Berg')");
    expect(matches('the van was parked; der Spiegel; Vandervelde', MOTHER)).toEqual([]);
  });

  it('flags the full particle name as one finding', () => {
    expect(matches('Mary-Jane van der Berg and M. van der Berg', MOTHER)).toEqual(['Mary-Jane van der Berg', 'M. van der Berg']);
  });

  it('flags hyphenated surnames whole and by part', () => {
    const people = [{ fullName: 'Tyler Smith-Jones', role: 'sibling' }];
    expect(matches('Smith-Jones, Smith Jones, Jones, Smith', people)).toEqual(['Smith-Jones', 'Smith Jones', 'Jones', 'Smith']);
  });

  it("handles apostrophes inside names: O'Brien, O’Brien, OBrien", () => {
    const people = [{ fullName: "Liam O'Brien", role: "mother's partner" }];
    const found = scan('Mr O’Brien, Mr OBrien and Liam O Brien', people);
    expect(found.map((f) => f.match)).toEqual(['O’Brien', 'OBrien', 'Liam O Brien']);
    expect(found[0].detail).toBe("Matches the mother's partner's surname 'O'Brien'");
  });
});

describe('names: text hidden by invisible or look-alike characters', () => {
  it('finds a name split by a zero-width space or soft hyphen, and quotes the original text', () => {
    const found = scan('Kay\u200Bden and Smi\u00ADth');
    expect(found.map((f) => f.match)).toEqual(['Kay\u200Bden', 'Smi\u00ADth']);
    expect(found.map((f) => f.column)).toEqual([1, 13]);
  });

  it('finds a name in full-width letters, with a ligature, or across a typeset line break', () => {
    const people = [{ fullName: 'Griffin Wells', role: 'father' }];
    expect(matches('ＧＲＩＦＦＩＮ and Gri\uFB00in and Grif-\nfin', people)).toEqual(['ＧＲＩＦＦＩＮ', 'Gri\uFB00in', 'Grif-\nfin']);
  });

  it('finds a name whatever its accents, in the text or on the record', () => {
    expect(matches('Zoe, Zoë, ZOË', [{ fullName: 'Zoë Clarke', role: 'child' }])).toEqual(['Zoe', 'Zoë', 'ZOË']);
    expect(matches('Zoë', [{ fullName: 'Zoe Clarke', role: 'child' }])).toEqual(['Zoë']);
  });
});

describe('names: no false positives', () => {
  it('matches on word boundaries only: a short surname is not found inside words', () => {
    const people = [{ fullName: 'Wei Li', role: 'father' }];
    expect(matches('The police and the light, a limit, Lima and Bali.', people)).toEqual([]);
  });

  it('does not flag a surname of fewer than three letters on its own, but flags it in the full name', () => {
    const people = [{ fullName: 'Wei Li', role: 'father' }];
    expect(matches('Mr Li met Wei Li and W. Li.', people)).toEqual(['Wei Li', 'W. Li']);
  });

  it('flags a two-letter first name only when capitalised, so "et al" stays quiet', () => {
    const people = [{ fullName: 'Al Hussain', role: 'uncle' }];
    expect(matches('Jones et al. found that Al was present.', people)).toEqual(['Al']);
  });

  it('flags names that are everyday words only when capitalised', () => {
    const people = [{ fullName: 'Will May Brown', role: 'father' }];
    expect(matches('The school will review it in May. Staff will ensure brown paper.', people)).toEqual([]);
    expect(matches('Will said that Mr Brown and WILL BROWN left.', people)).toEqual(['Will', 'Brown', 'WILL BROWN']);
  });

  it('does not flag the name of a person inside a longer word', () => {
    expect(matches('Smithfield market; Kaydenville; blacksmith')).toEqual([]);
  });

  it('ignores titles on the record and people with empty names', () => {
    const people = [{ fullName: 'Mrs Ann Hughes', role: 'grandmother' }, { fullName: '   ' }, { fullName: 'Mr.' }];
    expect(matches('Ann Hughes and Mrs Hughes; Mrs was not a name.', people)).toEqual(['Ann Hughes', 'Hughes']);
  });
});

describe('names: details', () => {
  it('names the person by full name when no role is given', () => {
    expect(scan('Darren said', [{ fullName: 'Darren Jones' }])[0].detail).toBe("Matches Darren Jones' first name 'Darren'");
  });

  it('names everyone a shared surname could refer to, in one finding', () => {
    const people = [{ fullName: 'Kayden Smith', role: 'child' }, { fullName: 'Darren Smith', role: 'father' }, { fullName: 'Tyler Smith', role: 'sibling' }];
    const found = scan('The Smith household', people);
    expect(found).toHaveLength(1);
    expect(found[0].detail).toBe("Matches the surname 'Smith' of the child, the father and the sibling");
  });

  it("names both people when one person's first name is another's surname", () => {
    const people = [{ fullName: 'Lee Carter', role: 'child' }, { fullName: 'Dana Lee', role: 'mother' }];
    expect(scan('Lee said', people)[0].detail).toBe("Matches the child's first name 'Lee' and the mother's surname 'Lee'");
  });
});
