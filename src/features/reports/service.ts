import type { Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { isActionStatus } from '../../domain/learning/actions.ts';
import { computeFigures, type ActionFact, type CaseFact, type FigureFacts, type Figures, type PublicationFact, type RecommendationFact } from '../../domain/reports/figures.ts';
import type { Grouping, Period } from '../../domain/reports/period.ts';
import { figureTables, partnershipTable, type Table } from '../../domain/reports/tables.ts';
import { withTenant, type TenantScope } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import { listIncidents } from '../cases/service.ts';
import { listPartnerships } from '../partnerships/service.ts';

/**
 * The figures of the partnerships a person may see. The clocks are the case page's own: every case
 * comes through the cases feature's list (`listIncidents`), which computes each clock with the rules
 * the case is judged under, pauses recorded but never moving a due date. The rest (decisions,
 * publications, recommendations, actions) is read here, counts only: no child's details.
 */

export type FiguresQuery = { period: Period; grouping: Grouping; partnershipId: string | null };

export type FiguresView = {
  figures: Figures;
  tables: Table[];
  /** The partnerships the person may choose between (more than one: a choice is offered). */
  partnerships: { id: string; name: string }[];
  /** The partnerships the figures cover. */
  covered: { id: string; name: string }[];
  themeLabels: Record<string, string>;
};

const scopeIds = (scope: TenantScope): string[] | null => (scope === 'all' ? null : scope);

async function otherFacts(db: Kysely<DB>, scope: TenantScope, period: Period) {
  const only = scopeIds(scope);
  return withTenant(db, scope, async (trx) => ({
    decisions: await trx
      .selectFrom('incidents')
      .select(['id', 'review_decision', 'decision_on', 'below_threshold_review_on'])
      .$if(only !== null, (q) => q.where('partnership_id', 'in', only as string[]))
      .execute(),
    publications: await trx
      .selectFrom('publications')
      .select(['partnership_id', 'published_on', 'file_withdrawn_on', 'themes'])
      .$if(only !== null, (q) => q.where('partnership_id', 'in', only as string[]))
      .execute(),
    recommendations: await trx
      .selectFrom('recommendations')
      .select(['partnership_id', 'made_on', 'themes'])
      .where('made_on', '>=', period.from)
      .where('made_on', '<=', period.to)
      .$if(only !== null, (q) => q.where('partnership_id', 'in', only as string[]))
      .execute(),
    actions: await trx
      .selectFrom('recommendation_actions as a')
      .innerJoin('recommendations as r', (j) => j.onRef('r.id', '=', 'a.recommendation_id').onRef('r.partnership_id', '=', 'a.partnership_id'))
      .innerJoin('agencies as g', 'g.id', 'a.agency_id')
      .select((eb) => ['a.partnership_id', 'a.agency_id', 'g.name as agency_name', 'a.status', 'a.due_on', 'r.made_on', eb('a.impact_evidence_enc', 'is not', null).as('impact')])
      .where('r.made_on', '>=', period.from)
      .where('r.made_on', '<=', period.to)
      .$if(only !== null, (q) => q.where('a.partnership_id', 'in', only as string[]))
      .execute(),
    themes: await trx.selectFrom('themes').select(['key', 'label']).execute(),
  }));
}

const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** Everything the figures are counted from, for a scope. */
async function factsFor(db: Kysely<DB>, scope: TenantScope, period: Period, today: DateOnly): Promise<{ facts: FigureFacts; themeLabels: Record<string, string> }> {
  const [incidents, other] = await Promise.all([listIncidents(db, scope, today), otherFacts(db, scope, period)]);
  const decisionOf = new Map(other.decisions.map((d) => [d.id, d]));
  const cases: CaseFact[] = incidents.map((i) => {
    const d = decisionOf.get(i.id);
    return {
      id: i.id,
      partnershipId: i.partnershipId,
      reference: i.reference,
      reviewDecision: d?.review_decision ?? null,
      // A practice learning review chosen below the threshold is decided on the day it is chosen.
      decisionOn: d?.decision_on ?? (d?.review_decision === 'alternative-review' ? d.below_threshold_review_on : null) ?? null,
      clocks: i.clocks.map((c) => ({ key: c.key, state: c.state, dueOn: c.dueOn, doneOn: c.doneOn, delays: c.delays.map((p) => ({ reason: p.reason })) })),
    };
  });
  const publications: PublicationFact[] = other.publications.map((p) => ({ partnershipId: p.partnership_id, publishedOn: p.published_on, withdrawnOn: p.file_withdrawn_on, themes: list(p.themes) }));
  const recommendations: RecommendationFact[] = other.recommendations.map((r) => ({ partnershipId: r.partnership_id, madeOn: r.made_on, themes: list(r.themes) }));
  const actions: ActionFact[] = other.actions.flatMap((a) =>
    isActionStatus(a.status) ? [{ partnershipId: a.partnership_id, agencyId: a.agency_id, agencyName: a.agency_name, status: a.status, dueOn: a.due_on, madeOn: a.made_on, impactEvidence: Boolean(a.impact) }] : [],
  );
  return { facts: { cases, publications, recommendations, actions }, themeLabels: Object.fromEntries(other.themes.map((t) => [t.key, t.label])) };
}

/** The partnerships whose figures a scope reaches, by name. */
export async function visiblePartnerships(db: Kysely<DB>, scope: TenantScope): Promise<{ id: string; name: string }[]> {
  return (await listPartnerships(db, scope)).map((p) => ({ id: p.id, name: p.name }));
}

/**
 * The figures for a period, over every partnership in scope or the one chosen. Undefined when the
 * chosen partnership is not one the person may see (whether or not it exists).
 */
export async function figuresFor(db: Kysely<DB>, scope: TenantScope, query: FiguresQuery, today: DateOnly): Promise<FiguresView | undefined> {
  const partnerships = await visiblePartnerships(db, scope);
  if (query.partnershipId !== null && !partnerships.some((p) => p.id === query.partnershipId)) return undefined;
  const covered = query.partnershipId ? partnerships.filter((p) => p.id === query.partnershipId) : partnerships;
  const coveredScope: TenantScope = query.partnershipId ? [query.partnershipId] : scope;
  const { facts, themeLabels } = covered.length ? await factsFor(db, coveredScope, query.period, today) : { facts: { cases: [], publications: [], recommendations: [], actions: [] }, themeLabels: {} };
  const figures = computeFigures(facts, query.period, query.grouping, today);
  const names = Object.fromEntries(covered.map((p) => [p.id, p.name]));
  const several = covered.length > 1;
  const tables = figureTables(figures, { themes: themeLabels, partnerships: names, severalPartnerships: several });
  if (several) {
    const mine = <T extends { partnershipId: string }>(items: readonly T[], id: string) => items.filter((x) => x.partnershipId === id);
    const each = covered.map((p) => ({
      name: p.name,
      figures: computeFigures(
        { cases: mine(facts.cases, p.id), publications: mine(facts.publications, p.id), recommendations: mine(facts.recommendations, p.id), actions: mine(facts.actions, p.id) },
        query.period,
        query.grouping,
        today,
      ),
    }));
    tables.unshift(partnershipTable(each, query.period));
  }
  return { figures, tables, partnerships, covered, themeLabels };
}
