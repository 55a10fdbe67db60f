import { describe, expect, it } from 'vitest';
import { controlCharacterMessage, controlCharacterProblems, hasControlCharacters, labelFor } from './control-characters.ts';

describe('hasControlCharacters', () => {
  it.each(['', 'Priya Shah', 'Line one\nline two', 'a\tb', 'Windows\r\nline', 'Zoë', 'محمد', '😀', '<script>alert(1)</script>', "'; drop table cases; --"])(
    'accepts plain text %j',
    (v) => expect(hasControlCharacters(v)).toBe(false),
  );
  it.each(['\u0000', 'Bob\u0000', '\u0001', '\u0007bell', 'esc\u001b[31m', '\u000b', '\u000c', '\u001f', '\u007f'])(
    'refuses %j (NUL, other C0 controls but tab, line feed and carriage return, and DEL)',
    (v) => expect(hasControlCharacters(v)).toBe(true),
  );
});

describe('labelFor', () => {
  it('reads field names as words', () => {
    expect(labelFor(['whatIsKnown'])).toBe('What is known');
    expect(labelFor(['child-2-name'])).toBe('Child 2 name');
    expect(labelFor(['children', 0, 'name'])).toBe('Children 1 name');
    expect(labelFor([])).toBe('A value');
  });
});

describe('controlCharacterProblems', () => {
  it('names each field holding a control character, with its message', () => {
    const problems = controlCharacterProblems({ summary: 'ok', details: 'bad\u0000', reasons: ['fine', 'x\u0001'] });
    expect(problems).toEqual([
      { path: ['details'], field: 'details', message: 'Details must not contain control characters' },
      { path: ['reasons', 1], field: 'reasons.1', message: 'Reasons 2 must not contain control characters' },
    ]);
  });
  it('walks JSON bodies, and refuses control characters in names too', () => {
    const problems = controlCharacterProblems({ children: [{ name: 'A\u0000' }], ['k\u0000ey']: 'v', n: 3, b: true, z: null });
    expect(problems.map((p) => p.field)).toEqual(['children.0.name', 'key']);
  });
  it('finds nothing in clean bodies, numbers or missing bodies', () => {
    expect(controlCharacterProblems({ a: 'x', b: ['y'], c: { d: 1 } })).toEqual([]);
    expect(controlCharacterProblems(undefined)).toEqual([]);
    expect(controlCharacterProblems(42)).toEqual([]);
  });
  it('reports a bare string body as the body', () => {
    expect(controlCharacterProblems('\u0000')).toEqual([{ path: [], field: 'body', message: controlCharacterMessage('A value') }]);
  });
});
