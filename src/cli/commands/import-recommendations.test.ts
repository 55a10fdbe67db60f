import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCspr } from '../../../test/support/cli.ts';
import { ENGINES, freshDir, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { addAgency, addPartnership } from '../../features/partnerships/service.ts';
import { openDatabase } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';

const HEADER = 'review,number,text,agencies,themes,response,reasons,action,owner_agency,lead,due_on,status,evidence';

/**
 * `cspr import --recommendations`: a partnership's tracker (CSV or XLSX) comes in whole or not at
 * all; its rows may name a case's rapid review by reference and an imported serious case review
 * by its address or title; importing the same rows again adds nothing twice.
 */
describe.each(ENGINES)('cspr import --recommendations on %s', (engine) => {
  let t: TestDatabase;
  let env: Record<string, string>;
  let dataDir: string;
  let url: string | undefined;
  const folder = freshDir('tracker');
  const write = (name: string, lines: string[]) => {
    fs.writeFileSync(path.join(folder, name), lines.join('\n'));
    return path.join(folder, name);
  };
  const cspr = (...argv: string[]) => runCspr(argv, env);
  async function counts() {
    const database = await openDatabase({ dataDir, databaseUrl: url });
    try {
      const n = async (table: 'recommendations' | 'recommendation_actions' | 'action_updates') =>
        Number((await withTenant(database.db, 'all', (trx) => trx.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow())).n);
      const audited = Number(
        (await database.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).where('action', 'in', ['recommendation-added', 'action-added']).executeTakeFirstOrThrow()).n,
      );
      return { recommendations: await n('recommendations'), actions: await n('recommendation_actions'), updates: await n('action_updates'), audited };
    } finally {
      await database.close();
    }
  }

  beforeAll(async () => {
    t = await openTestDatabase(engine);
    const db = t.database.db;
    const p = await addPartnership(db, { slug: 'tracker-north', name: 'Tracker North SCP' });
    const other = await addPartnership(db, { slug: 'tracker-south', name: 'Tracker South SCP' });
    await addAgency(db, { partnershipId: p.id, name: 'Tracker Police', kind: 'police' });
    await addAgency(db, { partnershipId: p.id, name: 'Tracker Health & Care', kind: 'icb' });
    await addAgency(db, { partnershipId: other.id, name: 'Southern Police', kind: 'police' });
    await withTenant(db, 'all', async (trx) => {
      await trx
        .insertInto('incidents')
        .values({ partnership_id: p.id, reference: 'TN-2025-001', reference_year: 2025, reference_number: 1, state: 'rapid-review', outcome: 'serious-harm', abuse_or_neglect: 'suspected', location: 'in-area', aware_on: '2025-01-06', rapid_review_started_on: '2025-01-08', clock_rules: '[]' })
        .execute();
      await trx
        .insertInto('publications')
        .values({ partnership_id: p.id, source: 'import', slug: '2016-tracker-child-a', title: 'Serious case review: Child A', summary: 'A fictional review.', review_type: 'scr', themes: '[]', published_on: '2016-05-10', withdrawable_on: '2017-05-10' })
        .execute();
    });
    await t.database.close();
    dataDir = engine === 'embedded' ? t.dataDir : freshDir('cli-tracker');
    url = t.url;
    env = engine === 'embedded' ? { DATA_DIR: dataDir } : { DATABASE_URL: t.url as string, DATA_DIR: dataDir };
  }, 180_000);
  afterAll(async () => t.drop());

  it('refuses a tracker with a bad row: every bad line is reported, nothing is imported, exit 1', async () => {
    const file = write('bad.csv', [
      HEADER,
      'TN-2025-001,1,Share information sooner.,Tracker Police,Information sharing,accepted,,Train call handlers,Tracker Police,Pat Lead,01/06/2025,in progress,',
      'No such review,2,Text.,Tracker Police,,,,,,,,,',
      '2016-tracker-child-a,3,Text.,Southern Police,,,,,,,,,',
      'TN-2025-001,4,Text.,Tracker Police,,,,Act,Tracker Police,Lead,2025-13-01,,',
    ]);
    const run = await cspr('import', '--recommendations', file);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('nothing was imported: 3 rows have problems');
    expect(run.stderr).toContain("line 3: there is no review 'No such review'");
    expect(run.stderr).toContain("line 4: there is no agency 'Southern Police' in the review's partnership");
    expect(run.stderr).toContain("line 5: the due date '2025-13-01' must be a real date");
    expect(run.stderr).not.toContain('line 2');
    expect(await counts()).toEqual({ recommendations: 0, actions: 0, updates: 0, audited: 0 });
  }, 180_000);

  it('imports a good tracker on a rapid review and an imported serious case review, audited, and adds nothing twice', async () => {
    const file = write('good.csv', [
      HEADER,
      'TN-2025-001,1,Share information sooner.,Tracker Police; tracker health and care,Information sharing,accepted,,Train call handlers,Tracker Police,Pat Lead,01/06/2025,in progress,',
      'TN-2025-001,1,Share information sooner.,Tracker Police,,accepted,,Audit referrals,Tracker Health and Care,Sam Lead,2025-09-30,completed,Audit of 40 referrals in May',
      '"Serious case review: Child A",2,"Escalate disagreements, in writing.",Tracker Police,,accepted in part,Only for the police.,,,,,,',
    ]);
    const run = await cspr('import', '--recommendations', file);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('Read 3 rows: added 2 recommendations (0 already there) and 2 actions (0 already there).');
    expect(await counts()).toEqual({ recommendations: 2, actions: 2, updates: 2, audited: 4 });

    const again = await cspr('import', '--recommendations', file);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe('Read 3 rows: added 0 recommendations (2 already there) and 0 actions (2 already there).');
    expect(await counts()).toEqual({ recommendations: 2, actions: 2, updates: 2, audited: 4 });
  }, 180_000);

  it('reads a workbook with real date and number cells, and a partnership limits what rows may name', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Tracker');
    sheet.addRow(HEADER.split(','));
    sheet.addRow(['2016-tracker-child-a', 3, 'Think family.', 'Tracker Police', '', 'Accepted', '', 'Whole-family training', 'Tracker Police', 'Pat Lead', new Date(Date.UTC(2026, 2, 31)), 'Not started', '']);
    sheet.addRow(['2016-tracker-child-a', 2, 'Escalate disagreements, in writing.', 'Tracker Police', '', 'accepted in part', 'Only for the police.', 'Escalation policy', 'Tracker Police', 'Jo Lead', new Date(Date.UTC(2026, 0, 15)), '', '']);
    const file = path.join(folder, 'tracker.xlsx');
    fs.writeFileSync(file, Buffer.from(await workbook.xlsx.writeBuffer()));

    const elsewhere = await cspr('import', '--recommendations', file, '--partnership', 'tracker-south');
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain("line 2: there is no review '2016-tracker-child-a'");

    const run = await cspr('import', '--recommendations', file, '--partnership', 'tracker-north');
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('Read 2 rows: added 1 recommendation (1 already there) and 2 actions (0 already there).');
    const database = await openDatabase({ dataDir, databaseUrl: url });
    try {
      const actions = await withTenant(database.db, 'all', (trx) =>
        trx
          .selectFrom('recommendation_actions as a')
          .innerJoin('recommendations as r', 'r.id', 'a.recommendation_id')
          .select(['r.number', 'a.due_on', 'a.status', 'a.lead_name'])
          .where('r.publication_id', 'is not', null)
          .orderBy('a.due_on')
          .execute(),
      );
      expect(actions.map((a) => [a.number, String(a.due_on).slice(0, 10), a.status, a.lead_name])).toEqual([
        ['2', '2026-01-15', 'not-started', 'Jo Lead'],
        ['3', '2026-03-31', 'not-started', 'Pat Lead'],
      ]);
    } finally {
      await database.close();
    }
  }, 180_000);

  it('refuses a file that is neither CSV nor a workbook, and a workbook in disguise', async () => {
    const pdf = path.join(folder, 'tracker.pdf');
    fs.writeFileSync(pdf, '%PDF-1.4');
    const run = await cspr('import', '--recommendations', pdf);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('must be a CSV file (.csv) or an Excel workbook (.xlsx)');
    const fake = write('fake.xlsx', [HEADER]);
    expect((await cspr('import', '--recommendations', fake)).stderr).toContain('must be a CSV file (.csv) or an Excel workbook (.xlsx)');
    expect((await cspr('import', '--recommendations', fake, '--manifest', 'x.csv')).code).toBe(2);
  }, 180_000);
});
