import type { Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { ESCALATE_AFTER_WORKING_DAYS, ESCALATION_LEVEL_LABELS } from '../../domain/learning/escalation.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import type { DB } from '../../platform/db/types.ts';
import { overdueChecks } from './assurance-checks.ts';
import { escalationsOf } from './escalation-job.ts';
import { EVIDENCE_STAGE_LABELS, EVIDENCE_TYPE_LABELS, evidenceFiles, formatSize } from './evidence.ts';
import type { ActionDetail } from './service.ts';

/** What the action's page shows of assurance: its evidence files and the escalations sent about it. */
export async function actionAssurance(db: Kysely<DB>, cipher: FieldCipher, action: ActionDetail) {
  const [files, escalations] = await Promise.all([evidenceFiles(db, cipher, action), escalationsOf(db, action)]);
  return {
    evidence: files.map((f) => ({ ...f, stageLabel: EVIDENCE_STAGE_LABELS[f.stage], typeLabel: EVIDENCE_TYPE_LABELS[f.type], sizeLabel: formatSize(f.size) })),
    escalations: { ...escalations, labels: ESCALATION_LEVEL_LABELS, afterWorkingDays: ESCALATE_AFTER_WORKING_DAYS },
  };
}

/** What the assurance view shows of the partnership's checks: those overdue. */
export async function actionsAssurance(db: Kysely<DB>, partnerships: readonly string[], today: DateOnly) {
  return { overdueChecks: await overdueChecks(db, [...partnerships], today), mayCheck: partnerships.length > 0 };
}
