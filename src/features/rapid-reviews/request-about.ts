import type { Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';

/**
 * What an agency needs to answer a request: which case (reference and the children's pseudonyms,
 * never their names), when the incident happened, who asked, and whom to contact with questions
 * (the person who asked, and the partnership's own contact details when it has set them).
 */
export type RequestAbout = {
  partnershipName: string;
  pseudonyms: string[];
  incidentOn: DateOnly | null;
  askedBy: { name: string; email: string } | null;
  contact: { email: string | null; phone: string | null };
};

export async function requestAbout(db: Kysely<DB>, request: { id: string; incidentId: string; partnershipId: string }): Promise<RequestAbout> {
  return withTenant(db, [request.partnershipId], async (trx) => {
    const row = await trx
      .selectFrom('agency_requests as r')
      .innerJoin('incidents as i', (j) => j.onRef('i.id', '=', 'r.incident_id').onRef('i.partnership_id', '=', 'r.partnership_id'))
      .innerJoin('partnerships as p', 'p.id', 'r.partnership_id')
      .leftJoin('users as u', 'u.id', 'r.requested_by')
      .leftJoin('partnership_brands as b', 'b.partnership_id', 'r.partnership_id')
      .select(['p.name as partnership_name', 'i.incident_on', 'u.name as asked_name', 'u.email as asked_email', 'b.contact_email', 'b.contact_phone'])
      .where('r.id', '=', request.id)
      .where('r.partnership_id', '=', request.partnershipId)
      .executeTakeFirstOrThrow();
    const children = await trx
      .selectFrom('incident_children')
      .select('pseudonym')
      .where('incident_id', '=', request.incidentId)
      .where('partnership_id', '=', request.partnershipId)
      .orderBy('position')
      .execute();
    return {
      partnershipName: row.partnership_name,
      pseudonyms: children.map((c) => c.pseudonym),
      incidentOn: row.incident_on,
      askedBy: row.asked_name && row.asked_email ? { name: row.asked_name, email: row.asked_email } : null,
      contact: { email: row.contact_email ?? null, phone: row.contact_phone ?? null },
    };
  });
}
