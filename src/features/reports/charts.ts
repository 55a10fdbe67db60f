import { scaleBand, scaleLinear, scalePoint } from 'd3-scale';
import { line, stack, symbol, symbolCircle, symbolDiamond, symbolSquare, symbolTriangle, symbolWye, type SymbolType } from 'd3-shape';

/**
 * Charts drawn on the server as SVG, to be read without JavaScript and printed. Scales and shapes
 * come from d3 (d3-scale, d3-shape), not hand-written geometry. Each chart is an image with a title
 * and a description (role="img", <title>, <desc>) and always sits beside a table of its data.
 * Nothing is told by colour alone: each series has its own fill pattern (bars) or dash and marker
 * shape (lines), named in a legend, and every colour has at least 3:1 contrast against white (WCAG
 * 2.2, 1.4.11 non-text contrast). Styling is by SVG attributes only, never a style attribute or
 * element: the pages' content security policy allows no inline styles.
 */

/** GOV.UK colours with at least 3:1 contrast against white (a test checks each). */
export const CHART_COLOURS = ['#1d70b8', '#d4351c', '#00703c', '#4c2c92', '#505a5f', '#003078', '#942514'] as const;
const TEXT = '#0b0c0c';
const GRID = '#b1b4b6';

type Pattern = 'solid' | 'diagonal' | 'dots' | 'cross' | 'horizontal' | 'vertical' | 'reverse';
const PATTERNS: readonly Pattern[] = ['solid', 'diagonal', 'dots', 'cross', 'horizontal', 'vertical', 'reverse'];
const SYMBOLS: readonly SymbolType[] = [symbolCircle, symbolSquare, symbolTriangle, symbolDiamond, symbolWye];
const DASHES = ['', '6 3', '2 3', '10 3 2 3', '1 5'];

