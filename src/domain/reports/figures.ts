// The figures a partnership reports on: counted from the cases' clocks (computed by the case page's
// own rules), their dates, publications and actions. Pure: the caller passes every fact and today.

import { compareDates, daysBetween, type DateOnly } from '../calendar/date-only.ts';
import type { ClockState } from '../clocks/clock-status.ts';
import { ACTION_STATUSES, isOverdue, type ActionStatus } from '../learning/actions.ts';
import { bucketKey, bucketsOf, inPeriod, type Bucket, type Grouping, type Period } from './period.ts';

/** A clock's state as the case page shows it (the clock rules' states plus the case page's own). */
export type ClockFactState = ClockState | 'not-required' | 'stopped' | 'running';

/** One clock of a case, as the case page computed it: the original due date, when it was done, its delays. */
export type ClockFact = {
  key: string;
  state: ClockFactState;
  dueOn: DateOnly;
  doneOn: DateOnly | null;
  /** Delays for good reason (pauses): shown as reasons, never moving the due date. */
  delays: readonly { reason: string }[];
};

export type DecisionOutcome = 'local-review' | 'alternative-review' | 'no-review' | 'national-review';
export const DECISION_OUTCOMES: readonly DecisionOutcome[] = ['local-review', 'alternative-review', 'no-review', 'national-review'];
export const DECISION_LABELS: Readonly<Record<DecisionOutcome, string>> = Object.freeze({
  'local-review': 'Local review',
  'alternative-review': 'Alternative review',
  'no-review': 'No further review',
  'national-review': 'National review',
});

export type CaseFact = {
  id: string;
  partnershipId: string;
  reference: string;
  /** The partners' recorded decision on a review; null while none (or when the Panel leads a national review). */
  reviewDecision: 'local-review' | 'alternative-review' | 'no-review' | null;
  /** The date of the decision (for a practice learning review below the threshold, the date it was chosen). */
  decisionOn: DateOnly | null;
  clocks: readonly ClockFact[];
};

export type PublicationFact = { partnershipId: string; publishedOn: DateOnly; withdrawnOn: DateOnly | null; themes: readonly string[] };
export type RecommendationFact = { partnershipId: string; madeOn: DateOnly; themes: readonly string[] };
export type ActionFact = {
  partnershipId: string;
  agencyId: string;
  agencyName: string;
  status: ActionStatus;
  dueOn: DateOnly;
  /** The date of the recommendation the action carries out: it places the action in a period. */
  madeOn: DateOnly;
  /** Evidence of what changed in practice has been recorded. */
  impactEvidence: boolean;
};

// ---- Timeliness -----------------------------------------------------------------------------

/**
 * How a clock counts in timeliness, against its ORIGINAL due date (Working Together 2023 ch.5: a
 * delay for good reason is recorded with its reasons, and a late review is still late):
 * - on-time / late: done, on or before / after the due date (as the case page says);
 * - overdue: not done and past the due date (late already, whatever is still to come);
 * - pending: not done and not yet due (also while paused before the due date);
 * - null: the duty never applied or the case was closed before it ran out.
 */
export type Timeliness = 'on-time' | 'late' | 'overdue' | 'pending';

export function timelinessOf(clock: Pick<ClockFact, 'state'>): Timeliness | null {
  switch (clock.state) {
    case 'done-on-time': return 'on-time';
    case 'done-late': return 'late';
    case 'overdue': return 'overdue';
    case 'due': case 'due-soon': case 'paused': case 'running': return 'pending';
    default: return null;
  }
}

/** The date that places a clock in a period: when it was done, or when it falls (fell) due. */
export function timelinessDate(clock: Pick<ClockFact, 'dueOn' | 'doneOn'>): DateOnly {
  return clock.doneOn ?? clock.dueOn;
}

export type TimelinessCounts = { total: number; onTime: number; late: number; overdue: number; pending: number; percentOnTime: number | null };

export function emptyTimeliness(): TimelinessCounts {
  return { total: 0, onTime: 0, late: 0, overdue: 0, pending: 0, percentOnTime: null };
}

function add(counts: TimelinessCounts, t: Timeliness): void {
  counts.total += 1;
  if (t === 'on-time') counts.onTime += 1;
  else if (t === 'late') counts.late += 1;
  else if (t === 'overdue') counts.overdue += 1;
  else counts.pending += 1;
}

/** The share on time of those whose timeliness is settled (done, or already overdue): null when none is. */
export function percentOnTime(counts: Pick<TimelinessCounts, 'onTime' | 'late' | 'overdue'>): number | null {
  const settled = counts.onTime + counts.late + counts.overdue;
  return settled === 0 ? null : Math.round((counts.onTime / settled) * 1000) / 10;
}

