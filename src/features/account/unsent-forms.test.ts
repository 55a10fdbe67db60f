import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { dateFields } from '../../../test/support/pages.ts';
import { createSession } from '../../platform/auth/sessions.ts';
import { SESSION_COOKIE } from '../../platform/http/authentication.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { addPartnership } from '../partnerships/service.ts';
import { fieldsToShow, readableName } from './unsent-forms.ts';

const ACCOUNT = 'A long account, written over twenty minutes, of what the health visitor saw on 3 March.';

describe('what is shown again of a kept form', () => {
  it('offers words a person wrote to read and change, and sends choices and dates back as they were', () => {
    const shown = fieldsToShow({ whatIsKnown: ACCOUNT, outcome: 'serious-harm', 'aware-day': '3', agencies: ['a', 'b'] });
    expect(shown.text).toEqual([{ name: 'whatIsKnown', value: ACCOUNT }]);
    expect(shown.asSent).toEqual([
      { name: 'outcome', value: 'serious-harm' },
      { name: 'aware-day', value: '3' },
      { name: 'agencies', value: 'a' },
      { name: 'agencies', value: 'b' },
    ]);
    expect(readableName('whatIsKnown')).toBe('What is known');
    expect(readableName('child-1-familyNames')).toBe('Child 1 family names');
  });
});

describe.each(ENGINES)('a session that ends while a form is being filled, on %s', (engine) => {
  let t: TestApp;
  let client: TestClient;
  let userId: string;
  let otherPerson: TestClient;
  const db = () => t.app.deps.database.db;
  const idleFor = (minutes: number) =>
    sql`update sessions set last_seen_at = now() - make_interval(mins => ${minutes}) where user_id = ${userId}`.execute(db());
  const held = () => withTenant(db(), 'all', (trx) => trx.selectFrom('unsent_forms').selectAll().where('user_id', '=', userId).execute());

  beforeAll(async () => {
    t = await startTestApp(engine, { SESSION_IDLE_MINUTES: '30', SESSION_CACHE_MS: '0' });
    const p = await addPartnership(db(), { slug: 'northmoor', name: 'Northmoor SCP' });
    ({ client, userId } = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: p.id }]));
    ({ client: otherPerson } = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: p.id }]));
  });
  afterAll(async () => t.close());

  it('warns on every signed-in page, with a way to stay signed in that restarts the idle time', async () => {
    const page = await client.get('/dashboard');
    expect(page.body).toContain('data-idle-seconds="1800"');
    expect(page.body).toContain('You are signed out after 30 minutes without using the service');
    expect(page.body).toMatch(/<form method="post" action="\/account\/stay-signed-in"/);
    await idleFor(29);
    const token = await client.csrfFrom('/dashboard');
    await idleFor(29);
    const stay = await client.app.inject({
      method: 'POST',
      url: '/account/stay-signed-in',
      headers: { cookie: `${SESSION_COOKIE}=${client.cookies.get(SESSION_COOKIE)}; ${[...client.cookies].filter(([k]) => k !== SESSION_COOKIE).map(([k, v]) => `${k}=${v}`).join('; ')}`, 'x-csrf-token': token, accept: 'application/json' },
    });
    expect(stay.statusCode).toBe(204);
    const row = await db().selectFrom('sessions').select(sql<number>`extract(epoch from now() - last_seen_at)`.as('idle')).where('user_id', '=', userId).executeTakeFirstOrThrow();
    expect(Number(row.idle)).toBeLessThan(60);
    // Without JavaScript the same button sends the person back to the page they were on.
    const back = await client.post('/account/stay-signed-in', {}, { from: '/dashboard' });
    expect(back.statusCode).toBe(303);
  });

  it('keeps what was typed into a form sent after the session ended, for its writer alone, until it is sent again', async () => {
    const token = await client.csrfFrom('/cases/new');
    await idleFor(31);
    const form = { action: 'save', childCount: '1', outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', ...dateFields('aware', '2025-03-03'), whatIsKnown: ACCOUNT, 'child-1-pseudonym': 'Child K' };
    const late = await client.post('/cases/new', form, { csrf: token });
    expect(late.statusCode).toBe(303);
    const location = String(late.headers.location);
    const kept = await held();
    expect(kept).toHaveLength(1);
    expect(location).toBe(`/sign-in?next=${encodeURIComponent(`/account/unsent-forms/${kept[0].id}`)}`);
    // Kept encrypted, and nothing of the case was saved.
    expect(kept[0].fields).not.toContain('health visitor');
    expect(await withTenant(db(), 'all', (trx) => trx.selectFrom('incidents').select('id').execute())).toEqual([]);
    const trail = await withTenant(db(), 'all', (trx) => trx.selectFrom('audit_events').select(['action', 'changes']).where('record_id', '=', kept[0].id).execute());
    expect(trail.map((e) => e.action)).toEqual(['unsent-form-held']);
    expect(JSON.stringify(trail[0].changes)).not.toContain('health visitor');

    // Someone else cannot see it.
    expect((await otherPerson.get(`/account/unsent-forms/${kept[0].id}`)).statusCode).toBe(404);

    // Signed in again: the writer sees what they typed, and sends it on.
    client.cookies.set(SESSION_COOKIE, await createSession(db(), userId, { twoFactor: true }));
    const page = await client.get(`/account/unsent-forms/${kept[0].id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Your form was not sent');
    expect(page.body).toContain(ACCOUNT);
    expect(page.body).toContain('action="/cases/new"');
    expect(page.body).toContain('name="outcome" value="serious-harm"');
    const again = await client.post('/cases/new', { ...form, _unsent: kept[0].id }, { from: `/account/unsent-forms/${kept[0].id}` });
    expect(again.statusCode).toBe(303);
    expect(String(again.headers.location)).toMatch(/^\/cases\/[0-9a-f-]{36}\/notification-check$/);
    expect(await held()).toEqual([]);
  });

  it('keeps nothing when the form held nothing typed, and a person can discard what was kept', async () => {
    let token = await client.csrfFrom('/cases/new');
    await idleFor(31);
    const empty = await client.post('/cases/new', { action: 'save', childCount: '1' }, { csrf: token });
    expect(String(empty.headers.location)).toBe('/sign-in');
    expect(await held()).toEqual([]);

    client.cookies.set(SESSION_COOKIE, await createSession(db(), userId, { twoFactor: true }));
    token = await client.csrfFrom('/cases/new');
    await idleFor(31);
    await client.post('/cases/new', { whatIsKnown: ACCOUNT }, { csrf: token });
    const [form] = await held();
    client.cookies.set(SESSION_COOKIE, await createSession(db(), userId, { twoFactor: true }));
    const discarded = await client.post(`/account/unsent-forms/${form.id}/discard`, {}, { from: `/account/unsent-forms/${form.id}` });
    expect(discarded.statusCode).toBe(303);
    expect(await held()).toEqual([]);
    expect((await client.get(`/account/unsent-forms/${form.id}`)).statusCode).toBe(404);
  });
});
