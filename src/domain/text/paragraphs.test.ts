import { describe, expect, it } from 'vitest';
import { paragraphsOf } from './paragraphs.ts';

describe('free text as paragraphs', () => {
  it('keeps the writer’s line breaks and paragraphs, without stray indents or runs of blank lines', () => {
    expect(paragraphsOf('\n   First line\n  second line  \n\n\n\n  Next paragraph\t\n')).toEqual([['First line', 'second line'], ['Next paragraph']]);
  });

  it('reads Windows and old Mac line endings as line breaks', () => {
    expect(paragraphsOf('One\r\nTwo\r\rThree')).toEqual([['One', 'Two'], ['Three']]);
  });

  it('gives nothing for empty or blank text', () => {
    expect(paragraphsOf('')).toEqual([]);
    expect(paragraphsOf(' \n\t\n ')).toEqual([]);
  });
});
