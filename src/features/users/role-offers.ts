import type { Kysely } from 'kysely';
import { inTransaction } from '../../platform/db/transaction.ts';
import type { DB } from '../../platform/db/types.ts';
import { addRole, grantProblem, isUuid, UserError, type NewGrant, type UserGrant } from './service.ts';

/**
 * A role offered to someone who already has an account. An administrator cannot add a role to
 * an account they do not wholly manage (one with a password, or with roles elsewhere): that
 * would change what someone else's sign-in opens, and let single sign-on of the administrator's
 * partnership vouch for the account. The role is offered instead, and becomes the person's only
 * when they accept it, signed in with their own credentials.
 */
export const OFFER_DAYS = 7;

/** The role, as a role held is shown, with who offered it and until when. */
export type RoleOffer = UserGrant & { offeredByName: string; createdAt: Date; expiresAt: Date };

export type OfferToManage = RoleOffer & { userId: string; email: string; name: string };

/** Offers the role (an open offer of the same role is renewed instead). */
export async function offerRole(
  db: Kysely<DB>,
  userId: string,
  grant: NewGrant,
  offeredBy: { id: string; name: string },
  now = new Date(),
): Promise<{ id: string }> {
  const problem = grantProblem(grant);
  if (problem) throw new UserError(problem);
  const partnershipId = grant.partnershipId ?? null;
  const agencyId = grant.agencyId ?? null;
  const expiresAt = new Date(now.getTime() + OFFER_DAYS * 86_400_000);
  return inTransaction(db, async (trx) => {
    const open = await trx
      .updateTable('role_offers')
      .set({ expires_at: expiresAt, offered_by: offeredBy.id, offered_by_name: offeredBy.name, created_at: now })
      .where('user_id', '=', userId)
      .where('role', '=', grant.role)
      .where((eb) => (partnershipId ? eb('partnership_id', '=', partnershipId) : eb('partnership_id', 'is', null)))
      .where((eb) => (agencyId ? eb('agency_id', '=', agencyId) : eb('agency_id', 'is', null)))
      .where('accepted_at', 'is', null)
      .where('declined_at', 'is', null)
      .where('expires_at', '>', now)
      .returning('id')
      .executeTakeFirst();
    if (open) return open;
    return trx
      .insertInto('role_offers')
      .values({ user_id: userId, role: grant.role, partnership_id: partnershipId, agency_id: agencyId, offered_by: offeredBy.id, offered_by_name: offeredBy.name, created_at: now, expires_at: expiresAt })
      .returning('id')
      .executeTakeFirstOrThrow();
  });
}

function openOffersQuery(db: Kysely<DB>, now: Date) {
  return db
    .selectFrom('role_offers as o')
    .innerJoin('users as u', 'u.id', 'o.user_id')
    .leftJoin('partnerships as p', 'p.id', 'o.partnership_id')
    .leftJoin('agencies as a', 'a.id', 'o.agency_id')
    .select(['o.id', 'o.user_id', 'u.email', 'u.name', 'o.role', 'o.partnership_id', 'p.name as partnership_name', 'o.agency_id', 'a.name as agency_name', 'o.offered_by_name', 'o.created_at', 'o.expires_at'])
    .where('o.accepted_at', 'is', null)
    .where('o.declined_at', 'is', null)
    .where('o.expires_at', '>', now)
    .orderBy('o.created_at');
}

type OfferRow = Awaited<ReturnType<ReturnType<typeof openOffersQuery>['execute']>>[number];

function toOffer(r: OfferRow): OfferToManage {
  return {
    id: r.id,
    userId: r.user_id,
    email: r.email,
    name: r.name,
    role: r.role,
    partnershipId: r.partnership_id,
    partnershipName: r.partnership_name,
    agencyId: r.agency_id,
    agencyName: r.agency_name,
    offeredByName: r.offered_by_name,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  };
}

/** The person's own open offers. */
export async function openOffersFor(db: Kysely<DB>, userId: string, now = new Date()): Promise<RoleOffer[]> {
  return (await openOffersQuery(db, now).where('o.user_id', '=', userId).execute()).map(toOffer);
}

/** Open offers of roles in the given partnerships ('all': every offer), for their administrators. */
export async function openOffersIn(db: Kysely<DB>, partnerships: string[] | 'all', now = new Date()): Promise<OfferToManage[]> {
  if (Array.isArray(partnerships) && partnerships.length === 0) return [];
  const q = openOffersQuery(db, now);
  return (await (partnerships === 'all' ? q : q.where('o.partnership_id', 'in', partnerships)).execute()).map(toOffer);
}

/**
 * The person answers one of their open offers: accepting adds the role, in the same
 * transaction. Undefined when there is no such open offer of theirs.
 */
export async function answerOffer(db: Kysely<DB>, userId: string, offerId: string, accept: boolean, now = new Date()): Promise<RoleOffer | undefined> {
  if (!isUuid(offerId)) return undefined;
  const [offer] = (await openOffersQuery(db, now).where('o.user_id', '=', userId).where('o.id', '=', offerId).execute()).map(toOffer);
  if (!offer) return undefined;
  return inTransaction(db, async (trx) => {
    const answered = await trx
      .updateTable('role_offers')
      .set(accept ? { accepted_at: now } : { declined_at: now })
      .where('id', '=', offerId)
      .where('accepted_at', 'is', null)
      .where('declined_at', 'is', null)
      .executeTakeFirst();
    if (Number(answered.numUpdatedRows) !== 1) return undefined;
    if (accept) await addRole(trx, userId, { role: offer.role, partnershipId: offer.partnershipId, agencyId: offer.agencyId });
    return offer;
  });
}
