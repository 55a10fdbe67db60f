import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { addDays, todayInLondon } from '../../domain/calendar/date-only.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { recordIncident } from '../cases/service.ts';
import { addPartnership } from '../partnerships/service.ts';
import { samplePdf } from '../../platform/documents/test-fixtures.ts';

describe.each(ENGINES)('the Panel’s view on %s', (engine) => {
  let t: TestApp;
  let panel: TestClient;
  let admin: TestClient;
  const ids: Record<string, string> = {};
  const today = todayInLondon(new Date());
  const REPORT = samplePdf('final report sent in advance');

  beforeAll(async () => {
    t = await startTestApp(engine);
    const db = t.app.deps.database.db;
    const a = await addPartnership(db, { slug: 'panel-a', name: 'Alpha SCP' });
    const b = await addPartnership(db, { slug: 'panel-b', name: 'Beta SCP' });
    panel = (await signedInAs(t.app, [{ role: 'panel-viewer', partnershipId: null, agencyId: null }])).client;
    const adminUser = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: a.id, agencyId: null }]);
    admin = adminUser.client;
    const aware = addDays(today, -90);
    for (const [key, partnership, pseudonym] of [['notified', a, 'Child N'], ['unsent', b, 'Child U'], ['sent', b, 'Child S']] as const) {
      const r = await recordIncident(db, t.app.deps.cipher, { userId: adminUser.userId, name: 'Admin' }, {
        partnershipId: partnership.id,
        facts: { outcome: 'died', abuseOrNeglect: 'known', location: 'in-area', incidentOn: aware, aware, whatIsKnown: '', agencyIds: [], otherAgencies: '' },
        children: [{ pseudonym, name: `Name of ${pseudonym}`, dateOfBirth: null, nhsNumber: '', address: '', familyNames: '', gender: null, ageAtIncident: null, ageBand: 'under-1', lookedAfter: false, careLeaver: false }],
        referralId: null,
      }, today);
      if (!r.ok) throw new Error('not recorded');
      ids[key] = r.id;
    }
    await withTenant(db, 'all', async (trx) => {
      await trx.updateTable('incidents').set({ state: 'notified', notified_on: addDays(aware, 3), panel_reference: 'SIN-123' }).where('id', '=', ids.notified).execute();
      await trx.updateTable('incidents').set({ state: 'completed', notified_on: addDays(aware, 2), rapid_review_sent_on: addDays(aware, 15), decision_on: addDays(aware, 20), review_decision: 'local-review', completed_on: addDays(today, -10), advance_copy_sent_on: addDays(today, -5) }).where('id', '=', ids.sent).execute();
      await trx.insertInto('rapid_reviews').values({ incident_id: ids.sent, partnership_id: b.id, decision: 'local-review', decision_reasons_enc: t.app.deps.cipher.encrypt('Criterion (c) is met.'), sent_on: addDays(aware, 15) }).execute();
      await trx.insertInto('review_reports').values({ incident_id: ids.sent, partnership_id: b.id, kind: 'final', version: 2, file_sha256: await t.app.deps.files.put(trx, REPORT, 'private'), file_name: 'final.pdf', file_type: 'pdf', file_size: REPORT.length }).execute();
    });
  });
  afterAll(async () => t.close());

  it('lists what every partnership sent, and nothing not yet sent', async () => {
    const list = await panel.get('/panel');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(`/panel/cases/${ids.notified}`);
    expect(list.body).toContain(`/panel/cases/${ids.sent}`);
    expect(list.body).not.toContain(ids.unsent);
    expect(list.body).toContain('SIN-123');
    const onlyB = await panel.get('/panel?partnership=panel-b');
    expect(onlyB.body).not.toContain(ids.notified);
    expect(onlyB.body).toContain(ids.sent);
    expect((await panel.get(`/panel/cases/${ids.unsent}`)).statusCode).toBe(404);
    // Partnerships' own staff do not have the national view.
    expect((await admin.get('/panel')).statusCode).toBe(403);
  });

  it('shows a case as sent, with the rapid review and the advance copy, and records the view', async () => {
    const page = await panel.get(`/panel/cases/${ids.sent}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Criterion (c) is met.');
    expect(page.body).toContain('Hold a local child safeguarding practice review');
    expect(page.body).toContain('Download the final report (version 2)');
    const file = await panel.get(`/panel/cases/${ids.sent}/advance-copy`);
    expect(file.statusCode).toBe(200);
    expect(file.headers).toMatchObject({
      'content-type': 'application/pdf',
      'content-disposition': expect.stringMatching(/^attachment; filename="[^"]+\.pdf"; filename\*=UTF-8''/),
      'x-content-type-options': 'nosniff',
      'content-security-policy': "sandbox; default-src 'none'",
    });
    expect(file.rawPayload.equals(REPORT)).toBe(true);
    // Notified only: no rapid review yet, and no advance copy to download.
    const early = await panel.get(`/panel/cases/${ids.notified}`);
    expect(early.body).toContain('The rapid review has not been sent to the Panel yet.');
    expect((await panel.get(`/panel/cases/${ids.notified}/advance-copy`)).statusCode).toBe(404);
    const views = await t.app.deps.database.db.selectFrom('audit_events').select(['action', 'actor_role']).where('record_id', '=', ids.sent).where('action', 'in', ['view', 'download']).execute();
    expect(views).toEqual(expect.arrayContaining([{ action: 'view', actor_role: 'panel-viewer' }, { action: 'download', actor_role: 'panel-viewer' }]));
  });
});
