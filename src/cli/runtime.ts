import { loadConfig, type Config } from '../platform/config/config.ts';
import { cipherFor, type FieldCipher } from '../platform/crypto/field-encryption.ts';
import { openDatabase, type Database } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';

/** Opens the configured database, migrated, for one command; always closes it. */
export async function withDatabase<T>(
  work: (database: Database, config: Config, cipher: FieldCipher) => Promise<T>,
  options: { migrate?: boolean } = { migrate: true },
): Promise<T> {
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    if (options.migrate !== false) await migrate(database);
    return await work(database, config, cipherFor(config));
  } finally {
    await database.close();
  }
}
