import { createApiToken, normaliseEmail } from '../../features/account/service.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import { parseCommandArgs, UsageError, type Command } from '../command.ts';
import { withDatabase } from '../runtime.ts';

export const tokensCommand: Command = {
  name: 'tokens',
  summary: 'Create an API token for a user: cspr tokens create --email … [--name …].',
  usage: 'cspr tokens create --email EMAIL [--name NAME]',
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { email: { type: 'string' }, name: { type: 'string' } },
      { min: 1, max: 1, names: "the sub-command ('create')" },
    );
    if (positionals[0] !== 'create') throw new UsageError(`Unknown sub-command '${positionals[0]}'; use 'create'.`);
    if (!values.email) throw new UsageError('Missing --email.');
    const name = (values.name ?? 'Created on the command line').trim();
    if (!name || name.length > 100) throw new UsageError('--name must be 1 to 100 characters.');
    const email = normaliseEmail(values.email);
    const token = await withDatabase(async (database) => {
      const user = await database.db.selectFrom('users').select(['id', 'disabled_at']).where('email', '=', email).executeTakeFirst();
      if (!user) return null;
      if (user.disabled_at) return 'disabled' as const;
      return inTransaction(database.db, async (trx) => {
        const created = await createApiToken(trx, user.id, name);
        await recordAudit(trx, { actor: null, action: 'api-token-created', recordType: 'api-token', recordId: created.id, changes: { after: { name, userId: user.id }, via: 'cspr tokens create' } });
        return created.token;
      });
    });
    if (token === null) {
      io.err(`cspr tokens: there is no user with the email address ${email}.`);
      return 1;
    }
    if (token === 'disabled') {
      io.err(`cspr tokens: the account ${email} is disabled.`);
      return 1;
    }
    io.out(token);
    io.err('This token is shown once and acts as the user, with their roles, until revoked. Keep it secret.');
    return 0;
  },
};
