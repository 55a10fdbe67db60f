import type { Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import type { IncidentState } from '../../domain/workflow/incident-workflow.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';

/**
 * What partnerships have sent to the national Panel, across every partnership: notifications,
 * rapid reviews with their decisions, and advance copies of final reports. Read-only; nothing
 * that was not sent (drafts, the review's log, agency answers) is shown here.
 */

export const PANEL_PAGE_SIZE = 50;

export type SentToPanel = {
  incidentId: string;
  reference: string;
  partnershipName: string;
  state: IncidentState;
  panelReference: string | null;
  notifiedOn: DateOnly;
  rapidReviewSentOn: DateOnly | null;
  decision: string | null;
  panelResponse: string | null;
  advanceCopySentOn: DateOnly | null;
};

export async function listSentToPanel(db: Kysely<DB>, options: { page: number; partnershipId?: string | null }): Promise<{ items: SentToPanel[]; total: number }> {
  return withTenant(db, 'all', async (trx) => {
    let base = trx.selectFrom('incidents').where('incidents.notified_on', 'is not', null);
    if (options.partnershipId) base = base.where('incidents.partnership_id', '=', options.partnershipId);
    const total = Number((await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0);
    const rows = await base
      .innerJoin('partnerships', 'partnerships.id', 'incidents.partnership_id')
      .leftJoin('rapid_reviews', (j) => j.onRef('rapid_reviews.incident_id', '=', 'incidents.id').onRef('rapid_reviews.partnership_id', '=', 'incidents.partnership_id'))
      .select([
        'incidents.id',
        'incidents.reference',
        'incidents.state',
        'incidents.panel_reference',
        'incidents.notified_on',
        'incidents.rapid_review_sent_on',
        'incidents.advance_copy_sent_on',
        'partnerships.name as partnership_name',
        'rapid_reviews.decision',
        'rapid_reviews.panel_response',
      ])
      .orderBy('incidents.notified_on', 'desc')
      .orderBy('incidents.reference')
      .limit(PANEL_PAGE_SIZE)
      .offset((Math.max(1, options.page) - 1) * PANEL_PAGE_SIZE)
      .execute();
    return {
      total,
      items: rows.map((r) => ({
        incidentId: r.id,
        reference: r.reference,
        partnershipName: r.partnership_name,
        state: r.state as IncidentState,
        panelReference: r.panel_reference,
        notifiedOn: r.notified_on as DateOnly,
        // Only what has been sent: a decision counts once the rapid review went to the Panel.
        rapidReviewSentOn: r.rapid_review_sent_on,
        decision: r.rapid_review_sent_on ? r.decision : null,
        panelResponse: r.panel_response,
        advanceCopySentOn: r.advance_copy_sent_on,
      })),
    };
  });
}

/** The final report the advance copy carried: the latest final version on file when it was sent. */
export async function advanceCopyReport(db: Kysely<DB>, partnershipId: string, incidentId: string): Promise<{ id: string; fileName: string; fileType: 'pdf' | 'docx'; sha256: string; version: number } | null> {
  const row = await withTenant(db, [partnershipId], (trx) =>
    trx
      .selectFrom('review_reports')
      .select(['id', 'file_name', 'file_type', 'file_sha256', 'version'])
      .where('incident_id', '=', incidentId)
      .where('partnership_id', '=', partnershipId)
      .where('kind', '=', 'final')
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst(),
  );
  return row ? { id: row.id, fileName: row.file_name, fileType: row.file_type, sha256: row.file_sha256, version: row.version } : null;
}
