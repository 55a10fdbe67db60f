import type { Kysely } from 'kysely';
import { compareDates, type DateOnly, formatDateForDisplay as formatDate } from '../../domain/calendar/date-only.ts';
import { checkStep, CLOCK_CHANGES, type May, type WorkflowError } from '../../domain/workflow/incident-workflow.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { type TenantScope, withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import { currentCalendar } from '../rules/service.ts';
import { workflowFacts } from '../workflow-facts/facts.ts';
import { CLOCK_STATE_LABELS, type ClockPause, type ClockView } from './clocks.ts';
import type { FieldProblem } from './facts.ts';
import { insertEvent, insertPause, resumePause, selectIncident, updateIncident } from './queries.ts';
import { storeClocks } from './clock-store.ts';
import { clocksOf, type IncidentDetail, loadIncident } from './records.ts';
import type { Actor } from './timeline.ts';

/** Pausing a clock where its rule allows a delay for good reason, and resuming it. */

export type ClockChangeResult =
  | { ok: true; partnershipId: string; clock: ClockView }
  | { ok: false; reason: 'not-found' }
  | { ok: false; reason: 'workflow'; error: WorkflowError }
  | { ok: false; reason: 'invalid'; problems: FieldProblem[] };

/** The clock of a case the person is looking at, for the pause and resume pages. */
export async function findClock(db: Kysely<DB>, cipher: FieldCipher, scope: TenantScope, id: string, clockKey: string, today: DateOnly): Promise<{ incident: IncidentDetail; clock: ClockView } | undefined> {
  const incident = await loadIncident(db, cipher, scope, id);
  if (!incident) return undefined;
  const clocks = clocksOf(incident, incident.children, incident.pauses, await currentCalendar(db), today);
  const clock = clocks.find((c) => c.key === clockKey);
  return clock ? { incident, clock } : undefined;
}

/** A pause (a delay for good reason, where the clock's rule allows one) or its end, with when the Panel and the Secretary of State were told. */
export type ClockChange =
  | { action: 'pause'; on: DateOnly | null; reason: string; panelToldOn?: DateOnly | null; sosToldOn?: DateOnly | null }
  | { action: 'resume'; on: DateOnly | null; panelToldOn?: DateOnly | null; sosToldOn?: DateOnly | null };

/** Why a clock may not be paused now, in words for the person (and the API's 409). Null when it may. */
export function whyNotPausable(clock: ClockView): string | null {
  if (!clock.mayPause) {
    return `The clock “${clock.title}” cannot be paused: its rule does not allow a pause. `
      + 'The duty to notify the Panel, tell the safeguarding partners and notify the Secretary of State and Ofsted runs whatever happens; '
      + 'record the date it was done, and it will show as late if it was.';
  }
  if (clock.pausable) return null;
  const why = clock.pausedSince ? 'it is already paused' : clock.doneOn ? 'it is done' : `it is ${CLOCK_STATE_LABELS[clock.state].text.toLowerCase()}`;
  return `This clock cannot be paused: ${why}.`;
}

