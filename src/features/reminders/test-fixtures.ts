import type { Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import type { DB } from '../../platform/db/types.ts';
import { recordIncident, type ChildInput, type Facts } from '../cases/service.ts';

/** Identifying details of the test child: none may appear in a dashboard, feed or email. */
export const IDENTIFYING = ['Zebedee', 'Fictitious', '9990000085', '999 000 0085', 'Invented Way', 'NW9 9ZZ', 'Quentin', '2019-05-04', 'Known only to the test'];

const CHILD: ChildInput = {
  pseudonym: 'Child K',
  name: 'Zebedee Fictitious',
  dateOfBirth: '2019-05-04',
  nhsNumber: '999 000 0085',
  address: '9 Invented Way, Nowhere NW9 9ZZ',
  familyNames: 'Quentin Fictitious (father)',
  gender: 'male',
  ageAtIncident: 6,
  ageBand: '5-9',
  lookedAfter: false,
  careLeaver: false,
};

/** Records an incident (state 'recorded') as the given person: its Panel notification clock runs 5 working days from `aware`. */
export async function recordTestIncident(
  db: Kysely<DB>,
  cipher: FieldCipher,
  input: { partnershipId: string; userId: string; aware: DateOnly; today: DateOnly; pseudonym?: string },
): Promise<{ id: string; reference: string }> {
  const facts: Facts = {
    outcome: 'serious-harm',
    abuseOrNeglect: 'suspected',
    location: 'in-area',
    incidentOn: null,
    aware: input.aware,
    whatIsKnown: 'Known only to the test: what happened to Zebedee.',
    agencyIds: [],
    otherAgencies: '',
  };
  const result = await recordIncident(
    db,
    cipher,
    { userId: input.userId, name: 'Test Recorder' },
    { partnershipId: input.partnershipId, facts, children: [{ ...CHILD, pseudonym: input.pseudonym ?? CHILD.pseudonym }] },
    input.today,
  );
  if (!result.ok) throw new Error(`could not record the test incident: ${JSON.stringify(result.problems)}`);
  return { id: result.id, reference: result.reference };
}