export type ByBucket<T> = { buckets: { bucket: Bucket; value: T }[]; total: T };

function timelinessByBucket(clocks: readonly ClockFact[], period: Period, buckets: readonly Bucket[], grouping: Grouping): ByBucket<TimelinessCounts> {
  const by = new Map(buckets.map((b) => [b.key, emptyTimeliness()]));
  const total = emptyTimeliness();
  for (const clock of clocks) {
    const t = timelinessOf(clock);
    const on = timelinessDate(clock);
    if (t === null || !inPeriod(on, period)) continue;
    add(by.get(bucketKey(on, grouping)) as TimelinessCounts, t);
    add(total, t);
  }
  for (const c of [...by.values(), total]) c.percentOnTime = percentOnTime(c);
  return { buckets: buckets.map((bucket) => ({ bucket, value: by.get(bucket.key) as TimelinessCounts })), total };
}

function countByBucket(dates: readonly DateOnly[], period: Period, buckets: readonly Bucket[], grouping: Grouping): ByBucket<number> {
  const by = new Map(buckets.map((b) => [b.key, 0]));
  let total = 0;
  for (const d of dates) {
    if (!inPeriod(d, period)) continue;
    const k = bucketKey(d, grouping);
    by.set(k, (by.get(k) ?? 0) + 1);
    total += 1;
  }
  return { buckets: buckets.map((bucket) => ({ bucket, value: by.get(bucket.key) ?? 0 })), total };
}

// ---- Decisions ------------------------------------------------------------------------------

/**
 * What the partners decided: the recorded decision, or a national review when a decision was made
 * without a local one (the Panel leads it). None before a decision is recorded.
 */
export function decisionOutcome(c: Pick<CaseFact, 'reviewDecision' | 'decisionOn'>): DecisionOutcome | null {
  if (!c.decisionOn) return null;
  return c.reviewDecision ?? 'national-review';
}

export type DecisionCounts = Record<DecisionOutcome, number> & { total: number };

function emptyDecisions(): DecisionCounts {
  return { 'local-review': 0, 'alternative-review': 0, 'no-review': 0, 'national-review': 0, total: 0 };
}

// ---- Late reviews ---------------------------------------------------------------------------

export type LateItem = {
  partnershipId: string;
  reference: string;
  dueOn: DateOnly;
  doneOn: DateOnly | null;
  /** Calendar days after the original due date it was done (or up to today, while still not done). */
  daysLate: number;
  /** The delays recorded for good reason; empty when none was recorded. */
  reasons: string[];
};

// ---- Actions --------------------------------------------------------------------------------

export type ActionCounts = Record<ActionStatus, number> & { total: number; overdue: number; impactEvidence: number };

function emptyActions(): ActionCounts {
  return { ...(Object.fromEntries(ACTION_STATUSES.map((s) => [s, 0])) as Record<ActionStatus, number>), total: 0, overdue: 0, impactEvidence: 0 };
}

export type AgencyActions = { agencyId: string; agencyName: string; counts: ActionCounts };

// ---- The figures ----------------------------------------------------------------------------

/** The clocks the figures count, by the key of their rule (src/domain/clocks/rules.ts). */
export const NOTIFICATION_CLOCK = 'panel-notification';
export const RAPID_REVIEW_CLOCK = 'rapid-review';
export const REVIEW_CLOCK = 'review-completion';

export type ThemeFigures = { key: string; byBucket: ByBucket<number> };

export type Figures = {
  period: Period;
  grouping: Grouping;
  today: DateOnly;
  buckets: Bucket[];
  /** No case, publication or action at all in scope (whatever the period): an honest empty report. */
  nothingRecorded: boolean;
  notifications: ByBucket<TimelinessCounts>;
  rapidReviews: ByBucket<TimelinessCounts>;
  decisions: ByBucket<DecisionCounts>;
  reviewsStarted: ByBucket<number>;
  reviewCompletion: ByBucket<TimelinessCounts>;
  lateReviews: LateItem[];
  publications: ByBucket<number>;
  withdrawals: ByBucket<number>;
  actions: { byAgency: AgencyActions[]; total: ActionCounts };
  themes: ThemeFigures[];
};

export type FigureFacts = {
  cases: readonly CaseFact[];
  publications: readonly PublicationFact[];
  recommendations: readonly RecommendationFact[];
  actions: readonly ActionFact[];
};

function clocksOf(cases: readonly CaseFact[], key: string): ClockFact[] {
  return cases.flatMap((c) => c.clocks.filter((k) => k.key === key));
}

