import type { FastifyInstance } from 'fastify';
import { PUBLICATION_DECISION_LABELS } from '../reviews/service.ts';
import { access } from '../../platform/http/access.ts';
import { sendDocument } from '../../platform/http/downloads.ts';
import { notFoundPage } from '../../platform/http/errors.ts';
import { DECISION_LABELS, ALTERNATIVE_LABELS, PANEL_RESPONSE_LABELS, RECORD_LABELS, loadRapidReview } from '../rapid-reviews/service.ts';
import { LCSPR_CRITERIA } from '../../domain/notification/criteria.ts';
import { today } from '../cases/request-context.ts';
import { CASE_LABELS } from '../cases/routes.ts';
import { dutiesOf } from '../cases/service.ts';
import { listPartnerships } from '../partnerships/service.ts';
import { advanceCopyReport, listSentToPanel, PANEL_PAGE_SIZE } from './service.ts';

/**
 * The national Panel's read-only view (panel:read): what every partnership has sent to it. Every
 * page view is audited against the case it shows.
 */

const READ = 'panel:read';

const LABELS = { ...CASE_LABELS, decisions: DECISION_LABELS, alternatives: ALTERNATIVE_LABELS, responses: PANEL_RESPONSE_LABELS, record: RECORD_LABELS, criteria: LCSPR_CRITERIA, publication: PUBLICATION_DECISION_LABELS };


export async function panelRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher, files } = app.deps;
  const db = database.db;

  app.get('/panel', access(READ), async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const page = Math.min(10_000, Math.max(1, Number.parseInt(String(q.page ?? '1'), 10) || 1));
    const partnerships = await listPartnerships(db, 'all');
    const chosen = partnerships.find((p) => p.slug === q.partnership) ?? null;
    const { items, total } = await listSentToPanel(db, { page, partnershipId: chosen?.id ?? null });
    const pages = Math.max(1, Math.ceil(total / PANEL_PAGE_SIZE));
    const link = (n: number) => `/panel?${new URLSearchParams({ ...(chosen ? { partnership: chosen.slug } : {}), page: String(n) })}`;
    return reply.render('panel/views/list.njk', {
      pageTitle: 'Sent to the Panel',
      items,
      total,
      partnerships,
      chosen,
      labels: LABELS,
      pagination: pages > 1 ? { previous: page > 1 ? { href: link(page - 1) } : null, next: page < pages ? { href: link(page + 1) } : null, items: Array.from({ length: pages }, (_, i) => ({ number: i + 1, href: link(i + 1), current: i + 1 === page })) } : null,
    });
  });

  app.get('/panel/cases/:id', access(READ), async (req, reply) => {
    const { id } = req.params as { id: string };
    const view = await loadRapidReview(db, cipher, 'all', id, today());
    if (!view || !view.incident.dates.notified) return notFoundPage(reply);
    const { incident } = view;
    await req.audit({ action: 'view', permission: READ, partnershipId: incident.partnershipId, recordType: 'incident', recordId: incident.id, changes: { page: 'panel' } });
    return reply.render('panel/views/case.njk', {
      pageTitle: `Sent to the Panel: ${incident.reference}`,
      incident,
      view,
      duties: dutiesOf(incident, incident.children),
      report: incident.dates.advanceCopySent ? await advanceCopyReport(db, incident.partnershipId, incident.id) : null,
      labels: LABELS,
    });
  });

  app.get('/panel/cases/:id/advance-copy', access(READ), async (req, reply) => {
    const { id } = req.params as { id: string };
    const view = await loadRapidReview(db, cipher, 'all', id, today());
    if (!view || !view.incident.dates.advanceCopySent) return notFoundPage(reply);
    const report = await advanceCopyReport(db, view.incident.partnershipId, id);
    const stored = report ? await files.open(report.sha256) : null;
    if (!report || !stored) return notFoundPage(reply);
    await req.audit({ action: 'download', permission: READ, partnershipId: view.incident.partnershipId, recordType: 'incident', recordId: id, changes: { page: 'advance-copy', version: report.version } });
    return sendDocument(reply, { body: stored.stream(), name: report.fileName, type: report.fileType });
  });
}
