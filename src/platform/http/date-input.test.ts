import { describe, expect, it } from 'vitest';
import { parseDateInput } from './date-input.ts';

const body = (day: string, month: string, year: string) => ({ 'aware-day': day, 'aware-month': month, 'aware-year': year });
const label = 'the date the local authority became aware';

describe('parseDateInput', () => {
  it('reads the three boxes into a YYYY-MM-DD date', () => {
    expect(parseDateInput(body('3', '3', '2025'), 'aware')).toEqual({ value: '2025-03-03' });
    expect(parseDateInput(body(' 29 ', '02', '2024'), 'aware')).toEqual({ value: '2024-02-29' });
    expect(parseDateInput(body('1', 'Feb', '2025'), 'aware')).toEqual({ value: '2025-02-01' });
    expect(parseDateInput(body('1', 'february', '2025'), 'aware')).toEqual({ value: '2025-02-01' });
  });

  it('refuses impossible dates rather than rolling them over', () => {
    expect(parseDateInput(body('31', '02', '2025'), 'aware', { label })).toEqual({
      error: 'The date the local authority became aware must be a real date',
      parts: ['day'],
    });
    expect(parseDateInput(body('29', '2', '2025'), 'aware')).toEqual({ error: 'The date must be a real date', parts: ['day'] });
    expect(parseDateInput(body('12', '13', '2025'), 'aware')).toEqual({ error: 'The date must be a real date', parts: ['month'] });
    expect(parseDateInput(body('x', 'y', '2025'), 'aware')).toEqual({ error: 'The date must be a real date', parts: ['day', 'month'] });
  });

  it('names what is missing', () => {
    expect(parseDateInput({}, 'aware', { label })).toEqual({ error: `Enter ${label}`, parts: ['day', 'month', 'year'] });
    expect(parseDateInput(body('', '3', '2025'), 'aware', { label })).toEqual({ error: `The date the local authority became aware must include a day`, parts: ['day'] });
    expect(parseDateInput(body('3', '', ''), 'aware')).toEqual({ error: 'The date must include a month and year', parts: ['month', 'year'] });
  });

  it('asks for a four-digit year', () => {
    expect(parseDateInput(body('3', '3', '25'), 'aware')).toEqual({ error: 'Year must include 4 numbers', parts: ['year'] });
  });

  it('allows an optional date to be left empty', () => {
    expect(parseDateInput({}, 'aware', { required: false })).toEqual({ value: null });
    expect(parseDateInput(body('', '', ''), 'aware', { required: false })).toEqual({ value: null });
    expect(parseDateInput(body('3', '', ''), 'aware', { required: false })).toMatchObject({ error: 'The date must include a month and year' });
  });

  it('ignores values that are not text', () => {
    expect(parseDateInput({ 'aware-day': ['1'], 'aware-month': 3, 'aware-year': '2025' }, 'aware')).toEqual({
      error: 'The date must include a day and month',
      parts: ['day', 'month'],
    });
    expect(parseDateInput(null, 'aware')).toMatchObject({ error: 'Enter the date' });
  });
});
