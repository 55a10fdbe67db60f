import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import { contrastRatio, parseHexColour } from '../../domain/brand/colour-contrast.ts';
import { CHART_COLOURS, chartText, lineChart, stackedBarChart } from './charts.ts';

const spec = {
  id: 'chart-t',
  title: 'Notifications <on time> & late',
  description: 'Stacked bars, one a quarter.',
  categories: ['2024-25 Q1', '2024-25 Q2'],
  series: [
    { key: 'onTime', label: 'On time', values: [3, 0] },
    { key: 'late', label: 'Late <b>', values: [1, 2] },
  ],
};

function parse(svg: string) {
  return new JSDOM(`<!doctype html><body>${svg}</body>`).window.document.querySelector('svg') as SVGSVGElement;
}

describe('charts', () => {
  it('are images with a title and a description, escaped, and no inline style', () => {
    const svg = stackedBarChart(spec);
    const el = parse(svg);
    expect(el.getAttribute('role')).toBe('img');
    expect(el.getAttribute('aria-labelledby')).toBe('chart-t-title chart-t-desc');
    expect(el.querySelector('title')?.textContent).toBe('Notifications <on time> & late');
    expect(el.querySelector('desc')?.textContent).toBe('Stacked bars, one a quarter.');
    expect(svg).not.toMatch(/style[=>]/);
    expect(svg).not.toContain('<b>');
  });

  it('draw one bar segment a non-zero value, each series in its own pattern, with totals written out', () => {
    const el = parse(stackedBarChart(spec));
    const segments = [...el.querySelectorAll('rect[fill^="url(#chart-t-p"]')].filter((r) => r.parentElement?.tagName !== 'g' || !r.closest('g[transform]'));
    expect(segments.map((r) => r.getAttribute('fill'))).toEqual(['url(#chart-t-p0)', 'url(#chart-t-p1)', 'url(#chart-t-p1)']);
    expect(el.querySelectorAll('pattern')).toHaveLength(2);
    // The first series is solid, the second carries white marks: told apart without colour.
    expect(el.querySelector('#chart-t-p0 path')).toBeNull();
    expect(el.querySelector('#chart-t-p1 path')).not.toBeNull();
    const texts = [...el.querySelectorAll('text')].map((t) => t.textContent);
    expect(texts).toEqual(expect.arrayContaining(['4', '2', 'On time', 'Late <b>', '2024-25 Q1']));
  });

  it('draw lines with a different dash and marker a series', () => {
    const el = parse(lineChart({ ...spec, id: 'chart-l' }));
    const lines = [...el.querySelectorAll('path[fill="none"]')];
    expect(lines).toHaveLength(2);
    expect(lines[0].getAttribute('stroke-dasharray')).toBeNull();
    expect(lines[1].getAttribute('stroke-dasharray')).toBe('6 3');
  });

  it('use colours with at least 3:1 contrast against white (WCAG 1.4.11)', () => {
    const white = parseHexColour('#ffffff')!;
    for (const c of CHART_COLOURS) expect(contrastRatio(parseHexColour(c)!, white), c).toBeGreaterThanOrEqual(3);
  });
});

describe('a chart’s text read back', () => {
  it('gives the title and description the chart was drawn with, unescaped (the PDF’s alternative text)', () => {
    const svg = stackedBarChart({ id: 'c', title: 'Actions & "status" <today>', description: 'Agencies’ actions: 3 overdue', categories: ['A'], series: [{ key: 'k', label: 'K', values: [1] }] });
    expect(chartText(svg)).toEqual({ title: 'Actions & "status" <today>', description: 'Agencies’ actions: 3 overdue' });
  });
});
