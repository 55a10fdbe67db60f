import { sql, type Kysely } from 'kysely';
import { todayInLondon } from '../../domain/calendar/date-only.ts';
import { actionableIn, digestEmail, digestTime, taskEmail, taskLink, type TaskKind } from '../../domain/tasks/hand-offs.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import type { Config } from '../../platform/config/config.ts';
import type { MailMessage } from '../../platform/mail/mailer.ts';
import { jobLinkBase } from '../../platform/config/link-base.ts';

/**
 * Sends the emails that tasks queued (task_emails), run every minute by `cspr serve` on the
 * reminders' schedule and by `cspr reminders run`. Any number of instances may run it at once:
 * - at once: each row is claimed (`for update skip locked`, then marked claimed) before it is sent,
 *   so only one run sends it; a failed send gives the claim back for a later run, and a claim left by
 *   an instance that stopped mid-send is taken again after CLAIM_MINUTES;
 * - daily digest: from 07:00 London, a row in task_digest_sends per person and day is inserted first
 *   (on conflict do nothing), as the reminders do, and only the run whose insert took sends it.
 * Emails name the case by its reference and carry a link: never a name or a pseudonym.
 */

/** What sending task emails needs (the reminders' schedule passes its own, which has these). */
export type TaskMailDeps = {
  db: Kysely<DB>;
  mailer: { sendMail(message: MailMessage): Promise<unknown> };
  config: Pick<Config, 'publicUrl' | 'host' | 'port'>;
};
export type TaskMailResult = { immediate: number; digests: number; failed: number };

/** How often `cspr serve` sends the emails of tasks. */
export const TASK_MAIL_EVERY_MS = 60_000;
const CLAIM_MINUTES = 10;
const BATCH = 50;

type Claimed = { id: string; user_id: string; email: string; kind: TaskKind; subject_id: string; incident_id: string | null; due_on: string | null; reference: string | null; state: string | null };

/** Claims up to BATCH unsent emails of open tasks, of people who want them at once (or of one person's digest). */
async function claim(db: Kysely<DB>, mode: 'immediate' | 'digest', userId?: string): Promise<Claimed[]> {
  return withTenant(db, 'all', async (trx) => {
    const stale = sql<Date>`now() - make_interval(mins => ${CLAIM_MINUTES})`;
    const ids = await trx
      .selectFrom('task_emails as e')
      .innerJoin('tasks as t', (j) => j.onRef('t.id', '=', 'e.task_id').onRef('t.partnership_id', '=', 'e.partnership_id'))
      .innerJoin('users as u', 'u.id', 'e.user_id')
      .leftJoin('task_preferences as p', (j) => j.onRef('p.user_id', '=', 'e.user_id').onRef('p.kind', '=', 't.kind'))
      .select('e.id')
      // A disabled account gets nothing (its rows wait, unclaimed, should it be enabled again).
      .where('u.disabled_at', 'is', null)
      .where('e.sent_at', 'is', null)
      .where('e.dropped_at', 'is', null)
      .where('t.done_at', 'is', null)
      .where((eb) => eb.or([eb('e.claimed_at', 'is', null), eb('e.claimed_at', '<', stale)]))
      .where(sql<boolean>`coalesce(p.mode, 'immediate') = ${mode}`)
      .$if(userId !== undefined, (q) => q.where('e.user_id', '=', userId as string))
      .orderBy('e.created_at')
      .limit(mode === 'digest' ? 1000 : BATCH)
      .forUpdate('e')
      .skipLocked()
      .execute();
    if (ids.length === 0) return [];
    await trx.updateTable('task_emails').set({ claimed_at: new Date() }).where('id', 'in', ids.map((i) => i.id)).execute();
    const rows = await trx
      .selectFrom('task_emails as e')
      .innerJoin('tasks as t', (j) => j.onRef('t.id', '=', 'e.task_id').onRef('t.partnership_id', '=', 'e.partnership_id'))
      .innerJoin('users as u', 'u.id', 'e.user_id')
      .leftJoin('incidents as i', (j) => j.onRef('i.id', '=', 't.incident_id').onRef('i.partnership_id', '=', 't.partnership_id'))
      .select(['e.id', 'e.user_id', 'u.email', 't.kind', 't.subject_id', 't.incident_id', 't.due_on', 'i.reference', 'i.state'])
      .where('e.id', 'in', ids.map((i) => i.id))
      .orderBy('e.created_at')
      .execute();
    // The case moved past the step (closed, say): nothing is left to ask of anyone.
    const moot = rows.filter((r) => !actionableIn(r.kind as TaskKind, r.state ?? null)).map((r) => r.id);
    if (moot.length) await trx.updateTable('task_emails').set({ dropped_at: new Date() }).where('id', 'in', moot).execute();
    return (rows as Claimed[]).filter((r) => !moot.includes(r.id));
  });
}