export async function changeClock(
  db: Kysely<DB>,
  cipher: FieldCipher,
  scope: TenantScope,
  actor: Actor,
  id: string,
  clockKey: string,
  change: ClockChange,
  may: (partnershipId: string) => May,
  today: DateOnly,
): Promise<ClockChangeResult> {
  const found = await findClock(db, cipher, scope, id, clockKey, today);
  if (!found) return { ok: false, reason: 'not-found' };
  const { incident, clock } = found;
  const check = checkStep(incident.state, CLOCK_CHANGES.key, may(incident.partnershipId), workflowFacts(incident));
  if (!check.ok) return { ok: false, reason: 'workflow', error: check.error };
  const problems: FieldProblem[] = [];
  const openPause = incident.pauses.find((p) => p.clockKey === clockKey && !p.resumedOn);
  const verb = change.action === 'pause' ? 'paused' : 'resumed';
  if (change.action === 'pause') {
    const why = whyNotPausable(clock);
    if (why) return { ok: false, reason: 'workflow', error: { code: 'out-of-order', message: why } };
  }
  if (change.action === 'resume' && !openPause) {
    return { ok: false, reason: 'workflow', error: { code: 'out-of-order', message: 'This clock cannot be resumed: it is not paused.' } };
  }
  if (!change.on) problems.push({ field: 'date', message: `Enter the date the clock was ${verb}` });
  else if (compareDates(change.on, today) > 0) problems.push({ field: 'date', message: `The date the clock was ${verb} cannot be in the future.` });
  else if (change.action === 'pause' && compareDates(change.on, clock.from) < 0) {
    problems.push({ field: 'date', message: `The date the clock was paused cannot be before the clock started (${formatDate(clock.from)}).` });
  } else if (change.action === 'resume' && openPause && compareDates(change.on, openPause.pausedOn) < 0) {
    problems.push({ field: 'date', message: `The date the clock was resumed cannot be before it was paused (${formatDate(openPause.pausedOn)}).` });
  }
  const pausedOn = change.action === 'pause' ? change.on : openPause?.pausedOn ?? null;
  for (const [field, who] of [['panelToldOn', 'the Panel'], ['sosToldOn', 'the Secretary of State']] as const) {
    const told = change[field];
    if (!told) continue;
    if (compareDates(told, today) > 0) problems.push({ field, message: `The date ${who} was told cannot be in the future.` });
    else if (pausedOn && compareDates(told, pausedOn) < 0) problems.push({ field, message: `The date ${who} was told cannot be before the clock was paused (${formatDate(pausedOn)}).` });
  }
  if (change.action === 'pause') {
    const reason = change.reason.trim();
    if (!reason) problems.push({ field: 'reason', message: 'Enter the reason the clock is paused' });
    else if (reason.length > 2000) problems.push({ field: 'reason', message: 'The reason must be 2,000 characters or fewer' });
  }
  if (problems.length) return { ok: false, reason: 'invalid', problems };

  const changed = await withTenant(db, [incident.partnershipId], async (trx) => {
    const row = await selectIncident(trx, [incident.partnershipId], id, { forUpdate: true });
    // Someone changed the case between reading its clocks and now: check again rather than guess.
    if (!row || row.version !== incident.version) return false;
    if (change.action === 'pause') {
      await insertPause(trx, {
        incident_id: id, partnership_id: incident.partnershipId, clock_key: clockKey, paused_on: change.on as DateOnly, reason: change.reason.trim(),
        panel_told_on: change.panelToldOn ?? null, sos_told_on: change.sosToldOn ?? null, paused_by: actor.userId,
      });
    } else {
      const open = openPause as ClockPause & { id: string };
      await resumePause(trx, incident.partnershipId, open.id, change.on as DateOnly, actor.userId, {
        panel_told_on: change.panelToldOn ?? open.panelToldOn ?? null, sos_told_on: change.sosToldOn ?? open.sosToldOn ?? null,
      });
    }
    await updateIncident(trx, incident.partnershipId, id, incident.version, { updated_by: actor.userId });
    await storeClocks(trx, [incident.partnershipId], [id]);
    await insertEvent(trx, {
      incident_id: id,
      partnership_id: incident.partnershipId,
      kind: change.action === 'pause' ? 'clock-paused' : 'clock-resumed',
      actor_id: actor.userId,
      actor_name: actor.name,
      note: change.action === 'pause' ? change.reason.trim() : null,
      details: JSON.stringify({
        clock: clock.title, clockKey, date: change.on, dateLabel: `the date the clock was ${verb}`,
        ...(change.panelToldOn ? { panelToldOn: change.panelToldOn } : {}), ...(change.sosToldOn ? { sosToldOn: change.sosToldOn } : {}),
      }),
    });
    return true;
  });
  if (!changed) {
    return { ok: false, reason: 'workflow', error: { code: 'out-of-order', message: 'Someone else changed this case at the same moment. Go back to the case and try again.' } };
  }
  return { ok: true, partnershipId: incident.partnershipId, clock };
}
