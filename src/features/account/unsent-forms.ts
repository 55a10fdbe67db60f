import type { FastifyInstance } from 'fastify';
import { touchSession } from '../../platform/auth/sessions.ts';
import { discardHeldForm, isWrittenText, readHeldForm, UNSENT_FORM_DAYS, type FormFields } from '../../platform/auth/unsent-forms.ts';
import { access } from '../../platform/http/access.ts';
import { wantsJson } from '../../platform/http/errors.ts';
import { safeNext } from '../../platform/http/forms.ts';

/** How each kept field is shown again: what a person wrote (text) to read and change, the rest as sent. */
export function fieldsToShow(fields: FormFields): { text: { name: string; value: string }[]; asSent: { name: string; value: string }[] } {
  const text: { name: string; value: string }[] = [];
  const asSent: { name: string; value: string }[] = [];
  for (const [name, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      // Words someone wrote, to read and change; choices, dates and ids go back as sent.
      if (isWrittenText(v)) text.push({ name, value: v });
      else asSent.push({ name, value: v });
    }
  }
  return { text, asSent };
}

/** A name a person can read: `keyLinesOfEnquiry` → `Key lines of enquiry`. */
export function readableName(name: string): string {
  const words = name
    .replace(/\[\d*\]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_.]+/g, ' ')
    .trim()
    .toLowerCase();
  return words ? words[0].toUpperCase() + words.slice(1) : name;
}

/**
 * Sessions that do not eat work: staying signed in when warned, and getting back a form that came
 * just after the session had ended (held by the sign-in check, see platform/auth/unsent-forms.ts).
 */
export async function unsentFormRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher } = app.deps;
  const db = database.db;

  // "Stay signed in": any signed-in request counts as use; this one says so explicitly, at once.
  app.post('/account/stay-signed-in', access('signed-in'), async (req, reply) => {
    if (req.session) await touchSession(db, req.session.idHash);
    if (wantsJson(req) || req.headers['x-csrf-token']) return reply.code(204).send();
    // Without JavaScript: back to the page the person was on.
    const referer = typeof req.headers.referer === 'string' ? req.headers.referer : '';
    let back = '/';
    try {
      const url = new URL(referer);
      if (url.host === req.headers.host) back = safeNext(url.pathname + url.search);
    } catch {
      back = '/';
    }
    return reply.redirect(back, 303);
  });

  app.get('/account/unsent-forms/:id', access('signed-in'), async (req, reply) => {
    const { id } = req.params as { id: string };
    const form = await readHeldForm(db, cipher, req.principal!.userId, id, req.ip);
    if (!form) return reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
    return reply.render('account/views/unsent-form.njk', {
      pageTitle: 'Your form was not sent',
      form,
      ...fieldsToShow(form.fields),
      readableName,
      keptDays: UNSENT_FORM_DAYS,
    });
  });

  app.post('/account/unsent-forms/:id/discard', access('signed-in'), async (req, reply) => {
    const { id } = req.params as { id: string };
    const gone = await discardHeldForm(db, req.principal!.userId, id, req.ip);
    if (!gone) return reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
    return reply.redirect('/dashboard', 303);
  });
}