async function settle(db: Kysely<DB>, ids: string[], sent: boolean): Promise<void> {
  if (ids.length === 0) return;
  await withTenant(db, 'all', (trx) =>
    trx
      .updateTable('task_emails')
      .set(sent ? { sent_at: new Date() } : { claimed_at: null })
      .where('id', 'in', ids)
      .execute(),
  );
}

/** What an email calls the case: its reference, or the action's own words when it has no case. */
const referenceOf = (c: Claimed) => c.reference ?? 'a review without a case in this service';

export async function runTaskMail(deps: TaskMailDeps, now = new Date()): Promise<TaskMailResult> {
  const { db } = deps;
  const base = jobLinkBase(deps.config);
  const result: TaskMailResult = { immediate: 0, digests: 0, failed: 0 };

  for (;;) {
    const batch = await claim(db, 'immediate');
    if (batch.length === 0) break;
    for (const c of batch) {
      const message = taskEmail(c.kind, { reference: referenceOf(c), dueOn: c.due_on, link: base + taskLink({ kind: c.kind, subjectId: c.subject_id, incidentId: c.incident_id }) });
      try {
        await deps.mailer.sendMail({ to: c.email, ...message });
        await settle(db, [c.id], true);
        result.immediate += 1;
      } catch {
        await settle(db, [c.id], false);
        result.failed += 1;
      }
    }
    if (result.failed > 0) break; // the mail server is failing: try again on the next run
  }

  if (!digestTime(now)) return result;
  const today = todayInLondon(now);
  // The people with digest items waiting (of open tasks).
  const waiting = await withTenant(db, 'all', (trx) =>
    trx
      .selectFrom('task_emails as e')
      .innerJoin('tasks as t', (j) => j.onRef('t.id', '=', 'e.task_id').onRef('t.partnership_id', '=', 'e.partnership_id'))
      .innerJoin('task_preferences as p', (j) => j.onRef('p.user_id', '=', 'e.user_id').onRef('p.kind', '=', 't.kind'))
      .select('e.user_id')
      .distinct()
      .where('p.mode', '=', 'digest')
      .where('e.sent_at', 'is', null)
      .where('e.dropped_at', 'is', null)
      .where('t.done_at', 'is', null)
      .execute(),
  );
  for (const { user_id: userId } of waiting) {
    const took = await db
      .insertInto('task_digest_sends')
      .values({ user_id: userId, sent_on: today })
      .onConflict((oc) => oc.columns(['user_id', 'sent_on']).doNothing())
      .returning('user_id')
      .executeTakeFirst();
    if (!took) continue; // today's digest went already, from this or another instance
    const items = await claim(db, 'digest', userId);
    if (items.length === 0) continue;
    const message = digestEmail(
      items.map((c) => ({ kind: c.kind, reference: referenceOf(c), dueOn: c.due_on, link: base + taskLink({ kind: c.kind, subjectId: c.subject_id, incidentId: c.incident_id }) })),
      `${base}/dashboard#your-tasks`,
    );
    try {
      await deps.mailer.sendMail({ to: items[0].email, ...message });
      await settle(db, items.map((i) => i.id), true);
      result.digests += 1;
    } catch {
      // Give today's digest back, so that a later run sends it.
      await settle(db, items.map((i) => i.id), false);
      await db.deleteFrom('task_digest_sends').where('user_id', '=', userId).where('sent_on', '=', today).execute();
      result.failed += 1;
    }
  }
  return result;
}
