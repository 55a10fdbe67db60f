import type { z } from 'zod';
import { jsonSchema, type JsonSchema } from '../../platform/http/json-schema.ts';

export { jsonSchema, type JsonSchema };
import {
  createdSchema,
  deadlineListSchema,
  incidentCreateSchema,
  incidentDetailSchema,
  incidentListSchema,
  incidentPatchSchema,
  listIncidentsQuery,
  meSchema,
  problemSchema,
  referralCreateSchema,
  referralListSchema,
  transitionSchema,
  clockChangeSchema,
  deadlineSchema,
} from './schemas.ts';
import { PUBLIC_API_TAG, publicApiPaths, publicApiSchemas } from '../repository/openapi-paths.ts';
import { REVIEW_API_TAG, reviewApiPaths, reviewApiSchemas } from '../reviews/api.ts';
import { RAPID_REVIEW_API_TAG, rapidReviewApiPaths, rapidReviewApiSchemas } from '../rapid-reviews/api.ts';
import { LEARNING_API_TAG, learningApiPaths, learningApiSchemas } from '../learning/api.ts';
import { LEARNING_PRODUCTS_API_TAG, learningProductApiPaths, learningProductApiSchemas } from '../learning-products/api.ts';
import { ASSURANCE_API_TAG, assuranceApiPaths, assuranceApiSchemas } from '../learning/assurance-api.ts';
import { recurringApiPaths, recurringApiSchemas } from '../learning/recurring-routes.ts';
import { REPORTS_API_TAG, reportApiPaths, reportApiSchemas } from '../reports/api.ts';

/**
 * The OpenAPI 3.1 document of the JSON API, generated from the same zod schemas the routes use
 * to read bodies. The readable page at /api/docs is rendered from this document too, and a test
 * checks that every /api/v1 route in the app's route table is described here.
 */


type Parameter = { name: string; in: 'path' | 'query' | 'header'; required: boolean; description: string; schema: JsonSchema };

type Response = { description: string; headers?: Record<string, { description: string; schema: JsonSchema }>; content?: Record<string, { schema: JsonSchema }> };

export type Operation = {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, Response>;
  /** The permission the route needs ('public' when none). */
  'x-access': string | string[];
  /** The API token scope the operation needs: 'read' for GET, 'write' for any change (set for every operation that needs a sign-in). */
  'x-token-scope'?: 'read' | 'write';
};

export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  security: Record<string, string[]>[];
  tags: { name: string; description: string }[];
  paths: Record<string, Partial<Record<'get' | 'post' | 'patch' | 'put' | 'delete', Operation>>>;
  components: { securitySchemes: Record<string, Record<string, string>>; schemas: Record<string, JsonSchema> };
};


const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });
const problem = (description: string): Response => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });

const ID_PARAM: Parameter = { name: 'id', in: 'path', required: true, description: 'The incident’s id (a UUID).', schema: { type: 'string', format: 'uuid' } };
const CLOCK_PARAM: Parameter = { name: 'clock', in: 'path', required: true, description: 'The clock, e.g. "review-completion".', schema: { type: 'string' } };
const IF_MATCH: Parameter = {
  name: 'If-Match',
  in: 'header',
  required: true,
  description: 'The version of the incident you read, in quotes, like "3" (the ETag of GET /api/v1/incidents/{id}).',
  schema: { type: 'string', pattern: '^(W/)?"\\d+"$' },
};
const ETAG = { ETag: { description: 'The incident’s version, for If-Match.', schema: { type: 'string' } } };

const REFUSALS = {
  '401': problem('No API token or session, or the token is not valid, has expired or has been revoked.'),
  '403': problem('You do not hold the permission this needs.'),
};
const NOT_FOUND = { '404': problem('There is no such incident, or it belongs to a partnership you do not work for.') };
const INVALID = { '422': problem('The body is not sound: `errors` lists each answer to correct.') };

