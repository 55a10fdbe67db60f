import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatDateForDisplay } from '../../domain/calendar/date-only.ts';
import { GROUPINGS } from '../../domain/reports/period.ts';
import type { Table } from '../../domain/reports/tables.ts';
import { partnershipsWith, type Permission } from '../../platform/auth/policy.ts';
import { csvRow } from '../../platform/export/csv.ts';
import { access } from '../../platform/http/access.ts';
import { sendDownload } from '../../platform/http/downloads.ts';
import { today } from '../cases/request-context.ts';
import { chartsFor, displayRows } from './presenter.ts';
import { filterQuery, parseFiguresQuery, type FiguresFilters, type ParsedFilters } from './schemas.ts';
import { figuresFor, visiblePartnerships, type FiguresView } from './service.ts';

/**
 * The figures on the pages: /reports/figures for a period, by quarter or year, for one partnership
 * or every one the person may see; each table downloads as CSV or Excel. Counts only: no child's
 * details. The business unit and the partners' leads see their own partnerships, the national
 * Panel and a deployment's administrators every partnership. Every view and download is audited.
 */

export const FIGURES: Permission = 'figures:read';
const TEMPLATE = 'reports/views/figures.njk';

/** The audit entry's partnership: the one the figures cover, when only one. */
export function auditedScope(view: FiguresView | null, filters: FiguresFilters | null) {
  const covered = view?.covered ?? [];
  return {
    partnershipId: covered.length === 1 ? covered[0].id : null,
    changes: filters ? { from: filters.period.from, to: filters.period.to, by: filters.grouping, partnerships: covered.map((p) => p.id) } : {},
  };
}

function tableCsv(table: Table): string {
  return csvRow(table.columns.map((c) => c.label)) + table.rows.map((row) => csvRow(row)).join('');
}

export async function reportRoutes(app: FastifyInstance): Promise<void> {
  const db = app.deps.database.db;

  async function refusedFilters(req: FastifyRequest, reply: FastifyReply, parsed: Extract<ParsedFilters, { ok: false }>) {
    const partnerships = await visiblePartnerships(db, partnershipsWith(req.principal!, FIGURES));
    reply.code(422);
    return reply.render(TEMPLATE, { pageTitle: 'Figures', values: parsed.values, errors: parsed.errors, fieldErrors: parsed.fieldErrors, dateParts: parsed.dateParts, partnerships, groupings: GROUPINGS });
  }

  /** The figures for the filters, or the page saying the partnership is not one the person may see. */
  async function load(req: FastifyRequest, reply: FastifyReply): Promise<{ view: FiguresView; filters: FiguresFilters; values: unknown } | null> {
    const parsed = parseFiguresQuery(req.query, today());
    if (!parsed.ok) {
      await refusedFilters(req, reply, parsed);
      return null;
    }
    const view = await figuresFor(db, partnershipsWith(req.principal!, FIGURES), parsed.filters, today());
    if (!view) {
      await req.audit({ action: 'access-refused', permission: FIGURES, recordType: 'figures', recordId: parsed.filters.partnershipId ?? undefined, outcome: 'refused' });
      await refusedFilters(req, reply, { ok: false, values: parsed.values, errors: [{ text: 'Choose a partnership from the list', href: '#partnership' }], fieldErrors: { partnership: { text: 'Choose a partnership from the list' } }, dateParts: {}, problems: [] });
      return null;
    }
    return { view, filters: parsed.filters, values: parsed.values };
  }

  app.get('/reports/figures', access(FIGURES), async (req, reply) => {
    const loaded = await load(req, reply);
    if (!loaded) return reply;
    const { view, filters, values } = loaded;
    await req.audit({ action: 'figures-viewed', permission: FIGURES, recordType: 'figures', ...auditedScope(view, filters) });
    const charts = chartsFor(view);
    const query = (extra: Record<string, string> = {}) => filterQuery(filters, extra);
    return reply.render(TEMPLATE, {
      pageTitle: 'Figures',
      values,
      fieldErrors: {},
      partnerships: view.partnerships,
      groupings: GROUPINGS,
      figures: view.figures,
      covered: view.covered,
      periodText: `${formatDateForDisplay(filters.period.from)} to ${formatDateForDisplay(filters.period.to)}`,
      tables: view.tables.map((t) => ({
        ...t,
        display: displayRows(t),
        chart: charts[t.key] ?? null,
        hasChart: t.key in charts,
        csvHref: `/reports/figures/export${query({ table: t.key, format: 'csv' })}`,
        xlsxHref: `/reports/figures/export${query({ table: t.key, format: 'xlsx' })}`,
      })),
      workbookHref: `/reports/figures/export${query({ format: 'xlsx' })}`,
      apiHref: `/api/v1/reports/figures${query()}`,
    });
  });

  app.get('/reports/figures/export', access(FIGURES), async (req, reply) => {
    const loaded = await load(req, reply);
    if (!loaded) return reply;
    const { view, filters } = loaded;
    const format = filters.format ?? 'xlsx';
    const tables = filters.table ? view.tables.filter((t) => t.key === filters.table) : view.tables;
    if (format === 'csv' && tables.length !== 1) {
      return refusedFilters(req, reply, { ok: false, values: {}, errors: [{ text: 'Choose a table to download as CSV', href: '#main-content' }], fieldErrors: {}, dateParts: {}, problems: [] });
    }
    if (tables.length === 0) {
      // The table of partnerships exists only when several are covered.
      return refusedFilters(req, reply, { ok: false, values: {}, errors: [{ text: 'That table is not part of these figures', href: '#main-content' }], fieldErrors: {}, dateParts: {}, problems: [] });
    }
    const scope = auditedScope(view, filters);
    await req.audit({ action: 'figures-exported', permission: FIGURES, recordType: 'figures', partnershipId: scope.partnershipId, changes: { ...scope.changes, table: filters.table ?? 'all', format } });
    const name = `figures-${filters.table ?? 'all'}-${filters.period.from}-to-${filters.period.to}`;
    if (format === 'csv') return sendDownload(reply, { body: Buffer.from(tableCsv(tables[0]), 'utf8'), name: `${name}.csv`, contentType: 'text/csv; charset=utf-8' });
    return sendDownload(reply, {
      // Written by a document worker: zipping a workbook is pure computation the request thread need not wait on.
      body: await app.deps.documents.xlsx(tables.map((t) => ({ name: t.title, columns: t.columns, rows: t.rows }))),
      name: `${name}.xlsx`,
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    });
  });
}
