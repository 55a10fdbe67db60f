// The guided notification check: given what is known about an incident, which duties fall on this
// local authority, each with a plain-English reason a coordinator can paste into the record.
//
// The rules (Children Act 2004 s16C; Working Together 2018 ch.4 and 2023 ch.5):
// - Notify the Panel when abuse or neglect is known or suspected and a child dies or is seriously
//   harmed in the area, or, normally living in the area, dies or is seriously harmed outside England.
//   The authority where it happened notifies. Partners are told within the same 5 working days.
// - A looked-after child's death goes to the Secretary of State and Ofsted whatever the cause; from
//   15 December 2023 so does a care leaver's death up to and including age 24.
// - Every notified case gets a rapid review; a looked-after child's or care leaver's death alone does not.

import { compareDates, formatDateForDisplay, isDateOnly } from '../calendar/date-only.ts';
import type { DateOnly } from '../calendar/date-only.ts';
import { WORKING_TOGETHER_2023_FROM } from '../clocks/rules.ts';

export type IncidentOutcome = 'died' | 'serious-harm' | 'other';
export type AbuseOrNeglect = 'known' | 'suspected' | 'not-suspected';
export type IncidentLocation = 'in-area' | 'outside-england-normally-resident' | 'elsewhere-in-england';

export type NotificationCheckInput = {
  outcome: IncidentOutcome;
  abuseOrNeglect: AbuseOrNeglect;
  /** Where the incident happened, relative to this local authority. */
  location: IncidentLocation;
  /** Looked after by this local authority. */
  lookedAfter: boolean;
  careLeaver: boolean;
  /** Age in whole years at the incident; leave out when unknown or for an unborn child. */
  ageAtIncident?: number;
  /** When the local authority became aware. */
  aware: DateOnly;
};

export type NotificationDutyKey = 'panel-notification' | 'partners-informed' | 'ofsted-sos-notification' | 'rapid-review';

export type NotificationDuty = { duty: NotificationDutyKey; applies: boolean; why: string };

/** Care leavers' deaths are notifiable up to and including this age. */
export const CARE_LEAVER_MAX_AGE = 24;

/**
 * Which duties fall on this local authority, always in the order panel-notification,
 * partners-informed, ofsted-sos-notification, rapid-review. Throws RangeError on an invalid aware
 * date or age, which the form should have caught.
 */
export function checkNotification(input: NotificationCheckInput): NotificationDuty[] {
  if (!isDateOnly(input.aware)) throw new RangeError(`Aware date is not a valid date: ${String(input.aware)}`);
  const age = input.ageAtIncident;
  if (age !== undefined && (!Number.isInteger(age) || age < 0)) {
    throw new RangeError(`Age at incident must be a whole number of years, 0 or more, got ${String(age)}`);
  }

  const panel = panelNotification(input);
  const partners: NotificationDuty = panel.applies
    ? { duty: 'partners-informed', applies: true, why: 'The local authority must also tell its safeguarding partners (the police and the integrated care board) within the same 5 working days.' }
    : { duty: 'partners-informed', applies: false, why: 'No Panel notification is due from this local authority, so there is no notification to tell the safeguarding partners about.' };
  const sos = ofstedSosNotification(input);
  return [panel, partners, sos, rapidReview(input, panel.applies, sos.applies)];
}

function harmPhrase(outcome: IncidentOutcome): string {
  return outcome === 'died' ? 'died' : 'was seriously harmed';
}

function panelNotification(input: NotificationCheckInput): NotificationDuty {
  const duty = 'panel-notification';
  const { outcome, abuseOrNeglect, location, ageAtIncident } = input;
  if (outcome === 'other') {
    return { duty, applies: false, why: 'The child has not died or been seriously harmed, so this is not a serious child safeguarding case and the Panel need not be notified. Record the decision and the reasons.' };
  }
  if (abuseOrNeglect === 'not-suspected') {
    return { duty, applies: false, why: 'Abuse or neglect is not known or suspected, so this is not a serious child safeguarding case and the Panel need not be notified. Record the decision and the reasons, and revisit it if abuse or neglect comes to be suspected.' };
  }
  if (ageAtIncident !== undefined && ageAtIncident >= 18) {
    return { duty, applies: false, why: `The duty to notify the Panel covers children (under 18), and the young person was ${ageAtIncident}.` };
  }
  const harm = harmPhrase(outcome);
  if (location === 'elsewhere-in-england') {
    return { duty, applies: false, why: `The child ${harm} elsewhere in England, so the local authority where it happened notifies the Panel, not this one. Make sure that authority knows.` };
  }
  const where = location === 'in-area'
    ? `the child ${harm} in the area`
    : `the child, who normally lives in the area, ${harm} outside England`;
  return { duty, applies: true, why: `Abuse or neglect is ${abuseOrNeglect} and ${where}, so the local authority must notify the Panel within 5 working days.` };
}

