import { migrate } from '../../platform/db/migrate.ts';
import { parseCommandArgs, type Command } from '../command.ts';
import { withDatabase } from '../runtime.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Apply database migrations that have not run yet.',
  usage: 'cspr migrate',
  async run(argv, io) {
    parseCommandArgs(argv, {}, { min: 0, max: 0, names: '' });
    const applied = await withDatabase((database) => migrate(database), { migrate: false });
    io.out(applied.length === 0 ? 'The database is up to date.' : `Applied ${applied.length} migration(s): ${applied.join(', ')}.`);
  },
};
