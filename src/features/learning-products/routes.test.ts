import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { errorSummary, textOf } from '../../../test/support/pages.ts';
import { addDays, todayInLondon } from '../../domain/calendar/date-only.ts';
import { loadConfig } from '../../platform/config/config.ts';
import { openDatabase, type Database } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { buildApp } from '../../platform/http/app.ts';
import type { MailMessage } from '../../platform/mail/mailer.ts';
import { addAgency, addPartnership } from '../partnerships/service.ts';
import { recordTestIncident } from '../reminders/test-fixtures.ts';

/**
 * Learning products and their reach through HTTP: written by the business unit, approved by a
 * partner's lead, published (public or not), printed as a one-page PDF, sent to distribution lists
 * (a bad address stops the whole send), opened and acknowledged from each person's own link,
 * counted by agency, and followed up once whatever the number of instances.
 */
describe.each(ENGINES)('learning products on %s', (engine) => {
  let t: TestApp;
  let admin: TestClient;
  let lead: TestClient;
  let school: TestClient;
  let outsider: TestClient;
  let p: { id: string };
  let pubA: string;
  let pubB: string;
  const mail: MailMessage[] = [];
  const today = todayInLondon(new Date());
  let productId: string;
  let adminId: string;

  beforeAll(async () => {
    t = await startTestApp(engine);
    const db = t.app.deps.database.db;
    t.app.deps.mailer.sendMail = async (m) => {
      mail.push(m);
      return { messageId: `m${mail.length}` };
    };
    p = await addPartnership(db, { slug: 'briefings-northmoor', name: 'Briefings SCP' });
    const elsewhere = await addPartnership(db, { slug: 'briefings-elsewhere', name: 'Elsewhere SCP' });
    const schoolId = (await addAgency(db, { partnershipId: p.id, name: 'Briefings Academy', kind: 'relevant-agency' })).id;
    await addAgency(db, { partnershipId: p.id, name: 'Briefings Police', kind: 'police' });
    const signedInAdmin = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: p.id, agencyId: null }], { name: 'Alex Admin' });
    admin = signedInAdmin.client;
    adminId = signedInAdmin.userId;
    lead = (await signedInAs(t.app, [{ role: 'partner-lead', partnershipId: p.id, agencyId: null }], { name: 'Priya Lead' })).client;
    school = (await signedInAs(t.app, [{ role: 'agency-contributor', partnershipId: p.id, agencyId: schoolId }])).client;
    outsider = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: elsewhere.id, agencyId: null }])).client;
    const pub = (slug: string, title: string) =>
      db
        .insertInto('publications')
        .values({ partnership_id: p.id, incident_id: null, source: 'import', slug, title, summary: 'A fictional review.', review_type: 'local-cspr', themes: '[]', published_on: addDays(today, -100), withdrawable_on: addDays(today, 400) })
        .returning('id')
        .executeTakeFirstOrThrow();
    pubA = (await pub('2025-briefings-child-a', '2025 – Briefings – Child A')).id;
    pubB = (await pub('2024-briefings-child-b', '2024 – Briefings – Child B')).id;
  }, 120_000);
  afterAll(async () => t.close());

  const count = async (table: 'learning_products' | 'learning_recipients' | 'learning_sends') =>
    Number((await withTenant(t.app.deps.database.db, [p.id], (trx) => trx.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('partnership_id', '=', p.id).executeTakeFirstOrThrow())).n);

  const briefing = {
    kind: 'seven-minute-briefing',
    title: 'Fractures in infants: a thematic briefing',
    'section-background': 'Two reviews found bruising in non-mobile babies was not always acted on.',
    'section-why-it-matters': 'A bruise on a baby who cannot move is a sign of harm until shown otherwise.',
    'section-information': 'Follow the bruising protocol.',
    'section-practice': 'Refer every bruise in a non-mobile baby.',
    'section-questions': 'How does your team check the protocol is used?',
    public: 'yes',
  };

  it('refuses a draft with no title and nothing saved, then saves a draft drawing on two reviews', async () => {
    const bad = await admin.post('/learning-products/new', { ...briefing, title: ' ', sources: [`publication:${pubA}`] }, { from: '/learning-products/new' });
    expect(bad.statusCode).toBe(422);
    expect(errorSummary(bad.body)).toContain('Enter a title');
    expect(await count('learning_products')).toBe(0);
    const hostile = await admin.post('/learning-products/new', { ...briefing, sources: ['publication:not-a-uuid'] }, { from: '/learning-products/new' });
    expect(hostile.statusCode).toBe(422);
    expect(errorSummary(hostile.body)).toContain('Select reviews from the list');
    const ok = await admin.post('/learning-products/new', { ...briefing, sources: [`publication:${pubA}`, `publication:${pubB}`] }, { from: '/learning-products/new' });
    expect(ok.statusCode).toBe(303);
    productId = /\/learning-products\/([0-9a-f-]{36})/.exec(ok.headers.location as string)![1];
    const page = textOf((await admin.get(`/learning-products/${productId}`)).body);
    expect(page).toContain('Draft');
    expect(page).toContain('2025 – Briefings – Child A');
    expect(page).toContain('2024 – Briefings – Child B');
  });

  it('keeps a draft from agencies, other partnerships and the public', async () => {
    expect((await school.get(`/learning-products/${productId}`)).statusCode).toBe(404);
    expect((await outsider.get(`/learning-products/${productId}`)).statusCode).toBe(404);
    expect((await new TestClient(t.app).get('/learning/products/fractures-in-infants-a-thematic-briefing')).statusCode).toBe(404);
  });

  it('goes to review, refuses approval by the business unit, and is approved and published by a lead', async () => {
    const from = `/learning-products/${productId}`;
    const submitted = await admin.post(`/learning-products/${productId}/steps`, { step: 'submit', version: '1' }, { from });
    expect(submitted.statusCode).toBe(303);
    const byAdmin = await admin.post(`/learning-products/${productId}/steps`, { step: 'approve', version: '2' }, { from });
    expect(byAdmin.statusCode).toBe(403);
    const approved = await lead.post(`/learning-products/${productId}/steps`, { step: 'approve', version: '2' }, { from });
    expect(approved.statusCode).toBe(303);
    const page = textOf((await school.get(from)).body);
    expect(page).toContain('Published');
    expect(page).toContain('approved by Priya Lead');
    const pub = await new TestClient(t.app).get('/learning/products/fractures-in-infants-a-thematic-briefing');
    expect(pub.statusCode).toBe(200);
    expect(textOf(pub.body)).toContain('Refer every bruise in a non-mobile baby.');
    // The public learning page and the reviews it draws on link to it.
    expect((await new TestClient(t.app).get('/learning')).body).toContain('/learning/products/fractures-in-infants-a-thematic-briefing');
    expect((await new TestClient(t.app).get('/reviews/2025-briefings-child-a')).body).toContain('/learning/products/fractures-in-infants-a-thematic-briefing');
  });

  it('prints a one-page PDF with the title', async () => {
    for (const res of [await admin.get(`/learning-products/${productId}/pdf`), await new TestClient(t.app).get('/learning/products/fractures-in-infants-a-thematic-briefing/pdf')]) {
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('application/pdf');
      expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
      const { PDFDocument } = await import('pdf-lib');
      const doc = await PDFDocument.load(res.rawPayload);
      expect(doc.getPageCount()).toBe(1);
      expect(doc.getTitle()).toBe('Fractures in infants: a thematic briefing');
    }
  });

  it('names the case it also draws on to the partnership’s staff, never to an agency’s contributor', async () => {
    const db = t.app.deps.database.db;
    const unpublished = await recordTestIncident(db, t.app.deps.cipher, { partnershipId: p.id, userId: adminId, aware: addDays(today, -40), today });
    await withTenant(db, [p.id], (trx) => trx.insertInto('learning_product_sources').values({ product_id: productId, partnership_id: p.id, incident_id: unpublished.id, publication_id: null }).execute());
    try {
      expect(textOf((await admin.get(`/learning-products/${productId}`)).body)).toContain(`Case ${unpublished.reference} (not published)`);
      const page = await school.get(`/learning-products/${productId}`);
      expect(page.statusCode).toBe(200);
      expect(textOf(page.body)).toContain('2025 – Briefings – Child A');
      const api = await school.get(`/api/v1/learning-products/${productId}`);
      const list = await school.get('/api/v1/learning-products');
      const pdf = await school.get(`/learning-products/${productId}/pdf`);
      expect([page.statusCode, api.statusCode, list.statusCode, pdf.statusCode]).toEqual([200, 200, 200, 200]);
      expect((api.json() as { sources: { incidentId: string | null }[] }).sources.map((s) => s.incidentId)).toEqual([null, null]);
      const { extractText, getDocumentProxy } = await import('unpdf');
      const pdfText = (await extractText(await getDocumentProxy(new Uint8Array(pdf.rawPayload)), { mergePages: true })).text;
      expect(pdfText).toContain('2025 – Briefings – Child A');
      for (const shown of [page.body, api.body, list.body, pdfText]) {
        expect(shown).not.toContain(unpublished.reference);
        expect(shown).not.toContain(unpublished.id);
      }
    } finally {
      await withTenant(db, [p.id], (trx) => trx.deleteFrom('learning_product_sources').where('incident_id', '=', unpublished.id).execute());
    }
  });

  let listId: string;

  it('refuses a distribution list with a bad line, saving nothing, then saves a good one', async () => {
    const bad = await admin.post('/distribution-lists/new', { name: 'Safeguarding leads', members: 'sam@school.example.org, Briefings Academy\nnot an address\npat@police.example.org, Briefings Police' }, { from: '/distribution-lists/new' });
    expect(bad.statusCode).toBe(422);
    expect(errorSummary(bad.body)).toContain('Line 2: “not an address” is not an email address');
    const good = await admin.post('/distribution-lists/new', { name: 'Safeguarding leads', members: 'sam@school.example.org, Briefings Academy\npat@police.example.org, Briefings Police\nkim@example.org' }, { from: '/distribution-lists/new' });
    expect(good.statusCode).toBe(303);
    const lists = await admin.get('/distribution-lists');
    listId = /\/distribution-lists\/([0-9a-f-]{36})\/edit/.exec(lists.body)![1];
  });

  it('sends nothing when one of the people typed in has a bad address, and says which line', async () => {
    const res = await admin.post(`/learning-products/${productId}/send`, { listIds: listId, others: 'ok@example.org\nbroken@', followUpDays: '30' }, { from: `/learning-products/${productId}/send` });
    expect(res.statusCode).toBe(422);
    expect(errorSummary(res.body)).toContain('Line 2: “broken@” is not an email address');
    // A list that is not there (or not an id) is refused the same way.
    const notAList = await admin.post(`/learning-products/${productId}/send`, { listIds: 'Ｔｈｅ ｑｕｉｃｋ', others: '', followUpDays: '30' }, { from: `/learning-products/${productId}/send` });
    expect(notAList.statusCode).toBe(422);
    expect(errorSummary(notAList.body)).toContain('Select lists from the list');
    expect(mail).toHaveLength(0);
    expect(await count('learning_recipients')).toBe(0);
    expect(await count('learning_sends')).toBe(0);
  });

  const tokens: string[] = [];

  it('sends one email with its own link to each person, without identifying details, once', async () => {
    const res = await admin.post(`/learning-products/${productId}/send`, { listIds: listId, others: '', followUpDays: '30' }, { from: `/learning-products/${productId}/send` });
    expect(res.statusCode).toBe(303);
    expect(mail.map((m) => m.to).sort()).toEqual(['kim@example.org', 'pat@police.example.org', 'sam@school.example.org']);
    for (const m of mail) {
      const token = /\/read\/([A-Za-z0-9_-]{43})/.exec(m.text)![1];
      tokens.push(token);
      expect(m.text).not.toContain('Child A');
    }
    expect(new Set(tokens).size).toBe(3);
    // Sent again: nobody gets it twice.
    const again = await admin.post(`/learning-products/${productId}/send`, { listIds: listId, others: '', followUpDays: '30' }, { from: `/learning-products/${productId}/send` });
    expect(again.statusCode).toBe(303);
    expect(mail).toHaveLength(3);
    expect(await count('learning_recipients')).toBe(3);
  });

  it('records the opening click and the acknowledgement from the link, without signing in', async () => {
    const samToken = tokens[mail.findIndex((m) => m.to === 'sam@school.example.org')];
    const visitor = new TestClient(t.app);
    const opens = async () => (await withTenant(t.app.deps.database.db, [p.id], (trx) => trx.selectFrom('learning_recipients').select(['opens', 'first_opened_at']).where('partnership_id', '=', p.id).execute())).reduce((n, r) => n + r.opens, 0);
    // A mail filter fetching the link (twice) records nothing and sees only the invitation to open it.
    for (const fetcher of [new TestClient(t.app), new TestClient(t.app)]) {
      const scanned = await fetcher.get(`/read/${samToken}`);
      expect(scanned.statusCode).toBe(200);
      expect(textOf(scanned.body)).toContain('Open the learning');
      expect(textOf(scanned.body)).not.toContain('Have you read and discussed it?');
    }
    expect(await opens()).toBe(0);
    const start = await visitor.get(`/read/${samToken}`);
    expect(start.headers['referrer-policy']).toBe('no-referrer');
    const opened = await visitor.post(`/read/${samToken}/open`, {}, { from: `/read/${samToken}` });
    expect(opened.statusCode).toBe(303);
    expect(opened.headers.location).toBe(`/read/${samToken}`);
    expect(await opens()).toBe(1);
    const page = await visitor.get(`/read/${samToken}`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.body).not.toMatch(/<img[^>]+(pixel|track)/i);
    expect(textOf(page.body)).toContain('Have you read and discussed it?');
    // Reading it again is not another open.
    await visitor.get(`/read/${samToken}`);
    expect(await opens()).toBe(1);
    const missing = await visitor.post(`/read/${samToken}`, { reflection: 'x' });
    expect(missing.statusCode).toBe(422);
    expect(errorSummary(missing.body)).toContain('Confirm that you have read this and discussed it with your team');
    const ok = await visitor.post(`/read/${samToken}`, { confirmed: 'yes', reflection: 'We now check the protocol at every handover.' });
    expect(ok.statusCode).toBe(303);
    // Kim opens but does not acknowledge; a made-up token is not found.
    const kim = new TestClient(t.app);
    const kimToken = tokens[mail.findIndex((m) => m.to === 'kim@example.org')];
    await kim.get(`/read/${kimToken}`);
    expect((await kim.post(`/read/${kimToken}/open`, {}, { from: `/read/${kimToken}` })).statusCode).toBe(303);
    expect((await new TestClient(t.app).post(`/read/${'A'.repeat(43)}/open`, {}, { from: `/read/${kimToken}` })).statusCode).toBe(404);
    expect((await new TestClient(t.app).get(`/read/${'A'.repeat(43)}`)).statusCode).toBe(404);
    expect((await new TestClient(t.app).get('/read/<script>')).statusCode).toBe(404);
  });

  it('shows reach by agency to the business unit and leads, not to agencies', async () => {
    const reach = await lead.get(`/learning-products/${productId}/reach`);
    expect(reach.statusCode).toBe(200);
    const text = textOf(reach.body);
    expect(text).toContain('Briefings Academy 1 1 1 0 0');
    expect(text).toContain('Briefings Police 1 0 0 0 0');
    expect(text).toContain('No agency given 1 1 0 0 0');
    expect(text).toContain('Total 3 2 1 0 0');
    expect(text).toContain('We now check the protocol at every handover.');
    expect(text).not.toContain('sam@school.example.org');
    expect((await school.get(`/learning-products/${productId}/reach`)).statusCode).toBe(403);
  });

  it('sends the follow-up question once, to those who acknowledged, even from two instances at once, and records the answer', async () => {
    const db = t.app.deps.database.db;
    await withTenant(db, [p.id], (trx) => trx.updateTable('learning_recipients').set({ follow_up_due_at: new Date(Date.now() - 60_000) }).where('partnership_id', '=', p.id).execute());
    // A second instance of the service on the same database (its own connection pool on PostgreSQL).
    let second: Database = t.app.deps.database;
    if (t.db.url) second = await openDatabase({ dataDir: t.db.dataDir || '.test-data/unused', databaseUrl: t.db.url });
    const other = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', RATE_LIMITS: 'off', SESSION_CACHE_MS: '0', DATA_DIR: t.db.dataDir || '.test-data/unused' }), database: second });
    await other.ready();
    other.deps.mailer.sendMail = t.app.deps.mailer.sendMail;
    const session = admin.cookies.get('cspr_session')!;
    const otherAdmin = new TestClient(other);
    otherAdmin.cookies.set('cspr_session', session);
    const before = mail.length;
    try {
      const csrfA = await admin.csrfFrom(`/learning-products/${productId}/reach`);
      const csrfB = await otherAdmin.csrfFrom(`/learning-products/${productId}/reach`);
      const [a, b] = await Promise.all([
        admin.post(`/learning-products/${productId}/follow-ups`, {}, { csrf: csrfA }),
        otherAdmin.post(`/learning-products/${productId}/follow-ups`, {}, { csrf: csrfB }),
      ]);
      expect([a.statusCode, b.statusCode]).toEqual([303, 303]);
      const again = await admin.post(`/learning-products/${productId}/follow-ups`, {}, { csrf: csrfA });
      expect(again.statusCode).toBe(303);
    } finally {
      await other.close();
      if (second !== t.app.deps.database) await second.close();
    }
    const followUps = mail.slice(before);
    expect(followUps.map((m) => m.to)).toEqual(['sam@school.example.org']);
    const link = /\/read\/([A-Za-z0-9_-]{43})/.exec(followUps[0].text)![1];
    const visitor = new TestClient(t.app);
    expect(textOf((await visitor.get(`/read/${link}`)).body)).toContain('What changed in your practice');
    const csrf = await visitor.csrfFrom(`/read/${link}`);
    const empty = await visitor.post(`/read/${link}/follow-up`, { answer: '  ' }, { from: `/read/${link}` });
    expect(empty.statusCode).toBe(422);
    const answered = await visitor.post(`/read/${link}/follow-up`, { answer: 'Every bruise in a baby is now discussed with the safeguarding lead.' }, { from: `/read/${link}` });
    expect(answered.statusCode).toBe(303);
    // A second answer (a replayed form) is refused; the first is kept.
    const replayed = await visitor.post(`/read/${link}/follow-up`, { answer: 'Something else entirely.' }, { csrf });
    expect(replayed.statusCode).toBe(422);
    expect(errorSummary(replayed.body)).toContain('You have already answered this question');
    const reach = textOf((await admin.get(`/learning-products/${productId}/reach`)).body);
    expect(reach).toContain('Every bruise in a baby is now discussed with the safeguarding lead.');
    expect(reach).toContain('Total 3 2 1 1 1');
  });

  it('answers the API with the products and their reach', async () => {
    const list = await admin.get('/api/v1/learning-products');
    expect(list.statusCode).toBe(200);
    const body = list.json() as { items: { id: string; title: string; status: string; sources: { slug: string | null }[] }[] };
    const item = body.items.find((i) => i.id === productId)!;
    expect(item.status).toBe('published');
    expect(item.sources.map((s) => s.slug).sort()).toEqual(['2024-briefings-child-b', '2025-briefings-child-a']);
    const reach = await admin.get(`/api/v1/learning-products/${productId}/reach`);
    expect(reach.statusCode).toBe(200);
    expect((reach.json() as { total: { sent: number; acknowledged: number } }).total).toMatchObject({ sent: 3, acknowledged: 1 });
    expect((await school.get(`/api/v1/learning-products/${productId}/reach`)).statusCode).toBe(403);
    expect((await outsider.get(`/api/v1/learning-products/${productId}`)).statusCode).toBe(404);
  });

  it('counts an acknowledgement sent without the open click as an open too', async () => {
    const third = tokens.findIndex((_t, i) => !['sam@school.example.org', 'kim@example.org'].includes(mail[i].to));
    const visitor = new TestClient(t.app);
    await visitor.get(`/read/${tokens[third]}`);
    const ok = await visitor.post(`/read/${tokens[third]}`, { confirmed: 'yes', reflection: '' }, { from: `/read/${tokens[third]}` });
    expect(ok.statusCode).toBe(303);
    const total = (await admin.get(`/api/v1/learning-products/${productId}/reach`)).json() as { total: { sent: number; opened: number; acknowledged: number } };
    expect(total.total).toMatchObject({ sent: 3, opened: 3, acknowledged: 2 });
  });

  it('shows nothing through its links while it is taken down and corrected, and the approved version once published again', async () => {
    const from = `/learning-products/${productId}`;
    const version = async () => Number((await withTenant(t.app.deps.database.db, [p.id], (trx) => trx.selectFrom('learning_products').select('version').where('id', '=', productId).executeTakeFirstOrThrow())).version);
    const samToken = tokens[mail.findIndex((m) => m.to === 'sam@school.example.org')];
    const kimToken = tokens[mail.findIndex((m) => m.to === 'kim@example.org')];
    // Kim has the acknowledgement form open when the product is taken down.
    const visitor = new TestClient(t.app);
    const kimForm = await visitor.csrfFrom(`/read/${kimToken}`);
    expect((await admin.post(from + '/steps', { step: 'unpublish', version: String(await version()) }, { from })).statusCode).toBe(303);
    const draft = 'Draft wording nobody has approved yet.';
    expect((await admin.post(from + '/edit', { ...briefing, 'section-practice': draft, sources: [`publication:${pubA}`, `publication:${pubB}`], version: String(await version()) }, { from: from + '/edit' })).statusCode).toBe(303);
    for (const token of [samToken, kimToken]) {
      const page = await visitor.get(`/read/${token}`);
      expect(page.statusCode).toBe(404);
      expect(textOf(page.body)).toContain('This learning product is being corrected');
      expect(page.body).not.toContain(draft);
      expect(page.body).not.toContain('Fractures in infants');
    }
    // Nor does a link take an open or an answer meanwhile.
    const acknowledged = async () => (await withTenant(t.app.deps.database.db, [p.id], (trx) => trx.selectFrom('learning_recipients').select('acknowledged_at').where('partnership_id', '=', p.id).where('acknowledged_at', 'is not', null).execute())).length;
    const before = await acknowledged();
    expect((await visitor.post(`/read/${kimToken}`, { confirmed: 'yes', reflection: '' }, { csrf: kimForm })).statusCode).toBe(404);
    expect(await acknowledged()).toBe(before);
    // Approved and published again: the links show the corrected version.
    expect((await admin.post(from + '/steps', { step: 'submit', version: String(await version()) }, { from })).statusCode).toBe(303);
    expect((await lead.post(from + '/steps', { step: 'approve', version: String(await version()) }, { from })).statusCode).toBe(303);
    const again = await visitor.get(`/read/${samToken}`);
    expect(again.statusCode).toBe(200);
    expect(textOf(again.body)).toContain(draft);
  });
});