function queryParameters(schema: z.ZodObject): Parameter[] {
  const s = jsonSchema(schema, 'input') as { properties: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(s.properties).map(([name, prop]) => {
    const { description, ...rest } = prop;
    return { name, in: 'query', required: (s.required ?? []).includes(name), description: String(description ?? ''), schema: rest };
  });
}

function body(name: string): Operation['requestBody'] {
  return { required: true, content: json(name) };
}

/**
 * Every operation that needs a sign-in names the token scope it needs: 'read' for GET, 'write'
 * for a change, which a read-only token is refused with 403.
 */
function withTokenScopes(document: OpenApiDocument): OpenApiDocument {
  for (const operations of Object.values(document.paths)) {
    for (const [method, op] of Object.entries(operations) as [string, Operation][]) {
      if (op['x-access'] === 'public') continue;
      op['x-token-scope'] = method === 'get' ? 'read' : 'write';
      if (method !== 'get') op.responses['403'] = problem('You do not hold the permission this needs, or the API token is read-only (its scope is `read`).');
    }
  }
  return document;
}

export function buildOpenApiDocument(): OpenApiDocument {
  return withTokenScopes({
    openapi: '3.1.0',
    info: {
      title: 'CSPR Hub API',
      version: '1.0.0',
      description:
        'The statutory workflow of child safeguarding practice reviews as JSON: incidents, their children, their statutory clocks, ' +
        'transitions through the workflow, and referrals. Authenticate with an API token (Authorization: Bearer …) made on the ' +
        '“API tokens” page of your account or with `cspr tokens create`. A token has a scope: `read` (GET only; any change answers ' +
        '403 with a problem body saying the token is read-only) or `write` (reads and changes). It lasts the days chosen when it ' +
        'was made (90 by default, 365 at most), and ends when its owner’s password is reset or their account is disabled. ' +
        'Tokens work only at addresses starting /api/v1/: never for pages, the account or administration. ' +
        'You see and change only the partnerships you work for: an incident of another ' +
        'partnership answers 404. Every view and change is recorded in the audit trail. Errors are RFC 9457 problem bodies.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }, { sessionCookie: [] }],
    tags: [
      { name: 'Incidents', description: 'Incidents, their children and the workflow.' },
      { name: 'Referrals', description: 'Referrals of incidents for consideration.' },
      { name: 'Account', description: 'Who you are.' },
      { name: 'Documentation', description: 'This document.' },
      RAPID_REVIEW_API_TAG,
      REVIEW_API_TAG,
      LEARNING_API_TAG,
      LEARNING_PRODUCTS_API_TAG,
      ASSURANCE_API_TAG,
      REPORTS_API_TAG,
      PUBLIC_API_TAG,
    ],
    paths: {
      '/api/v1/me': {
        get: {
          operationId: 'getMe',
          summary: 'Who you are',
          description: 'The person the token or session belongs to, with their roles.',
          tags: ['Account'],
          'x-access': 'signed-in',
          responses: { '200': { description: 'You.', content: json('Me') }, '401': REFUSALS['401'] },
        },
      },
      '/api/v1/incidents': {
        get: {
          operationId: 'listIncidents',
          summary: 'List incidents',
          description: 'The incidents of the partnerships you may read, each with its state and the clock most needing attention today.',
          tags: ['Incidents'],
          'x-access': 'case:read',
          parameters: queryParameters(listIncidentsQuery),
          responses: { '200': { description: 'The incidents.', content: json('IncidentList') }, '400': problem('A filter is not one the API knows.'), ...REFUSALS },
        },
        post: {
          operationId: 'createIncident',
          summary: 'Record an incident',
          description: 'Records an incident with its children, checked as the “Record an incident” form checks it. It starts in the state “recorded”.',
          tags: ['Incidents'],
          'x-access': 'case:write',
          requestBody: body('IncidentCreate'),
          responses: {
            '201': { description: 'Recorded. Location names the new incident.', content: json('Created'), headers: { Location: { description: 'The new incident’s address.', schema: { type: 'string' } } } },
            ...REFUSALS,
            ...INVALID,
          },
        },
      },
      '/api/v1/incidents/{id}': {
        get: {
          operationId: 'getIncident',
          summary: 'Get an incident',
          description: 'An incident with its facts, children (identifying details for case:read holders), timeline and what you may record now.',
          tags: ['Incidents'],
          'x-access': 'case:read',
          parameters: [ID_PARAM],
          responses: { '200': { description: 'The incident.', headers: ETAG, content: json('IncidentDetail') }, ...REFUSALS, ...NOT_FOUND },
        },
        patch: {
          operationId: 'updateIncident',
          summary: 'Change the facts of an incident',
          description: 'Changes the facts you send, if the incident is still at the version in If-Match; otherwise nothing is saved and you get 412 with the incident as it is now.',
          tags: ['Incidents'],
          'x-access': 'case:write',
          parameters: [ID_PARAM, IF_MATCH],
          requestBody: body('IncidentPatch'),
          responses: {
            '200': { description: 'Saved: the incident as it is now.', headers: ETAG, content: json('IncidentDetail') },
            '400': problem('If-Match is not a version in quotes.'),
            ...REFUSALS,
            ...NOT_FOUND,
            '412': problem('Someone changed the incident since the version you sent: `current` holds it as it is now.'),
            ...INVALID,
            '428': problem('If-Match is missing.'),
          },
        },
      },
      '/api/v1/incidents/{id}/deadlines': {
        get: {
          operationId: 'getDeadlines',
          summary: 'The statutory clocks of an incident',
          description: 'Every clock of the incident today: the same computation as the case page (rules the case is judged under, bank holidays, pauses).',
          tags: ['Incidents'],
          'x-access': 'case:read',
          parameters: [ID_PARAM],
          responses: { '200': { description: 'The clocks.', content: json('DeadlineList') }, ...REFUSALS, ...NOT_FOUND },
        },
      },
      '/api/v1/incidents/{id}/transitions': {
        post: {
          operationId: 'recordTransition',
          summary: 'Move an incident through the workflow',
          description: 'Records a transition (e.g. "notify", "start-rapid-review") or a step (e.g. "partners-informed") with the date, reference or note it asks for.',
          tags: ['Incidents'],
          'x-access': 'case:write',
          parameters: [ID_PARAM],
          requestBody: body('Transition'),
          responses: {
            '200': { description: 'Recorded: the incident as it is now.', content: json('IncidentDetail') },
            ...REFUSALS,
            ...NOT_FOUND,
            '409': problem('The workflow does not allow this now: `detail` says why (e.g. the incident is not yet notified).'),
            ...INVALID,
          },
        },
      },
      '/api/v1/incidents/{id}/clocks/{clock}/pause': {
        post: {
          operationId: 'pauseClock',
          summary: 'Pause a clock for good reason',
          description: 'Records a delay (e.g. parallel criminal proceedings, an inquest) on a clock whose rule allows a pause: today only the review’s 6 months. ' +
            'A pause never moves the due date: the original due date stays the measure of timeliness. Record when the Panel and the Secretary of State were told. ' +
            'The notification clocks (Panel, partners, Secretary of State and Ofsted) cannot pause: asking answers 409 saying why.',
          tags: ['Incidents'],
          'x-access': 'case:write',
          parameters: [ID_PARAM, CLOCK_PARAM],
          requestBody: body('ClockChange'),
          responses: {
            '200': { description: 'Paused: the clock as it is now.', content: json('Deadline') },
            ...REFUSALS,
            ...NOT_FOUND,
            '409': problem('The clock cannot be paused: its rule does not allow it, or it is done, paused already or stopped. `detail` says why.'),
            ...INVALID,
          },
        },
      },
      '/api/v1/incidents/{id}/clocks/{clock}/resume': {
        post: {
          operationId: 'resumeClock',
          summary: 'End a clock’s pause',
          description: 'Records the end of a delay, and when the Panel and the Secretary of State were told if not recorded before. The due date does not move.',
          tags: ['Incidents'],
          'x-access': 'case:write',
          parameters: [ID_PARAM, CLOCK_PARAM],
          requestBody: body('ClockChange'),
          responses: {
            '200': { description: 'Resumed: the clock as it is now.', content: json('Deadline') },
            ...REFUSALS,
            ...NOT_FOUND,
            '409': problem('The clock is not paused.'),
            ...INVALID,
          },
        },
      },
      '/api/v1/referrals': {
        get: {
          operationId: 'listReferrals',
          summary: 'List referrals',
          description: 'The referrals of the partnerships whose cases you work on, with their outcomes.',
          tags: ['Referrals'],
          'x-access': 'case:write',
          responses: { '200': { description: 'The referrals.', content: json('ReferralList') }, ...REFUSALS },
        },
        post: {
          operationId: 'createReferral',
          summary: 'Refer an incident',
          description: 'Refers an incident to the partnership for consideration, for your own agency (or any agency, for the business unit).',
          tags: ['Referrals'],
          'x-access': 'referral:create',
          requestBody: body('ReferralCreate'),
          responses: { '201': { description: 'Referred.', content: json('Created') }, ...REFUSALS, ...INVALID },
        },
      },
      '/api/v1/openapi.json': {
        get: {
          operationId: 'getOpenApi',
          summary: 'This document',
          description: 'The OpenAPI 3.1 description of the API. Readable at /api/docs.',
          tags: ['Documentation'],
          security: [],
          'x-access': 'public',
          responses: { '200': { description: 'The OpenAPI document.', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
      ...rapidReviewApiPaths(),
      ...reviewApiPaths(),
      ...learningApiPaths(),
      ...learningProductApiPaths(),
      ...assuranceApiPaths(),
      ...recurringApiPaths(LEARNING_API_TAG.name),
      ...reportApiPaths(),
      ...publicApiPaths(),
    },
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API token from the “API tokens” page of your account (or `cspr tokens create`). Scope `read`: GET requests only; ' +
            'scope `write`: changes too. It expires on the date chosen when it was made, and ends when the password is reset or the account is disabled.',
        },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'cspr_session', description: 'A signed-in session; changes also need the x-csrf-token header.' },
      },
      schemas: {
        Problem: jsonSchema(problemSchema),
        Me: jsonSchema(meSchema),
        IncidentList: jsonSchema(incidentListSchema),
        IncidentCreate: jsonSchema(incidentCreateSchema, 'input'),
        IncidentDetail: jsonSchema(incidentDetailSchema),
        IncidentPatch: jsonSchema(incidentPatchSchema, 'input'),
        DeadlineList: jsonSchema(deadlineListSchema),
        Deadline: jsonSchema(deadlineSchema),
        Transition: jsonSchema(transitionSchema, 'input'),
        ClockChange: jsonSchema(clockChangeSchema, 'input'),
        ReferralList: jsonSchema(referralListSchema),
        ReferralCreate: jsonSchema(referralCreateSchema, 'input'),
        Created: jsonSchema(createdSchema),
        ...rapidReviewApiSchemas(),
        ...reviewApiSchemas(),
        ...learningApiSchemas(),
        ...learningProductApiSchemas(),
        ...assuranceApiSchemas(),
        ...recurringApiSchemas(),
        ...reportApiSchemas(),
        ...publicApiSchemas(),
      },
    },
  });
}

/** The document's path template ('/api/v1/incidents/{id}') as a Fastify route ('/api/v1/incidents/:id'). */
export function routeOf(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

// ---- For the readable page ----------------------------------------------------------------

export type Field = { name: string; type: string; required: boolean; description: string };

/** A JSON Schema's type in words: "string (date)", "one of: died, serious-harm", "array of object". */
export function typeOf(schema: JsonSchema): string {
  if (Array.isArray(schema.anyOf)) {
    const parts = (schema.anyOf as JsonSchema[]).map(typeOf);
    return parts.join(' or ');
  }
  if (Array.isArray(schema.enum)) return `one of: ${(schema.enum as unknown[]).map(String).join(', ')}`;
  if (typeof schema.$ref === 'string') return schema.$ref.replace('#/components/schemas/', '');
  if (schema.type === 'array') return `array of ${typeOf((schema.items as JsonSchema | undefined) ?? {})}`;
  if (typeof schema.type === 'string') return schema.format ? `${schema.type} (${String(schema.format)})` : schema.type;
  return 'any';
}

function described(schema: JsonSchema): string {
  if (typeof schema.description === 'string') return schema.description;
  if (Array.isArray(schema.anyOf)) for (const s of schema.anyOf as JsonSchema[]) if (typeof s.description === 'string') return s.description;
  return '';
}

/** The fields of an object schema, nested objects and arrays of objects flattened ("children[].pseudonym"). */
export function fieldsOf(schema: JsonSchema, document: OpenApiDocument, prefix = ''): Field[] {
  const resolved = typeof schema.$ref === 'string' ? (document.components.schemas[schema.$ref.replace('#/components/schemas/', '')] ?? {}) : schema;
  const properties = (resolved.properties ?? {}) as Record<string, JsonSchema>;
  const required = (resolved.required ?? []) as string[];
  const fields: Field[] = [];
  for (const [name, prop] of Object.entries(properties)) {
    const full = `${prefix}${name}`;
    fields.push({ name: full, type: typeOf(prop), required: required.includes(name), description: described(prop) });
    const items = prop.type === 'array' ? (prop.items as JsonSchema | undefined) : undefined;
    if (items?.type === 'object') fields.push(...fieldsOf(items, document, `${full}[].`));
    if (prop.type === 'object' && prop.properties) fields.push(...fieldsOf(prop, document, `${full}.`));
  }
  return fields;
}

export type DocEndpoint = {
  id: string;
  method: string;
  path: string;
  summary: string;
  description: string;
  access: string | string[];
  tokenScope: 'read' | 'write' | null;
  parameters: Parameter[];
  bodyFields: Field[];
  responses: { status: string; description: string; schema: string }[];
};

/** The document as a list of endpoints for the readable page. */
export function endpointsOf(document: OpenApiDocument): DocEndpoint[] {
  const endpoints: DocEndpoint[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(operations) as [string, Operation][]) {
      const bodySchema = op.requestBody ? Object.values(op.requestBody.content)[0]?.schema : undefined;
      endpoints.push({
        id: op.operationId,
        method: method.toUpperCase(),
        path,
        summary: op.summary,
        description: op.description,
        access: op['x-access'],
        tokenScope: op['x-token-scope'] ?? null,
        parameters: op.parameters ?? [],
        bodyFields: bodySchema ? fieldsOf(bodySchema, document) : [],
        responses: Object.entries(op.responses).map(([status, r]) => {
          const schema = r.content ? Object.values(r.content)[0]?.schema : undefined;
          return { status, description: r.description, schema: schema ? typeOf(schema) : '' };
        }),
      });
    }
  }
  return endpoints;
}
