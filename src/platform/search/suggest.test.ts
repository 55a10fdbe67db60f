import { describe, expect, it } from 'vitest';
import { editDistance, nearestWord, nearWords } from './suggest.ts';

describe('spelling suggestions', () => {
  it('counts edits, a swap of neighbours as one', () => {
    expect(editDistance('neglekt', 'neglect')).toBe(1);
    expect(editDistance('negelct', 'neglect')).toBe(1);
    expect(editDistance('neglet', 'neglect')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('offers the nearest indexed word, the commoner one on a tie', () => {
    const words = [
      { word: 'neglect', publications: 40 },
      { word: 'neglected', publications: 5 },
      { word: 'housing', publications: 12 },
      { word: 'bruising', publications: 9 },
      { word: 'cruising', publications: 1 },
    ];
    expect(nearestWord('neglekt', words)).toBe('neglect');
    expect(nearestWord('Neglekted', words)).toBe('neglected');
    expect(nearestWord('hausing', words)).toBe('housing');
    expect(nearestWord('truising', words)).toBe('bruising');
  });

  it('lists the words near enough, nearest first, then the commoner, then alphabetically', () => {
    const words = [
      { word: 'bruised', publications: 2 },
      { word: 'bruising', publications: 9 },
      { word: 'cruising', publications: 9 },
      { word: 'bruisings', publications: 30 },
      { word: 'housing', publications: 40 },
    ];
    // One edit: bruising. Two: housing, bruisings, cruising, the commoner first. Bruised is three away.
    expect(nearWords('brusing', words)).toEqual(['bruising', 'housing', 'bruisings', 'cruising']);
    expect(nearWords('bruising', words)).toEqual([]);
  });

  it('offers nothing for a word that is indexed, or when nothing is near', () => {
    expect(nearestWord('neglect', [{ word: 'neglect', publications: 1 }, { word: 'neglects', publications: 1 }])).toBeNull();
    expect(nearestWord('zebra', [{ word: 'neglect', publications: 1 }])).toBeNull();
    expect(nearestWord('abd', [{ word: 'xyz', publications: 1 }])).toBeNull();
    // Two edits at most, however long the word: three would change the subject.
    expect(editDistance('wellbeing', 'telling')).toBe(3);
    expect(nearestWord('wellbeing', [{ word: 'telling', publications: 9 }])).toBeNull();
    expect(nearestWord('welbeeing', [{ word: 'wellbeing', publications: 1 }])).toBe('wellbeing');
  });
});
