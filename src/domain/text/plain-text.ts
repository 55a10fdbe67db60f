/**
 * What a person may type into a name or a short text field. Control characters and
 * bidirectional overrides are refused: they can hide or reorder text on screen
 * ("Trojan Source"), and no real name or title needs them.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;
const LINE_BREAKS = /[\r\n\t]/u;
const BIDI_OVERRIDES = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u;

export function textProblem(value: string, rule: { label: string; max: number; multiline?: boolean }): string | null {
  if (CONTROL.test(value)) return `${rule.label} must not contain control characters`;
  if (!rule.multiline && LINE_BREAKS.test(value)) return `${rule.label} must be on one line`;
  if (BIDI_OVERRIDES.test(value)) return `${rule.label} must not contain characters that change the direction of text`;
  if ([...value].length > rule.max) return `${rule.label} must be ${rule.max} characters or fewer`;
  return null;
}
