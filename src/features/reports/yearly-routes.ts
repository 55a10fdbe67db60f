import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatMonth, isSectionKey, paragraphsOf, periodDates, periodName, SECTIONS, SECTION_MAX, type SectionKey } from '../../domain/reports/yearly.ts';
import { partnershipsWith, type Permission, type Principal } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { sendDownload } from '../../platform/http/downloads.ts';
import { notFoundPage } from '../../platform/http/errors.ts';
import { bodyOf, formVersion, text } from '../../platform/http/form-body.ts';
import { actorOf, today } from '../cases/request-context.ts';
import { FIGURES } from './routes.ts';
import { reportNotes, reportParts, yearlyPdfModel } from './yearly-presenter.ts';
import { parseYearlyQuery, yearlyQuery, type YearlyQuery, type YearlyValues } from './yearly-schemas.ts';
import { visiblePartnerships } from './service.ts';
import { choosePartnership, currentNarrative, saveSection, sectionHistory, yearlyReportFor, type YearlyReport } from './yearly-service.ts';

/**
 * The yearly report on the pages: for a partnership and 12 months, its review activity (the
 * figures' own tables and charts) and the narrative its business unit writes, as a printable page
 * and a tagged PDF. Seen by whoever sees the partnership's figures (its business unit and partners'
 * leads, the national Panel, a deployment's administrators); the narrative written by the
 * partnership's business unit only. Every view, download and save is audited.
 */

/** Writing the narrative: the partnership's business unit (as for its learning products). */
export const WRITE_NARRATIVE: Permission = 'case:write';
const PAGE = 'reports/views/yearly.njk';

const mayWrite = (principal: Principal, partnershipId: string) => {
  const mine = partnershipsWith(principal, WRITE_NARRATIVE);
  return mine === 'all' || mine.includes(partnershipId);
};

const errorList = (problems: { field: string; message: string }[]) => problems.map((p) => ({ text: p.message, href: p.field === 'from' ? '#from-month' : `#${p.field}` }));
const fieldErrors = (problems: { field: string; message: string }[]) => Object.fromEntries(problems.map((p) => [p.field, { text: p.message }]));

/** When a version was saved, to the minute, in England's time. */
const savedAt = (at: Date) => at.toLocaleString('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric', hour: 'numeric', minute: '2-digit', hour12: true });

const SAVED = (key: SectionKey) => `${SECTIONS[key].title}: your new version was saved.`;

