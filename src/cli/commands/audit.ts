import { verifyAuditChain } from '../../platform/audit/audit.ts';
import { parseCommandArgs, UsageError, type Command } from '../command.ts';
import { withDatabase } from '../runtime.ts';

const SUBCOMMANDS = ['verify'];

export const auditCommand: Command = {
  name: 'audit',
  summary: 'Check the audit trail: every entry is still there and unchanged (audit verify).',
  usage: 'cspr audit verify',
  async run(argv, io) {
    const { positionals } = parseCommandArgs(argv, {}, { min: 1, max: 1, names: `what to do (${SUBCOMMANDS.join(', ')})` });
    const sub = positionals[0];
    if (!SUBCOMMANDS.includes(sub)) throw new UsageError(`Unknown audit command '${sub}': use ${SUBCOMMANDS.join(', ')}.`);
    const result = await withDatabase((database) => verifyAuditChain(database.db));
    if (result.ok) {
      io.out(`The audit trail is intact: ${result.checked} ${result.checked === 1 ? 'entry' : 'entries'} checked.`);
      return 0;
    }
    io.err(`The audit trail is broken at entry #${result.brokenAt}: ${result.reason}. Entries before it were checked and are intact.`);
    return 1;
  },
};
