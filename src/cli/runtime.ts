import { loadConfig, type Config } from '../platform/config/config.ts';
import { createFieldCipher, loadDataKey, type FieldCipher } from '../platform/crypto/field-encryption.ts';
import { checkMasterKey } from '../platform/crypto/master-key.ts';
import { openDatabase, type Database } from '../platform/db/database.ts';
import { migrateDeployment } from '../platform/db/roles.ts';
import { auditedScope } from '../platform/db/transaction.ts';
import { createFileStore, type FileStore } from '../platform/storage/file-store.ts';

export type ServiceContext = { cipher: FieldCipher; files: FileStore };

/**
 * The master key and the file store for a migrated database. The configured key must be the one
 * the database's encrypted data was written with (see master-key.ts): otherwise this refuses,
 * with the sentence saying what to set, before anything reads or writes encrypted data.
 */
export async function serviceContext(database: Database, config: Config): Promise<ServiceContext> {
  const key = loadDataKey({ envKey: config.dataEncryptionKey, dataDir: config.dataDir });
  await checkMasterKey(database.db, key, config.dataDir);
  const cipher = createFieldCipher(key);
  return { cipher, files: createFileStore({ db: database.db, cipher, config: config.fileStore }) };
}

/**
 * Opens the configured database, migrated, for one command; always closes it. The command's work
 * runs in an audited scope, as a web request does: a change it commits needs an audit entry in
 * the same transaction (`audited: false` only for work done for nobody in particular).
 */
export async function withDatabase<T>(
  work: (database: Database, config: Config, cipher: FieldCipher, files: FileStore) => Promise<T>,
  options: { audited?: boolean } = {},
): Promise<T> {
  return withOpenDatabase(async (database, config) => {
    await migrateDeployment(database, config);
    const { cipher, files } = await serviceContext(database, config);
    const run = () => work(database, config, cipher, files);
    return options.audited === false ? run() : auditedScope(run);
  });
}

/** Opens the configured database for one command and always closes it; `work` migrates it (or not) itself. */
export async function withOpenDatabase<T>(work: (database: Database, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    return await work(database, config);
  } finally {
    await database.close();
  }
}
