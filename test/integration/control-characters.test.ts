import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgency, addPartnership } from '../../src/features/partnerships/service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { signedInAs, type TestClient } from '../support/client.ts';
import { ENGINES } from '../support/database.ts';
import { multipartBody } from '../support/multipart.ts';
import { rowCounts } from '../support/row-counts.ts';

/**
 * A NUL byte (or another control character) in any field is refused with that field's message,
 * on pages and on the API, and nothing is stored: PostgreSQL would refuse NUL in text with a 500.
 */
describe.each(ENGINES)('control characters in fields on %s', (engine) => {
  let t: TestApp;
  let admin: TestClient;
  let lead: TestClient;
  let partnershipId: string;
  beforeAll(async () => {
    t = await startTestApp(engine);
    const db = t.app.deps.database.db;
    const p = await addPartnership(db, { slug: 'nul-test', name: 'Nul Test SCP' });
    partnershipId = p.id;
    await addAgency(db, { partnershipId: p.id, name: 'Nul Police', kind: 'police' });
    admin = (await signedInAs(t.app, [{ role: 'system-admin', partnershipId: null }])).client;
    lead = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: p.id }])).client;
  });
  afterAll(async () => t.close());

  it('answers a form with the GOV.UK error summary naming the field, and stores nothing', async () => {
    const before = await rowCounts(t.app.deps.database.db);
    const res = await admin.post('/admin/partnerships/new', { name: 'Evil\u0000 SCP', slug: 'evil' });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('govuk-error-summary');
    expect(res.body).toContain('Name must not contain control characters');
    expect(res.body).toContain('href="/admin/partnerships/new#name"');
    expect(res.body).toContain('<title>Error: ');
    expect(await rowCounts(t.app.deps.database.db)).toEqual(before);
  });

  it('names each field of a longer form, other control characters too', async () => {
    const before = await rowCounts(t.app.deps.database.db);
    const res = await lead.post('/cases/new', {
      partnership: partnershipId,
      whatIsKnown: 'Known\u0000',
      otherAgencies: 'bell\u0007',
      'child-1-name': 'Ann\u001b[31m',
    }, { from: '/cases/new' });
    expect(res.statusCode).toBe(422);
    for (const label of ['What is known', 'Other agencies', 'Child 1 name']) expect(res.body).toContain(`${label} must not contain control characters`);
    expect(await rowCounts(t.app.deps.database.db)).toEqual(before);
  });

  it('answers an upload form (multipart) the same way, and stores nothing', async () => {
    const page = await lead.get('/publications/import');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    expect(token).toBeDefined();
    const before = await rowCounts(t.app.deps.database.db);
    const body = multipartBody({ _csrf: token as string, partnership: partnershipId, title: 'A review\u0000', summary: 'Fine' }, { name: 'report.pdf', type: 'application/pdf', bytes: Buffer.from('%PDF-1.4\n%%EOF\n') });
    const res = await t.app.inject({
      method: 'POST',
      url: '/publications/import',
      headers: { cookie: [...lead.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': body.contentType },
      payload: body.payload,
    });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Title must not contain control characters');
    expect(res.body).toContain('govuk-error-summary');
    expect(await rowCounts(t.app.deps.database.db)).toEqual(before);
  });

  it('refuses JSON sent to a page: pages take form data only', async () => {
    const before = await rowCounts(t.app.deps.database.db);
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/partnerships/new',
      headers: { cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/json', 'x-csrf-token': await admin.csrfFrom('/admin/partnerships/new') },
      payload: JSON.stringify({ name: { toString: 'x' }, slug: ['json'] }),
    });
    expect(res.statusCode).toBe(415);
    expect(await rowCounts(t.app.deps.database.db)).toEqual(before);
  });

  it('keeps tabs and line breaks, which plain text may hold', async () => {
    const res = await admin.post('/admin/partnerships/new', { name: 'Tab\tSCP', slug: 'tabbed' });
    // Refused by the name rule (one line), not by the control character rule.
    expect(res.body).not.toContain('control characters');
  });

  it('answers the API with a problem body naming the field, and stores nothing', async () => {
    const before = await rowCounts(t.app.deps.database.db);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: { cookie: [...lead.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/json', 'x-csrf-token': await lead.csrfFrom('/account/api-tokens') },
      payload: JSON.stringify({ partnership: 'nul-test', outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', aware: '2025-03-03', whatIsKnown: 'x\u0000', children: [{ pseudonym: 'Child\u0000 K' }] }),
    });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      status: 422,
      errors: [
        { field: 'whatIsKnown', message: 'What is known must not contain control characters' },
        { field: 'children.0.pseudonym', message: 'Children 1 pseudonym must not contain control characters' },
      ],
    });
    expect(await rowCounts(t.app.deps.database.db)).toEqual(before);
  });

});
