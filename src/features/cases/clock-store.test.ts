import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { addDays, compareDates, todayInLondon, type DateOnly } from '../../domain/calendar/date-only.ts';
import { createCalendar } from '../../domain/calendar/working-days.ts';
import { CLOCK_CONDITIONS, DEFAULT_CLOCK_RULES, type ClockRule } from '../../domain/clocks/rules.ts';
import { INCIDENT_STATES } from '../../domain/workflow/incident-workflow.ts';
import { createFieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { DEMO_PARTNERSHIP, seedDemo } from '../demo/service.ts';
import { addPartnership } from '../partnerships/service.ts';
import { addHoliday, addRuleVersion, importGovUkHolidays, removeHoliday } from '../rules/service.ts';
import { CALENDAR_STAMP } from './clock-store.ts';
import type { ClockView } from './clocks.ts';
import { FINISHED_STATES, selectStaleClockSets } from './queries.ts';
import { clocksOf, loadIncident } from './records.ts';
import {
  changeClock,
  childInputOf,
  clockQueues,
  factsOf,
  findClock,
  listIncidents,
  recordIncident,
  recordWorkflowStep,
  updateChild,
  updateFacts,
  type Actor,
} from './service.ts';

/**
 * The stored clocks against a fresh computation: over the demonstration cases and a few hundred random
 * ones (random dates, states, children, pauses, review plans, rule copies and bank holidays), after each
 * kind of change, every clock the case list, the dashboard, the feed and reminders read from the store
 * must be exactly the clock the case page works out afresh, on several days.
 */

const RANDOM_CASES = 240;

/** A small seeded generator, so a failure can be run again. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(ENGINES)('stored clocks on %s', (engine) => {
  let t: TestDatabase;
  const cipher = createFieldCipher(Buffer.alloc(32, 5));
  const today = todayInLondon(new Date());
  const rnd = random(20261204);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
  const chance = (p: number) => rnd() < p;
  let actor: Actor;
  let demoPartnership: string;
  let randomPartnership: string;
  const randomIds: string[] = [];
  const db = () => t.database.db;
  const scope = () => [demoPartnership, randomPartnership];
  const everyone = () => () => true;

  /** Every case's clocks as the case page works them out, with the bank holidays as the database holds them now. */
  async function freshClocks(on: DateOnly): Promise<Map<string, ClockView[]>> {
    const calendar = createCalendar((await db().selectFrom('bank_holidays').select('date').execute()).map((r) => r.date));
    const ids = await withTenant(db(), scope(), (trx) => trx.selectFrom('incidents').select('id').execute());
    const result = new Map<string, ClockView[]>();
    for (const { id } of ids) {
      const incident = await loadIncident(db(), cipher, scope(), id);
      if (!incident) throw new Error(`case ${id} not found`);
      result.set(id, clocksOf(incident, incident.children, incident.pauses, calendar, on));
    }
    return result;
  }

  async function staleSets(): Promise<string[]> {
    return (await withTenant(db(), scope(), (trx) => selectStaleClockSets(trx, scope(), CALENDAR_STAMP))).stale;
  }

  const DAYS = () => [today, addDays(today, -400), addDays(today, -37), addDays(today, 3), addDays(today, 180)];

  /** The store, as the case list and the dashboard read it, equals a fresh computation on several days. */
  async function expectStoredEqualsFresh(): Promise<void> {
    for (const on of DAYS()) {
      const fresh = await freshClocks(on);
      const listed = await listIncidents(db(), scope(), on);
      expect(listed.length).toBe(fresh.size);
      for (const incident of listed) expect(incident.clocks, `${incident.reference} on ${on}`).toEqual(fresh.get(incident.id));
      await expectQueuesMatch(on, fresh);
    }
  }

  /** The dashboard's queues, picked out by stored due date, are the overdue and due-soon clocks of a fresh computation. */
  async function expectQueuesMatch(on: DateOnly, fresh: Map<string, ClockView[]>): Promise<void> {
    const queues = await clockQueues(db(), scope(), actor.userId, on, 100_000);
    const cases = await withTenant(db(), scope(), (trx) => trx.selectFrom('incidents').select(['id', 'partnership_id', 'reference', 'state', 'created_by']).execute());
    for (const partnershipId of scope()) {
      const open = cases.filter((c) => c.partnership_id === partnershipId && !(FINISHED_STATES as readonly string[]).includes(c.state));
      const deadlines = (state: ClockView['state']) => open
        .flatMap((c) => (fresh.get(c.id) ?? []).filter((k) => k.state === state).map((k) => ({ incidentId: c.id, partnershipId, reference: c.reference, clock: k })))
        .sort((a, b) => compareDates(a.clock.dueOn, b.clock.dueOn) || a.reference.localeCompare(b.reference) || a.clock.key.localeCompare(b.clock.key));
      const q = queues.get(partnershipId);
      expect(q?.overdue ?? [], `overdue on ${on}`).toEqual(deadlines('overdue'));
      expect(q?.dueSoon ?? [], `due soon on ${on}`).toEqual(deadlines('due-soon'));
      expect(q?.mineCount ?? 0).toBe(open.filter((c) => c.created_by === actor.userId).length);
      for (const mine of q?.mine ?? []) expect(mine.clocks).toEqual(fresh.get(mine.id));
    }
  }

  /** Random rule copies: lengths, units, windows and conditions varied, sometimes a second version of a clock. */
  function randomRules(): ClockRule[] {
    const rules: ClockRule[] = DEFAULT_CLOCK_RULES.map((r) => {
      const rule: ClockRule = { ...r, recipients: [...r.recipients] };
      if (chance(0.5)) rule.length = r.unit === 'working-days' ? 1 + Math.floor(rnd() * 25) : 1 + Math.floor(rnd() * 12);
      if (chance(0.15) && r.runsFrom !== 'publication') rule.unit = r.unit === 'working-days' ? 'calendar-months' : 'working-days';
      if (chance(0.15) && r.runsFrom !== 'aware') rule.condition = pick(CLOCK_CONDITIONS);
      return rule;
    });
    if (chance(0.4)) {
      const split = addDays('2021-01-01', Math.floor(rnd() * 1800));
      const first = rules[0];
      rules[0] = { ...first, appliesUntil: addDays(split, -1) };
      rules.splice(1, 0, { ...first, version: first.version + 1, length: 2 + Math.floor(rnd() * 10), appliesFrom: split, appliesUntil: null });
    }
    return rules;
  }

  beforeAll(async () => {
    t = await openTestDatabase(engine);
    await seedDemo(t.database, cipher);
    demoPartnership = (await db().selectFrom('partnerships').select('id').where('slug', '=', DEMO_PARTNERSHIP.slug).executeTakeFirstOrThrow()).id;
    const admin = await db().selectFrom('users').select(['id', 'name']).where('email', '=', 'admin@northmoor.example').executeTakeFirstOrThrow();
    actor = { userId: admin.id, name: admin.name };
    randomPartnership = (await addPartnership(db(), { slug: 'randomford', name: 'Randomford SCP' })).id;
    await db().insertInto('role_assignments').values({ user_id: admin.id, role: 'partnership-admin', partnership_id: randomPartnership }).execute();
    for (let i = 0; i < RANDOM_CASES; i += 1) {
      const aware = addDays(today, -Math.floor(rnd() * 1500));
      const died = chance(0.4);
      const result = await recordIncident(db(), cipher, actor, {
        partnershipId: randomPartnership,
        facts: {
          outcome: died ? 'died' : 'serious-harm', abuseOrNeglect: pick(['known', 'suspected'] as const), location: pick(['in-area', 'in-area', 'outside-england-normally-resident', 'elsewhere-in-england'] as const),
          incidentOn: null, aware, whatIsKnown: `Random case ${i + 1} (fictional).`, agencyIds: [], otherAgencies: '',
        },
        children: Array.from({ length: 1 + Math.floor(rnd() * 2) }, (_, k) => {
          // A care leaver is no longer looked after: one or the other, or neither.
          const status = pick(['looked-after', 'care-leaver', 'neither', 'neither'] as const);
          return {
            pseudonym: `Child R${i + 1}-${k + 1}`, name: '', dateOfBirth: null, nhsNumber: '', address: '', familyNames: '',
            gender: null, ageAtIncident: status === 'care-leaver' ? 18 + Math.floor(rnd() * 7) : Math.floor(rnd() * 17), ageBand: null,
            lookedAfter: status === 'looked-after', careLeaver: status === 'care-leaver',
          };
        }),
      }, today);
      if (!result.ok) throw new Error(`random case ${i + 1}: ${JSON.stringify(result.problems)}`);
      randomIds.push(result.id);
    }
  }, 600_000);
  afterAll(async () => {
    await t.database.close();
    await t.drop();
  });

  it('stores every case’s clocks as it is recorded, equal to a fresh computation', async () => {
    expect(await staleSets()).toEqual([]);
    await expectStoredEqualsFresh();
  }, 300_000);

  it('finds cases changed behind its back (dates, states, rules, children, pauses, review plans) stale, and shows them right', async () => {
    await withTenant(db(), [randomPartnership], async (trx) => {
      for (const id of randomIds) {
        const row = await trx.selectFrom('incidents').select(['aware_on']).where('id', '=', id).executeTakeFirstOrThrow();
        const step = (from: DateOnly | null, max: number): DateOnly | null => (from && chance(0.8) ? addDays(from, Math.floor(rnd() * max)) : null);
        const notified = step(row.aware_on, 12);
        const sent = step(notified, 30);
        const decision = step(sent, 20);
        const published = step(decision, 300);
        await trx.updateTable('incidents').set({
          state: pick(INCIDENT_STATES),
          notified_on: notified,
          partners_informed_on: step(row.aware_on, 9),
          ofsted_sos_notified_on: step(row.aware_on, 9),
          rapid_review_sent_on: sent,
          review_decision: decision ? pick(['local-review', 'local-review', 'alternative-review', 'no-review'] as const) : null,
          decision_on: decision,
          advance_copy_sent_on: step(published ? addDays(published, -12) : null, 10),
          published_on: published,
          below_threshold_review_on: chance(0.05) ? step(row.aware_on, 20) : null,
          clock_rules: JSON.stringify(randomRules()),
        }).where('id', '=', id).execute();
        if (chance(0.2)) {
          const lookedAfter = chance(0.5);
          await trx.updateTable('incident_children').set({ looked_after: lookedAfter, care_leaver: !lookedAfter && chance(0.5) }).where('incident_id', '=', id).execute();
        }
        if (chance(0.25)) {
          const pausedOn = addDays(row.aware_on, Math.floor(rnd() * 200));
          await trx.insertInto('clock_pauses').values({
            incident_id: id, partnership_id: randomPartnership, clock_key: pick(['review-completion', 'rapid-review', 'advance-copy']), paused_on: pausedOn,
            resumed_on: chance(0.5) ? addDays(pausedOn, Math.floor(rnd() * 90)) : null, reason: pick(['Criminal trial', 'Inquest', '  ']).trim() || 'Awaiting the coroner',
          }).execute();
        }
        if (chance(0.3)) {
          await trx.insertInto('reviews').values({
            incident_id: id, partnership_id: randomPartnership, review_type: 'local-cspr',
            planned_publication_on: chance(0.8) ? addDays(today, Math.floor(rnd() * 400) - 200) : null,
            advance_copy_to: JSON.stringify(pick([['panel', 'secretary-of-state'], ['panel', 'secretary-of-state', 'ofsted']])),
          }).execute();
        }
      }
    });
    expect((await staleSets()).length).toBeGreaterThan(RANDOM_CASES / 2);
    await expectStoredEqualsFresh();
    expect(await staleSets()).toEqual([]);
    // A review's plan changed on its own (the advance copy counts back from it).
    await withTenant(db(), [randomPartnership], (trx) => trx.updateTable('reviews').set({ planned_publication_on: addDays(today, 40) }).execute());
    await expectStoredEqualsFresh();
  }, 600_000);

  it('stores the clocks again in the transaction of each change made through the service: facts, a child, a pause, a step', async () => {
    const sample = randomIds.slice(0, 12);
    for (const id of sample) {
      const incident = (await loadIncident(db(), cipher, scope(), id))!;
      const facts = { ...factsOf(incident, ''), aware: addDays(incident.aware, -Math.floor(rnd() * 5)) };
      // Only cases whose dates allow it take the new aware date; either way nothing may go stale.
      await updateFacts(db(), cipher, scope(), actor, id, { version: incident.version, base: null, values: facts }, today);
      const again = (await loadIncident(db(), cipher, scope(), id))!;
      const first = again.children[0];
      await updateChild(db(), cipher, scope(), actor, id, first.id, { version: again.version, base: null, values: { ...childInputOf(first), lookedAfter: !first.lookedAfter && !first.careLeaver } }, today);
    }
    expect(await staleSets()).toEqual([]);

    // Pause and resume wherever a clock may be paused (the demonstration's and the random cases').
    let paused = 0;
    for (const id of await withTenant(db(), scope(), (trx) => trx.selectFrom('incidents').select('id').execute())) {
      const incident = (await loadIncident(db(), cipher, scope(), id.id))!;
      for (const key of ['review-completion', 'rapid-review']) {
        const found = await findClock(db(), cipher, scope(), incident.id, key, today);
        if (!found?.clock.pausable || compareDates(found.clock.from, today) > 0) continue;
        const result = await changeClock(db(), cipher, scope(), actor, incident.id, key, { action: 'pause', on: today, reason: 'Inquest' }, everyone, today);
        expect(result.ok).toBe(true);
        paused += 1;
        if (paused % 2 === 0) {
          expect((await changeClock(db(), cipher, scope(), actor, incident.id, key, { action: 'resume', on: today }, everyone, today)).ok).toBe(true);
        }
      }
    }
    expect(paused).toBeGreaterThan(0);
    expect(await staleSets()).toEqual([]);

    // A workflow step on every recorded demonstration and random case that may take one.
    const recorded = await withTenant(db(), scope(), (trx) => trx.selectFrom('incidents').select(['id', 'aware_on', 'partnership_id']).where('state', '=', 'recorded').execute());
    let stepped = 0;
    for (const c of recorded) {
      const on = compareDates(addDays(c.aware_on, 3), today) > 0 ? today : addDays(c.aware_on, 3);
      const result = await recordWorkflowStep(db(), scope(), actor, c.id, 'notify', { date: on, note: '', reference: '' }, everyone, today);
      if (result.ok) stepped += 1;
    }
    expect(stepped).toBeGreaterThan(0);
    expect(await staleSets()).toEqual([]);
    await expectStoredEqualsFresh();
  }, 600_000);

  it('counts every case again when the bank holidays change, and a new rule version leaves cases as they were', async () => {
    // A one-off holiday in the middle of many clocks, then taken away again; then a year loaded from the GOV.UK file.
    let extra = addDays(today, -20);
    while ([0, 6].includes(new Date(`${extra}T12:00:00Z`).getUTCDay())) extra = addDays(extra, 1);
    expect((await addHoliday(db(), { date: extra, title: 'A one-off bank holiday' }, actor.userId)).outcome).toBe('added');
    expect(await staleSets()).toEqual([]);
    await expectStoredEqualsFresh();

    expect((await removeHoliday(db(), extra, { today, reason: 'Entered by mistake' })).outcome).toBe('removed');
    expect(await staleSets()).toEqual([]);

    const future = addDays(today, 10);
    const weekday = [0, 6].includes(new Date(`${future}T12:00:00Z`).getUTCDay()) ? addDays(future, 2) : future;
    const file = { 'england-and-wales': { division: 'england-and-wales', events: [{ title: 'A day to mark something', date: weekday, notes: '', bunting: true }] } };
    expect((await importGovUkHolidays(db(), file, actor.userId)).outcome).toBe('imported');
    expect(await staleSets()).toEqual([]);

    const rule = DEFAULT_CLOCK_RULES.find((r) => r.key === 'rapid-review')!;
    const added = await addRuleVersion(db(), 'rapid-review', { ...rule, length: 20, appliesFrom: addDays(today, 1), appliesUntil: null }, actor.userId);
    expect(added.outcome).toBe('added');
    expect(await staleSets()).toEqual([]);
    await expectStoredEqualsFresh();
  }, 600_000);

  it('recomputes a set removed or stamped with another calendar before showing it', async () => {
    await withTenant(db(), scope(), async (trx) => {
      await trx.deleteFrom('case_clock_sets').where('incident_id', 'in', randomIds.slice(0, 30)).execute();
      await trx.updateTable('case_clock_sets').set({ calendar_stamp: 'an older calendar' }).where('incident_id', 'in', randomIds.slice(30, 60)).execute();
      // A stored clock tampered with: its set's stamp still says current, so only the triggers and stamps protect views; make it stale.
      await trx.updateTable('case_clock_sets').set({ incident_version: 0 }).where('incident_id', 'in', randomIds.slice(60, 70)).execute();
    });
    expect((await staleSets()).length).toBe(70);
    await expectStoredEqualsFresh();
    expect(await staleSets()).toEqual([]);
    const count = await sql<{ n: number }>`select count(*)::int as n from case_clock_sets`.execute(db());
    expect(count.rows[0].n).toBeGreaterThanOrEqual(RANDOM_CASES);
  }, 600_000);
});
