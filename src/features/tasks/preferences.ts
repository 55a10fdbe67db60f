import type { Kysely } from 'kysely';
import { TASK_KINDS, type DeliveryMode, type TaskKind } from '../../domain/tasks/hand-offs.ts';
import type { DB } from '../../platform/db/types.ts';

/** A person's choice for each kind of task: at once unless they chose the daily digest. */
export async function preferencesOf(db: Kysely<DB>, userId: string): Promise<Record<TaskKind, DeliveryMode>> {
  const rows = await db.selectFrom('task_preferences').select(['kind', 'mode']).where('user_id', '=', userId).execute();
  return Object.fromEntries(TASK_KINDS.map((k) => [k, rows.find((r) => r.kind === k)?.mode ?? 'immediate'])) as Record<TaskKind, DeliveryMode>;
}

/** Stores the choices that changed; returns the kinds whose choice changed (for the audit entry). */
export async function choosePreferences(trx: Kysely<DB>, userId: string, chosen: Partial<Record<TaskKind, DeliveryMode>>): Promise<TaskKind[]> {
  const before = await preferencesOf(trx, userId);
  const changed = (Object.keys(chosen) as TaskKind[]).filter((k) => chosen[k] !== before[k]);
  for (const kind of changed) {
    const mode = chosen[kind] as DeliveryMode;
    await trx
      .insertInto('task_preferences')
      .values({ user_id: userId, kind, mode })
      .onConflict((oc) => oc.columns(['user_id', 'kind']).doUpdateSet({ mode, updated_at: new Date() }))
      .execute();
  }
  return changed;
}
