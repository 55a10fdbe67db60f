/**
 * Learning products in their own right: thematic 7-minute briefings and Learning on a Page
 * documents that draw on several reviews (local and national), not tied to one.
 *
 * Working Together to Safeguard Children 2023, chapter 5: safeguarding partners "should make sure
 * that the findings from reviews are shared widely" and "should follow up" so that learning makes
 * a real difference to practice. A product is written by the business unit, checked and approved
 * by a statutory partner's lead, then published: to practitioners of the partnership, or to the
 * public learning pages when marked public.
 */

export type Problem = { field: string; message: string };

export const KINDS = ['seven-minute-briefing', 'learning-on-a-page'] as const;
export type Kind = (typeof KINDS)[number];
export const KIND_LABELS: Readonly<Record<Kind, string>> = Object.freeze({
  'seven-minute-briefing': '7-minute briefing',
  'learning-on-a-page': 'Learning on a Page',
});

export function isKind(value: unknown): value is Kind {
  return typeof value === 'string' && (KINDS as readonly string[]).includes(value);
}

export type Section = { key: string; label: string; hint: string; required: boolean };

/**
 * The sections of each kind, in the order they are read. A 7-minute briefing follows the common
 * shape (background; why it matters; information; what it means for practice; questions for
 * reflection); a Learning on a Page carries the child's lived experience, the key learning points
 * and what to do differently.
 */
export const SECTIONS: Readonly<Record<Kind, readonly Section[]>> = Object.freeze({
  'seven-minute-briefing': [
    { key: 'background', label: 'Background', hint: 'What the reviews found, in a few sentences.', required: true },
    { key: 'why-it-matters', label: 'Why it matters', hint: 'Why practitioners should know this.', required: true },
    { key: 'information', label: 'Information', hint: 'The key facts and research, one point a paragraph.', required: true },
    { key: 'practice', label: 'What it means for practice', hint: 'What to do differently, and things to remember.', required: true },
    { key: 'questions', label: 'Questions for reflection', hint: 'Questions for a team meeting or supervision, one a paragraph.', required: true },
  ],
  'learning-on-a-page': [
    { key: 'lived-experience', label: 'The child’s lived experience', hint: 'What life was like for the children in these reviews.', required: false },
    { key: 'key-learning', label: 'Key learning points', hint: 'The learning points, one a paragraph.', required: true },
    { key: 'practice', label: 'Learning into practice', hint: 'What practitioners and managers should do.', required: true },
  ],
});

export const TITLE_MAX = 200;
export const SECTION_MAX = 5_000;

// ---- Statuses ----------------------------------------------------------------------------------

export const STATUSES = ['draft', 'in-review', 'published'] as const;
export type Status = (typeof STATUSES)[number];
export const STATUS_LABELS: Readonly<Record<Status, string>> = Object.freeze({ draft: 'Draft', 'in-review': 'In review', published: 'Published' });

/** Who takes a step: the business unit writes and submits, a statutory partner's lead approves or sends back. */
export type Role = 'writer' | 'approver';
export const STEPS = ['submit', 'approve', 'send-back', 'unpublish'] as const;
export type Step = (typeof STEPS)[number];
export const STEP_LABELS: Readonly<Record<Step, string>> = Object.freeze({
  submit: 'Send for review',
  approve: 'Approve and publish',
  'send-back': 'Send back to the business unit',
  unpublish: 'Take down and edit',
});

const TRANSITIONS: Readonly<Record<Step, { from: Status; to: Status; by: Role }>> = Object.freeze({
  submit: { from: 'draft', to: 'in-review', by: 'writer' },
  approve: { from: 'in-review', to: 'published', by: 'approver' },
  'send-back': { from: 'in-review', to: 'draft', by: 'approver' },
  // A published product found wrong is taken down to be corrected, then reviewed again.
  unpublish: { from: 'published', to: 'draft', by: 'writer' },
});

export function isStep(value: unknown): value is Step {
  return typeof value === 'string' && (STEPS as readonly string[]).includes(value);
}

/** The steps open to the role from the status. */
export function stepsFrom(status: Status, role: Role): Step[] {
  return STEPS.filter((s) => TRANSITIONS[s].from === status && TRANSITIONS[s].by === role);
}

export type ProductContent = { title: string; kind: Kind; sections: Record<string, string>; sourceCount: number };

/**
 * Whether the step may be taken: the new status, or the problems. Sending for review and approving
 * need a complete product (every required section, at least one review drawn on); an approver
 * cannot approve what they themselves submitted (a second pair of eyes).
 */
export function checkStep(
  status: Status,
  step: string,
  role: Role,
  content: ProductContent,
  who: { userId: string; submittedBy: string | null },
): { ok: true; to: Status } | { ok: false; problems: Problem[] } {
  if (!isStep(step)) return { ok: false, problems: [{ field: 'step', message: 'Choose what to do with the product' }] };
  const t = TRANSITIONS[step];
  if (t.by !== role) return { ok: false, problems: [{ field: 'step', message: role === 'writer' ? 'Only a statutory partner’s lead can approve or send back a product' : 'Only the business unit can do this' }] };
  if (t.from !== status) return { ok: false, problems: [{ field: 'step', message: `A product that is ${STATUS_LABELS[status].toLowerCase()} cannot be ${step === 'submit' ? 'sent for review' : step === 'approve' ? 'approved' : step === 'send-back' ? 'sent back' : 'taken down'}` }] };
  if (step === 'submit' || step === 'approve') {
    const problems = completenessProblems(content);
    if (problems.length) return { ok: false, problems };
  }
  if (step === 'approve' && who.submittedBy !== null && who.submittedBy === who.userId) {
    return { ok: false, problems: [{ field: 'step', message: 'Someone other than the person who sent it for review must approve it' }] };
  }
  return { ok: true, to: t.to };
}

/** What a draft needs before it can be reviewed: every required section and at least one review. */
export function completenessProblems(content: ProductContent): Problem[] {
  const problems: Problem[] = [];
  for (const s of SECTIONS[content.kind]) {
    if (s.required && !(content.sections[s.key] ?? '').trim()) problems.push({ field: `section-${s.key}`, message: `Write the section “${s.label}”` });
  }
  if (content.sourceCount === 0) problems.push({ field: 'sources', message: 'Select at least one review the product draws on' });
  return problems;
}

/** Problems with what was written (saved as a draft): a title, a kind, sections within length. */
export function contentProblems(input: { title: string; kind: string; slug: string; sections: Record<string, string> }): Problem[] {
  const problems: Problem[] = [];
  if (!input.title.trim()) problems.push({ field: 'title', message: 'Enter a title' });
  else if (input.title.trim().length > TITLE_MAX) problems.push({ field: 'title', message: `The title must be ${TITLE_MAX} characters or fewer` });
  if (!isKind(input.kind)) problems.push({ field: 'kind', message: 'Select the kind of learning product' });
  if (input.slug && !isSlug(input.slug)) problems.push({ field: 'slug', message: 'The web address can have only lower-case letters, numbers and single hyphens, up to 120 characters' });
  for (const [key, value] of Object.entries(input.sections)) {
    if (value.length > SECTION_MAX) problems.push({ field: `section-${key}`, message: `Each section must be ${SECTION_MAX.toLocaleString('en-GB')} characters or fewer` });
  }
  return problems;
}

export function isSlug(value: string): boolean {
  return value.length <= 120 && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(value);
}

/** A web address from a title: lower case, letters and digits, single hyphens. */
export function slugify(title: string): string {
  const s = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100)
    .replace(/-+$/, '');
  return s || 'learning';
}