export async function yearlyReportRoutes(app: FastifyInstance): Promise<void> {
  const db = app.deps.database.db;

  /** The page with its choice of period and partnership only: asked to choose, or told what is wrong. */
  async function choicePage(req: FastifyRequest, reply: FastifyReply, values: YearlyValues, problems: { field: string; message: string }[], partnerships?: { id: string; name: string }[]) {
    const list = partnerships ?? (await visiblePartnerships(db, partnershipsWith(req.principal!, FIGURES)));
    if (problems.length) reply.code(422);
    return reply.render(PAGE, { pageTitle: 'Yearly report', values, errors: errorList(problems), fieldErrors: fieldErrors(problems), partnerships: list, choosing: true });
  }

  /**
   * The period and partnership asked for, when valid and the person's own; otherwise answered: a bad
   * period shows the choice page with its errors; a partnership not theirs (audited) or none chosen
   * shows the choice page for the report, or "not found" for a narrative address.
   */
  async function chosen(
    req: FastifyRequest,
    reply: FastifyReply,
    input: unknown,
    otherwise: 'choose' | 'not-found',
  ): Promise<{ query: YearlyQuery; values: YearlyValues; partnership: { id: string; name: string } } | null> {
    const parsed = parseYearlyQuery(input, today());
    if (!parsed.ok) {
      await choicePage(req, reply, parsed.values, parsed.problems);
      return null;
    }
    const choice = await choosePartnership(db, partnershipsWith(req.principal!, FIGURES), parsed.query.partnershipId);
    if (!choice.ok) {
      const refused = choice.reason === 'refused';
      if (refused) await req.audit({ action: 'access-refused', permission: FIGURES, recordType: 'yearly-report', recordId: parsed.query.partnershipId ?? undefined, outcome: 'refused' });
      if (otherwise === 'not-found') notFoundPage(reply);
      else await choicePage(req, reply, parsed.values, refused ? [{ field: 'partnership', message: 'Choose a partnership from the list' }] : [], choice.partnerships);
      return null;
    }
    return { query: { ...parsed.query, partnershipId: choice.partnership.id }, values: { ...parsed.values, partnership: choice.partnership.id }, partnership: choice.partnership };
  }

  /** The report asked for, or the page answered (a bad period, a partnership to choose or not theirs). */
  async function load(req: FastifyRequest, reply: FastifyReply, input: unknown): Promise<{ report: YearlyReport; query: YearlyQuery; values: YearlyValues } | null> {
    const c = await chosen(req, reply, input, 'choose');
    if (!c) return null;
    return { report: await yearlyReportFor(db, c.partnership, c.query.period, today()), query: c.query, values: c.values };
  }

  const audited = (report: YearlyReport, startMonth: string) => ({ partnershipId: report.partnership.id, recordType: 'yearly-report', changes: { from: startMonth, to: report.period.to } });

  app.get('/reports/yearly', access(FIGURES), async (req, reply) => {
    const loaded = await load(req, reply, req.query);
    if (!loaded) return reply;
    const { report, query, values } = loaded;
    await req.audit({ action: 'yearly-report-viewed', permission: FIGURES, ...audited(report, query.startMonth) });
    const here = (extra: Record<string, string> = {}) => yearlyQuery(query.startMonth, report.partnership.id, extra);
    const saved = (req.query as Record<string, unknown>).saved;
    const partnerships = await visiblePartnerships(db, partnershipsWith(req.principal!, FIGURES));
    return reply.render(PAGE, {
      pageTitle: `Yearly report ${periodName(report.period)}`,
      values,
      fieldErrors: {},
      partnerships: partnerships.length ? partnerships : [report.partnership],
      report,
      periodName: periodName(report.period),
      periodDates: periodDates(report.period),
      notes: reportNotes(report, today()),
      parts: reportParts(report),
      mayWrite: mayWrite(req.principal!, report.partnership.id),
      notice: isSectionKey(saved) ? SAVED(saved) : null,
      sectionHref: (key: string) => `/reports/yearly/sections/${key}${here()}`,
      versionsHref: (key: string) => `/reports/yearly/sections/${key}/versions${here()}`,
      pdfHref: `/reports/yearly/pdf${here()}`,
      apiHref: `/api/v1/reports/yearly${here()}`,
      figuresHref: `/reports/figures?${new URLSearchParams({ from: report.period.from, to: report.period.to, partnership: report.partnership.id }).toString()}`,
    });
  });

  app.get('/reports/yearly/pdf', access(FIGURES), async (req, reply) => {
    const loaded = await load(req, reply, req.query);
    if (!loaded) return reply;
    const { report, query } = loaded;
    await req.audit({ action: 'yearly-report-downloaded', permission: FIGURES, ...audited(report, query.startMonth), changes: { ...audited(report, query.startMonth).changes, format: 'pdf' } });
    // Laid out by a document worker: the request thread stays free for other requests meanwhile.
    const body = await app.deps.documents.reportPdf(yearlyPdfModel(report, reportParts(report), today()));
    return sendDownload(reply, { body, name: `yearly-report-${query.startMonth}.pdf`, contentType: 'application/pdf' });
  });

  // ---- The narrative -----------------------------------------------------------------------------

  /** The section and report of a narrative address, when the person may see them; otherwise answered. */
  async function sectionOf(req: FastifyRequest, reply: FastifyReply, input: unknown): Promise<{ key: SectionKey; partnership: { id: string; name: string }; query: YearlyQuery } | null> {
    const { section } = req.params as { section: string };
    if (!isSectionKey(section)) {
      notFoundPage(reply);
      return null;
    }
    const c = await chosen(req, reply, input, 'not-found');
    return c && { key: section, partnership: c.partnership, query: c.query };
  }

  async function refuseWrite(req: FastifyRequest, reply: FastifyReply, partnershipId: string) {
    await req.audit({ action: 'access-refused', permission: WRITE_NARRATIVE, partnershipId, recordType: 'yearly-report', outcome: 'refused' });
    return reply.code(403).render('error-pages/client-error.njk', { pageTitle: 'You cannot do this', detail: 'Only the partnership’s business unit can write its yearly report.', status: 403 });
  }

  function renderForm(reply: FastifyReply, s: { key: SectionKey; partnership: { id: string; name: string }; query: YearlyQuery }, form: { body: string; version: number; versions: number }, errors: { field: string; message: string }[] = []) {
    const here = yearlyQuery(s.query.startMonth, s.partnership.id);
    return reply.render('reports/views/yearly-section.njk', {
      pageTitle: `${SECTIONS[s.key].title} – yearly report`,
      section: SECTIONS[s.key],
      partnership: s.partnership,
      periodName: periodName(s.query.period),
      startMonth: s.query.startMonth,
      form,
      max: SECTION_MAX,
      errors: errors.map((e) => ({ text: e.message, href: e.field === 'body' ? '#body' : '#main-content' })),
      fieldErrors: Object.fromEntries(errors.filter((e) => e.field === 'body').map((e) => [e.field, { text: e.message }])),
      action: `/reports/yearly/sections/${s.key}${here}`,
      back: `/reports/yearly${here}#${s.key === 'impact' ? 'actions' : s.key}`,
      versionsHref: `/reports/yearly/sections/${s.key}/versions${here}`,
    });
  }

  app.get('/reports/yearly/sections/:section', access(WRITE_NARRATIVE), async (req, reply) => {
    const s = await sectionOf(req, reply, req.query);
    if (!s) return reply;
    if (!mayWrite(req.principal!, s.partnership.id)) return refuseWrite(req, reply, s.partnership.id);
    const current = (await currentNarrative(db, s.partnership.id, s.query.period.from))[s.key];
    await req.audit({ action: 'view', permission: WRITE_NARRATIVE, partnershipId: s.partnership.id, recordType: 'yearly-report-section', changes: { from: s.query.startMonth, section: s.key, page: 'edit' } });
    return renderForm(reply, s, { body: current?.body ?? '', version: current?.version ?? 0, versions: current?.versions ?? 0 });
  });

  app.post('/reports/yearly/sections/:section', access(WRITE_NARRATIVE), async (req, reply) => {
    const body = bodyOf(req);
    // The report is named in the address, as for the form's page: one source for which report it is.
    const s = await sectionOf(req, reply, req.query);
    if (!s) return reply;
    if (!mayWrite(req.principal!, s.partnership.id)) return refuseWrite(req, reply, s.partnership.id);
    // Longer than allowed is read whole (up to a bound) so the writer is told, never silently cut.
    const written = text(body, 'body', SECTION_MAX * 2 + 1);
    const basedOn = formVersion(body);
    const result = await req.change(
      (trx) => saveSection(trx, { partnershipId: s.partnership.id, from: s.query.period.from, section: s.key, body: written, basedOn, writer: actorOf(req) }),
      (r) => (r.ok ? { action: 'yearly-report-section-saved', permission: WRITE_NARRATIVE, partnershipId: s.partnership.id, recordType: 'yearly-report-section', changes: { from: s.query.startMonth, section: s.key, version: r.version, characters: written.trim().length } } : null),
    );
    if (result.ok) return reply.redirect(`/reports/yearly${yearlyQuery(s.query.startMonth, s.partnership.id, { saved: s.key })}#${s.key === 'impact' ? 'actions' : s.key}`, 303);
    const current = (await currentNarrative(db, s.partnership.id, s.query.period.from))[s.key];
    // On a conflict the newer text is shown (theirs), the writer's own is lost only if they leave.
    const form = result.conflict ? { body: current?.body ?? '', version: current?.version ?? 0, versions: current?.versions ?? 0 } : { body: written, version: basedOn < 0 ? (current?.version ?? 0) : basedOn, versions: current?.versions ?? 0 };
    return renderForm(reply.code(result.conflict ? 409 : 422), s, form, result.problems);
  });

  app.get('/reports/yearly/sections/:section/versions', access(FIGURES), async (req, reply) => {
    const s = await sectionOf(req, reply, req.query);
    if (!s) return reply;
    const versions = await sectionHistory(db, s.partnership.id, s.query.period.from, s.key);
    await req.audit({ action: 'view', permission: FIGURES, partnershipId: s.partnership.id, recordType: 'yearly-report-section', changes: { from: s.query.startMonth, section: s.key, page: 'versions' } });
    const here = yearlyQuery(s.query.startMonth, s.partnership.id);
    return reply.render('reports/views/yearly-versions.njk', {
      pageTitle: `${SECTIONS[s.key].title}: versions – yearly report`,
      section: SECTIONS[s.key],
      partnership: s.partnership,
      periodName: periodName(s.query.period),
      startMonth: formatMonth(s.query.startMonth),
      versions: versions.map((v) => ({ ...v, paragraphs: paragraphsOf(v.body), writtenAtText: savedAt(v.writtenAt) })),
      back: `/reports/yearly${here}#${s.key === 'impact' ? 'actions' : s.key}`,
      editHref: mayWrite(req.principal!, s.partnership.id) ? `/reports/yearly/sections/${s.key}${here}` : null,
    });
  });
}
