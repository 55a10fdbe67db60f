import { compareDates, isDateOnly, type DateOnly } from '../calendar/date-only.ts';
import { matchKey } from '../text/match-key.ts';
import { ACTION_STATUS_LABELS, ACTION_STATUSES, RESPONSE_LABELS, RESPONSES, type ActionStatus, type Response } from './actions.ts';

/**
 * A partnership's recommendation and action tracker, as kept in a spreadsheet, checked before
 * anything of it is stored. Partnerships publish "all reviews and their recommendations" and say
 * how they will be acted on (Working Together to Safeguard Children 2023, chapter 5); most keep
 * that in Excel today. One row a recommendation, or one row an action of a recommendation (the
 * recommendation's columns repeated):
 *
 *   review,number,text,agencies[,themes,response,reasons,made_on,action,owner_agency,lead,due_on,status,measure,evidence]
 *
 * - review: the review's public address (its slug), its case reference, or its exact title;
 * - agencies, themes: separated by semicolons; each agency of the review's partnership and each
 *   theme of the vocabulary is matched whatever its case, punctuation or joining words;
 * - response: accepted, accepted in part or not accepted (anything but accepted needs `reasons`);
 * - dates: YYYY-MM-DD, DD/MM/YYYY, or a real date cell of a workbook;
 * - status: the action's status; an action completed (or further on) needs its `evidence`: an
 *   agency's word alone does not complete an action.
 *
 * Pure: the reviews, agencies and themes it may name are given. Every row is checked and every
 * problem reported with its line; the caller stores nothing unless there is no problem at all.
 * Identity, so that importing the same rows again adds nothing twice: a recommendation is its
 * review and number; an action is its recommendation, its text and its owning agency.
 */

export const TRACKER_REQUIRED = ['review', 'number', 'text', 'agencies'] as const;
export const TRACKER_OPTIONAL = ['themes', 'response', 'reasons', 'made_on', 'action', 'owner_agency', 'lead', 'due_on', 'status', 'measure', 'evidence'] as const;
export const TRACKER_COLUMNS = [...TRACKER_REQUIRED, ...TRACKER_OPTIONAL] as const;
export type TrackerColumn = (typeof TRACKER_COLUMNS)[number];

/** A cell as read: text from a CSV file, or text, a number or a date from a workbook. */
export type TrackerCell = string | number | Date | null;
/** One row with the line it is on in the file (1-based; the header is line 1 of a workbook). */
export type TrackerRecord = { line: number; cells: TrackerCell[] };

/** A review a row may name: a case of the partnership, or a published review in the repository. */
export type TrackerReview = {
  incidentId: string | null;
  publicationId: string | null;
  partnershipId: string;
  slug: string | null;
  reference: string | null;
  title: string | null;
  /** The date its recommendations were made, when the row does not say: its publication, or its decision. */
  madeOn: DateOnly;
};

export type TrackerContext = {
  reviews: readonly TrackerReview[];
  agencies: ReadonlyArray<{ id: string; partnershipId: string; name: string }>;
  themes: ReadonlyArray<{ key: string; label: string; retired: boolean }>;
  /** The theme closest to an unknown name, to suggest (optional). */
  suggestTheme?: (name: string) => string | null;
};

export type TrackerAction = {
  agencyId: string;
  leadName: string;
  dueOn: DateOnly;
  intendedChange: string;
  measureOfSuccess: string;
  status: ActionStatus;
  evidence: string;
  line: number;
};

export type TrackerRecommendation = {
  review: TrackerReview;
  number: string;
  text: string;
  madeOn: DateOnly;
  themes: string[];
  agencyIds: string[];
  response: Response | null;
  responseReasons: string;
  actions: TrackerAction[];
  line: number;
};

export type TrackerProblem = { line: number; message: string };
export type TrackerCheck = { ok: true; recommendations: TrackerRecommendation[]; rows: number } | { ok: false; problems: TrackerProblem[] };

/** What an action imported without a measure of success says, so the gap shows and can be filled in. */
export const MEASURE_NOT_GIVEN = 'Not stated in the imported tracker: to be agreed.';
const MAX_TEXT = 10_000;

