import path from 'node:path';
import type { Kysely } from 'kysely';
import { openField, sealField, type FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import { DocumentError } from '../../platform/documents/document-error.ts';
import type { DocumentWorkers } from '../../platform/documents/document-workers.ts';
import type { FileStore } from '../../platform/storage/file-store.ts';
import { formatDateTime } from '../audit/format.ts';
import { isUuid, type Actor } from '../cases/service.ts';
import type { ActionDetail } from './service.ts';

/**
 * Evidence files of an action: what an agency sends to show an action is completed (a new policy,
 * training records) and what it changed (audit results, figures, what practitioners and families
 * say). PDF, Word (.docx), Excel (.xlsx), PNG or JPEG, up to 10 MB, recognised by their first bytes
 * (never by the name or the browser's word for it); Word documents are read by the document workers
 * (off the request thread) and refused if damaged or carrying active content, spreadsheets with
 * macros are refused. Kept encrypted in the file store, with their names encrypted too.
 */

export const EVIDENCE_MAX_BYTES = 10 * 1024 * 1024;

export const EVIDENCE_TYPES = ['pdf', 'docx', 'xlsx', 'png', 'jpeg'] as const;
export type EvidenceType = (typeof EVIDENCE_TYPES)[number];

export const EVIDENCE_TYPE_LABELS: Readonly<Record<EvidenceType, string>> = Object.freeze({
  pdf: 'PDF',
  docx: 'Word document (.docx)',
  xlsx: 'Excel spreadsheet (.xlsx)',
  png: 'PNG image',
  jpeg: 'JPEG image',
});

export const EVIDENCE_CONTENT_TYPES: Readonly<Record<EvidenceType, string>> = Object.freeze({
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  png: 'image/png',
  jpeg: 'image/jpeg',
});

export const EVIDENCE_STAGES = ['completion', 'impact'] as const;
export type EvidenceStage = (typeof EVIDENCE_STAGES)[number];
export const EVIDENCE_STAGE_LABELS: Readonly<Record<EvidenceStage, string>> = Object.freeze({
  completion: 'Evidence of completion',
  impact: 'Evidence of impact',
});

export function isEvidenceStage(value: unknown): value is EvidenceStage {
  return typeof value === 'string' && (EVIDENCE_STAGES as readonly string[]).includes(value);
}

const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);

const startsWith = (bytes: Buffer, magic: Buffer) => bytes.length >= magic.length && bytes.subarray(0, magic.length).equals(magic);
const names = (bytes: Buffer, entry: string) => bytes.includes(Buffer.from(entry, 'latin1'));

/** The kind of file by its content, or null when it is none of the kinds kept. */
export function detectEvidenceType(bytes: Buffer): EvidenceType | null {
  if (startsWith(bytes, PDF_MAGIC)) return 'pdf';
  if (startsWith(bytes, PNG_MAGIC)) return 'png';
  if (startsWith(bytes, JPEG_MAGIC)) return 'jpeg';
  if (bytes.length >= 30 && startsWith(bytes, ZIP_MAGIC)) {
    // An Office Open XML file is a zip naming its main part (in a local header or the central directory).
    if (names(bytes, 'word/document.xml')) return 'docx';
    if (names(bytes, 'xl/workbook.xml')) return 'xlsx';
  }
  return null;
}

/**
 * The message to show for an uploaded file that cannot be kept, or null when it can: its size and
 * kind first, then its content (a Word document read by the document workers; a spreadsheet
 * refused if it carries macros).
 */
export async function evidenceProblem(documents: DocumentWorkers, file: { bytes: Buffer; truncated: boolean }): Promise<string | null> {
  if (file.truncated || file.bytes.length > EVIDENCE_MAX_BYTES) return 'The selected file must be smaller than 10 MB';
  if (file.bytes.length === 0) return 'The selected file is empty';
  const type = detectEvidenceType(file.bytes);
  if (!type) return 'The selected file must be a PDF, a Word document (.docx), an Excel spreadsheet (.xlsx), or a PNG or JPEG image';
  if (type === 'xlsx' && (names(file.bytes, 'vbaProject.bin') || names(file.bytes, 'macrosheets/'))) return 'The selected spreadsheet cannot be used: it contains macros. Save it as an .xlsx without macros';
  if (type === 'pdf' || type === 'docx') {
    try {
      await documents.check(file.bytes, type);
    } catch (err) {
      if (err instanceof DocumentError) return `The selected file cannot be used: ${err.message}`;
      throw err;
    }
  }
  return null;
}

