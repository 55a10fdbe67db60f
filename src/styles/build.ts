import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds GOV.UK Frontend's stylesheet for this service: every component, in a neutral typeface
 * (Arial), without GOV.UK's identity (no web font of GOV.UK's own, no crest). The output is kept
 * in public/ so that serving needs no build step; a test checks that it is up to date.
 *
 *     npm run build:css
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
export const SOURCE = path.join(root, 'src/styles/govuk-frontend.scss');
export const OUTPUT = path.join(root, 'public/govuk-frontend.min.css');

/**
 * Marks of GOV.UK's identity that must never reach a page of this service: its typeface (this
 * service loads no web font at all, so any @font-face is one too many), its crest, its asset files.
 */
export const GOVUK_IDENTITY = [/@font-face/i, /govuk-crest/i, /\/assets\/(fonts|images)\//i];

export async function buildGovukCss(): Promise<string> {
  const sass = await import('sass');
  const result = sass.compile(SOURCE, { loadPaths: [path.join(root, 'node_modules')], style: 'compressed', quietDeps: true });
  return `/* Built from src/styles/govuk-frontend.scss by npm run build:css: do not edit. */\n${withoutRulesMentioning(result.css, 'govuk-crest')}\n`;
}

/** Removes from compressed CSS every rule whose declarations mention `word`, then empty at-rules. */
export function withoutRulesMentioning(css: string, word: string): string {
  let out = css;
  for (let at = out.indexOf(word); at >= 0; at = out.indexOf(word)) {
    const open = out.lastIndexOf('{', at);
    const close = out.indexOf('}', at);
    const start = Math.max(out.lastIndexOf('}', open), out.lastIndexOf('{', open - 1), out.lastIndexOf(';', open)) + 1;
    out = out.slice(0, start) + out.slice(close + 1);
  }
  // At-rules left with nothing inside them.
  for (let before = ''; before !== out; ) {
    before = out;
    out = out.replace(/@(supports|media)[^{}]*\{\}/g, '');
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const css = await buildGovukCss();
  const previous = (() => {
    try {
      return readFileSync(OUTPUT, 'utf8');
    } catch {
      return '';
    }
  })();
  writeFileSync(OUTPUT, css);
  console.log(`${path.relative(root, OUTPUT)}: ${css.length} bytes${previous === css ? ' (unchanged)' : ''}`);
}
