import { checkpointKeyFor } from '../../platform/audit/checkpoints.ts';
import path from 'node:path';
import { checkRestoreKey, restore } from '../../platform/backup/restore.ts';
import { verifyBackup } from '../../platform/backup/verify.ts';
import { backup } from '../../platform/backup/write.ts';
import { sealKeyFor, sealKeyFrom } from '../../platform/backup/seal.ts';
import { createFieldCipher, loadDataKey } from '../../platform/crypto/field-encryption.ts';
import { checkMasterKey, existingKey, showFingerprint } from '../../platform/crypto/master-key.ts';
import { createFileStore } from '../../platform/storage/file-store.ts';
import { parseCommandArgs, type Command } from '../command.ts';
import { withDatabase, withOpenDatabase } from '../runtime.ts';
import { loadConfig } from '../../platform/config/config.ts';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export const backupCommand: Command = {
  name: 'backup',
  summary: 'Write a consistent copy of all data and files to FILE (portable between engines); --verify checks a backup FILE without restoring it.',
  usage: 'cspr backup FILE | cspr backup --verify FILE',
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { verify: { type: 'boolean' } }, { min: 1, max: 1, names: 'the backup FILE' });
    const file = path.resolve(positionals[0]);
    if (values.verify) {
      const config = loadConfig();
      const report = await verifyBackup(file, existingKey(config));
      const { header } = report;
      io.out(
        `${file} is a whole backup (format ${header.version}, made ${header.createdAt} on the ${header.engine} engine, ${header.migrations.length} migrations): ` +
          `${report.rows} rows in ${report.tables} tables, ${report.files} files (${mb(report.storedBytes)}).`,
      );
      if (header.version < 2) {
        io.out('It is a backup of an earlier version: it holds rows only, without files or a manifest to check them against.');
        return 0;
      }
      const needs = header.keyFingerprint ? `the key with fingerprint ${showFingerprint(header.keyFingerprint)}` : 'no particular key';
      io.out(
        report.seal === 'holds'
          ? 'Its seal holds: it is unchanged since it was written with the configured key.'
          : report.seal === 'none'
            ? `It carries no seal (it says it was made by an earlier version, format ${header.version}): nothing shows it unchanged since it was written, and restoring it needs --unsealed.`
            : 'Its seal could not be checked without the key it was written with.',
      );
      if (report.key === 'matches') {
        io.out(`Every file's content matches its record (${report.opened} checked). Its data needs ${needs}, which is the configured key.`);
        return 0;
      }
      io.out(`Every published file's content matches its record (${report.opened} checked); encrypted files were not opened.`);
      if (report.key === 'none') {
        io.out(`Its data needs ${needs}; no key is configured here, so encrypted files could not be checked.`);
        return 0;
      }
      io.err(`Its data needs ${needs}, and the configured key is another one: restoring it here would be refused.`);
      return 1;
    }
    const result = await withDatabase((database, config, _cipher, files) => backup(database, files, file, { checkpoint: checkpointKeyFor(config), seal: sealKeyFor(config) }));
    io.out(`Wrote ${result.rows} rows from ${result.tables} tables and ${result.files} files (${mb(result.storedBytes)}) to ${file}.`);
    if (result.keyFingerprint) {
      io.out(`Its data needs the key with fingerprint ${showFingerprint(result.keyFingerprint)}: keep a copy of that key apart from the backup.`);
    }
    return 0;
  },
};

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'Load a backup FILE (rows and files) into an empty data folder or database; --unsealed also takes one whose seal cannot be checked (older, or made without a key).',
  usage: 'cspr restore [--unsealed] FILE',
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { unsealed: { type: 'boolean' } }, { min: 1, max: 1, names: 'the backup FILE to read' });
    const file = path.resolve(positionals[0]);
    const config = loadConfig();
    // Refused before the database is even opened: the configured key must be the backup's.
    await checkRestoreKey(file, existingKey(config), config.dataDir);
    const result = await withOpenDatabase(async (database) => {
      const key = loadDataKey({ envKey: config.dataEncryptionKey, dataDir: config.dataDir });
      const files = createFileStore({ db: database.db, cipher: createFieldCipher(key), config: config.fileStore });
      const summary = await restore(database, files, file, { sealKey: sealKeyFrom(key), unsealed: values.unsealed === true });
      await checkMasterKey(database.db, key, config.dataDir);
      return summary;
    });
    io.out(`Restored ${result.rows} rows into ${result.tables} tables and ${result.files} files from ${file}.`);
    return 0;
  },
};
