import { createHash } from 'node:crypto';
import { sql, type ColumnType, type Generated, type Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { recommendationProgress, type ActionStatus, type Response } from '../../domain/learning/actions.ts';
import { findRecurring, type RecurringDecision, type RecurringGroup, type RecurringItem } from '../../domain/learning/recurring.ts';
import { withTenant, type TenantScope } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import type { Problem } from '../../platform/http/form-body.ts';
import { isUuid, type Actor } from '../cases/service.ts';

/**
 * Recurring learning: the groups of recommendations and findings that say much the same thing
 * across reviews (the rule is src/domain/learning/recurring.ts), worked out afresh on each request
 * from the recommendations and findings the person may see, with the administrators' stored split and merge decisions
 * applied. Free of HTTP: routes check who may see what and audit; changes take the caller's
 * transaction.
 *
 * Two views: a partnership's staff see all their partnership's recommendations (published or
 * not); the national Panel sees every partnership's published recommendations only (those
 * recorded on a published review, or on the case a published review came from).
 */

type DecisionsTable = {
  id: Generated<string>;
  seq: Generated<number>;
  partnership_id: string;
  kind: 'split' | 'merge';
  recommendation_ids: ColumnType<string[], string, string>;
  reason: string;
  created_by: string | null;
  created_by_name: string | null;
  created_at: Generated<Date>;
};

export type RecurringView = { kind: 'partnership'; partnershipIds: string[] } | { kind: 'national' };

export type RecurringKind = 'recommendation' | 'finding';

/** A recommendation or a finding of a review, as recurring learning compares them. */
export type RecurringEntry = {
  id: string;
  kind: RecurringKind;
  partnershipId: string;
  partnershipName: string;
  number: string;
  text: string;
  /** The date it was made (a recommendation) or found (a finding). */
  madeOn: DateOnly;
  themes: string[];
  /** The review it came from: its published title and address, or the case's reference for its own staff. */
  review: { key: string; title: string; slug: string | null; href: string; publishedOn: DateOnly | null };
  /** A recommendation: the progress of its actions. A finding: that of the recommendations it led to. */
  status: string;
};

/** Kept for the recommendations' part of the API and older callers. */
export type RecurringRecommendation = RecurringEntry;

export type RecurringGroupView = {
  label: string;
  terms: string[];
  centralId: string;
  reviewCount: number;
  adjusted: boolean;
  from: DateOnly;
  to: DateOnly;
  partnershipIds: string[];
  /** Every member, recommendations and findings, oldest first. */
  items: RecurringEntry[];
  recommendations: RecurringEntry[];
  findings: RecurringEntry[];
};

export type DecisionView = { id: string; kind: 'split' | 'merge'; recommendationIds: string[]; reason: string; by: string | null; at: Date; partnershipId: string };

const scopeOf = (view: RecurringView): TenantScope => (view.kind === 'national' ? 'all' : view.partnershipIds);

type EntryRow = {
  id: string;
  partnership_id: string;
  partnership_name: string;
  number: string;
  text: string;
  made_on: string;
  themes: string[] | null;
  response: string | null;
  recommendation_ids: string[] | null;
  incident_id: string | null;
  incident_reference: string | null;
  publication_id: string | null;
  slug: string | null;
  title: string | null;
  published_on: string | null;
};

/**
 * The rows of one kind in the view, each with its review: a recommendation or a finding is
 * published when recorded on a published review or on the case a published review came from.
 * The two tables differ only in the date's name and what each links to.
 */
async function entryRows(trx: Kysely<DB>, view: RecurringView, kind: RecurringKind): Promise<EntryRow[]> {
  const finding = kind === 'finding';
  let q = trx
    .selectFrom((finding ? 'review_findings as r' : 'recommendations as r') as 'recommendations as r')
    .innerJoin('partnerships as pt', 'pt.id', 'r.partnership_id')
    .leftJoin('publications as own', 'own.id', 'r.publication_id')
    .leftJoin('publications as viaCase', (join) => join.onRef('viaCase.incident_id', '=', 'r.incident_id'))
    .leftJoin('incidents as i', 'i.id', 'r.incident_id')
    .select([
      'r.id',
      'r.partnership_id',
      'pt.name as partnership_name',
      'r.number',
      'r.text',
      sql<string>`${sql.ref(finding ? 'r.found_on' : 'r.made_on')}::text`.as('made_on'),
      'r.themes',
      (finding ? sql<string | null>`null` : sql<string | null>`r.response`).as('response'),
      (finding ? sql<string[] | null>`r.recommendation_ids` : sql<string[] | null>`null`).as('recommendation_ids'),
      'r.incident_id',
      'i.reference as incident_reference',
      sql<string | null>`coalesce(own.id, "viaCase".id)`.as('publication_id'),
      sql<string | null>`coalesce(own.slug, "viaCase".slug)`.as('slug'),
      sql<string | null>`coalesce(own.title, "viaCase".title)`.as('title'),
      sql<string | null>`coalesce(own.published_on, "viaCase".published_on)::text`.as('published_on'),
    ]);
  if (view.kind === 'partnership') q = q.where('r.partnership_id', 'in', view.partnershipIds);
  else q = q.where(sql<boolean>`coalesce(own.id, "viaCase".id) is not null`);
  return (await q.orderBy(sql.ref(finding ? 'r.found_on' : 'r.made_on')).orderBy('r.id').execute()) as EntryRow[];
}

/** The recommendations and findings in the view, each with its review and the progress of the actions that answer it. */
export async function recurringEntries(db: Kysely<DB>, view: RecurringView): Promise<RecurringEntry[]> {
  if (view.kind === 'partnership' && view.partnershipIds.length === 0) return [];
  return withTenant(db, scopeOf(view), async (trx) => {
    const recs = await entryRows(trx, view, 'recommendation');
    const findings = await entryRows(trx, view, 'finding');
    const statuses = new Map<string, ActionStatus[]>();
    const linked = [...new Set([...recs.map((r) => r.id), ...findings.flatMap((f) => f.recommendation_ids ?? [])])];
    if (linked.length) {
      const actions = await trx.selectFrom('recommendation_actions').select(['recommendation_id', 'status']).where('recommendation_id', 'in', linked).execute();
      for (const a of actions) statuses.set(a.recommendation_id, [...(statuses.get(a.recommendation_id) ?? []), a.status]);
    }
    const responses = new Map(recs.map((r) => [r.id, r.response as Response | null]));
    const present = (r: EntryRow, kind: RecurringKind): RecurringEntry => {
      const published = r.publication_id !== null && r.slug !== null;
      const ledTo = (r.recommendation_ids ?? []).filter((id) => responses.has(id) || statuses.has(id));
      return {
        id: r.id,
        kind,
        partnershipId: r.partnership_id,
        partnershipName: r.partnership_name,
        number: r.number,
        text: r.text,
        madeOn: r.made_on.slice(0, 10) as DateOnly,
        themes: r.themes ?? [],
        review: published
          ? { key: `publication:${r.publication_id}`, title: r.title ?? '', slug: r.slug, href: `/reviews/${r.slug}`, publishedOn: (r.published_on?.slice(0, 10) ?? null) as DateOnly | null }
          : { key: `incident:${r.incident_id}`, title: `Review of case ${r.incident_reference ?? ''}`.trim(), slug: null, href: `/cases/${r.incident_id}/review/recommendations`, publishedOn: null },
        status:
          kind === 'recommendation'
            ? recommendationProgress(r.response as Response | null, statuses.get(r.id) ?? []).label
            : ledTo.length
              ? recommendationProgress(null, ledTo.flatMap((id) => statuses.get(id) ?? [])).label
              : 'No recommendation recorded for it',
      };
    };
    return [...recs.map((r) => present(r, 'recommendation')), ...findings.map((f) => present(f, 'finding'))];
  });
}

/** The administrators' decisions that bear on the view, oldest first. */
export async function recurringDecisions(db: Kysely<DB>, view: RecurringView): Promise<DecisionView[]> {
  if (view.kind === 'partnership' && view.partnershipIds.length === 0) return [];
  return withTenant(db, scopeOf(view), async (trx) => {
    let q = trx.withTables<{ recurring_learning_decisions: DecisionsTable }>().selectFrom('recurring_learning_decisions').selectAll().orderBy('seq');
    if (view.kind === 'partnership') q = q.where('partnership_id', 'in', view.partnershipIds);
    const rows = await q.execute();
    return rows.map((d) => ({ id: d.id, kind: d.kind, recommendationIds: d.recommendation_ids, reason: d.reason, by: d.created_by_name, at: new Date(d.created_at), partnershipId: d.partnership_id }));
  });
}

/**
 * The grouping of the last few sets of recommendations and decisions, by a digest of exactly what
 * the rule reads: the rule runs in the request's thread (seconds for the whole country's
 * recommendations), so it runs again only when a text, a theme, a review or a decision changed.
 * Statuses and titles are read fresh on every request.
 */
const GROUPINGS = new Map<string, RecurringGroup[]>();
const GROUPINGS_KEPT = 16;

function grouping(items: RecurringItem[], decisions: RecurringDecision[]): RecurringGroup[] {
  const key = createHash('sha256').update(JSON.stringify([items, decisions])).digest('hex');
  const kept = GROUPINGS.get(key);
  if (kept) {
    GROUPINGS.delete(key);
    GROUPINGS.set(key, kept);
    return kept;
  }
  const found = findRecurring(items, decisions);
  GROUPINGS.set(key, found);
  if (GROUPINGS.size > GROUPINGS_KEPT) GROUPINGS.delete(GROUPINGS.keys().next().value as string);
  return found;
}

/** The recurring groups of the view: only those whose members come from two reviews or more. */
export async function recurringGroups(db: Kysely<DB>, view: RecurringView): Promise<{ groups: RecurringGroupView[]; decisions: DecisionView[]; recommendations: number; findings: number }> {
  const [entries, decisions] = await Promise.all([recurringEntries(db, view), recurringDecisions(db, view)]);
  const byId = new Map(entries.map((r) => [r.id, r]));
  const found = grouping(
    entries.map((r) => ({ id: r.id, reviewKey: r.review.key, text: r.text, themes: r.themes })),
    decisions.map((d): RecurringDecision => ({ kind: d.kind, recommendationIds: d.recommendationIds })),
  );
  const groups = found.map((g) => {
    const members = g.memberIds.map((id) => byId.get(id) as RecurringEntry);
    const dates = members.map((m) => m.madeOn).sort();
    // Oldest first: the story of a lesson that keeps coming back.
    const items = [...members].sort((a, b) => a.madeOn.localeCompare(b.madeOn) || a.id.localeCompare(b.id));
    return {
      label: g.label,
      terms: g.terms,
      centralId: g.centralId,
      reviewCount: g.reviewCount,
      adjusted: g.adjusted,
      from: dates[0],
      to: dates[dates.length - 1],
      partnershipIds: [...new Set(members.map((m) => m.partnershipId))],
      items,
      recommendations: items.filter((m) => m.kind === 'recommendation'),
      findings: items.filter((m) => m.kind === 'finding'),
    };
  });
  const recommendations = entries.filter((e) => e.kind === 'recommendation').length;
  return { groups, decisions, recommendations, findings: entries.length - recommendations };
}

export type DecisionInput = { kind: 'split'; recommendationId: string; reason: string } | { kind: 'merge'; groupOf: string; withGroupOf: string; reason: string };

const REASON_MAX = 2000;

/**
 * Checks a split or merge against the groups as they are now in the administrator's view, and
 * returns what to store: the recommendations it names and the partnership whose decision it is.
 * `mayChange` says whether the person may change a partnership's learning.
 */
export function checkDecision(
  groups: readonly RecurringGroupView[],
  input: DecisionInput,
  mayChange: (partnershipId: string) => boolean,
): { ok: true; partnershipId: string; recommendationIds: string[] } | { ok: false; problems: Problem[] } {
  const problems: Problem[] = [];
  const reason = input.reason.trim();
  const groupHolding = (id: string) => (isUuid(id) ? groups.find((g) => g.items.some((r) => r.id === id)) : undefined);
  if (input.kind === 'split') {
    const group = groupHolding(input.recommendationId);
    if (!input.recommendationId) problems.push({ field: 'recommendationId', message: 'Select the recommendation or finding to take out of the group' });
    else if (!group) problems.push({ field: 'recommendationId', message: 'That recommendation or finding is no longer in a recurring group: the groups may have changed, look again' });
    if (!reason) problems.push({ field: 'reason', message: 'Say why this recommendation or finding does not belong in the group' });
    else if (reason.length > REASON_MAX) problems.push({ field: 'reason', message: `The reason must be ${REASON_MAX} characters or fewer` });
    if (problems.length || !group) return { ok: false, problems };
    const rec = group.items.find((r) => r.id === input.recommendationId) as RecurringEntry;
    if (!mayChange(rec.partnershipId)) return { ok: false, problems: [{ field: 'recommendationId', message: 'Only the partnership’s administrators can change how its recommendations are grouped' }] };
    return { ok: true, partnershipId: rec.partnershipId, recommendationIds: [rec.id] };
  }
  const group = groupHolding(input.groupOf);
  const other = input.withGroupOf ? groupHolding(input.withGroupOf) : undefined;
  if (!group) problems.push({ field: 'withGroupOf', message: 'This group has changed since the page was shown: look again' });
  else if (!input.withGroupOf) problems.push({ field: 'withGroupOf', message: 'Select the group to merge this one with' });
  else if (!other) problems.push({ field: 'withGroupOf', message: 'That group has changed since the page was shown: look again' });
  else if (other === group) problems.push({ field: 'withGroupOf', message: 'Select a different group: a group cannot be merged with itself' });
  if (!reason) problems.push({ field: 'reason', message: 'Say why these groups are about the same lesson' });
  else if (reason.length > REASON_MAX) problems.push({ field: 'reason', message: `The reason must be ${REASON_MAX} characters or fewer` });
  if (problems.length || !group || !other) return { ok: false, problems };
  const members = [...group.items, ...other.items];
  if (members.length > 5000) return { ok: false, problems: [{ field: 'withGroupOf', message: 'These groups are too large to merge: together they hold more than 5,000 recommendations and findings' }] };
  const partnerships = [...new Set(members.map((m) => m.partnershipId))];
  if (!partnerships.every(mayChange)) return { ok: false, problems: [{ field: 'withGroupOf', message: 'Only the partnership’s administrators can change how its recommendations are grouped' }] };
  return { ok: true, partnershipId: partnerships[0], recommendationIds: members.map((m) => m.id) };
}

/** Stores a checked decision, in the caller's transaction (with its audit entry). */
export async function recordDecision(trx: Kysely<DB>, partnershipId: string, kind: 'split' | 'merge', recommendationIds: string[], reason: string, actor: Actor): Promise<{ id: string }> {
  return withTenant(trx, [partnershipId], async (t) =>
    t
      .withTables<{ recurring_learning_decisions: DecisionsTable }>()
      .insertInto('recurring_learning_decisions')
      .values({ partnership_id: partnershipId, kind, recommendation_ids: JSON.stringify(recommendationIds), reason: reason.trim(), created_by: actor.userId, created_by_name: actor.name })
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
}
