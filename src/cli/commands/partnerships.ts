import { addPartnership, AGENCY_KIND_LABELS, listAgencies, listPartnerships, PartnershipError } from '../../features/partnerships/service.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import { parseCommandArgs, UsageError, type Command } from '../command.ts';
import { withDatabase } from '../runtime.ts';

const USAGE = ['cspr partnerships add SLUG --name "NAME"', '       cspr partnerships list'].join('\n');

/** Partnerships (the tenants of a deployment), for operators; their agencies are added in Administration. */
export const partnershipsCommand: Command = {
  name: 'partnerships',
  summary: 'Add a partnership (add SLUG --name "…"), or list partnerships and their agencies (list).',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { name: { type: 'string' } }, { min: 1, max: 2, names: "the sub-command ('add' or 'list')" });
    const [sub, slug] = positionals;

    if (sub === 'list') {
      if (slug !== undefined) throw new UsageError(`Unexpected argument '${slug}'.`);
      if (values.name !== undefined) throw new UsageError("'list' takes no --name.");
      const rows = await withDatabase(async (database) => {
        const partnerships = await listPartnerships(database.db, 'all');
        return Promise.all(partnerships.map(async (p) => ({ ...p, agencies: await listAgencies(database.db, p.id) })));
      });
      if (rows.length === 0) {
        io.out('There are no partnerships yet. Add one with: cspr partnerships add SLUG --name "NAME"');
        return 0;
      }
      const width = Math.max(...rows.map((p) => p.slug.length));
      for (const p of rows) {
        io.out(`${p.slug.padEnd(width)}  ${p.name}${p.fictional ? ' (fictional)' : ''}`);
        for (const a of p.agencies) io.out(`${' '.repeat(width)}    ${a.name} — ${AGENCY_KIND_LABELS[a.kind]}`);
      }
      return 0;
    }

    if (sub === 'add') {
      if (!slug) throw new UsageError('Missing the SLUG (short name) of the partnership, e.g. northmoor.');
      if (!values.name?.trim()) throw new UsageError('Missing --name, e.g. --name "Northmoor Safeguarding Children Partnership".');
      const name = values.name;
      const result = await withDatabase(async (database) => {
        try {
          return await inTransaction(database.db, async (trx) => {
            const created = await addPartnership(trx, { slug, name });
            await recordAudit(trx, {
              actor: null,
              action: 'partnership-created',
              partnershipId: created.id,
              recordType: 'partnership',
              recordId: created.id,
              changes: { after: { slug: created.slug, name: created.name }, via: 'cspr partnerships add' },
            });
            return created;
          });
        } catch (err) {
          if (err instanceof PartnershipError) return err;
          throw err;
        }
      });
      if (result instanceof PartnershipError) {
        io.err(`cspr partnerships: ${result.message}`);
        return 1;
      }
      io.out(`Added the partnership ${result.name} (${result.slug}).`);
      io.out('Add its agencies in Administration → Partnerships, then its people with cspr users add or an invitation.');
      return 0;
    }

    throw new UsageError(`Unknown sub-command '${sub}'; use 'add' or 'list'.`);
  },
};
