/**
 * Issue 12's first measure, run by hand (`npm run bench:learning`): the assurance view (/actions)
 * for a partnership administrator whose partnership holds 200 reviews with 3,000 actions among
 * them (15 a review, due dates spread over the last and next year, every status):
 *  1. median and 95th percentile render time over 200 sequential requests of the first page and of
 *     the overdue filter, beside the anonymous start page in the same run (target p95 < 100 ms).
 * The rows are inserted directly (fixtures, not a person's changes): what is measured is reading.
 */
import { addDays, todayInLondon } from '../src/domain/calendar/date-only.ts';
import { ACTION_STATUSES } from '../src/domain/learning/actions.ts';
import { createSession } from '../src/platform/auth/sessions.ts';
import { cipherFor } from '../src/platform/crypto/field-encryption.ts';
import { withTenant } from '../src/platform/db/tenant.ts';
import { buildApp } from '../src/platform/http/app.ts';
import { SESSION_COOKIE } from '../src/platform/http/authentication.ts';
import { timeSequential } from './support/figures.ts';
import { openBenchDatabase } from './support/bench-database.ts';
import { DEMO_PARTNERSHIP, seedDemo } from '../src/features/demo/service.ts';

const REVIEWS = Number(process.env.BENCH_REVIEWS ?? 200);
const ACTIONS_PER_REVIEW = Number(process.env.BENCH_ACTIONS_PER_REVIEW ?? 15);
const SEQUENTIAL = Number(process.env.BENCH_REQUESTS ?? 200);
const PORT = 3931;

const bench = await openBenchDatabase('learning');
try {
  const { config, database } = bench;
  console.log(`on the ${bench.engine} engine`);
  await seedDemo(database, cipherFor(config));
  const db = database.db;
  const partnershipId = (await db.selectFrom('partnerships').select('id').where('slug', '=', DEMO_PARTNERSHIP.slug).executeTakeFirstOrThrow()).id;
  const agencies = (await db.selectFrom('agencies').select('id').where('partnership_id', '=', partnershipId).execute()).map((a) => a.id);
  const today = todayInLondon(new Date());
  const year = Number(today.slice(0, 4));

  const seeded = performance.now();
  await withTenant(db, [partnershipId], async (trx) => {
    for (let r = 0; r < REVIEWS; r += 1) {
      const incident = await trx
        .insertInto('incidents')
        .values({
          partnership_id: partnershipId,
          reference: `NM-${year - 1}-${String(500 + r).padStart(3, '0')}`,
          reference_year: year - 1,
          reference_number: 500 + r,
          state: 'completed',
          outcome: 'serious-harm',
          abuse_or_neglect: 'suspected',
          location: 'in-area',
          aware_on: addDays(today, -400 - r),
          clock_rules: '[]',
          review_decision: 'local-review',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const recs = await trx
        .insertInto('recommendations')
        .values(
          [1, 2, 3].map((n) => ({
            partnership_id: partnershipId,
            incident_id: incident.id,
            number: String(n),
            text: `Recommendation ${n} of review ${r}: agencies should share information about new adults in the household.`,
            made_on: addDays(today, -380),
            themes: JSON.stringify(['information-sharing']),
            agency_ids: JSON.stringify(agencies),
            response: 'accepted' as const,
          })),
        )
        .returning('id')
        .execute();
      await trx
        .insertInto('recommendation_actions')
        .values(
          Array.from({ length: ACTIONS_PER_REVIEW }, (_, i) => ({
            partnership_id: partnershipId,
            recommendation_id: recs[i % recs.length].id,
            agency_id: agencies[(r + i) % agencies.length],
            lead_name: `Lead ${r}-${i}`,
            due_on: addDays(today, ((r * 37 + i * 53) % 730) - 365),
            intended_change: `Intended change ${i} for review ${r}.`,
            measure_of_success: 'A quarterly audit.',
            status: ACTION_STATUSES[(r + i) % ACTION_STATUSES.length],
          })),
        )
        .execute();
    }
  });
  const counts = await withTenant(db, [partnershipId], (trx) => trx.selectFrom('recommendation_actions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow());
  console.log(`seeded ${REVIEWS} reviews and ${Number(counts.n)} actions in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);

  const app = await buildApp({ config, database });
  await app.listen({ port: PORT, host: '127.0.0.1' });
  const admin = await db.selectFrom('users').select('id').where('email', '=', 'admin@northmoor.example').executeTakeFirstOrThrow();
  const cookie = `${SESSION_COOKIE}=${await createSession(db, admin.id, { twoFactor: true })}`;
  const base = `http://127.0.0.1:${PORT}`;

  const time = (label: string, url: string, headers: Record<string, string> = {}, anchor?: string) =>
    timeSequential(base, label, url, { requests: SEQUENTIAL, headers, anchor, target: 100 });
  await time('start page (anchor)', '/');
  await time(`assurance view /actions (${REVIEWS} reviews)`, '/actions', { cookie }, 'start page (anchor) p95');
  await time('assurance view /actions?overdue=yes', '/actions?overdue=yes', { cookie }, 'start page (anchor) p95');
  await app.close();
} finally {
  await bench.close();
}
