import fs from 'node:fs';
import { openDatabase } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { TEMPLATE_DIR, TEST_ROOT } from './support/paths.ts';

/**
 * Creating an embedded database takes seconds; copying a migrated one takes milliseconds.
 * So the run builds one template folder and every suite starts from a copy of it.
 */
export default async function setup(): Promise<() => void> {
  // Workers start after this and inherit the variable: they all use this run's folder.
  process.env.CSPR_TEST_ROOT = TEST_ROOT;
  fs.mkdirSync(TEST_ROOT, { recursive: true });
  const database = await openDatabase({ dataDir: TEMPLATE_DIR });
  await migrate(database);
  await database.close();
  return () => {
    if (!process.env.KEEP_TEST_DATA) fs.rmSync(TEST_ROOT, { recursive: true, force: true });
  };
}
