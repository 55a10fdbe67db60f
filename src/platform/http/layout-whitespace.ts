/**
 * Pages without their templates' indentation. A template's lines are indented for the people who
 * edit it, and every run of a newline and spaces between two tags is sent with each page: a third of
 * the dashboard's bytes (54.9 KB, 39.5 KB without them), and writing a page's bytes to its socket is a
 * large part of what serving a kept page costs.
 *
 * Only whitespace that holds a line break and lies wholly between one tag's `>` and the next tag's
 * `<` is touched, and it becomes one line break: between tags, a browser shows any run of spaces and
 * line breaks as one space, or as nothing, so the page looks the same. Text people typed is shown
 * escaped, so it holds no `<` or `>` of its own: a run inside it is touched only when the text is
 * nothing but whitespace. A line break is kept rather than a space, so that text shown with
 * `white-space: pre-line` still breaks where the template broke it.
 *
 * Left exactly as rendered: the content of `textarea` and `pre` (their whitespace is what they show,
 * and a textarea's is what it sends back) and of `script` and `style`; and, from an opening of one of
 * them that is never closed, the rest of the page (a search to the end for each such opening would
 * take time growing with the square of the page). Not provided for, as nothing here makes them: the
 * obsolete `listing` and `xmp`, a script holding `<!--<script>`, and tags between SVG `tspan`s.
 */
const LAYOUT_WHITESPACE = /<(textarea|pre|script|style)(?=[\s/>])[^]*?(?:<\/\1\s*(?=>)|$)|>[ \t\r\n]+(?=<)/gi;

// One run of whitespace is matched once, whatever is after it: typed text may put a long run of line
// breaks just after a tag, and a pattern that looked for the line break inside the run would try every
// place in it for every place it could end (time growing with the square of the run).
export function withoutLayoutWhitespace(html: string): string {
  return html.replace(LAYOUT_WHITESPACE, (match) => (match[0] === '>' && match.includes('\n') ? '>\n' : match));
}