/**
 * Every figure for a period. Counting rules:
 * - notifications, rapid reviews and reviews completed count in the quarter they were done (or,
 *   while not done, fell due), judged against the original due date (see `timelinessOf`);
 * - decisions and local reviews started count on the date of the decision (the decision to hold a
 *   local review starts its 6 months: Working Together 2023 ch.5);
 * - publications on the date published, withdrawals on the date the report was taken down;
 * - actions are those of recommendations made in the period, with their status today; overdue when
 *   open and past their due date;
 * - themes: each published review and each recommendation carrying the theme, in the quarter it
 *   was published or made.
 */
export function computeFigures(facts: FigureFacts, period: Period, grouping: Grouping, today: DateOnly): Figures {
  const buckets = bucketsOf(period, grouping);
  const decided = facts.cases.filter((c) => decisionOutcome(c) !== null);

  const decisionsBy = new Map(buckets.map((b) => [b.key, emptyDecisions()]));
  const decisionsTotal = emptyDecisions();
  for (const c of decided) {
    if (!inPeriod(c.decisionOn, period)) continue;
    const outcome = decisionOutcome(c) as DecisionOutcome;
    for (const counts of [decisionsBy.get(bucketKey(c.decisionOn, grouping)) as DecisionCounts, decisionsTotal]) {
      counts[outcome] += 1;
      counts.total += 1;
    }
  }

  const lateReviews: LateItem[] = [];
  for (const c of facts.cases) {
    for (const clock of c.clocks) {
      if (clock.key !== REVIEW_CLOCK) continue;
      const t = timelinessOf(clock);
      if ((t !== 'late' && t !== 'overdue') || !inPeriod(timelinessDate(clock), period)) continue;
      lateReviews.push({
        partnershipId: c.partnershipId,
        reference: c.reference,
        dueOn: clock.dueOn,
        doneOn: clock.doneOn,
        daysLate: daysBetween(clock.dueOn, clock.doneOn ?? today),
        reasons: clock.delays.map((d) => d.reason.trim()).filter((r) => r !== ''),
      });
    }
  }
  lateReviews.sort((a, b) => compareDates(a.dueOn, b.dueOn) || a.reference.localeCompare(b.reference));

  const agencies = new Map<string, AgencyActions>();
  const actionsTotal = emptyActions();
  for (const a of facts.actions) {
    if (!inPeriod(a.madeOn, period)) continue;
    let agency = agencies.get(a.agencyId);
    if (!agency) agencies.set(a.agencyId, (agency = { agencyId: a.agencyId, agencyName: a.agencyName, counts: emptyActions() }));
    for (const counts of [agency.counts, actionsTotal]) {
      counts[a.status] += 1;
      counts.total += 1;
      if (isOverdue(a.status, a.dueOn, today)) counts.overdue += 1;
      if (a.impactEvidence) counts.impactEvidence += 1;
    }
  }

  const themeDates = new Map<string, DateOnly[]>();
  const tag = (themes: readonly string[], on: DateOnly) => {
    for (const t of new Set(themes)) {
      const list = themeDates.get(t) ?? [];
      list.push(on);
      themeDates.set(t, list);
    }
  };
  for (const p of facts.publications) tag(p.themes, p.publishedOn);
  for (const r of facts.recommendations) tag(r.themes, r.madeOn);
  const themes = [...themeDates.entries()]
    .map(([key, dates]) => ({ key, byBucket: countByBucket(dates, period, buckets, grouping) }))
    .filter((t) => t.byBucket.total > 0)
    .sort((a, b) => b.byBucket.total - a.byBucket.total || a.key.localeCompare(b.key));

  return {
    period,
    grouping,
    today,
    buckets,
    nothingRecorded: facts.cases.length === 0 && facts.publications.length === 0 && facts.actions.length === 0,
    notifications: timelinessByBucket(clocksOf(facts.cases, NOTIFICATION_CLOCK), period, buckets, grouping),
    rapidReviews: timelinessByBucket(clocksOf(facts.cases, RAPID_REVIEW_CLOCK), period, buckets, grouping),
    decisions: { buckets: buckets.map((bucket) => ({ bucket, value: decisionsBy.get(bucket.key) as DecisionCounts })), total: decisionsTotal },
    reviewsStarted: countByBucket(decided.filter((c) => decisionOutcome(c) === 'local-review').map((c) => c.decisionOn as DateOnly), period, buckets, grouping),
    reviewCompletion: timelinessByBucket(clocksOf(facts.cases, REVIEW_CLOCK), period, buckets, grouping),
    lateReviews,
    publications: countByBucket(facts.publications.map((p) => p.publishedOn), period, buckets, grouping),
    withdrawals: countByBucket(facts.publications.flatMap((p) => (p.withdrawnOn ? [p.withdrawnOn] : [])), period, buckets, grouping),
    actions: { byAgency: [...agencies.values()].sort((a, b) => a.agencyName.localeCompare(b.agencyName)), total: actionsTotal },
    themes,
  };
}
