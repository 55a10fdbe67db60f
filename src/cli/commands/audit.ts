import { verifyAuditChain } from '../../platform/audit/audit.ts';
import { CheckpointFormatError, checkpointKeyFor, parseCheckpoint, recordCheckpoint, type AuditCheckpoint } from '../../platform/audit/checkpoints.ts';
import { parseCommandArgs, UsageError, type Command } from '../command.ts';
import { withDatabase } from '../runtime.ts';

const SUBCOMMANDS = ['verify', 'checkpoint'];

export const auditCommand: Command = {
  name: 'audit',
  summary:
    'Check the audit trail: every entry still there and unchanged, up to every signed checkpoint (audit verify [--checkpoint JSON-or-FILE]); ' +
    'take and print a signed checkpoint (audit checkpoint).',
  usage: 'cspr audit verify [--checkpoint JSON-or-FILE]…\n       cspr audit checkpoint',
  async run(argv, io) {
    const { positionals, values } = parseCommandArgs(
      argv,
      { checkpoint: { type: 'string', multiple: true } },
      { min: 1, max: 1, names: `what to do (${SUBCOMMANDS.join(', ')})` },
    );
    const sub = positionals[0];
    if (!SUBCOMMANDS.includes(sub)) throw new UsageError(`Unknown audit command '${sub}': use ${SUBCOMMANDS.join(', ')}.`);

    if (sub === 'checkpoint') {
      if (values.checkpoint) throw new UsageError("'checkpoint' takes no --checkpoint.");
      const taken = await withDatabase((database, config) => recordCheckpoint(database.db, checkpointKeyFor(config)));
      if (!taken) {
        io.err('cspr audit: the audit trail is empty: there is nothing to anchor yet.');
        return 1;
      }
      // One line of JSON: keep it apart from the database (with the backups, in the log store).
      io.out(JSON.stringify(taken.checkpoint));
      return 0;
    }

    let given: AuditCheckpoint[];
    try {
      given = (values.checkpoint ?? []).map(parseCheckpoint);
    } catch (err) {
      if (err instanceof CheckpointFormatError) throw new UsageError(err.message);
      throw err;
    }
    const result = await withDatabase((database, config) => verifyAuditChain(database.db, { key: checkpointKeyFor(config), given }));
    if (result.ok) {
      const entries = `${result.checked} ${result.checked === 1 ? 'entry' : 'entries'} checked`;
      const anchor = result.anchored
        ? `, up to the signed checkpoint at entry #${result.anchored.seq} (${result.anchored.at})`
        : ': no signed checkpoint to hold it to yet (entries removed from the end would not show)';
      io.out(`The audit trail is intact: ${entries}${anchor}.`);
      return 0;
    }
    io.err(`The audit trail is broken at entry #${result.brokenAt}: ${result.reason}. Entries before it were checked and are intact.`);
    return 1;
  },
};
