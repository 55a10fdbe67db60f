import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isKind, isStep, KIND_LABELS, KINDS, SECTIONS, STATUS_LABELS, STEP_LABELS, stepsFrom, type Kind } from '../../domain/learning-products/products.ts';
import { FOLLOW_UP_DEFAULT_DAYS, followUpDaysProblem } from '../../domain/learning-products/reach.ts';
import { partnershipsWith, type Permission } from '../../platform/auth/policy.ts';
import { access, PUBLIC } from '../../platform/http/access.ts';
import type { DocumentWorkers } from '../../platform/documents/document-workers.ts';
import { sendDownload } from '../../platform/http/downloads.ts';
import { notFoundPage } from '../../platform/http/errors.ts';
import { bodyOf, formVersion, list, Problems, text, type FormBody } from '../../platform/http/form-body.ts';
import { LINK_LIMIT, noReferrer } from '../admin/invitation-routes.ts';
import { linkBase } from '../admin/links.ts';
import { actorOf } from '../cases/request-context.ts';
import {
  acknowledge,
  addProduct,
  agenciesOf,
  answerFollowUp,
  checkLink,
  deliver,
  listLists,
  listProducts,
  loadList,
  loadProduct,
  loadPublicProduct,
  markEmailed,
  asReadBy,
  productAccess,
  productPartnership,
  productScope,
  reachOf,
  recordOpen,
  recordSend,
  saveList,
  sendDueFollowUps,
  sourceOptions,
  takeStep,
  updateProduct,
  type ProductInput,
  type ProductView,
  type RecipientView,
} from './service.ts';

/**
 * Learning products in their own right, on the pages: the business unit writes thematic 7-minute
 * briefings and Learning on a Page documents drawing on several reviews, a statutory partner's lead
 * approves them, and they are published to the partnership's staff and agencies, or to everyone on
 * the public learning pages. Each prints on one page (a print stylesheet and a one-page PDF). The
 * business unit sends a product to distribution lists; each person's link opens their own page,
 * without signing in, where they acknowledge it and later answer the follow-up question.
 */

export const READ: Permission = 'case:read';
export const WRITE: Permission = 'case:write';
export const APPROVE: Permission = 'case:sign-off';
export const AGENCY: Permission = 'agency-request:respond';
const SEE: readonly Permission[] = [READ, AGENCY];

const LABELS = { kinds: KIND_LABELS, kindKeys: KINDS, statuses: STATUS_LABELS, steps: STEP_LABELS, sections: SECTIONS };

const NOTICES: Record<string, string> = {
  saved: 'The product was saved as a draft.',
  submit: 'The product was sent for review. A statutory partner’s lead will approve it or send it back.',
  approve: 'The product was approved and published.',
  'send-back': 'The product was sent back to the business unit.',
  unpublish: 'The product was taken down: it is a draft again.',
  sent: 'The product was sent.',
  'follow-ups': 'The follow-up questions that were due have been sent.',
};

function readProduct(body: FormBody): ProductInput {
  const kind = text(body, 'kind', 40);
  const sections: Record<string, string> = {};
  if (isKind(kind)) for (const s of SECTIONS[kind]) sections[s.key] = text(body, `section-${s.key}`, 20_000);
  return {
    kind,
    title: text(body, 'title', 1_000),
    slug: text(body, 'slug', 200).trim(),
    theme: text(body, 'theme', 100),
    sections,
    sources: list(body, 'sources'),
    public: text(body, 'public', 10) === 'yes',
  };
}

function valuesOf(p: ProductView): FormBody {
  const v: FormBody = { kind: p.kind, title: p.title, slug: p.slug, theme: p.theme ?? '', public: p.public ? 'yes' : 'no', version: String(p.version) };
  for (const [k, t] of Object.entries(p.sections)) v[`section-${k}`] = t;
  v.sources = p.sources.map((s) => (s.publicationId ? `publication:${s.publicationId}` : `incident:${s.incidentId}`));
  return v;
}

