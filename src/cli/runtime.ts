import { loadConfig, type Config } from '../platform/config/config.ts';
import { cipherFor, type FieldCipher } from '../platform/crypto/field-encryption.ts';
import { openDatabase, type Database } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { auditedScope } from '../platform/db/transaction.ts';

/**
 * Opens the configured database, migrated, for one command; always closes it. The command's work
 * runs in an audited scope, as a web request does: a change it commits needs an audit entry in
 * the same transaction (\`audited: false\` only for work done for nobody in particular).
 */
export async function withDatabase<T>(
  work: (database: Database, config: Config, cipher: FieldCipher) => Promise<T>,
  options: { migrate?: boolean; audited?: boolean } = {},
): Promise<T> {
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    if (options.migrate !== false) await migrate(database);
    const run = () => work(database, config, cipherFor(config));
    return await (options.audited === false ? run() : auditedScope(run));
  } finally {
    await database.close();
  }
}
