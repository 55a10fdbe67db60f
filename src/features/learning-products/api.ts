import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { KINDS, SECTIONS, STATUSES } from '../../domain/learning-products/products.ts';
import { partnershipsWith, type Permission } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { sendProblem } from '../../platform/http/errors.ts';
import type { Problem } from '../../platform/http/form-body.ts';
import { actorOf } from '../cases/request-context.ts';
import { AGENCY, READ, WRITE } from './routes.ts';
import { addProduct, asReadBy, listProducts, loadProduct, productAccess, productPartnership, productScope, reachOf, type ProductSummary, type ProductView } from './service.ts';
import { jsonSchema, type JsonSchema } from '../../platform/http/json-schema.ts';

/**
 * Learning products and their reach in the JSON API, for partnerships' and agencies' own
 * reporting: the same services and checks as the pages. Agencies see published products only;
 * reach is the business unit's and the leads'. Writing a draft is open to the business unit;
 * review and approval stay on the pages, where the person approving reads what they approve.
 */

const SEE: readonly Permission[] = [READ, AGENCY];

export const productCreateSchema = z
  .object({
    partnershipId: z.uuid().optional().describe('Needed only by a person who writes for several partnerships.'),
    kind: z.enum(KINDS),
    title: z.string().max(200),
    slug: z.string().max(120).optional().describe('The public web address; made from the title when absent.'),
    theme: z.string().max(80).optional().describe('A theme key of the repository’s vocabulary.'),
    sections: z.record(z.string().max(80), z.string().max(5_000)).describe(`The written sections by key: ${Object.entries(SECTIONS).map(([k, s]) => `${k}: ${s.map((x) => x.key).join(', ')}`).join('; ')}.`),
    publicationIds: z.array(z.uuid()).max(100).optional().describe('Published reviews (local or national) it draws on.'),
    incidentIds: z.array(z.uuid()).max(100).optional().describe('The partnership’s own cases whose reviews it draws on.'),
    public: z.boolean().optional().describe('Shown on the public learning pages once published.'),
  })
  .strict();

const sourceSchema = z.object({ publicationId: z.uuid().nullable(), incidentId: z.uuid().nullable(), title: z.string(), slug: z.string().nullable() });
const productSchema = z.object({
  id: z.uuid(),
  partnershipId: z.uuid(),
  kind: z.enum(KINDS),
  title: z.string(),
  slug: z.string(),
  theme: z.string().nullable(),
  status: z.enum(STATUSES),
  public: z.boolean(),
  approvedBy: z.string().nullable(),
  publishedAt: z.string().nullable(),
  version: z.number().int(),
  sections: z.record(z.string(), z.string()).optional(),
  sources: z.array(sourceSchema),
  pdf: z.string().describe('The one-page PDF.'),
});
const productListSchema = z.object({ items: z.array(productSchema) });
const reachRowSchema = z.object({ agency: z.string(), sent: z.number().int(), opened: z.number().int(), acknowledged: z.number().int(), followUpsSent: z.number().int(), answered: z.number().int() });
const reachSchema = z.object({ rows: z.array(reachRowSchema), total: reachRowSchema, answers: z.array(z.object({ agency: z.string(), text: z.string(), at: z.string() })) });

function present(p: ProductSummary & { sections?: Record<string, string>; sources: ProductView['sources'] }): z.infer<typeof productSchema> {
  return {
    id: p.id,
    partnershipId: p.partnershipId,
    kind: p.kind,
    title: p.title,
    slug: p.slug,
    theme: p.theme,
    status: p.status,
    public: p.public,
    approvedBy: p.approvedByName,
    publishedAt: p.publishedAt ? p.publishedAt.toISOString() : null,
    version: p.version,
    ...(p.sections ? { sections: p.sections } : {}),
    sources: p.sources.map((s) => ({ publicationId: s.publicationId, incidentId: s.incidentId, title: s.title, slug: s.publicHref ? s.publicHref.replace('/reviews/', '') : null })),
    pdf: `/learning-products/${p.id}/pdf`,
  };
}

const invalid = (reply: FastifyReply, problems: Problem[]) => sendProblem(reply, 422, 'Unprocessable content', 'Some answers need correcting: see errors.', { errors: problems });

