import { sql, type Kysely, type Transaction } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import type { Period } from '../../domain/reports/period.ts';
import { SECTION_KEYS, sectionProblems, type SectionKey } from '../../domain/reports/yearly.ts';
import { withTenant, type TenantScope } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import { figuresFor, visiblePartnerships, type FiguresView } from './service.ts';

/**
 * The yearly report of one partnership: its figures for the 12 months (the figures service's own
 * counting, by quarter) and the current version of each narrative section the partnership wrote.
 * A section is saved as a new version every time; nothing is overwritten.
 */

export type SectionVersion = { version: number; body: string; writtenBy: string; writtenAt: Date };
export type Narrative = Record<SectionKey, (SectionVersion & { versions: number }) | null>;

export type YearlyReport = {
  partnership: { id: string; name: string };
  period: Period;
  view: FiguresView;
  narrative: Narrative;
};

/** The partnership whose report is asked for, when the person may see its figures. */
export type ReportChoice = { ok: true; partnership: { id: string; name: string } } | { ok: false; reason: 'choose' | 'refused'; partnerships: { id: string; name: string }[] };

/**
 * Which partnership: the one asked for, if the person sees its figures; the only one they see,
 * when none is asked for; otherwise they are asked to choose (a national role sees every one).
 */
export async function choosePartnership(db: Kysely<DB>, scope: TenantScope, asked: string | null): Promise<ReportChoice> {
  const partnerships = await visiblePartnerships(db, scope);
  if (asked) {
    const found = partnerships.find((p) => p.id === asked);
    return found ? { ok: true, partnership: found } : { ok: false, reason: 'refused', partnerships };
  }
  return partnerships.length === 1 ? { ok: true, partnership: partnerships[0] } : { ok: false, reason: 'choose', partnerships };
}

type Row = { section: string; version: number; body: string; written_by_name: string; written_at: Date };
const version = (r: Row): SectionVersion => ({ version: r.version, body: r.body, writtenBy: r.written_by_name, writtenAt: r.written_at });

/** The current version of every section, with how many versions each has. */
export async function currentNarrative(db: Kysely<DB>, partnershipId: string, from: DateOnly): Promise<Narrative> {
  const rows = await withTenant(db, [partnershipId], (trx) =>
    trx
      .selectFrom('yearly_report_sections as s')
      .select(['s.section', 's.version', 's.body', 's.written_by_name', 's.written_at'])
      .where('s.partnership_id', '=', partnershipId)
      .where('s.period_from', '=', from)
      .where(({ eb, selectFrom }) =>
        eb('s.version', '=', selectFrom('yearly_report_sections as t').select((e) => e.fn.max('t.version').as('v')).whereRef('t.partnership_id', '=', 's.partnership_id').whereRef('t.period_from', '=', 's.period_from').whereRef('t.section', '=', 's.section')),
      )
      .execute(),
  );
  const narrative = Object.fromEntries(SECTION_KEYS.map((k) => [k, null])) as Narrative;
  for (const r of rows) if ((SECTION_KEYS as readonly string[]).includes(r.section)) narrative[r.section as SectionKey] = { ...version(r), versions: r.version };
  return narrative;
}

/** The report for a partnership the person may see (check with `choosePartnership` first). */
export async function yearlyReportFor(db: Kysely<DB>, partnership: { id: string; name: string }, period: Period, today: DateOnly): Promise<YearlyReport> {
  const [view, narrative] = await Promise.all([
    figuresFor(db, [partnership.id], { period, grouping: 'quarter', partnershipId: partnership.id }, today),
    currentNarrative(db, partnership.id, period.from),
  ]);
  // The scope is the partnership itself: figuresFor finds it.
  return { partnership, period, view: view as FiguresView, narrative };
}

/** Every version of a section, newest first. */
export async function sectionHistory(db: Kysely<DB>, partnershipId: string, from: DateOnly, section: SectionKey): Promise<SectionVersion[]> {
  const rows = await withTenant(db, [partnershipId], (trx) =>
    trx
      .selectFrom('yearly_report_sections')
      .select(['section', 'version', 'body', 'written_by_name', 'written_at'])
      .where('partnership_id', '=', partnershipId)
      .where('period_from', '=', from)
      .where('section', '=', section)
      .orderBy('version', 'desc')
      .execute(),
  );
  return rows.map(version);
}

export type SaveResult = { ok: true; version: number } | { ok: false; conflict: boolean; problems: { field: string; message: string }[] };

/**
 * Saves a new version of a section. `basedOn` is the version the writer started from (0 for none):
 * when someone saved another version meanwhile, nothing is saved and the writer is told, so no one's
 * text is lost without their knowing.
 */
export async function saveSection(
  trx: Transaction<DB>,
  input: { partnershipId: string; from: DateOnly; section: SectionKey; body: string; basedOn: number; writer: { userId: string; name: string } },
): Promise<SaveResult> {
  return withTenant(trx, [input.partnershipId], async (t) => {
    // One writer at a time for this section: the next version number is read and taken together.
    await sql`select pg_advisory_xact_lock(hashtext(${`yearly:${input.partnershipId}:${input.from}:${input.section}`}))`.execute(t);
    const current = await t
      .selectFrom('yearly_report_sections')
      .select(['version', 'body'])
      .where('partnership_id', '=', input.partnershipId)
      .where('period_from', '=', input.from)
      .where('section', '=', input.section)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    const now = current?.version ?? 0;
    if (input.basedOn !== now) {
      return { ok: false, conflict: true, problems: [{ field: 'version', message: 'Someone saved a new version of this section after you opened it. Their text is shown below: make your changes to it and save again.' }] };
    }
    const problems = sectionProblems(input.body, current?.body ?? null);
    if (problems.length) return { ok: false, conflict: false, problems: problems.map((message) => ({ field: 'body', message })) };
    await t
      .insertInto('yearly_report_sections')
      .values({ partnership_id: input.partnershipId, period_from: input.from, section: input.section, version: now + 1, body: input.body.trim(), written_by: input.writer.userId, written_by_name: input.writer.name })
      .execute();
    return { ok: true, version: now + 1 };
  });
}