/** The identity of an action within its recommendation: its owner and its text, whatever the spacing and case. */
export function actionIdentity(agencyId: string, intendedChange: string): string {
  return `${agencyId}\u0000${intendedChange.trim().replace(/\s+/g, ' ').toLowerCase()}`;
}

/** A review's key for the identity of its recommendations. */
export function reviewKey(review: { incidentId: string | null; publicationId: string | null }): string {
  return review.incidentId ? `incident:${review.incidentId}` : `publication:${review.publicationId}`;
}

function ymd(d: Date): DateOnly {
  // A workbook's date cell is read as midnight UTC of that day.
  return `${String(d.getUTCFullYear()).padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** A cell as text: whole numbers without a decimal point ("1", not "1.0"), dates as YYYY-MM-DD. */
export function cellText(cell: TrackerCell | undefined): string {
  if (cell === null || cell === undefined) return '';
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? '' : ymd(cell);
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  return cell.trim();
}

/**
 * A date from a cell: a real date cell, YYYY-MM-DD, or DD/MM/YYYY as UK spreadsheets write it
 * (never MM/DD: "04/05/2026" is 4 May). Null when it is not a real date.
 */
export function cellDate(cell: TrackerCell | undefined): DateOnly | null {
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? null : ymd(cell);
  const text = cellText(cell);
  if (isDateOnly(text)) return text;
  const uk = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text);
  if (!uk) return null;
  const candidate = `${uk[3]}-${uk[2].padStart(2, '0')}-${uk[1].padStart(2, '0')}`;
  return isDateOnly(candidate) ? candidate : null;
}

function byName<T extends string>(keys: readonly T[], labels: Readonly<Record<T, string>>): Map<string, T> {
  const map = new Map<string, T>();
  for (const k of keys) {
    map.set(matchKey(k), k);
    map.set(matchKey(labels[k]), k);
  }
  return map;
}
const RESPONSE_NAMES = byName(RESPONSES, RESPONSE_LABELS);
const STATUS_NAMES = byName(ACTION_STATUSES, ACTION_STATUS_LABELS);

function list(text: string): string[] {
  return text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The header's columns in order; a problem when a required one is missing or one is unknown or named twice. */
export function readHeader(cells: readonly TrackerCell[]): { columns: TrackerColumn[] } | { problem: string } {
  const names = cells.map((c) => cellText(c).toLowerCase().replace(/\s+/g, '_'));
  while (names.length && names[names.length - 1] === '') names.pop();
  const missing = TRACKER_REQUIRED.filter((c) => !names.includes(c));
  const unknown = names.filter((n) => !(TRACKER_COLUMNS as readonly string[]).includes(n));
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (missing.length || unknown.length || twice.length) {
    const parts = [
      missing.length ? `missing ${missing.join(', ')}` : '',
      unknown.length ? `unknown ${unknown.map((u) => `'${u || '(blank)'}'`).join(', ')}` : '',
      twice.length ? `${twice.map((t) => `'${t}'`).join(', ')} named twice` : '',
    ].filter(Boolean);
    return { problem: `The first line must name the columns ${TRACKER_REQUIRED.join(',')} and any of ${TRACKER_OPTIONAL.join(',')} (${parts.join('; ')}).` };
  }
  return { columns: names as TrackerColumn[] };
}

/**
 * Checks every row of a tracker against the reviews, agencies and themes it may name. Returns the
 * recommendations to store (rows of the same review and number merged, their actions gathered), or
 * every problem with its line.
 */
export function checkTracker(header: readonly TrackerCell[], records: readonly TrackerRecord[], context: TrackerContext): TrackerCheck {
  const read = readHeader(header);
  if ('problem' in read) return { ok: false, problems: [{ line: 1, message: read.problem }] };
  const { columns } = read;
  if (records.length === 0) return { ok: false, problems: [{ line: 2, message: 'There are no rows under the header: nothing to import.' }] };

  const bySlug = new Map<string, TrackerReview[]>();
  const byReference = new Map<string, TrackerReview[]>();
  const byTitle = new Map<string, TrackerReview[]>();
  const add = (map: Map<string, TrackerReview[]>, key: string | null, r: TrackerReview) => {
    if (!key) return;
    const k = key.trim().replace(/\s+/g, ' ').toLowerCase();
    map.set(k, [...(map.get(k) ?? []).filter((x) => reviewKey(x) !== reviewKey(r)), r]);
  };
  for (const r of context.reviews) {
    add(bySlug, r.slug, r);
    add(byReference, r.reference, r);
    add(byTitle, r.title, r);
  }
  const themes = new Map<string, { key: string; label: string; retired: boolean }>();
  for (const t of context.themes) {
    themes.set(matchKey(t.key), t);
    themes.set(matchKey(t.label), t);
  }
  const agencies = new Map<string, string>();
  for (const a of context.agencies) agencies.set(`${a.partnershipId} ${matchKey(a.name)}`, a.id);

  const problems: TrackerProblem[] = [];
  const recommendations = new Map<string, TrackerRecommendation>();
  for (const record of records) {
    const cell = (c: TrackerColumn) => {
      const i = columns.indexOf(c);
      return i < 0 ? null : (record.cells[i] ?? null);
    };
    const get = (c: TrackerColumn) => cellText(cell(c));
    const messages: string[] = [];
    const extra = record.cells.slice(columns.length).filter((c) => cellText(c) !== '');
    if (extra.length) messages.push(`the row has more cells than the header has columns (${columns.length})`);

    // The review, by its address, its reference or its exact title (in that order).
    const named = get('review').replace(/\s+/g, ' ').toLowerCase();
    let review: TrackerReview | null = null;
    if (!named) messages.push('the review is missing');
    else {
      const found = bySlug.get(named) ?? byReference.get(named) ?? byTitle.get(named) ?? [];
      if (found.length === 1) review = found[0];
      else if (found.length > 1) messages.push(`'${get('review')}' names ${found.length} reviews: name it by its public address or its reference`);
      else messages.push(`there is no review '${get('review')}' (name it by its public address, its reference or its exact title)`);
    }
    const number = get('number');
    if (!number) messages.push('the recommendation number is missing');
    else if (number.length > 20) messages.push('the recommendation number must be 20 characters or fewer');
    const text = get('text');
    if (!text) messages.push('the text of the recommendation is missing');
    else if (text.length > MAX_TEXT) messages.push('the text of the recommendation must be 10,000 characters or fewer');

    const agencyOf = (name: string): string | null => (review ? (agencies.get(`${review.partnershipId} ${matchKey(name)}`) ?? null) : null);
    const agencyIds: string[] = [];
    const agencyNames = list(get('agencies'));
    if (agencyNames.length === 0) messages.push('the agencies the recommendation is for are missing');
    for (const name of agencyNames) {
      const id = agencyOf(name);
      if (id) {
        if (!agencyIds.includes(id)) agencyIds.push(id);
      } else if (review) messages.push(`there is no agency '${name}' in the review's partnership`);
    }
    const themeKeys: string[] = [];
    for (const name of list(get('themes'))) {
      const theme = themes.get(matchKey(name));
      if (theme?.retired) messages.push(`the theme '${theme.label}' is retired`);
      else if (theme) {
        if (!themeKeys.includes(theme.key)) themeKeys.push(theme.key);
      } else {
        const hint = context.suggestTheme?.(name);
        messages.push(`there is no theme '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
      }
    }
    let response: Response | null = null;
    const responseName = get('response');
    const reasons = get('reasons');
    if (responseName) {
      response = RESPONSE_NAMES.get(matchKey(responseName)) ?? null;
      if (!response) messages.push(`the response '${responseName}' must be one of accepted, accepted in part, not accepted`);
      else if (response !== 'accepted' && !reasons) messages.push(`a response of '${RESPONSE_LABELS[response].toLowerCase()}' needs its reasons (column reasons)`);
    }
    if (reasons.length > MAX_TEXT) messages.push('the reasons must be 10,000 characters or fewer');
    let madeOn: DateOnly | null = review?.madeOn ?? null;
    if (get('made_on')) {
      madeOn = cellDate(cell('made_on'));
      if (!madeOn) messages.push(`the date of the recommendation '${get('made_on')}' must be a real date written YYYY-MM-DD or DD/MM/YYYY`);
    }

    // The action on this row, if any.
    let action: TrackerAction | null = null;
    const actionText = get('action');
    const actionColumns = (['owner_agency', 'lead', 'due_on', 'status', 'measure', 'evidence'] as const).filter((c) => get(c));
    if (!actionText && actionColumns.length) messages.push(`the action is missing, but its ${actionColumns.map((c) => c.replace('_', ' ')).join(', ')} ${actionColumns.length === 1 ? 'is' : 'are'} given`);
    if (actionText) {
      const am: string[] = [];
      if (actionText.length > MAX_TEXT) am.push('the action must be 10,000 characters or fewer');
      const owner = get('owner_agency');
      const agencyId = owner ? agencyOf(owner) : null;
      if (!owner) am.push('the agency that owns the action (owner_agency) is missing');
      else if (!agencyId && review) am.push(`there is no agency '${owner}' in the review's partnership`);
      const lead = get('lead');
      if (!lead) am.push('the action’s named lead is missing');
      else if (lead.length > 200) am.push('the lead’s name must be 200 characters or fewer');
      const dueOn = cellDate(cell('due_on'));
      if (!get('due_on')) am.push('the date the action is due (due_on) is missing');
      else if (!dueOn) am.push(`the due date '${get('due_on')}' must be a real date written YYYY-MM-DD or DD/MM/YYYY`);
      else if (madeOn && compareDates(dueOn, madeOn) < 0) am.push(`the due date ${dueOn} is before the date of the recommendation (${madeOn})`);
      const statusName = get('status');
      const status = statusName ? (STATUS_NAMES.get(matchKey(statusName)) ?? null) : 'not-started';
      if (!status) am.push(`the status '${statusName}' must be one of ${ACTION_STATUSES.map((s) => ACTION_STATUS_LABELS[s].toLowerCase()).join(', ')}`);
      const evidence = get('evidence');
      if (status && status !== 'not-started' && status !== 'in-progress' && !evidence) am.push(`an action ${ACTION_STATUS_LABELS[status].toLowerCase()} needs its evidence (column evidence)`);
      if (evidence.length > MAX_TEXT) am.push('the evidence must be 10,000 characters or fewer');
      const measure = get('measure');
      if (measure.length > MAX_TEXT) am.push('how success will be measured must be 10,000 characters or fewer');
      messages.push(...am);
      if (am.length === 0 && agencyId && dueOn && status) {
        action = { agencyId, leadName: lead, dueOn, intendedChange: actionText, measureOfSuccess: measure || MEASURE_NOT_GIVEN, status, evidence, line: record.line };
      }
    }

    if (messages.length || !review || !madeOn) {
      problems.push({ line: record.line, message: messages.join('; ') || 'the row cannot be read' });
      continue;
    }
    // Rows of one recommendation (one per action) must agree on what the recommendation is.
    const key = `${reviewKey(review)} ${number.toLowerCase()}`;
    const seen = recommendations.get(key);
    if (seen) {
      const differs = seen.text !== text ? 'text' : seen.madeOn !== madeOn ? 'date' : seen.response !== response ? 'response' : null;
      if (differs) {
        problems.push({ line: record.line, message: `recommendation ${number} of this review is given a different ${differs} on line ${seen.line}` });
        continue;
      }
      for (const id of agencyIds) if (!seen.agencyIds.includes(id)) seen.agencyIds.push(id);
      for (const t of themeKeys) if (!seen.themes.includes(t)) seen.themes.push(t);
      if (action) {
        const id = actionIdentity(action.agencyId, action.intendedChange);
        if (!seen.actions.some((a) => actionIdentity(a.agencyId, a.intendedChange) === id)) seen.actions.push(action);
      }
    } else {
      recommendations.set(key, { review, number, text, madeOn, themes: themeKeys, agencyIds, response, responseReasons: response && response !== 'accepted' ? reasons : '', actions: action ? [action] : [], line: record.line });
    }
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, recommendations: [...recommendations.values()], rows: records.length };
}
