import { createHash } from 'node:crypto';
import { createFieldCipher } from '../crypto/field-encryption.ts';
import { keyFingerprint } from '../crypto/master-key.ts';
import { openChunk } from '../storage/envelope.ts';
import { BackupError, BackupLines, readHeader, readSections, type BackupHeader } from './format.ts';
import { checkSeal, sealKeyFrom, type SealStatus } from './seal.ts';

export type VerifyReport = {
  header: BackupHeader;
  tables: number;
  rows: number;
  files: number;
  storedBytes: number;
  /** Files whose content was read back and matched its hash (published ones always; encrypted ones with the key). */
  opened: number;
  /** 'matches': the configured key is the backup's; 'other': it is not; 'none': no key is configured. */
  key: 'matches' | 'other' | 'none';
  /** Whether the backup is shown unchanged since it was written (seal.ts); a seal that does not match throws. */
  seal: SealStatus;
};

type FileRecord = { size: number; chunks: number; data_key_enc: string | null };

/**
 * Checks a backup without restoring it: that it is whole (every section's count, every table's and
 * file's hash against the manifest), and, where it can, that every file's content is what its
 * record says — plain files always, encrypted ones when the configured key is the backup's (each
 * is decrypted and hashed). Throws a BackupError on the first fault.
 */
export async function verifyBackup(file: string, key: Buffer | null): Promise<VerifyReport> {
  const lines = new BackupLines(file);
  try {
    const header = await readHeader(lines);
    const keyStatus = !key ? 'none' : header.keyFingerprint === keyFingerprint(key) ? 'matches' : 'other';
    const report: VerifyReport = { header, tables: 0, rows: 0, files: 0, storedBytes: 0, opened: 0, key: keyStatus, seal: 'none' };
    if (header.version < 2) {
      // No counts, files or manifest to check: count what is there.
      for (let line = await lines.maybeNext(); line !== null; line = await lines.maybeNext()) {
        if (line.startsWith('{"table":')) report.tables++;
        else if (line !== '') report.rows++;
      }
      return report;
    }
    const cipher = key && keyStatus === 'matches' ? createFieldCipher(key) : null;
    const records = new Map<string, FileRecord>();
    const sections = readSections(lines);
    let next = await sections.next();
    for (; !next.done; next = await sections.next()) {
      const section = next.value;
      if (section.kind === 'table') {
        report.tables++;
        for await (const line of section.rows) {
          report.rows++;
          if (section.table === 'stored_files') {
            const row = JSON.parse(line) as FileRecord & { sha256: string };
            records.set(row.sha256, { size: Number(row.size), chunks: row.chunks, data_key_enc: row.data_key_enc });
          }
        }
        continue;
      }
      const record = records.get(section.sha256);
      if (!record || record.chunks !== section.chunks) throw new BackupError(`The backup ${file} is damaged: the file ${section.sha256} does not match its record. Use another copy.`);
      report.files++;
      report.storedBytes += section.storedBytes;
      const dataKey = record.data_key_enc ? (cipher ? Buffer.from(cipher.decrypt(record.data_key_enc), 'base64') : null) : undefined;
      if (dataKey === null) continue;
      const hash = createHash('sha256');
      let index = 0;
      let size = 0;
      for await (const chunk of section.data) {
        let plain = chunk;
        try {
          if (dataKey) plain = openChunk(dataKey, index, index === section.chunks - 1, chunk);
        } catch {
          throw new BackupError(`The backup ${file} is damaged: the file ${section.sha256} does not open with its key. Use another copy.`);
        }
        hash.update(plain);
        size += plain.length;
        index++;
      }
      if (size !== record.size || hash.digest('hex') !== section.sha256) throw new BackupError(`The backup ${file} is damaged: the content of the file ${section.sha256} is not what was stored. Use another copy.`);
      report.opened++;
    }
    // Checked with the backup's own key only: with another, its seal cannot be told from a changed one.
    report.seal = checkSeal(file, header, next.value.manifest.seal, next.value.linesDigest, key && keyStatus === 'matches' ? sealKeyFrom(key) : null);
    return report;
  } finally {
    lines.close();
  }
}
