import { createApiToken, normaliseEmail, TOKEN_DAYS_DEFAULT, TOKEN_DAYS_MAX, TOKEN_SCOPES } from '../../features/account/service.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import type { ApiTokenScope } from '../../platform/db/types.ts';
import { formatDate } from '../../platform/http/views.ts';
import { parseCommandArgs, UsageError, type Command } from '../command.ts';
import { withDatabase } from '../runtime.ts';

export const tokensCommand: Command = {
  name: 'tokens',
  summary: 'Create an API token for a user: cspr tokens create --email … [--name …] [--scope read|write] [--expires-days N].',
  usage: `cspr tokens create --email EMAIL [--name NAME] [--scope read|write] [--expires-days N (1-${TOKEN_DAYS_MAX}, default ${TOKEN_DAYS_DEFAULT})]`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { email: { type: 'string' }, name: { type: 'string' }, scope: { type: 'string' }, 'expires-days': { type: 'string' } },
      { min: 1, max: 1, names: "the sub-command ('create')" },
    );
    if (positionals[0] !== 'create') throw new UsageError(`Unknown sub-command '${positionals[0]}'; use 'create'.`);
    if (!values.email) throw new UsageError('Missing --email.');
    const name = (values.name ?? 'Created on the command line').trim();
    if (!name || name.length > 100) throw new UsageError('--name must be 1 to 100 characters.');
    // Least privilege: a token reads only, unless it is asked to write.
    const scope = (values.scope ?? 'read') as ApiTokenScope;
    if (!TOKEN_SCOPES.includes(scope)) throw new UsageError("--scope must be 'read' or 'write'.");
    const daysText = values['expires-days'] ?? String(TOKEN_DAYS_DEFAULT);
    const days = /^\d{1,3}$/.test(daysText) ? Number(daysText) : NaN;
    if (!(days >= 1 && days <= TOKEN_DAYS_MAX)) throw new UsageError(`--expires-days must be a whole number from 1 to ${TOKEN_DAYS_MAX}.`);
    const email = normaliseEmail(values.email);
    const created = await withDatabase(async (database) => {
      const user = await database.db.selectFrom('users').select(['id', 'disabled_at']).where('email', '=', email).executeTakeFirst();
      if (!user) return null;
      if (user.disabled_at) return 'disabled' as const;
      return inTransaction(database.db, async (trx) => {
        const created = await createApiToken(trx, user.id, { name, scope, expiresInDays: days });
        await recordAudit(trx, {
          actor: null,
          action: 'api-token-created',
          recordType: 'api-token',
          recordId: created.id,
          changes: { after: { name, userId: user.id, scope, expiresAt: created.expiresAt.toISOString() }, via: 'cspr tokens create' },
        });
        return created;
      });
    });
    if (created === null) {
      io.err(`cspr tokens: there is no user with the email address ${email}.`);
      return 1;
    }
    if (created === 'disabled') {
      io.err(`cspr tokens: the account ${email} is disabled.`);
      return 1;
    }
    io.out(created.token);
    io.err(
      `This token is shown once. It ${scope === 'write' ? 'reads and changes data' : 'only reads data'} through the JSON API (/api/v1) with the user's roles, ` +
        `until ${formatDate(created.expiresAt)} or until it is revoked, the user's password changes or the account is disabled. Keep it secret.`,
    );
    return 0;
  },
};