export async function learningProductApiRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher } = app.deps;
  const db = database.db;

  async function productFor(req: FastifyRequest, reply: FastifyReply): Promise<ProductView | null> {
    const { id } = req.params as { id: string };
    const product = await loadProduct(db, productScope(req.principal!), id);
    const readable = product && asReadBy(req.principal, product);
    if (readable) return readable;
    const from = product?.partnershipId ?? (await productPartnership(db, id));
    if (from) await req.audit({ action: 'access-refused', permission: READ, partnershipId: from, recordType: 'learning-product', recordId: id, outcome: 'refused' });
    sendProblem(reply, 404, 'Not found', 'There is no learning product with this id that you may see.');
    return null;
  }

  app.get('/api/v1/learning-products', access(SEE), async (req) => {
    const products = await listProducts(db, req.principal!);
    const full = await Promise.all(products.map((p) => loadProduct(db, [p.partnershipId], p.id)));
    await req.audit({ action: 'view', permission: READ, recordType: 'learning-products', changes: { via: 'api' } });
    const readable = full.map((p) => p && asReadBy(req.principal, p)).filter((p): p is ProductView => p !== null);
    return { items: readable.map((p) => present({ ...p, sections: undefined })) };
  });

  app.post('/api/v1/learning-products', access(WRITE), async (req, reply) => {
    const parsed = productCreateSchema.safeParse(req.body ?? {});
    if (!parsed.success) return invalid(reply, parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.') || 'body', message: i.message })));
    const body = parsed.data;
    const mine = partnershipsWith(req.principal!, WRITE);
    const pid = body.partnershipId ?? (mine !== 'all' && mine.length === 1 ? mine[0] : null);
    if (!pid || (mine !== 'all' && !mine.includes(pid))) return invalid(reply, [{ field: 'partnershipId', message: 'Give the id of a partnership you write for' }]);
    const input = {
      kind: body.kind,
      title: body.title,
      slug: body.slug ?? '',
      theme: body.theme ?? '',
      sections: body.sections,
      sources: [...(body.publicationIds ?? []).map((id) => `publication:${id}`), ...(body.incidentIds ?? []).map((id) => `incident:${id}`)],
      public: body.public ?? false,
    };
    const result = await req.change(
      (trx) => addProduct(trx, pid, actorOf(req), input),
      (r) => (r.ok ? { action: 'learning-product-added', permission: WRITE, partnershipId: pid, recordType: 'learning-product', recordId: r.id, changes: { after: { kind: input.kind, title: input.title, slug: r.slug, sources: input.sources, public: input.public }, via: 'api' } } : null),
    );
    if (!result.ok) return invalid(reply, result.problems);
    const created = await loadProduct(db, [pid], result.id);
    return reply.code(201).header('location', `/api/v1/learning-products/${result.id}`).send(created ? present(created) : {});
  });

  app.get('/api/v1/learning-products/:id', access(SEE), async (req, reply) => {
    const product = await productFor(req, reply);
    if (!product) return reply;
    await req.audit({ action: 'view', permission: READ, partnershipId: product.partnershipId, recordType: 'learning-product', recordId: product.id, changes: { via: 'api' } });
    return present(product);
  });

  app.get('/api/v1/learning-products/:id/reach', access(READ), async (req, reply) => {
    const product = await productFor(req, reply);
    if (!product) return reply;
    if (!productAccess(req.principal, product).reach) return sendProblem(reply, 404, 'Not found', 'There is no learning product with this id whose reach you may see.');
    await req.audit({ action: 'view', permission: READ, partnershipId: product.partnershipId, recordType: 'learning-product', recordId: product.id, changes: { page: 'reach', via: 'api' } });
    const reach = await reachOf(db, cipher, product);
    return { rows: reach.rows, total: reach.total, answers: reach.answers.map((a) => ({ agency: a.agency, text: a.text, at: a.at.toISOString() })) };
  });
}



export const LEARNING_PRODUCTS_API_TAG = {
  name: 'Learning products',
  description: 'Thematic 7-minute briefings and Learning on a Page documents drawing on several reviews, and their reach by agency (sent, opened, acknowledged, followed up).',
};

/** The learning products part of the OpenAPI document, merged into it by api/openapi.ts. */
export function learningProductApiPaths() {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
  const path = { name: 'id', in: 'path' as const, required: true, description: 'The product’s id.', schema: { type: 'string', format: 'uuid' } };
  const common = { '401': problem('No valid token or session.'), '403': problem('Your roles do not allow this.') };
  const tags = [LEARNING_PRODUCTS_API_TAG.name];
  return {
    '/api/v1/learning-products': {
      get: {
        operationId: 'listLearningProducts',
        summary: 'List learning products',
        description: 'The partnership’s products: every status for its business unit and leads, published ones for agencies.',
        tags,
        'x-access': [...SEE],
        responses: { '200': { description: 'The products.', content: { 'application/json': { schema: ref('LearningProductList') } } }, ...common },
      },
      post: {
        operationId: 'addLearningProduct',
        summary: 'Write a draft learning product',
        description: 'Saved as a draft; it is sent for review and approved on the pages.',
        tags,
        'x-access': WRITE,
        requestBody: { required: true, content: { 'application/json': { schema: ref('LearningProductCreate') } } },
        responses: { '201': { description: 'Saved as a draft.', content: { 'application/json': { schema: ref('LearningProduct') } } }, ...common, '422': problem('Some answers need correcting: `errors` lists each one.') },
      },
    },
    '/api/v1/learning-products/{id}': {
      get: {
        operationId: 'getLearningProduct',
        summary: 'Get a learning product',
        description: 'Its sections, status, who approved it and the reviews it draws on.',
        tags,
        'x-access': [...SEE],
        parameters: [path],
        responses: { '200': { description: 'The product.', content: { 'application/json': { schema: ref('LearningProduct') } } }, ...common, '404': problem('No product you may see.') },
      },
    },
    '/api/v1/learning-products/{id}/reach': {
      get: {
        operationId: 'getLearningProductReach',
        summary: 'Reach of a learning product by agency',
        description: 'Sent, opened (the person’s own click on their link), acknowledged, follow-up sent and answered, by agency, and the answers to “what changed in your practice?”.',
        tags,
        'x-access': READ,
        parameters: [path],
        responses: { '200': { description: 'The reach.', content: { 'application/json': { schema: ref('LearningProductReach') } } }, ...common, '404': problem('No product whose reach you may see.') },
      },
    },
  };
}

export function learningProductApiSchemas(): Record<string, JsonSchema> {
  return {
    LearningProduct: jsonSchema(productSchema, 'output'),
    LearningProductList: jsonSchema(productListSchema, 'output'),
    LearningProductCreate: jsonSchema(productCreateSchema, 'input'),
    LearningProductReach: jsonSchema(reachSchema, 'output'),
  };
}
