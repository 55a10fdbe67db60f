// Free text as people typed it, shown as paragraphs and lines.
//
// Shown with `white-space: pre-wrap`, typed text kept every stray indent and run of blank lines, and
// the indentation of the template around it too (a summary list's value sits on its own indented
// line). Splitting the text into paragraphs (at blank lines) and lines, each trimmed, keeps what
// the writer meant — their line breaks and paragraphs — and drops what they did not.
//
// Pure: no I/O.

/** The text's paragraphs, each a list of its non-empty lines, trimmed; runs of blank lines are one break. */
export function paragraphsOf(text: string): string[][] {
  const paragraphs: string[][] = [];
  let current: string[] = [];
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trim();
    if (line) {
      current.push(line);
    } else if (current.length) {
      paragraphs.push(current);
      current = [];
    }
  }
  if (current.length) paragraphs.push(current);
  return paragraphs;
}