export function pdfOf(product: ProductView, base: string) {
  return {
    title: product.title,
    subtitle: `${KIND_LABELS[product.kind]} – ${product.partnershipName}`,
    sections: [
      ...SECTIONS[product.kind].filter((s) => (product.sections[s.key] ?? '').trim()).map((s) => ({ heading: s.label, text: product.sections[s.key] })),
      ...(product.sources.length ? [{ heading: 'Drawn from these reviews', text: product.sources.map((s) => s.title).join('\n') }] : []),
    ],
    footer: `${product.publishedAt ? `Published ${product.publishedAt.toISOString().slice(0, 10)}. ` : 'Draft: not published. '}${product.public && product.status === 'published' ? `Read online: ${base}/learning/products/${product.slug}` : ''}`,
  };
}

/** The briefing's PDF, laid out by a document worker (the request thread stays free meanwhile). */
async function sendPdf(reply: FastifyReply, documents: DocumentWorkers, product: ProductView, base: string): Promise<FastifyReply> {
  const body = await documents.onePagePdf(pdfOf(product, base));
  return sendDownload(reply, { body, name: `${product.slug}.pdf`, contentType: 'application/pdf' });
}

export async function learningProductRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher, mailer, config, documents } = app.deps;
  const db = database.db;

  /** The product at :id if the person may see it (drafts only the partnership's staff); otherwise not found, a refusal audited. */
  async function productFor(req: FastifyRequest, reply: FastifyReply): Promise<ProductView | null> {
    const { id } = req.params as { id: string };
    const product = await loadProduct(db, productScope(req.principal!), id);
    const readable = product && asReadBy(req.principal, product);
    if (readable) return readable;
    const from = product?.partnershipId ?? (await productPartnership(db, id));
    if (from) await req.audit({ action: 'access-refused', permission: READ, partnershipId: from, recordType: 'learning-product', recordId: id, outcome: 'refused' });
    notFoundPage(reply);
    return null;
  }

  function refuse(req: FastifyRequest, reply: FastifyReply, product: { id: string; partnershipId: string }, permission: Permission, detail: string) {
    return req
      .audit({ action: 'access-refused', permission, partnershipId: product.partnershipId, recordType: 'learning-product', recordId: product.id, outcome: 'refused' })
      .then(() => reply.code(403).render('error-pages/client-error.njk', { pageTitle: 'You cannot do this', detail, status: 403 }));
  }

  /** The one partnership the business unit writes for (a person in several picks with ?partnership=). */
  function writablePartnership(req: FastifyRequest): string | null {
    const mine = partnershipsWith(req.principal!, WRITE);
    if (mine === 'all') return null;
    const asked = (req.query as Record<string, unknown>).partnership ?? bodyOf(req).partnership;
    if (typeof asked === 'string' && mine.includes(asked)) return asked;
    return mine[0] ?? null;
  }

  // ---- The list and writing ----------------------------------------------------------------------

  app.get('/learning-products', access(SEE), async (req, reply) => {
    const products = await listProducts(db, req.principal!);
    const partnerships = productScope(req.principal!);
    await req.audit({ action: 'view', permission: READ, partnershipId: partnerships !== 'all' && partnerships.length === 1 ? partnerships[0] : null, recordType: 'learning-products', changes: { page: 'learning-products' } });
    const writes = partnershipsWith(req.principal!, WRITE);
    return reply.render('learning-products/views/list.njk', { pageTitle: 'Learning products', products, mayWrite: writes === 'all' || writes.length > 0, labels: LABELS });
  });

  async function renderForm(reply: FastifyReply, partnershipId: string, product: ProductView | null, values: FormBody, extra: Record<string, unknown> = {}) {
    const [options, themes] = await Promise.all([sourceOptions(db, partnershipId), db.selectFrom('themes').select(['key', 'label']).where('retired', '=', false).orderBy('label').execute()]);
    const chosen = new Set(list(values, 'sources'));
    return reply.render('learning-products/views/form.njk', {
      pageTitle: product ? `Change ${product.title}` : 'Write a learning product',
      title: product ? `Change “${product.title}”` : 'Write a learning product',
      action: product ? `/learning-products/${product.id}/edit` : `/learning-products/new?partnership=${partnershipId}`,
      back: product ? `/learning-products/${product.id}` : '/learning-products',
      publications: options.publications.map((o) => ({ ...o, checked: chosen.has(o.value) })),
      cases: options.cases.map((o) => ({ ...o, checked: chosen.has(o.value) })),
      themes,
      values,
      kind: isKind(values.kind) ? values.kind : null,
      fieldErrors: {},
      labels: LABELS,
      ...extra,
    });
  }

  app.get('/learning-products/new', access(WRITE), async (req, reply) => {
    const pid = writablePartnership(req);
    if (!pid) return notFoundPage(reply);
    const kind = (req.query as Record<string, unknown>).kind;
    return renderForm(reply, pid, null, { kind: isKind(kind) ? kind : 'seven-minute-briefing', public: 'no', sources: [] });
  });

  app.post('/learning-products/new', access(WRITE), async (req, reply) => {
    const pid = writablePartnership(req);
    if (!pid) return notFoundPage(reply);
    const body = bodyOf(req);
    const input = readProduct(body);
    const result = await req.change(
      (trx) => addProduct(trx, pid, actorOf(req), input),
      (r) => (r.ok ? { action: 'learning-product-added', permission: WRITE, partnershipId: pid, recordType: 'learning-product', recordId: r.id, changes: { after: { kind: input.kind, title: input.title, slug: r.slug, sources: input.sources, public: input.public } } } : null),
    );
    if (result.ok) return reply.redirect(`/learning-products/${result.id}?done=saved`, 303);
    const problems = new Problems();
    problems.addAll(result.problems);
    return renderForm(reply.code(422), pid, null, { ...body, sources: input.sources }, problems.view());
  });

  function renderProduct(req: FastifyRequest, reply: FastifyReply, product: ProductView, extra: Record<string, unknown> = {}) {
    const may = productAccess(req.principal, product);
    return reply.render('learning-products/views/product.njk', {
      pageTitle: product.title,
      product,
      may,
      writerSteps: may.write ? stepsFrom(product.status, 'writer') : [],
      approverSteps: may.approve ? stepsFrom(product.status, 'approver') : [],
      sectionList: SECTIONS[product.kind].filter((s) => (product.sections[s.key] ?? '').trim()),
      labels: LABELS,
      fieldErrors: {},
      ...extra,
    });
  }

  app.get('/learning-products/:id', access(SEE), async (req, reply) => {
    const product = await productFor(req, reply);
    if (!product) return reply;
    await req.audit({ action: 'view', permission: READ, partnershipId: product.partnershipId, recordType: 'learning-product', recordId: product.id });
    const done = (req.query as Record<string, unknown>).done;
    return renderProduct(req, reply, product, { notice: typeof done === 'string' ? (NOTICES[done] ?? null) : null });
  });

  app.get('/learning-products/:id/pdf', access(SEE), async (req, reply) => {
    const product = await productFor(req, reply);
    if (!product) return reply;
    await req.audit({ action: 'download', permission: READ, partnershipId: product.partnershipId, recordType: 'learning-product', recordId: product.id, changes: { format: 'pdf' } });
    return sendPdf(reply, documents, product, linkBase(req, config));
  });

  async function productToWrite(req: FastifyRequest, reply: FastifyReply): Promise<ProductView | null> {
    const product = await productFor(req, reply);
    if (!product) return null;
    if (productAccess(req.principal, product).write) return product;
    await refuse(req, reply, product, WRITE, 'Only the partnership’s business unit can change or send a learning product.');
    return null;
  }

  app.get('/learning-products/:id/edit', access(WRITE), async (req, reply) => {
    const product = await productToWrite(req, reply);
    if (!product) return reply;
    await req.audit({ action: 'view', permission: WRITE, partnershipId: product.partnershipId, recordType: 'learning-product', recordId: product.id, changes: { page: 'edit' } });
    if (product.status !== 'draft') return renderProduct(req, reply.code(409), product, { errors: [{ text: 'Only a draft can be changed. Ask for it to be sent back, or take it down first.', href: '#main-content' }] });
    return renderForm(reply, product.partnershipId, product, valuesOf(product));
  });

  app.post('/learning-products/:id/edit', access(WRITE), async (req, reply) => {
    const product = await productToWrite(req, reply);
    if (!product) return reply;
    const body = bodyOf(req);
    const input = readProduct(body);
    const result = await req.change(
      (trx) => updateProduct(trx, product, input, formVersion(body)),
      (r) =>
        r.ok
          ? {
              action: 'learning-product-changed',
              permission: WRITE,
              partnershipId: product.partnershipId,
              recordType: 'learning-product',
              recordId: product.id,
              changes: { before: { title: product.title, kind: product.kind, slug: product.slug, public: product.public }, after: { title: input.title, kind: input.kind, slug: input.slug, public: input.public, sources: input.sources } },
            }
          : null,
    );
    if (result.ok) return reply.redirect(`/learning-products/${product.id}?done=saved`, 303);
    const problems = new Problems();
    problems.addAll(result.problems, (f) => (f === 'version' || f === 'state' ? null : f));
    const current = result.conflict ? ((await loadProduct(db, [product.partnershipId], product.id)) ?? product) : product;
    const values = result.conflict ? valuesOf(current) : { ...body, sources: input.sources, version: String(product.version) };
    return renderForm(reply.code(result.conflict ? 409 : 422), product.partnershipId, current, values, problems.view());
  });

  app.post('/learning-products/:id/steps', access([WRITE, APPROVE]), async (req, reply) => {
    const product = await productFor(req, reply);
    if (!product) return reply;
    const may = productAccess(req.principal, product);
    const body = bodyOf(req);
    const step = text(body, 'step', 40);
    const role = step === 'approve' || step === 'send-back' ? 'approver' : 'writer';
    if (isStep(step) && (role === 'approver' ? !may.approve : !may.write)) {
      // Both the business unit and the leads use this form; which step is whose is told on the page, like any other mistake.
      await req.audit({ action: 'access-refused', permission: role === 'approver' ? APPROVE : WRITE, partnershipId: product.partnershipId, recordType: 'learning-product', recordId: product.id, outcome: 'refused', changes: { step: step.slice(0, 40) } });
      const message = role === 'approver' ? 'Only a statutory partner’s lead can approve or send back a learning product' : 'Only the partnership’s business unit can send a product for review or take it down';
      return renderProduct(req, reply.code(403), product, { errors: [{ text: message, href: '#main-content' }] });
    }
    const result = await req.change(
      (trx) => takeStep(trx, product, actorOf(req), role, step, formVersion(body)),
      (r) =>
        r.ok
          ? { action: `learning-product-${step}`, permission: role === 'approver' ? APPROVE : WRITE, partnershipId: product.partnershipId, recordType: 'learning-product', recordId: product.id, changes: { before: { status: r.from }, after: { status: r.to } } }
          : null,
    );
    if (result.ok) return reply.redirect(`/learning-products/${product.id}?done=${step}`, 303);
    const problems = new Problems();
    problems.addAll(result.problems, (f) => (f.startsWith('section-') || f === 'sources' || f === 'version' || f === 'step' ? null : f));
    const current = result.conflict ? ((await loadProduct(db, [product.partnershipId], product.id)) ?? product) : product;
    return renderProduct(req, reply.code(result.conflict ? 409 : 422), current, problems.view());
  });

  // ---- Sending and reach --------------------------------------------------------------------------

  async function renderSend(reply: FastifyReply, product: ProductView, values: FormBody, extra: Record<string, unknown> = {}) {
    const lists = await listLists(db, product.partnershipId);
    const chosen = new Set(list(values, 'listIds'));
    return reply.render('learning-products/views/send.njk', {
      pageTitle: `Send ${product.title}`,
      product,
      lists: lists.map((l) => ({ value: l.id, text: `${l.name} (${l.members} ${l.members === 1 ? 'person' : 'people'})`, checked: chosen.has(l.id) })),
      values,
      fieldErrors: {},
      lines: [],
      ...extra,
    });
  }

  app.get('/learning-products/:id/send', access(WRITE), async (req, reply) => {
    const product = await productToWrite(req, reply);
    if (!product) return reply;
    await req.audit({ action: 'view', permission: WRITE, partnershipId: product.partnershipId, recordType: 'learning-product', recordId: product.id, changes: { page: 'send' } });
    if (product.status !== 'published') return renderProduct(req, reply.code(409), product, { errors: [{ text: 'Only a published product can be sent', href: '#main-content' }] });
    return renderSend(reply, product, { followUpDays: String(FOLLOW_UP_DEFAULT_DAYS), listIds: [] });
  });

  app.post('/learning-products/:id/send', access(WRITE), async (req, reply) => {
    const product = await productToWrite(req, reply);
    if (!product) return reply;
    const body = bodyOf(req);
    const problems = new Problems();
    const daysText = text(body, 'followUpDays', 10);
    const daysProblem = followUpDaysProblem(daysText);
    if (daysProblem) problems.add('followUpDays', daysProblem);
    const input = { listIds: list(body, 'listIds'), others: text(body, 'others', 100_000), followUpDays: daysProblem ? FOLLOW_UP_DEFAULT_DAYS : Number(daysText.trim()) };
    const result = await req.change(
      async (trx) => (problems.any ? null : recordSend(trx, product, actorOf(req), input)),
      (r) =>
        r?.ok
          ? { action: 'learning-product-sent', permission: WRITE, partnershipId: product.partnershipId, recordType: 'learning-product', recordId: product.id, changes: { after: { sendId: r.sendId, people: r.outgoing.length, alreadyHad: r.already, lists: input.listIds, followUpDays: input.followUpDays } } }
          : null,
    );
    if (!result || !result.ok) {
      if (result) problems.addAll(result.problems, (f) => (f === 'state' ? null : f === 'listIds' ? 'listIds' : f));
      return renderSend(reply.code(422), product, { ...body, listIds: input.listIds }, { ...problems.view(), lines: result && !result.ok ? result.lines : [] });
    }
    // The emails go after the send is recorded: each person's link is good from the moment it arrives.
    const delivered = await deliver(mailer, product, result.outgoing, linkBase(req, config), KIND_LABELS[product.kind]);
    await req.change(
      (trx) => markEmailed(trx, product.partnershipId, delivered.sent),
      () => ({ action: 'learning-product-emailed', permission: WRITE, partnershipId: product.partnershipId, recordType: 'learning-send', recordId: result.sendId, changes: { after: { emailed: delivered.sent.length, failed: delivered.failed } } }),
    );
    return reply.redirect(`/learning-products/${product.id}/reach?sent=${delivered.sent.length}&failed=${delivered.failed}&already=${result.already}`, 303);
  });

  app.get('/learning-products/:id/reach', access(READ), async (req, reply) => {
    const product = await productFor(req, reply);
    if (!product) return reply;
    const may = productAccess(req.principal, product);
    if (!may.reach) return refuse(req, reply, product, READ, 'Only the partnership’s business unit and statutory partners’ leads can see who a product reached.');
    await req.audit({ action: 'view', permission: READ, partnershipId: product.partnershipId, recordType: 'learning-product', recordId: product.id, changes: { page: 'reach' } });
    const q = req.query as Record<string, unknown>;
    const num = (k: string) => (typeof q[k] === 'string' && /^\d{1,6}$/.test(q[k] as string) ? Number(q[k]) : null);
    const sent = num('sent');
    return reply.render('learning-products/views/reach.njk', {
      pageTitle: `Reach of ${product.title}`,
      product,
      may,
      reach: await reachOf(db, cipher, product),
      sentNotice: sent === null ? null : { sent, failed: num('failed') ?? 0, already: num('already') ?? 0 },
      followUpNotice: typeof q.followUps === 'string' && /^\d{1,6}$/.test(q.followUps) ? Number(q.followUps) : null,
      labels: LABELS,
    });
  });

  app.post('/learning-products/:id/follow-ups', access(WRITE), async (req, reply) => {
    const product = await productToWrite(req, reply);
    if (!product) return reply;
    const r = await sendDueFollowUps(db, mailer, linkBase(req, config), (trx, entry) => req.audit({ ...entry, permission: WRITE }, trx), { partnershipId: product.partnershipId });
    return reply.redirect(`/learning-products/${product.id}/reach?followUps=${r.sent}`, 303);
  });

  // ---- Distribution lists ------------------------------------------------------------------------

  app.get('/distribution-lists', access(WRITE), async (req, reply) => {
    const pid = writablePartnership(req);
    if (!pid) return notFoundPage(reply);
    await req.audit({ action: 'view', permission: WRITE, partnershipId: pid, recordType: 'distribution-lists' });
    return reply.render('learning-products/views/lists.njk', { pageTitle: 'Distribution lists', lists: await listLists(db, pid), partnershipId: pid, notice: (req.query as Record<string, unknown>).done === 'saved' ? 'The list was saved.' : null });
  });

  async function renderListForm(reply: FastifyReply, pid: string, listId: string | null, values: FormBody, extra: Record<string, unknown> = {}) {
    return reply.render('learning-products/views/list-form.njk', {
      pageTitle: listId ? 'Change a distribution list' : 'Add a distribution list',
      action: listId ? `/distribution-lists/${listId}/edit` : `/distribution-lists/new?partnership=${pid}`,
      agencyNames: (await agenciesOf(db, pid)).map((a) => a.name).join(', '),
      values,
      fieldErrors: {},
      lines: [],
      ...extra,
    });
  }

  app.get('/distribution-lists/new', access(WRITE), async (req, reply) => {
    const pid = writablePartnership(req);
    if (!pid) return notFoundPage(reply);
    return renderListForm(reply, pid, null, {});
  });

  async function saveListFrom(req: FastifyRequest, reply: FastifyReply, pid: string, existing: { id: string; version: number } | null) {
    const body = bodyOf(req);
    const input = { name: text(body, 'name', 1_000), members: text(body, 'members', 100_000) };
    const result = await req.change(
      (trx) => saveList(trx, pid, input, existing),
      (r) => (r.ok ? { action: existing ? 'distribution-list-changed' : 'distribution-list-added', permission: WRITE, partnershipId: pid, recordType: 'distribution-list', recordId: r.id, changes: { after: { name: input.name.trim(), members: r.count } } } : null),
    );
    if (result.ok) return reply.redirect(`/distribution-lists?done=saved`, 303);
    const problems = new Problems();
    // Every bad line is listed in the summary, each linking to the box.
    problems.addAll(result.problems.filter((p) => p.field !== 'members'), (f) => (f === 'version' ? null : f));
    for (const p of result.problems.filter((x) => x.field === 'members')) problems.errors.push({ text: p.message, href: '#members' });
    if (result.problems.some((p) => p.field === 'members')) problems.fieldErrors.members = { text: result.lines.length > 1 ? `${result.lines.length} lines need correcting: nothing was saved` : (result.problems.find((p) => p.field === 'members')?.message ?? '') };
    return renderListForm(reply.code(result.conflict ? 409 : 422), pid, existing?.id ?? null, { ...body, version: existing ? String(existing.version) : undefined }, { ...problems.view(), lines: result.lines });
  }

  app.post('/distribution-lists/new', access(WRITE), async (req, reply) => {
    const pid = writablePartnership(req);
    if (!pid) return notFoundPage(reply);
    return saveListFrom(req, reply, pid, null);
  });

  async function listFor(req: FastifyRequest, reply: FastifyReply) {
    const { listId } = req.params as { listId: string };
    const mine = partnershipsWith(req.principal!, WRITE);
    for (const pid of mine === 'all' ? [] : mine) {
      const found = await loadList(db, pid, listId);
      if (found) return found;
    }
    notFoundPage(reply);
    return null;
  }

  app.get('/distribution-lists/:listId/edit', access(WRITE), async (req, reply) => {
    const found = await listFor(req, reply);
    if (!found) return reply;
    await req.audit({ action: 'view', permission: WRITE, partnershipId: found.partnershipId, recordType: 'distribution-list', recordId: found.id });
    return renderListForm(reply, found.partnershipId, found.id, { name: found.name, version: String(found.version), members: found.members.map((m) => (m.agencyName ? `${m.email}, ${m.agencyName}` : m.email)).join('\n') });
  });

  app.post('/distribution-lists/:listId/edit', access(WRITE), async (req, reply) => {
    const found = await listFor(req, reply);
    if (!found) return reply;
    return saveListFrom(req, reply, found.partnershipId, { id: found.id, version: formVersion(bodyOf(req)) });
  });

  // ---- Public: published products marked public ----------------------------------------------------

  app.get('/learning/products/:slug', PUBLIC, async (req, reply) => {
    const product = await loadPublicProduct(db, (req.params as { slug: string }).slug, req.brand?.partnershipId);
    if (!product) return notFoundPage(reply);
    return reply.render('learning-products/views/public.njk', { pageTitle: product.title, product, sectionList: SECTIONS[product.kind].filter((s) => (product.sections[s.key] ?? '').trim()), labels: LABELS });
  });

  app.get('/learning/products/:slug/pdf', PUBLIC, async (req, reply) => {
    const product = await loadPublicProduct(db, (req.params as { slug: string }).slug, req.brand?.partnershipId);
    if (!product) return notFoundPage(reply);
    return sendPdf(reply.header('cache-control', 'public, max-age=3600'), documents, product, linkBase(req, config));
  });

  // ---- A recipient's own page, reached from their link ---------------------------------------------

  const LINK_PROBLEMS = {
    unknown: { code: 404, title: 'This link is not valid' },
    expired: { code: 410, title: 'This link has expired' },
    'taken-down': { code: 404, title: 'This learning product is being corrected' },
  } as const;

  function linkProblem(reply: FastifyReply, status: keyof typeof LINK_PROBLEMS) {
    const { code, title } = LINK_PROBLEMS[status];
    return noReferrer(reply).header('cache-control', 'no-store').code(code).render('learning-products/views/link-problem.njk', { pageTitle: title, status });
  }

  async function renderRead(reply: FastifyReply, recipient: RecipientView, token: string, extra: Record<string, unknown> = {}) {
    const product = await loadProduct(db, [recipient.partnershipId], recipient.productId);
    if (!product) return linkProblem(reply, 'unknown');
    return noReferrer(reply)
      .header('cache-control', 'no-store')
      .render('learning-products/views/read.njk', {
        pageTitle: product.title,
        product,
        recipient,
        token,
        sectionList: SECTIONS[product.kind].filter((s) => (product.sections[s.key] ?? '').trim()),
        labels: LABELS,
        values: {},
        fieldErrors: {},
        ...extra,
      });
  }

  app.get('/read/:token', PUBLIC, async (req, reply) => {
    const { token } = req.params as { token: string };
    const check = await checkLink(db, cipher, token);
    if (check.status !== 'valid') return linkProblem(reply, check.status);
    const r = check.recipient;
    // A GET records nothing: mail filters fetch links in emails before the person ever sees them, so a
    // first visit asks for the person's own click (a POST, which no scanner sends) and that is the open.
    if (!r.openedBefore) {
      const product = await loadProduct(db, [r.partnershipId], r.productId);
      if (!product) return linkProblem(reply, 'unknown');
      return noReferrer(reply)
        .header('cache-control', 'no-store')
        .render('learning-products/views/read-start.njk', { pageTitle: product.title, product, token, labels: LABELS });
    }
    const done = (req.query as Record<string, unknown>).done;
    return renderRead(reply, r, token, { notice: done === 'acknowledged' ? 'Thank you: your acknowledgement was recorded.' : done === 'answered' ? 'Thank you: your answer was recorded.' : null });
  });

  app.post('/read/:token/open', access('public', LINK_LIMIT), async (req, reply) => {
    const { token } = req.params as { token: string };
    const check = await checkLink(db, cipher, token);
    if (check.status !== 'valid') return linkProblem(reply, check.status);
    const r = check.recipient;
    // The person's own click is the record of an open: no tracking pixels, nothing else.
    await req.change(
      (trx) => recordOpen(trx, r),
      () => ({ action: 'learning-link-opened', partnershipId: r.partnershipId, recordType: 'learning-recipient', recordId: r.id }),
    );
    return reply.redirect(`/read/${token}`, 303);
  });

  app.post('/read/:token', access('public', LINK_LIMIT), async (req, reply) => {
    const { token } = req.params as { token: string };
    const check = await checkLink(db, cipher, token);
    if (check.status !== 'valid') return linkProblem(reply, check.status);
    const r = check.recipient;
    const body = bodyOf(req);
    const input = { confirmed: text(body, 'confirmed', 10) === 'yes', reflection: text(body, 'reflection', 20_000) };
    const result = await req.change(
      async (trx) => {
        const x = await acknowledge(trx, cipher, r, input);
        // Acknowledging is reading: reach never shows more people acknowledged than opened.
        if (x.ok && !r.openedBefore) await recordOpen(trx, r);
        return x;
      },
      (x) => (x.ok ? { action: 'learning-acknowledged', partnershipId: r.partnershipId, recordType: 'learning-recipient', recordId: r.id, changes: { after: { acknowledged: true, reflection: input.reflection.trim() ? 'given' : 'none' } } } : null),
    );
    if (result.ok) return reply.redirect(`/read/${token}?done=acknowledged`, 303);
    const problems = new Problems();
    problems.addAll(result.problems);
    return renderRead(reply.code(422), r, token, { values: body, ...problems.view() });
  });

  app.post('/read/:token/follow-up', access('public', LINK_LIMIT), async (req, reply) => {
    const { token } = req.params as { token: string };
    const check = await checkLink(db, cipher, token);
    if (check.status !== 'valid') return linkProblem(reply, check.status);
    const r = check.recipient;
    const body = bodyOf(req);
    const answer = text(body, 'answer', 20_000);
    const result = await req.change(
      (trx) => answerFollowUp(trx, cipher, r, answer),
      (x) => (x.ok ? { action: 'learning-follow-up-answered', partnershipId: r.partnershipId, recordType: 'learning-recipient', recordId: r.id, changes: { after: { answered: true } } } : null),
    );
    if (result.ok) return reply.redirect(`/read/${token}?done=answered`, 303);
    const problems = new Problems();
    problems.addAll(result.problems);
    return renderRead(reply.code(422), r, token, { values: body, ...problems.view() });
  });
}

export type { Kind };
