/**
 * Plain text never needs C0 control characters other than tab, line feed and carriage return
 * (nor DEL): no keyboard types them, they can hide text on screen, and PostgreSQL refuses NUL
 * in text outright. Every value a person or a program sends is checked against this rule
 * before any feature reads it, so no field can be forgotten.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/u;

export function hasControlCharacters(value: string): boolean {
  return FORBIDDEN.test(value);
}

/** The message a person sees, naming the field: "Summary must not contain control characters". */
export function controlCharacterMessage(label: string): string {
  return `${label} must not contain control characters`;
}

/**
 * A field's name as people read it: `whatIsKnown` → "What is known", `child-2-name` → "Child 2 name",
 * `choices.0` → "Choices 1" (positions counted from one).
 */
export function labelFor(path: readonly (string | number)[]): string {
  const words = path
    .map((part) => (typeof part === 'number' ? String(part + 1) : part))
    .join(' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .trim()
    .toLowerCase();
  const text = words === '' ? 'A value' : words;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export type ControlCharacterProblem = { path: (string | number)[]; field: string; message: string };

/**
 * Every value (and every name) in a parsed form or JSON body that holds a forbidden character,
 * with its path (`children.0.name`) and its message. Nested lists and objects are walked, to a
 * depth no real form needs; anything deeper counts as a problem of the body itself.
 */
export function controlCharacterProblems(body: unknown, maxDepth = 12): ControlCharacterProblem[] {
  const problems: ControlCharacterProblem[] = [];
  const seen = new Set<string>();
  const add = (path: (string | number)[]) => {
    const field = path.length ? path.map(String).join('.') : 'body';
    if (seen.has(field)) return;
    seen.add(field);
    problems.push({ path, field, message: controlCharacterMessage(labelFor(path)) });
  };
  const walk = (value: unknown, path: (string | number)[], depth: number): void => {
    if (typeof value === 'string') {
      if (hasControlCharacters(value)) add(path);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    if (depth > maxDepth) return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...path, i], depth + 1));
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      if (hasControlCharacters(key)) {
        add([...path, key.replace(FORBIDDEN_GLOBAL, '')]);
        continue;
      }
      walk(item, [...path, key], depth + 1);
    }
  };
  walk(body, [], 0);
  return problems;
}

// eslint-disable-next-line no-control-regex -- as above, every occurrence
const FORBIDDEN_GLOBAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/gu;
