import { type Kysely, sql } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { type FieldCipher, openField, sealField } from '../../platform/crypto/field-encryption.ts';
import { type TenantScope, withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import { listAgencies, listPartnerships } from '../partnerships/service.ts';
import { currentRules } from '../rules/service.ts';
import {
  CHILD_FIELDS,
  type ChildChange,
  type ChildField,
  type ChildInput,
  childInputOf,
  childProblems,
  describeChildField,
  describeFact,
  FACT_FIELDS,
  type FactChange,
  type FactField,
  factProblems,
  type Facts,
  factsOf,
  type FieldProblem,
  IDENTIFYING_CHILD_FIELDS,
  sameChildField,
  sameFact,
  SENSITIVE_FACTS,
} from './facts.ts';
import { CHILD_LABELS, FACT_LABELS } from './labels.ts';
import {
  insertChildren,
  insertEvent,
  insertIncident,
  nextReferenceNumber,
  selectChildren,
  selectIncident,
  selectReferral,
  updateIncident,
  updateReferral,
} from './queries.ts';
import { storeClocks } from './clock-store.ts';
import { CaseError, child, isUuid, noPartnerships, perpetratorRelationshipOf, record } from './records.ts';
import { formatReference, referencePrefix } from './references.ts';
import type { Actor } from './timeline.ts';

/**
 * Recording an incident and correcting it: its facts and each child's details, with optimistic
 * locking. Identifying details are encrypted here.
 */

export type RecordResult = { ok: true; id: string; reference: string } | { ok: false; problems: FieldProblem[] };

/**
 * Records a new incident (state 'recorded') with its children, judged under the clock rules in
 * force now (a copy is kept with the case). Optionally links the referral it came from.
 */
export async function recordIncident(
  db: Kysely<DB>,
  cipher: FieldCipher,
  actor: Actor,
  input: { partnershipId: string; facts: Facts; children: ChildInput[]; referralId?: string | null },
  today: DateOnly,
): Promise<RecordResult> {
  const { partnershipId, facts, children } = input;
  if (children.length === 0) return { ok: false, problems: [{ field: 'children', message: 'Add at least one child' }] };
  const agencies = (await listAgencies(db, partnershipId)).map((a) => a.id);
  const problems = [...factProblems(facts, today, {}, agencies), ...childProblems(children, facts, today)];
  if (problems.length) return { ok: false, problems };
  const [partnership] = await listPartnerships(db, [partnershipId]);
  if (!partnership) throw new CaseError('The partnership does not exist.');
  const rules = await currentRules(db);
  const year = Number(today.slice(0, 4));
  const prefix = referencePrefix(partnership.slug);

  return withTenant(db, [partnershipId], async (trx) => {
    // Two people recording at once would pick the same number: they take turns.
    await sql`select pg_advisory_xact_lock(hashtext(${`cspr-hub:incident-reference:${partnershipId}:${year}`}))`.execute(trx);
    if (input.referralId) {
      const referral = await selectReferral(trx, [partnershipId], input.referralId, { forUpdate: true });
      if (!referral || referral.outcome !== 'notify' || referral.incident_id) {
        return { ok: false, problems: [{ field: 'referral', message: 'The referral this came from has already been dealt with, or is not one to notify' }] } as RecordResult;
      }
    }
    const number = await nextReferenceNumber(trx, partnershipId, year);
    const reference = formatReference(prefix, year, number);
    const { id } = await insertIncident(trx, {
      partnership_id: partnershipId,
      reference,
      reference_year: year,
      reference_number: number,
      state: 'recorded',
      outcome: facts.outcome,
      abuse_or_neglect: facts.abuseOrNeglect,
      location: facts.location,
      looked_after: children.some((c) => c.lookedAfter),
      care_leaver: children.some((c) => c.careLeaver),
      incident_on: facts.incidentOn,
      aware_on: facts.aware,
      what_is_known_enc: sealField(cipher, facts.whatIsKnown),
      perpetrator_relationship_enc: sealField(cipher, facts.perpetratorRelationship),
      police_investigation: facts.policeInvestigation ?? null,
      media_interest: facts.mediaInterest ?? null,
      agency_ids: JSON.stringify(facts.agencyIds),
      other_agencies: facts.otherAgencies.trim(),
      clock_rules: JSON.stringify(rules),
      created_by: actor.userId,
      updated_by: actor.userId,
    });
    await insertChildren(
      trx,
      children.map((c, i) => ({
        incident_id: id,
        partnership_id: partnershipId,
        position: i + 1,
        pseudonym: c.pseudonym.trim(),
        name_enc: sealField(cipher, c.name),
        date_of_birth_enc: sealField(cipher, c.dateOfBirth),
        nhs_number_enc: sealField(cipher, c.nhsNumber.replace(/\s+/g, '')),
        address_enc: sealField(cipher, c.address),
        family_names_enc: sealField(cipher, c.familyNames),
        gender: c.gender,
        age_at_incident: c.ageAtIncident,
        age_band: c.ageBand,
        looked_after: c.lookedAfter,
        care_leaver: c.careLeaver,
        ethnicity_enc: sealField(cipher, c.ethnicity),
        disability_enc: sealField(cipher, c.disability),
        child_in_need: c.childInNeed ?? false,
        child_protection_plan: c.childProtectionPlan ?? false,
      })),
    );
    await insertEvent(trx, {
      incident_id: id,
      partnership_id: partnershipId,
      kind: 'recorded',
      actor_id: actor.userId,
      actor_name: actor.name,
      to_state: 'recorded',
      details: JSON.stringify({ children: children.length, ...(input.referralId ? { fromReferral: true } : {}) }),
    });
    if (input.referralId) await updateReferral(trx, partnershipId, input.referralId, { incident_id: id });
    await storeClocks(trx, [partnershipId], [id]);
    return { ok: true, id, reference } as RecordResult;
  });
}

export type UpdateResult =
  | { status: 'saved'; version: number; changed: FactField[]; before: Partial<Facts>; after: Partial<Facts> }
  | { status: 'conflict'; version: number; current: Facts; changes: FactChange[] }
  | { status: 'invalid'; problems: FieldProblem[] }
  | { status: 'not-found' };

/**
 * Saves edited facts if the incident is still at the version the form was opened at. When someone
 * saved in between, the edit is saved only if none of the facts on the form changed since
 * (`base`, the values the form was opened with); otherwise nothing is saved and the conflict lists
 * each fact the other person changed, theirs beside yours, with the version to send next.
 */
export async function updateFacts(
  db: Kysely<DB>,
  cipher: FieldCipher,
  scope: TenantScope,
  actor: Actor,
  id: string,
  input: { version: number; base: Facts | null; values: Facts },
  today: DateOnly,
): Promise<UpdateResult> {
  if (noPartnerships(scope) || !isUuid(id)) return { status: 'not-found' };
  return withTenant(db, scope, async (trx) => {
    const row = await selectIncident(trx, scope, id, { forUpdate: true });
    if (!row) return { status: 'not-found' } as const;
    const incident = record(row);
    const current = factsOf({ ...incident, perpetratorRelationship: perpetratorRelationshipOf(openField(cipher, row.perpetrator_relationship_enc)) }, openField(cipher, row.what_is_known_enc));
    const agencyList = await listAgencies(trx, incident.partnershipId);
    const agencies = agencyList.map((a) => ({ id: a.id, name: a.name }));

    if (input.version !== incident.version) {
      const theirs = FACT_FIELDS.filter((f) => !input.base || !sameFact(f, input.base, current));
      if (theirs.length) {
        return {
          status: 'conflict',
          version: incident.version,
          current,
          changes: theirs.map((f) => ({ field: f, label: FACT_LABELS[f], theirs: describeFact(f, current, agencies), yours: describeFact(f, input.values, agencies) })),
        } as const;
      }
    }

    const problems = factProblems(input.values, today, incident.dates, agencies.map((a) => a.id));
    if (problems.length) return { status: 'invalid', problems } as const;

    const changed = FACT_FIELDS.filter((f) => !sameFact(f, input.values, current));
    if (changed.length === 0) return { status: 'saved', version: incident.version, changed, before: {}, after: {} } as const;
    const v = input.values;
    const saved = await updateIncident(trx, incident.partnershipId, id, incident.version, {
      outcome: v.outcome,
      abuse_or_neglect: v.abuseOrNeglect,
      location: v.location,
      incident_on: v.incidentOn,
      aware_on: v.aware,
      what_is_known_enc: sealField(cipher, v.whatIsKnown),
      perpetrator_relationship_enc: sealField(cipher, v.perpetratorRelationship),
      police_investigation: v.policeInvestigation ?? null,
      media_interest: v.mediaInterest ?? null,
      agency_ids: JSON.stringify(v.agencyIds),
      other_agencies: v.otherAgencies.trim(),
      updated_by: actor.userId,
    });
    if (!saved) throw new CaseError('The incident changed while it was being saved.');
    await storeClocks(trx, [incident.partnershipId], [id]);
    await insertEvent(trx, {
      incident_id: id,
      partnership_id: incident.partnershipId,
      kind: 'facts-edited',
      actor_id: actor.userId,
      actor_name: actor.name,
      details: JSON.stringify({ fields: changed.map((f) => FACT_LABELS[f]) }),
    });
    // Only non-identifying facts carry values; the others are named as changed.
    const plain = changed.filter((f) => !SENSITIVE_FACTS.has(f));
    return {
      status: 'saved',
      version: incident.version + 1,
      changed,
      before: Object.fromEntries(plain.map((f) => [f, current[f]])) as Partial<Facts>,
      after: Object.fromEntries(plain.map((f) => [f, v[f]])) as Partial<Facts>,
    } as const;
  });
}

export type ChildUpdateResult =
  | { status: 'saved'; version: number; partnershipId: string; changed: ChildField[]; before: Partial<ChildInput>; after: Partial<ChildInput> }
  | { status: 'conflict'; version: number; current: ChildInput; changes: ChildChange[] }
  | { status: 'invalid'; problems: FieldProblem[] }
  | { status: 'not-found' };

/**
 * Saves a child's details (adding identifying details once the child is identified, correcting
 * them) if the incident is still at the version the form was opened at, or if nobody changed this
 * child's details since (`base`). Otherwise nothing is saved and the conflict lists theirs beside yours.
 */
export async function updateChild(
  db: Kysely<DB>,
  cipher: FieldCipher,
  scope: TenantScope,
  actor: Actor,
  id: string,
  childId: string,
  input: { version: number; base: ChildInput | null; values: ChildInput },
  today: DateOnly,
): Promise<ChildUpdateResult> {
  if (noPartnerships(scope) || !isUuid(id) || !isUuid(childId)) return { status: 'not-found' };
  return withTenant(db, scope, async (trx): Promise<ChildUpdateResult> => {
    const row = await selectIncident(trx, scope, id, { forUpdate: true });
    if (!row) return { status: 'not-found' };
    const incident = record(row);
    const children = (await selectChildren(trx, scope, [id])).map((c) => child(c, cipher));
    const mine = children.find((c) => c.id === childId);
    if (!mine) return { status: 'not-found' };
    const current = childInputOf(mine);

    if (input.version !== incident.version) {
      const theirs = CHILD_FIELDS.filter((f) => !input.base || !sameChildField(f, input.base, current));
      if (theirs.length) {
        return {
          status: 'conflict',
          version: incident.version,
          current,
          changes: theirs.map((f) => ({ field: f, label: CHILD_LABELS[f], theirs: describeChildField(f, current), yours: describeChildField(f, input.values) })),
        };
      }
    }

    const all = children.map((c) => (c.id === childId ? input.values : childInputOf(c)));
    const index = children.findIndex((c) => c.id === childId);
    const problems = childProblems(all, factsOf(incident, ''), today).filter((p) => p.field.startsWith(`children.${index}.`));
    if (problems.length) return { status: 'invalid', problems };

    const changed = CHILD_FIELDS.filter((f) => !sameChildField(f, input.values, current));
    if (changed.length === 0) return { status: 'saved', version: incident.version, partnershipId: incident.partnershipId, changed, before: {}, after: {} };
    const v = input.values;
    await trx
      .updateTable('incident_children')
      .set({
        pseudonym: v.pseudonym.trim(),
        name_enc: sealField(cipher, v.name),
        date_of_birth_enc: sealField(cipher, v.dateOfBirth),
        nhs_number_enc: sealField(cipher, v.nhsNumber.replace(/\s+/g, '')),
        address_enc: sealField(cipher, v.address),
        family_names_enc: sealField(cipher, v.familyNames),
        gender: v.gender,
        age_at_incident: v.ageAtIncident,
        age_band: v.ageBand,
        looked_after: v.lookedAfter,
        care_leaver: v.careLeaver,
        ethnicity_enc: sealField(cipher, v.ethnicity),
        disability_enc: sealField(cipher, v.disability),
        child_in_need: v.childInNeed ?? false,
        child_protection_plan: v.childProtectionPlan ?? false,
        updated_at: new Date(),
      })
      .where('id', '=', childId)
      .where('incident_id', '=', id)
      .where('partnership_id', '=', incident.partnershipId)
      .execute();
    const saved = await updateIncident(trx, incident.partnershipId, id, incident.version, {
      looked_after: all.some((c) => c.lookedAfter),
      care_leaver: all.some((c) => c.careLeaver),
      updated_by: actor.userId,
    });
    if (!saved) throw new CaseError('The incident changed while it was being saved.');
    await storeClocks(trx, [incident.partnershipId], [id]);
    await insertEvent(trx, {
      incident_id: id,
      partnership_id: incident.partnershipId,
      kind: 'child-edited',
      actor_id: actor.userId,
      actor_name: actor.name,
      details: JSON.stringify({ child: v.pseudonym.trim(), fields: changed.map((f) => CHILD_LABELS[f]) }),
    });
    const plain = changed.filter((f) => !IDENTIFYING_CHILD_FIELDS.has(f));
    return {
      status: 'saved',
      version: incident.version + 1,
      partnershipId: incident.partnershipId,
      changed,
      before: Object.fromEntries(plain.map((f) => [f, current[f]])) as Partial<ChildInput>,
      after: Object.fromEntries(plain.map((f) => [f, v[f]])) as Partial<ChildInput>,
    };
  });
}
