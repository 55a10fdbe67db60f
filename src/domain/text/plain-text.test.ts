import { describe, expect, it } from 'vitest';
import { textProblem } from './plain-text.ts';

const rule = { label: 'Name', max: 20 };

describe('textProblem', () => {
  it.each(['Priya Shah', 'Zoë O’Brien-Ndlovu', 'محمد علي', '王小明', "<script>alert('x')</script>".slice(0, 20)])('accepts %s', (v) => {
    expect(textProblem(v, rule)).toBeNull();
  });
  it('refuses control characters', () => expect(textProblem('Bob\u0000', rule)).toBe('Name must not contain control characters'));
  it('refuses line breaks in one-line fields, not in multiline ones', () => {
    expect(textProblem('a\nb', rule)).toBe('Name must be on one line');
    expect(textProblem('a\nb', { ...rule, multiline: true })).toBeNull();
  });
  it('refuses bidirectional overrides and marks', () => {
    expect(textProblem('Bob\u202Egnp.exe', rule)).toBe('Name must not contain characters that change the direction of text');
    expect(textProblem('\u200Fx', rule)).toMatch(/direction/);
  });
  it('counts characters, not UTF-16 units', () => {
    expect(textProblem('😀'.repeat(20), rule)).toBeNull();
    expect(textProblem('😀'.repeat(21), rule)).toBe('Name must be 20 characters or fewer');
  });
});
