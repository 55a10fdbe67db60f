import type { Kysely } from 'kysely';
import { formatDateForDisplay as formatDate } from '../../domain/calendar/date-only.ts';
import { REVIEW_EVENT_LABELS } from '../../domain/reviews/review-log.ts';
import { type IncidentState, isIncidentState, STEPS, TRANSITIONS } from '../../domain/workflow/incident-workflow.ts';
import { RAPID_REVIEW_EVENT_LABELS } from '../../domain/workflow/rapid-review-events.ts';
import type { DB } from '../../platform/db/types.ts';
import { formatDateTime } from '../audit/format.ts';
import type { selectEvents } from './queries.ts';
import { insertEvent } from './queries.ts';

/**
 * The case timeline: every transition and recorded step of a case, in order, with who recorded it
 * and when; and the person recording (`Actor`).
 */

export type Actor = { userId: string; name: string };

/** Adds an event to the case timeline, in the caller's transaction. */
export function addCaseEvent(
  trx: Kysely<DB>,
  incident: { id: string; partnershipId: string },
  actor: Actor,
  kind: string,
  details: Record<string, unknown>,
  extra: { from?: IncidentState; to?: IncidentState; note?: string | null } = {},
): Promise<void> {
  return insertEvent(trx, {
    incident_id: incident.id,
    partnership_id: incident.partnershipId,
    kind,
    actor_id: actor.userId,
    actor_name: actor.name,
    from_state: extra.from ?? null,
    to_state: extra.to ?? null,
    note: extra.note ?? null,
    details: JSON.stringify(details),
  });
}

export type CaseEvent = {
  seq: number;
  at: Date;
  /** '27 March 2026 at 2:05:07pm' (UK time) */
  when: string;
  /** The date recorded with the step, as a sentence: 'The date the Panel was notified: 5 March 2025'. */
  dateLine: string | null;
  kind: string;
  label: string;
  actorName: string | null;
  fromState: IncidentState | null;
  toState: IncidentState | null;
  note: string | null;
  details: Record<string, unknown>;
};

const EVENT_LABELS: Record<string, string> = {
  recorded: 'Incident recorded',
  'facts-edited': 'Facts changed',
  'child-edited': 'Child’s details changed',
  'clock-paused': 'Clock paused',
  'clock-resumed': 'Clock resumed',
  ...Object.fromEntries([...TRANSITIONS, ...STEPS].map((d) => [d.key, d.done])),
};

export function eventOf(e: Awaited<ReturnType<typeof selectEvents>>[number]): CaseEvent {
  const details = (e.details && typeof e.details === 'object' ? e.details : {}) as Record<string, unknown>;
  const date = typeof details.date === 'string' ? details.date : null;
  const label = typeof details.dateLabel === 'string' ? details.dateLabel : 'the date';
  return {
    seq: e.seq,
    at: new Date(e.at),
    when: formatDateTime(new Date(e.at)),
    dateLine: date ? `${label.charAt(0).toUpperCase()}${label.slice(1)}: ${formatDate(date)}` : null,
    kind: e.kind,
    label: EVENT_LABELS[e.kind] ?? RAPID_REVIEW_EVENT_LABELS[e.kind] ?? REVIEW_EVENT_LABELS[e.kind] ?? e.kind,
    actorName: e.actor_name,
    fromState: e.from_state && isIncidentState(e.from_state) ? e.from_state : null,
    toState: e.to_state && isIncidentState(e.to_state) ? e.to_state : null,
    note: e.note,
    details,
  };
}
