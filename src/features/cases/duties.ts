import type { DateOnly } from '../../domain/calendar/date-only.ts';
import {
  checkNotification,
  type AbuseOrNeglect,
  type IncidentLocation,
  type IncidentOutcome,
  type NotificationDuty,
  type NotificationDutyKey,
} from '../../domain/notification/criteria.ts';

/**
 * The guided notification check for a whole incident. The rules look at one child at a time
 * (looked after? care leaver? age?), so the check runs for each child and a duty applies to the
 * incident when it applies for any child; the reasons name each child when they differ.
 */

export { AGE_BANDS, AGE_BAND_LABELS, type AgeBand } from '../../domain/reviews/review-types.ts';
import type { AgeBand } from '../../domain/reviews/review-types.ts';

/** The youngest age in a band: enough for the checks (under 18? over 24?). */
const BAND_MIN_AGE: Readonly<Record<AgeBand, number | undefined>> = Object.freeze({
  unborn: undefined,
  'under-1': 0,
  '1-4': 1,
  '5-9': 5,
  '10-15': 10,
  '16-17': 16,
  '18-24': 18,
});

export const DUTY_TITLES: Readonly<Record<NotificationDutyKey, string>> = Object.freeze({
  'panel-notification': 'Notify the Child Safeguarding Practice Review Panel',
  'partners-informed': 'Tell the safeguarding partners',
  'ofsted-sos-notification': 'Notify the Secretary of State and Ofsted',
  'rapid-review': 'Hold a rapid review',
});

export type DutyChild = {
  pseudonym: string;
  lookedAfter: boolean;
  careLeaver: boolean;
  ageAtIncident: number | null;
  ageBand: AgeBand | null;
};

export type DutyFacts = { outcome: IncidentOutcome; abuseOrNeglect: AbuseOrNeglect; location: IncidentLocation; aware: DateOnly };

export type IncidentDuty = {
  duty: NotificationDutyKey;
  title: string;
  applies: boolean;
  /** One reason, or one per child when the children's reasons differ. */
  reasons: { pseudonym: string | null; why: string }[];
};

export function childAge(child: Pick<DutyChild, 'ageAtIncident' | 'ageBand'>): number | undefined {
  if (child.ageAtIncident !== null) return child.ageAtIncident;
  return child.ageBand ? BAND_MIN_AGE[child.ageBand] : undefined;
}

export function incidentDuties(facts: DutyFacts, children: readonly DutyChild[]): IncidentDuty[] {
  const perChild = (children.length ? children : [{ pseudonym: '', lookedAfter: false, careLeaver: false, ageAtIncident: null, ageBand: null }]).map((c) => {
    const age = childAge(c);
    return {
      pseudonym: c.pseudonym,
      duties: checkNotification({ ...facts, lookedAfter: c.lookedAfter, careLeaver: c.careLeaver, ...(age === undefined ? {} : { ageAtIncident: age }) }),
    };
  });
  return perChild[0].duties.map((first, i) => {
    const each = perChild.map((c) => ({ pseudonym: c.pseudonym, duty: c.duties[i] }));
    const applies = each.some((e) => e.duty.applies);
    // One reason when every child's is the same; otherwise each child's, named.
    const distinct = new Set(each.map((e) => e.duty.why));
    const reasons = distinct.size === 1
      ? [{ pseudonym: null, why: each[0].duty.why }]
      : each.map((e) => ({ pseudonym: e.pseudonym, why: e.duty.why }));
    return { duty: first.duty, title: DUTY_TITLES[first.duty], applies, reasons };
  });
}

/** The check as the clocks need it: one duty per key, applying when it applies to any child. */
export function dutiesForClocks(duties: readonly IncidentDuty[]): NotificationDuty[] {
  return duties.map((d) => ({ duty: d.duty, applies: d.applies, why: d.reasons.map((r) => (r.pseudonym ? `${r.pseudonym}: ${r.why}` : r.why)).join(' ') }));
}
