import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { buildOpenApiDocument, fieldsOf, routeOf, typeOf, type OpenApiDocument, type Operation } from './openapi.ts';

/** Every `$ref` in a value, to check each one points at a schema the document holds. */
function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, found);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') found.push(v);
      else refsIn(v, found);
    }
  }
  return found;
}

describe('the OpenAPI document, built from the zod schemas', () => {
  const doc = buildOpenApiDocument();

  it('is an OpenAPI 3.1 document with a bearer security scheme and sound references', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearerAuth).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(doc.security).toContainEqual({ bearerAuth: [] });
    for (const ref of refsIn(doc)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[ref.replace('#/components/schemas/', '')], ref).toBeDefined();
    }
    for (const schema of Object.values(doc.components.schemas)) expect(schema).not.toHaveProperty('$schema');
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => (op as Operation).operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('declares path parameters for every templated path, and bodies with their fields', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const op of Object.values(ops) as Operation[]) {
        const declared = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        expect(declared.sort(), `${path} ${op.operationId}`).toEqual(names.sort());
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
      }
    }
    const create = doc.paths['/api/v1/incidents'].post as Operation;
    const fields = fieldsOf(create.requestBody!.content['application/json'].schema, doc);
    const byName = Object.fromEntries(fields.map((f) => [f.name, f]));
    expect(byName.outcome).toMatchObject({ required: true, type: 'one of: died, serious-harm, other' });
    expect(byName.aware).toMatchObject({ required: true, type: 'string (date)' });
    expect(byName['children[].pseudonym']).toMatchObject({ required: true, type: 'string' });
    expect(byName['children[].nhsNumber']).toMatchObject({ required: false });
    expect(byName.partnership.required).toBe(false);
    const patch = doc.paths['/api/v1/incidents/{id}'].patch as Operation;
    expect(patch.parameters?.find((p) => p.name === 'If-Match')).toMatchObject({ in: 'header', required: true });
    expect(Object.keys(patch.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '404', '412', '422', '428']));
    expect(Object.keys((doc.paths['/api/v1/incidents/{id}/transitions'].post as Operation).responses)).toContain('409');
    // Token scopes: reading needs 'read', every change 'write' (a read-only token gets 403).
    expect(create['x-token-scope']).toBe('write');
    expect(create.responses['403'].description).toContain('read-only');
    expect((doc.paths['/api/v1/incidents/{id}'].get as Operation)['x-token-scope']).toBe('read');
    expect((doc.paths['/api/v1/openapi.json'].get as Operation)['x-token-scope']).toBeUndefined();
    expect(String(doc.components.securitySchemes.bearerAuth.description)).toMatch(/read.*write/s);
    const list = doc.paths['/api/v1/incidents'].get as Operation;
    expect(list.parameters?.map((p) => p.name)).toEqual(['state', 'partnership']);
    expect(typeOf({ anyOf: [{ type: 'string', format: 'date' }, { type: 'null' }] })).toBe('string (date) or null');
  });
});

describe.each(ENGINES)('the OpenAPI document against the live routes on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(async () => t?.close());

  it('documents every /api/v1 route the app serves, with the access rule it declares, and nothing else', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const doc = res.json() as OpenApiDocument;
    expect(doc).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));

    const served = t.app.routeTable.filter((r) => r.url.startsWith('/api/v1/'));
    expect(served.map((r) => r.url)).toEqual(expect.arrayContaining(['/api/v1/me', '/api/v1/openapi.json', '/api/v1/incidents/:id/transitions']));
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), url: routeOf(path), access: (op as Operation)['x-access'] })),
    );
    for (const route of served) {
      expect(documented, `${route.method} ${route.url} is not in the OpenAPI document`).toContainEqual({ method: route.method, url: route.url, access: route.access });
    }
    for (const d of documented) {
      expect(served.map((r) => ({ method: r.method, url: r.url, access: r.access })), `${d.method} ${d.url} is documented but not served`).toContainEqual(d);
    }
  });

  it('shows the same document as a readable page at /api/docs, for anyone', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const html = res.body;
    expect(html).toContain('<h1 class="govuk-heading-xl">CSPR Hub API</h1>');
    const doc = buildOpenApiDocument();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops) as [string, Operation][]) {
        expect(html).toContain(`id="${op.operationId}"`);
        expect(html).toContain(`${method.toUpperCase()}</strong> <code>${path}</code>`);
        expect(html).toContain(op.summary);
      }
    }
    // Parameters, body fields and responses of one endpoint.
    const patch = /id="updateIncident"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    expect(patch).toContain('If-Match');
    expect(patch).toContain('whatIsKnown');
    expect(patch).toMatch(/428<\/th>/);
    expect(patch).toContain('The permission case:write');
    const create = /id="createIncident"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    expect(create).toContain('children[].nhsNumber');
    // Server-rendered: no script of its own, nothing from elsewhere.
    expect(html).not.toMatch(/<script[^>]+src="https?:/);
    expect(html).not.toMatch(/swagger|redoc|unpkg|jsdelivr/i);
  });
});
