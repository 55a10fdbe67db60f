import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { TestClient } from '../../../test/support/client.ts';
import { textOf } from '../../../test/support/pages.ts';
import { seedDemo } from '../demo/service.ts';

/** The demonstration data shows a published thematic briefing drawing on two reviews, with some reach. */
describe('the demo learning product', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded');
    await seedDemo(t.app.deps.database, t.app.deps.cipher, t.app.deps.files);
  }, 300_000);
  afterAll(async () => t.close());

  it('is published on the public learning pages, draws on two reviews and has reach', async () => {
    const visitor = new TestClient(t.app);
    const learning = await visitor.get('/learning');
    expect(learning.body).toContain('/learning/products/northmoor-bruising-in-non-mobile-babies');
    const page = await visitor.get('/learning/products/northmoor-bruising-in-non-mobile-babies');
    expect(page.statusCode).toBe(200);
    expect((page.body.match(/href="\/reviews\//g) ?? []).length).toBe(2);
    // The two reviews on its theme, bruising in babies who are not yet mobile; not the latest two whatever their subject.
    const sources = [...page.body.matchAll(/href="\/reviews\/([^"]+)"/g)].map((m) => m[1]).sort();
    expect(sources).toHaveLength(2);
    expect(sources[0]).toMatch(/baby-k/);
    expect(sources[1]).toMatch(/northmoor-babies/);
    const db = t.app.deps.database.db;
    const rows = await db.selectFrom('learning_recipients').select(['first_opened_at', 'acknowledged_at', 'follow_up_answered_at']).execute();
    expect(rows).toHaveLength(6);
    expect(rows.filter((r) => r.first_opened_at).length).toBe(3);
    expect(rows.filter((r) => r.acknowledged_at).length).toBe(2);
    expect(rows.filter((r) => r.follow_up_answered_at).length).toBe(1);
    expect(textOf(page.body)).toContain('Questions for reflection');
  });
});
