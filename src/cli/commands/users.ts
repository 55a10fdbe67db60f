import { findPartnershipBySlug, listAgencies, listPartnerships } from '../../features/partnerships/service.ts';
import { createUser, grantProblem, listUsers, UserError } from '../../features/users/service.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { ROLE_LABELS, ROLES } from '../../platform/auth/policy.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import type { RoleName } from '../../platform/db/types.ts';
import { parseCommandArgs, UsageError, type Command } from '../command.ts';
import { withDatabase } from '../runtime.ts';

const USAGE = [
  'cspr users add --email EMAIL --name "NAME" --role ROLE [--partnership SLUG] [--agency "AGENCY NAME"] [--password-stdin]',
  '       cspr users list [--partnership SLUG]',
  '',
  `Roles: ${ROLES.join(', ')}.`,
  'panel-viewer and system-admin are national roles (no --partnership); every other role needs --partnership,',
  'and agency-contributor needs --agency too. With --password-stdin the password is read from standard input;',
  'without it the person has no password until they accept an invitation or reset their password.',
].join('\n');

/** A problem with the data named on the command line (unknown partnership, duplicate…): printed, exit code 1. */
class DataProblem extends Error {}

/** Everything standard input holds, without the final line break. */
export async function readAllStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** The `users` command, reading a password from `readPassword` (standard input, or a test's string). */
export function usersCommandWith(readPassword: () => Promise<string>): Command {
  return {
    name: 'users',
    summary: 'Add a user with a role (add --email … --name … --role …), or list users and their roles (list).',
    usage: USAGE,
    async run(argv, io) {
      const { values, positionals } = parseCommandArgs(
        argv,
        {
          email: { type: 'string' },
          name: { type: 'string' },
          role: { type: 'string' },
          partnership: { type: 'string' },
          agency: { type: 'string' },
          'password-stdin': { type: 'boolean' },
        },
        { min: 1, max: 1, names: "the sub-command ('add' or 'list')" },
      );
      const [sub] = positionals;
      try {
        if (sub === 'list') {
          for (const option of ['email', 'name', 'role', 'agency', 'password-stdin'] as const) {
            if (values[option] !== undefined) throw new UsageError(`'list' takes no --${option}.`);
          }
          return await list(values.partnership);
        }
        if (sub === 'add') return await add(values);
      } catch (err) {
        if (err instanceof DataProblem || err instanceof UserError) {
          io.err(`cspr users: ${err.message}`);
          return 1;
        }
        throw err;
      }
      throw new UsageError(`Unknown sub-command '${sub}'; use 'add' or 'list'.`);

      async function list(slug: string | undefined): Promise<number> {
        const rows = await withDatabase(async (database) => {
          const db = database.db;
          const partnerships = await listPartnerships(db, 'all');
          const slugs = new Map(partnerships.map((p) => [p.id, p.slug]));
          let scope: string[] | 'all' = 'all';
          if (slug !== undefined) {
            const p = partnerships.find((x) => x.slug === slug.trim().toLowerCase());
            if (!p) throw new DataProblem(`There is no partnership with the short name '${slug}'. See: cspr partnerships list`);
            scope = [p.id];
          }
          return (await listUsers(db, scope)).map((u) => ({
            email: u.email,
            name: u.name,
            status: u.disabled ? 'disabled' : u.hasPassword ? 'active' : 'invited',
            roles: u.grants.map((g) => `${g.role}${g.partnershipId ? `@${slugs.get(g.partnershipId)}` : ''}${g.agencyName ? ` (${g.agencyName})` : ''}`),
          }));
        });
        if (rows.length === 0) {
          io.out('There are no users yet. Add one with: cspr users add --email … --name … --role …');
          return 0;
        }
        const w = { email: Math.max(5, ...rows.map((r) => r.email.length)), name: Math.max(4, ...rows.map((r) => r.name.length)) };
        io.out(`${'EMAIL'.padEnd(w.email)}  ${'NAME'.padEnd(w.name)}  ${'STATUS'.padEnd(8)}  ROLES`);
        for (const r of rows) io.out(`${r.email.padEnd(w.email)}  ${r.name.padEnd(w.name)}  ${r.status.padEnd(8)}  ${r.roles.join(', ') || '-'}`);
        return 0;
      }

      async function add(v: typeof values): Promise<number> {
        if (!v.email) throw new UsageError('Missing --email.');
        if (!v.name) throw new UsageError('Missing --name.');
        if (!v.role) throw new UsageError(`Missing --role (one of ${ROLES.join(', ')}).`);
        if (!ROLES.includes(v.role as RoleName)) throw new UsageError(`Unknown role '${v.role}'. Roles: ${ROLES.join(', ')}.`);
        const role = v.role as RoleName;
        if (v.agency !== undefined && v.partnership === undefined) throw new UsageError('--agency needs --partnership: agencies belong to a partnership.');
        const national = role === 'panel-viewer' || role === 'system-admin';
        if (national && v.partnership !== undefined) throw new UsageError(`The ${role} role is national: leave out --partnership.`);
        if (!national && v.partnership === undefined) throw new UsageError(`The ${role} role needs --partnership SLUG.`);
        const password = v['password-stdin'] ? await readPassword() : undefined;
        if (password === '') throw new DataProblem('No password was given on standard input.');

        const created = await withDatabase(async (database, config) => {
          const db = database.db;
          let partnership: { id: string; slug: string; name: string } | undefined;
          let agency: { id: string; name: string } | undefined;
          if (v.partnership !== undefined) {
            partnership = await findPartnershipBySlug(db, v.partnership.trim().toLowerCase());
            if (!partnership) throw new DataProblem(`There is no partnership with the short name '${v.partnership}'. See: cspr partnerships list`);
          }
          if (partnership && v.agency !== undefined) {
            const agencies = await listAgencies(db, partnership.id);
            const wanted = v.agency.trim().toLowerCase();
            agency = agencies.find((a) => a.name.toLowerCase() === wanted);
            if (!agency) {
              const known = agencies.length ? `Its agencies: ${agencies.map((a) => a.name).join(', ')}.` : 'It has no agencies yet.';
              throw new DataProblem(`The partnership '${partnership.slug}' has no agency called '${v.agency}'. ${known}`);
            }
          }
          const grant = { role, partnershipId: partnership?.id ?? null, agencyId: agency?.id ?? null };
          const problem = grantProblem(grant);
          if (problem) throw new DataProblem(`${problem}${role === 'agency-contributor' ? ': add --agency "AGENCY NAME"' : ''}.`);
          const user = await inTransaction(db, async (trx) => {
            const made = await createUser(trx, { email: v.email as string, name: v.name as string, password, grants: [grant] });
            await recordAudit(trx, {
              actor: null,
              action: 'user-created',
              partnershipId: grant.partnershipId,
              recordType: 'user',
              recordId: made.id,
              changes: { after: { email: made.email, name: made.name, ...grant }, passwordSet: password !== undefined, via: 'cspr users add' },
            });
            return made;
          });
          return { user, partnership, agency, publicUrl: config.publicUrl };
        });

        const where = created.partnership ? ` for ${created.partnership.name}${created.agency ? ` (${created.agency.name})` : ''}` : '';
        io.out(`Added ${created.user.name} <${created.user.email}> as ${ROLE_LABELS[role]}${where}.`);
        if (password === undefined) {
          const reset = created.publicUrl ? `${created.publicUrl.replace(/\/+$/, '')}/password-reset` : 'the password reset page (/password-reset)';
          io.out('They have no password yet, so they cannot sign in until they have one: send them an invitation');
          io.out(`(Administration → Users → their name → Send a new invitation), or they can set one through ${reset}.`);
        } else {
          io.out('They can sign in now; they will set up two-factor authentication when they first do.');
        }
        return 0;
      }
    },
  };
}

export const usersCommand: Command = usersCommandWith(() => readAllStdin());
