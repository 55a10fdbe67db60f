import { describe, expect, it } from 'vitest';
import { escapeText, foldLine, serializeCalendar, utcStamp } from './ical.ts';

describe('iCalendar writer', () => {
  it('escapes backslashes, semicolons, commas and line breaks', () => {
    expect(escapeText('a\\b;c,d\ne\r\nf')).toBe('a\\\\b\\;c\\,d\\ne\\nf');
    expect(escapeText('tab\there\u0007')).toBe('tab\there');
  });

  it('leaves lines of 75 octets alone and folds longer ones with CRLF and a space', () => {
    const exact = 'X'.repeat(75);
    expect(foldLine(exact)).toBe(exact);
    const long = 'Y'.repeat(200);
    const folded = foldLine(long);
    const parts = folded.split('\r\n');
    expect(parts[0]).toHaveLength(75);
    expect(parts.slice(1).every((p) => p.startsWith(' ') && Buffer.byteLength(p) <= 75)).toBe(true);
    expect(parts.map((p, i) => (i === 0 ? p : p.slice(1))).join('')).toBe(long);
  });

  it('never splits a multi-byte character and counts octets, not characters', () => {
    const line = `SUMMARY:${'é'.repeat(60)}`; // 8 + 120 octets
    const parts = foldLine(line).split('\r\n');
    for (const p of parts) expect(Buffer.byteLength(p, 'utf8')).toBeLessThanOrEqual(75);
    expect(parts.map((p, i) => (i === 0 ? p : p.slice(1))).join('')).toBe(line);
    expect(parts.join('')).not.toContain('\uFFFD');
  });

  it('writes all-day events with CRLF endings, a stamp and stable ids', () => {
    const text = serializeCalendar({
      prodId: '-//CSPR Hub//Deadlines//EN',
      name: 'Deadlines',
      now: new Date('2026-11-30T10:41:27.123Z'),
      events: [{ uid: 'abc-panel-notification@cspr-hub', date: '2026-12-31', summary: 'NM-2026-001: Notify, then review; done', url: 'https://example.org/cases/abc' }],
    });
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines).toContain('VERSION:2.0');
    expect(lines).toContain('REFRESH-INTERVAL;VALUE=DURATION:PT1H');
    expect(lines).toContain('UID:abc-panel-notification@cspr-hub');
    expect(lines).toContain('DTSTAMP:20261130T104127Z');
    expect(lines).toContain('DTSTART;VALUE=DATE:20261231');
    expect(lines).toContain('DTEND;VALUE=DATE:20270101');
    expect(lines).toContain('SUMMARY:NM-2026-001: Notify\\, then review\\; done');
    expect(lines).toContain('URL:https://example.org/cases/abc');
    expect(lines.at(-2)).toBe('END:VCALENDAR');
    expect(utcStamp(new Date('2026-01-02T03:04:05Z'))).toBe('20260102T030405Z');
  });
});
