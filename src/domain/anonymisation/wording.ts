// Small helpers for the plain-English details shown to the admin.

/** 'a', 'a and b', 'a, b and c'. */
export function joinAnd(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** "the child" → "the child's"; "James" → "James'". */
export function possessive(owner: string): string {
  return owner.endsWith('s') ? `${owner}'` : `${owner}'s`;
}