/** A file name safe to show and to offer for download, ending in its kind's extension. */
export function cleanEvidenceName(name: string, type: EvidenceType): string {
  const base = path.basename(name.replaceAll('\\', '/')).replace(/[\p{Cc}\p{Cf}"]/gu, '').trim().slice(0, 200);
  const ext = type === 'jpeg' ? /\.(jpe?g)$/i : new RegExp(`\\.${type}$`, 'i');
  if (!base) return `evidence.${type === 'jpeg' ? 'jpg' : type}`;
  return ext.test(base) ? base : `${base.slice(0, 190)}.${type === 'jpeg' ? 'jpg' : type}`;
}

export type EvidenceFile = { id: string; actionId: string; stage: EvidenceStage; name: string; type: EvidenceType; size: number; sha256: string; by: string | null; at: string; atIso: string };

/** May files be added to the action now? Not once it is closed (signed off): its record is final. */
export function evidenceBlocked(action: Pick<ActionDetail, 'status'>): string | null {
  return action.status === 'closed' ? 'This action is closed: it was signed off and its evidence can no longer change' : null;
}

/** Keeps an evidence file of an action: the bytes (encrypted) and the record that names them commit together. */
export async function addEvidenceFile(
  trx: Kysely<DB>,
  cipher: FieldCipher,
  files: FileStore,
  action: ActionDetail,
  actor: Actor,
  input: { stage: EvidenceStage; bytes: Buffer; name: string; type: EvidenceType },
): Promise<{ ok: true; id: string; sha256: string; size: number } | { ok: false; problems: { field: string; message: string }[] }> {
  const blocked = evidenceBlocked(action);
  if (blocked) return { ok: false, problems: [{ field: 'file', message: blocked }] };
  return withTenant(trx, [action.partnershipId], async (t) => {
    const sha256 = await files.put(t, input.bytes, 'private');
    const row = await t
      .insertInto('action_evidence_files')
      .values({
        partnership_id: action.partnershipId,
        action_id: action.id,
        stage: input.stage,
        sha256,
        name_enc: sealField(cipher, input.name) ?? '',
        type: input.type,
        size: input.bytes.length,
        uploaded_by: actor.userId,
        uploaded_by_name: actor.name,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { ok: true, id: row.id, sha256, size: input.bytes.length };
  });
}

/** The evidence files of an action, newest first. The caller has checked the person may read the action. */
export async function evidenceFiles(db: Kysely<DB>, cipher: FieldCipher, action: Pick<ActionDetail, 'id' | 'partnershipId'>): Promise<EvidenceFile[]> {
  const rows = await withTenant(db, [action.partnershipId], (trx) =>
    trx.selectFrom('action_evidence_files').selectAll().where('partnership_id', '=', action.partnershipId).where('action_id', '=', action.id).orderBy('created_at', 'desc').execute(),
  );
  return rows.map((r) => ({
    id: r.id,
    actionId: r.action_id,
    stage: r.stage,
    name: openField(cipher, r.name_enc),
    type: r.type,
    size: Number(r.size),
    sha256: r.sha256,
    by: r.uploaded_by_name,
    at: formatDateTime(new Date(r.created_at)),
    atIso: new Date(r.created_at).toISOString(),
  }));
}

/** One evidence file of an action, if it belongs to it. */
export async function evidenceFile(db: Kysely<DB>, cipher: FieldCipher, action: Pick<ActionDetail, 'id' | 'partnershipId'>, fileId: string): Promise<EvidenceFile | undefined> {
  if (!isUuid(fileId)) return undefined;
  return (await evidenceFiles(db, cipher, action)).find((f) => f.id === fileId);
}

/** "1.2 MB", "340 KB": a file's size for people. */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
