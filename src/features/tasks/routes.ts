import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DELIVERY_LABELS, isDeliveryMode, kindsForRoles, TASK_DEFINITIONS, type DeliveryMode, type TaskKind } from '../../domain/tasks/hand-offs.ts';
import { access } from '../../platform/http/access.ts';
import { choosePreferences, preferencesOf } from './preferences.ts';

/** A person's choice, per kind of task, between an email at once and one email a day. */
export async function taskRoutes(app: FastifyInstance): Promise<void> {
  const db = app.deps.database.db;

  function kindsOf(req: FastifyRequest): TaskKind[] {
    return kindsForRoles(req.principal!.grants.map((g) => g.role));
  }

  function render(reply: FastifyReply, kinds: TaskKind[], values: Record<string, string>, extra: Record<string, unknown> = {}) {
    return reply.render('tasks/views/task-emails.njk', {
      pageTitle: 'Emails about your tasks',
      kinds: kinds.map((k) => ({ key: k, ...TASK_DEFINITIONS[k] })),
      modes: DELIVERY_LABELS,
      values,
      fieldErrors: {},
      ...extra,
    });
  }

  app.get('/account/task-emails', access('signed-in'), async (req, reply) => {
    const chosen = await preferencesOf(db, req.principal!.userId);
    const kinds = kindsOf(req);
    const q = req.query as Record<string, unknown>;
    return render(reply, kinds, Object.fromEntries(kinds.map((k) => [k, chosen[k]])), { saved: q.saved === '1' });
  });

  app.post('/account/task-emails', access('signed-in'), async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const kinds = kindsOf(req);
    const chosen: Partial<Record<TaskKind, DeliveryMode>> = {};
    const errors: { text: string; href: string }[] = [];
    const fieldErrors: Record<string, { text: string }> = {};
    for (const k of kinds) {
      const v = body[k];
      if (isDeliveryMode(v)) chosen[k] = v;
      else {
        const text = `Select how you want to hear of ${TASK_DEFINITIONS[k].label.charAt(0).toLowerCase()}${TASK_DEFINITIONS[k].label.slice(1)}`;
        errors.push({ text, href: `#${k}` });
        fieldErrors[k] = { text };
      }
    }
    if (errors.length) {
      const values = Object.fromEntries(kinds.map((k) => [k, typeof body[k] === 'string' ? (body[k] as string).slice(0, 20) : '']));
      return render(reply.code(422), kinds, values, { errors, fieldErrors });
    }
    const userId = req.principal!.userId;
    await req.change(
      (trx) => choosePreferences(trx, userId, chosen),
      (changed) => (changed.length ? { action: 'task-emails-chosen', recordType: 'user', recordId: userId, changes: { after: Object.fromEntries(changed.map((k) => [k, chosen[k]])) } } : null),
    );
    return reply.redirect('/account/task-emails?saved=1', 303);
  });
}