function ofstedSosNotification(input: NotificationCheckInput): NotificationDuty {
  const duty = 'ofsted-sos-notification';
  const { outcome, lookedAfter, careLeaver, ageAtIncident, aware } = input;
  if (!lookedAfter && !careLeaver) {
    return { duty, applies: false, why: 'The child was neither looked after nor a care leaver, so there is no separate duty to notify the Secretary of State and Ofsted.' };
  }
  if (outcome !== 'died') {
    return { duty, applies: false, why: 'The duty to notify the Secretary of State and Ofsted covers deaths of looked-after children and care leavers; serious harm goes to the Panel only when abuse or neglect is known or suspected.' };
  }
  if (lookedAfter) {
    return { duty, applies: true, why: 'A looked-after child has died, so the local authority must notify the Secretary of State and Ofsted within 5 working days, whether or not abuse or neglect is suspected.' };
  }
  if (compareDates(aware, WORKING_TOGETHER_2023_FROM) < 0) {
    return { duty, applies: false, why: `The duty to notify the Secretary of State and Ofsted of a care leaver's death started on 15 December 2023 (Working Together 2023), and the local authority became aware on ${formatDateForDisplay(aware)}.` };
  }
  if (ageAtIncident !== undefined && ageAtIncident > CARE_LEAVER_MAX_AGE) {
    return { duty, applies: false, why: `The duty covers care leavers up to and including age ${CARE_LEAVER_MAX_AGE}, and the young person was ${ageAtIncident}.` };
  }
  return { duty, applies: true, why: `A care leaver (up to and including age ${CARE_LEAVER_MAX_AGE}) has died, so since 15 December 2023 the local authority must notify the Secretary of State and Ofsted within 5 working days, whether or not abuse or neglect is suspected.` };
}

function rapidReview(input: NotificationCheckInput, notified: boolean, sosOnly: boolean): NotificationDuty {
  const duty = 'rapid-review';
  if (notified) {
    return { duty, applies: true, why: 'Every case notified to the Panel gets a rapid review unless it turns out not to meet the criteria; it is expected within 15 working days of the notification.' };
  }
  if (sosOnly) {
    return { duty, applies: false, why: 'A looked-after child\'s or care leaver\'s death on its own does not need a rapid review; one is needed only when the case is notified to the Panel.' };
  }
  if (input.location === 'elsewhere-in-england' && input.outcome !== 'other' && input.abuseOrNeglect !== 'not-suspected') {
    return { duty, applies: false, why: 'No notification is due from this local authority, so no rapid review starts here. Expect the notifying area to ask agencies here for information.' };
  }
  return { duty, applies: false, why: 'No notification to the Panel is due, so no rapid review is needed.' };
}

// ---------------------------------------------------------------------------------------------
// Deciding on a local child safeguarding practice review (LCSPR)

export type LcsprCriterion = { key: string; letter: 'a' | 'b' | 'c' | 'd'; text: string };

/**
 * The criteria the safeguarding partners must consider (Working Together 2023 ch.5). Meeting one
 * does not oblige a review; the decision and reasons are recorded either way.
 */
export const LCSPR_CRITERIA: readonly LcsprCriterion[] = Object.freeze([
  { key: 'improvements', letter: 'a', text: 'The case highlights or may highlight improvements needed to safeguard and promote the welfare of children, including where those improvements have been previously identified.' },
  { key: 'recurrent-themes', letter: 'b', text: 'The case highlights or may highlight recurrent themes in the safeguarding and promotion of the welfare of children.' },
  { key: 'multi-agency', letter: 'c', text: 'The case highlights or may highlight concerns regarding two or more organisations or agencies working together effectively to safeguard and promote the welfare of children.' },
  { key: 'panel-suggested', letter: 'd', text: 'The Child Safeguarding Practice Review Panel has considered the case and concluded a local review may be more appropriate.' },
].map((c) => Object.freeze(c as LcsprCriterion)));

export const LCSPR_DECISION_NOTE = 'Meeting one or more criteria does not mean a local review must be held. Record the decision and the reasons either way.';

export type LcsprAlternative = { key: string; title: string; text: string };

/** Ways to learn from a case that does not need a full local review. */
export const LCSPR_ALTERNATIVES: readonly LcsprAlternative[] = Object.freeze([
  { key: 'deep-dive', title: 'Local deep-dive review', text: 'A focused look at one or two key practice episodes or lines of enquiry, shorter than a full review.' },
  { key: 'practice-learning-review', title: 'Multi-agency practice learning review', text: 'Practitioners from the agencies involved reflect together on the case to draw out learning.' },
  { key: 'audit', title: 'Audit', text: 'A single-agency or multi-agency audit of the records and practice in question.' },
].map((a) => Object.freeze(a)));
