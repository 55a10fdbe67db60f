import { migrateDeployment } from '../../platform/db/roles.ts';
import { describeMove, moveDiskFiles } from '../../platform/storage/disk-move.ts';
import { parseCommandArgs, type Command } from '../command.ts';
import { serviceContext, withOpenDatabase } from '../runtime.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Apply database migrations that have not run yet (as MIGRATION_DATABASE_URL\'s role when set), and move files from DATA_DIR/files into the file store.',
  usage: 'cspr migrate',
  async run(argv, io) {
    parseCommandArgs(argv, {}, { min: 0, max: 0, names: '' });
    const { applied, moved, damaged } = await withOpenDatabase(async (database, config) => {
      const applied = await migrateDeployment(database, config);
      const { files } = await serviceContext(database, config);
      const report = await moveDiskFiles(database.db, files, config.dataDir);
      return { applied, moved: describeMove(report, config.dataDir), damaged: report.leftInPlace.length };
    });
    io.out(applied.length === 0 ? 'The database is up to date.' : `Applied ${applied.length} migration(s): ${applied.join(', ')}.`);
    if (moved) (damaged ? io.err : io.out)(moved);
    return damaged ? 1 : 0;
  },
};