export type Series = { key: string; label: string; values: readonly number[] };
export type ChartSpec = {
  /** Unique on the page: ids of the title, description and patterns derive from it. */
  id: string;
  title: string;
  description: string;
  categories: readonly string[];
  series: readonly Series[];
  /** Bars run across (for long category names such as agencies), or up. */
  horizontal?: boolean;
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const UNESCAPE: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** A chart's title and description, read back from the SVG this module drew (the PDF's alternative text). */
export function chartText(svg: string): { title: string; description: string } {
  const read = (tag: string) => (new RegExp(`<${tag} id="[^"]*">([^<]*)</${tag}>`).exec(svg)?.[1] ?? '').replace(/&(amp|lt|gt|quot|#39);/g, (m) => UNESCAPE[m]);
  return { title: read('title'), description: read('desc') };
}

const round = (n: number) => Math.round(n * 10) / 10;

function patternDef(id: string, pattern: Pattern, colour: string): string {
  // A pattern is the colour with white marks over it: told apart by its marks as well as its colour.
  const base = `<rect width="8" height="8" fill="${colour}"/>`;
  const mark = (d: string) => `<path d="${d}" stroke="#ffffff" stroke-width="1.5"/>`;
  const marks: Record<Pattern, string> = {
    solid: '',
    diagonal: mark('M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4'),
    reverse: mark('M-2,6 l4,4 M0,0 l8,8 M6,-2 l4,4'),
    cross: mark('M0,4 h8 M4,0 v8'),
    horizontal: mark('M0,2 h8 M0,6 h8'),
    vertical: mark('M2,0 v8 M6,0 v8'),
    dots: '<circle cx="4" cy="4" r="1.6" fill="#ffffff"/>',
  };
  return `<pattern id="${id}" width="8" height="8" patternUnits="userSpaceOnUse">${base}${marks[pattern]}</pattern>`;
}

function frame(spec: ChartSpec, width: number, height: number, body: string, defs = ''): string {
  const t = `${spec.id}-title`;
  const d = `${spec.id}-desc`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="cspr-chart__svg" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${t} ${d}" focusable="false">` +
    `<title id="${t}">${escapeXml(spec.title)}</title><desc id="${d}">${escapeXml(spec.description)}</desc>` +
    (defs ? `<defs>${defs}</defs>` : '') +
    `<g font-family="arial, helvetica, sans-serif" font-size="13" fill="${TEXT}">${body}</g></svg>`
  );
}

function legend(spec: ChartSpec, x: number, y: number, swatch: (i: number) => string): string {
  return spec.series
    .map((s, i) => `<g transform="translate(${x},${y + i * 20})">${swatch(i)}<text x="24" y="12">${escapeXml(s.label)}</text></g>`)
    .join('');
}

/** Stacked bars: one bar per category, one patterned segment per series, the total at its end. */
export function stackedBarChart(spec: ChartSpec): string {
  const horizontal = spec.horizontal === true;
  const legendHeight = spec.series.length * 20 + 10;
  const longest = Math.max(0, ...spec.categories.map((c) => c.length));
  const rotate = !horizontal && spec.categories.length > 6;
  const margin = horizontal
    ? { top: 10, right: 40, bottom: 30 + legendHeight, left: Math.min(260, 12 + longest * 7) }
    : { top: 20, right: 20, bottom: (rotate ? 80 : 40) + legendHeight, left: 44 };
  const plotBreadth = horizontal ? Math.max(60, spec.categories.length * 34) : 280;
  const width = 680;
  const height = horizontal ? margin.top + plotBreadth + margin.bottom : margin.top + plotBreadth + margin.bottom;
  const rows = spec.categories.map((category, i) => ({ category, ...Object.fromEntries(spec.series.map((s) => [s.key, s.values[i] ?? 0])) })) as ({ category: string } & Record<string, number>)[];
  const layers = stack<{ category: string } & Record<string, number>>().keys(spec.series.map((s) => s.key))(rows);
  const totals = rows.map((r) => spec.series.reduce((sum, s) => sum + (r[s.key] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const band = scaleBand<string>().domain(spec.categories).range(horizontal ? [margin.top, margin.top + plotBreadth] : [margin.left, width - margin.right]).padding(0.25);
  const value = scaleLinear().domain([0, max]).nice().range(horizontal ? [margin.left, width - margin.right] : [margin.top + plotBreadth, margin.top]);
  const ticks = value.ticks(Math.min(5, value.domain()[1])).filter((t) => Number.isInteger(t));

  const defs = spec.series.map((s, i) => patternDef(`${spec.id}-p${i}`, PATTERNS[i % PATTERNS.length], CHART_COLOURS[i % CHART_COLOURS.length])).join('');
  const parts: string[] = [];
  for (const t of ticks) {
    const at = round(value(t));
    parts.push(
      horizontal
        ? `<line x1="${at}" x2="${at}" y1="${margin.top}" y2="${margin.top + plotBreadth}" stroke="${GRID}"/><text x="${at}" y="${margin.top + plotBreadth + 18}" text-anchor="middle">${t}</text>`
        : `<line x1="${margin.left}" x2="${width - margin.right}" y1="${at}" y2="${at}" stroke="${GRID}"/><text x="${margin.left - 6}" y="${at + 4}" text-anchor="end">${t}</text>`,
    );
  }
  layers.forEach((layer, i) => {
    for (const [j, point] of layer.entries()) {
      const [from, to] = point;
      if (to - from <= 0) continue;
      const start = band(spec.categories[j]) as number;
      const a = value(from);
      const b = value(to);
      const rect = horizontal
        ? { x: round(a), y: round(start), w: round(b - a), h: round(band.bandwidth()) }
        : { x: round(start), y: round(b), w: round(band.bandwidth()), h: round(a - b) };
      parts.push(`<rect x="${rect.x}" y="${rect.y}" width="${rect.w}" height="${rect.h}" fill="url(#${spec.id}-p${i})" stroke="#ffffff" stroke-width="1"/>`);
    }
  });
  spec.categories.forEach((c, j) => {
    const mid = round((band(c) as number) + band.bandwidth() / 2);
    const end = round(value(totals[j]));
    if (horizontal) {
      parts.push(`<text x="${margin.left - 6}" y="${mid + 4}" text-anchor="end">${escapeXml(c)}</text><text x="${end + 4}" y="${mid + 4}" font-weight="bold">${totals[j]}</text>`);
    } else {
      const labelY = margin.top + plotBreadth + 16;
      parts.push(
        rotate
          ? `<text x="${mid}" y="${labelY}" text-anchor="end" transform="rotate(-45 ${mid} ${labelY})">${escapeXml(c)}</text>`
          : `<text x="${mid}" y="${labelY}" text-anchor="middle">${escapeXml(c)}</text>`,
      );
      parts.push(`<text x="${mid}" y="${end - 4}" text-anchor="middle" font-weight="bold">${totals[j]}</text>`);
    }
  });
  const axis = horizontal
    ? `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotBreadth}" stroke="${TEXT}"/>`
    : `<line x1="${margin.left}" x2="${width - margin.right}" y1="${margin.top + plotBreadth}" y2="${margin.top + plotBreadth}" stroke="${TEXT}"/>`;
  const legendY = height - legendHeight + 4;
  const swatch = (i: number) => `<rect width="18" height="14" fill="url(#${spec.id}-p${i})" stroke="${TEXT}" stroke-width="1"/>`;
  return frame(spec, width, height, parts.join('') + axis + legend(spec, 16, legendY, swatch), defs);
}

/** Lines over time: one line per series, each with its own colour, dash and marker shape. */
export function lineChart(spec: ChartSpec): string {
  const legendHeight = spec.series.length * 20 + 10;
  const rotate = spec.categories.length > 6;
  const margin = { top: 20, right: 30, bottom: (rotate ? 80 : 40) + legendHeight, left: 44 };
  const width = 680;
  const plot = 260;
  const height = margin.top + plot + margin.bottom;
  const x = scalePoint<string>().domain(spec.categories).range([margin.left + 10, width - margin.right]).padding(0.3);
  const max = Math.max(1, ...spec.series.flatMap((s) => s.values));
  const y = scaleLinear().domain([0, max]).nice().range([margin.top + plot, margin.top]);
  const ticks = y.ticks(Math.min(5, y.domain()[1])).filter((t) => Number.isInteger(t));
  const parts: string[] = [];
  for (const t of ticks) parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${round(y(t))}" y2="${round(y(t))}" stroke="${GRID}"/><text x="${margin.left - 6}" y="${round(y(t)) + 4}" text-anchor="end">${t}</text>`);
  parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${margin.top + plot}" y2="${margin.top + plot}" stroke="${TEXT}"/>`);
  const labelY = margin.top + plot + 16;
  for (const c of spec.categories) {
    const at = round(x(c) as number);
    parts.push(rotate ? `<text x="${at}" y="${labelY}" text-anchor="end" transform="rotate(-45 ${at} ${labelY})">${escapeXml(c)}</text>` : `<text x="${at}" y="${labelY}" text-anchor="middle">${escapeXml(c)}</text>`);
  }
  const path = line<number>().x((_, i) => x(spec.categories[i]) as number).y((v) => y(v));
  spec.series.forEach((s, i) => {
    const colour = CHART_COLOURS[i % CHART_COLOURS.length];
    const dash = DASHES[i % DASHES.length];
    parts.push(`<path d="${path([...s.values]) ?? ''}" fill="none" stroke="${colour}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    const marker = symbol(SYMBOLS[i % SYMBOLS.length], 60)() ?? '';
    s.values.forEach((v, j) => parts.push(`<path d="${marker}" transform="translate(${round(x(spec.categories[j]) as number)},${round(y(v))})" fill="${colour}" stroke="#ffffff" stroke-width="1"/>`));
  });
  const swatch = (i: number) => {
    const colour = CHART_COLOURS[i % CHART_COLOURS.length];
    const dash = DASHES[i % DASHES.length];
    return `<line x1="0" x2="18" y1="7" y2="7" stroke="${colour}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/><path d="${symbol(SYMBOLS[i % SYMBOLS.length], 50)() ?? ''}" transform="translate(9,7)" fill="${colour}"/>`;
  };
  return frame(spec, width, height, parts.join('') + legend(spec, 16, height - legendHeight + 4, swatch));
}
