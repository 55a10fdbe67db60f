import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, freshDir, ENGINES, type TestDatabase } from '../../../test/support/database.ts';
import { outbox, type ReadMail } from '../../../test/support/mail.ts';
import { cipherFor } from '../../platform/crypto/field-encryption.ts';
import { createMailer, type MailMessage } from '../../platform/mail/mailer.ts';
import { createUser } from '../users/service.ts';
import { addPartnership } from '../partnerships/service.ts';
import { runReminders, type ReminderDeps } from './service.ts';
import { IDENTIFYING, recordTestIncident } from './test-fixtures.ts';

// Monday 2 March 2026, and the Tuesday after (no bank holidays near).
const MONDAY = new Date('2026-03-02T09:00:00Z');
const TUESDAY = new Date('2026-03-03T09:00:00Z');
const config = { publicUrl: 'https://cspr.example.org', host: '127.0.0.1', port: 3000 };

describe.each(ENGINES)('reminder emails on %s', (engine) => {
  let t: TestDatabase;
  let dataDir: string;
  let deps: ReminderDeps;
  const who: Record<string, string> = {};
  const cases: Record<string, { id: string; reference: string }> = {};

  /** The mails in the outbox since `from`, as "to | subject" lines. */
  function mails(from = 0): ReadMail[] {
    return outbox(dataDir).slice(from);
  }

  beforeAll(async () => {
    t = await openTestDatabase(engine);
    dataDir = freshDir('reminders');
    const db = t.database.db;
    const cipher = cipherFor({ dataDir, dataEncryptionKey: Buffer.alloc(32, 7).toString('base64') });
    deps = { db, cipher, mailer: createMailer({ dataDir, mailFrom: 'CSPR Hub <no-reply@cspr.example.org>', smtpUrl: undefined }), config };
    const north = await addPartnership(db, { slug: 'northmoor', name: 'Northmoor SCP' });
    const south = await addPartnership(db, { slug: 'southdale', name: 'Southdale SCP' });
    const user = async (key: string, role: 'partnership-admin' | 'partner-lead', partnershipId: string) => {
      who[key] = (await createUser(db, { email: `${key}@example.org`, name: key, grants: [{ role, partnershipId }] })).id;
    };
    await user('admin-n1', 'partnership-admin', north.id);
    await user('admin-n2', 'partnership-admin', north.id);
    await user('lead-n', 'partner-lead', north.id);
    await user('gone-n', 'partner-lead', north.id);
    await user('admin-s', 'partnership-admin', south.id);
    const rec = (partnershipId: string, userId: string, aware: string) => recordTestIncident(db, cipher, { partnershipId, userId, aware, today: '2026-03-02' });
    cases.today = await rec(north.id, who['lead-n'], '2026-02-23'); // due Mon 2 March
    cases.soon = await rec(north.id, who['lead-n'], '2026-02-25'); // due Wed 4 March: 2 working days
    cases.late = await rec(north.id, who['lead-n'], '2026-02-02'); // due 9 February: overdue
    cases.later = await rec(north.id, who['lead-n'], '2026-02-27'); // due Fri 6 March: 4 working days, due soon, no reminder yet
    cases.south = await rec(south.id, who['admin-s'], '2026-02-02'); // overdue in Southdale
    cases.orphan = await rec(north.id, who['gone-n'], '2026-02-23'); // due today; its recorder has left
    await db.updateTable('users').set({ disabled_at: new Date() }).where('id', '=', who['gone-n']).execute();
  }, 60_000);
  afterAll(async () => {
    await t.database.close();
    await t.drop();
  });

  it('sends each reminder once when two runs go at the same moment, to the right people', async () => {
    const [a, b] = await Promise.all([runReminders(deps, MONDAY), runReminders(deps, MONDAY)]);
    const sent = mails();
    const total = (r: typeof a) => Object.values(r.sent).reduce((x, y) => x + y, 0);
    expect(total(a) + total(b)).toBe(sent.length);
    expect(a.failed + b.failed).toBe(0);
    // No message twice.
    const keys = sent.map((m) => `${m.to} | ${m.subject}`);
    expect(new Set(keys).size).toBe(keys.length);

    const about = (c: { reference: string }) => sent.filter((m) => m.subject.includes(c.reference));
    // On the day: the person who recorded the case.
    expect(about(cases.today).map((m) => m.to)).toEqual(expect.arrayContaining(['lead-n@example.org']));
    expect(about(cases.today).every((m) => m.to === 'lead-n@example.org' && m.subject.startsWith('Due today: '))).toBe(true);
    // Before due (2 working days).
    expect(about(cases.soon).length).toBeGreaterThan(0);
    expect(about(cases.soon).every((m) => m.to === 'lead-n@example.org' && m.subject.startsWith('Due in 2 working days: '))).toBe(true);
    // Overdue: escalated to both Northmoor administrators, not to the recorder nor to Southdale.
    const late = about(cases.late);
    expect(new Set(late.map((m) => m.to))).toEqual(new Set(['admin-n1@example.org', 'admin-n2@example.org']));
    expect(late.every((m) => m.subject.startsWith('Overdue: '))).toBe(true);
    expect(about(cases.south).every((m) => m.to === 'admin-s@example.org')).toBe(true);
    expect(about(cases.south).length).toBeGreaterThan(0);
    // The recorder who left: the administrators instead.
    expect(new Set(about(cases.orphan).map((m) => m.to))).toEqual(new Set(['admin-n1@example.org', 'admin-n2@example.org']));
    // Nothing yet for a case due in 4 working days.
    expect(about(cases.later)).toEqual([]);
    // Monday: one weekly digest for each partnership administrator, of their own partnership.
    const digests = sent.filter((m) => m.subject.startsWith('Weekly deadlines'));
    expect(digests.map((m) => m.to).sort()).toEqual(['admin-n1@example.org', 'admin-n2@example.org', 'admin-s@example.org']);
    const northDigest = digests.find((m) => m.to === 'admin-n1@example.org') as ReadMail;
    expect(northDigest.text).toContain(cases.late.reference);
    expect(northDigest.text).toContain(cases.later.reference);
    expect(northDigest.text).not.toContain(cases.south.reference);
    expect(a.sent['weekly-digest'] + b.sent['weekly-digest']).toBe(3);

    // Stored once each.
    const rows = await t.database.db.selectFrom('reminder_sends').selectAll().execute();
    expect(rows).toHaveLength(sent.length);
  }, 60_000);

  it('carries the reference, the clock, the due date and a link — never identifying details', () => {
    const sent = mails();
    const today = sent.find((m) => m.subject.includes(cases.today.reference) && m.subject.includes('Notify the Child Safeguarding Practice Review Panel')) as ReadMail;
    expect(today.text).toContain(`Case: ${cases.today.reference}`);
    expect(today.text).toContain('Clock: Notify the Child Safeguarding Practice Review Panel');
    expect(today.text).toContain('Due: 2 March 2026');
    expect(today.text).toContain(`https://cspr.example.org/cases/${cases.today.id}`);
    for (const m of sent) {
      for (const secret of [...IDENTIFYING, 'Child K']) expect(m.raw).not.toContain(secret);
    }
  });

  it('does not send again on a later run', async () => {
    const before = mails().length;
    const again = await runReminders(deps, new Date(MONDAY.getTime() + 15 * 60_000));
    expect(Object.values(again.sent).reduce((x, y) => x + y, 0)).toBe(0);
    expect(mails().length).toBe(before);
  });

  it('sends the digest only on Mondays, and escalates a clock missed yesterday', async () => {
    const before = mails().length;
    const tuesday = await runReminders(deps, TUESDAY);
    expect(tuesday.sent['weekly-digest']).toBe(0);
    const fresh = mails(before);
    expect(fresh.some((m) => m.subject.startsWith('Weekly'))).toBe(false);
    // Due yesterday, now overdue: to the administrators.
    const missed = fresh.filter((m) => m.subject.includes(cases.today.reference));
    expect(new Set(missed.map((m) => m.to))).toEqual(new Set(['admin-n1@example.org', 'admin-n2@example.org']));
    expect(missed.every((m) => m.subject.startsWith('Overdue: '))).toBe(true);
  });

  it('gives a reminder back when the email cannot be sent, and sends it on the next run', async () => {
    const failing: ReminderDeps = { ...deps, mailer: { sendMail: async () => Promise.reject(new Error('SMTP down')) } };
    const WEDNESDAY = new Date('2026-03-04T09:00:00Z');
    const first = await runReminders(failing, WEDNESDAY);
    expect(first.failed).toBeGreaterThan(0);
    const caught: MailMessage[] = [];
    const second = await runReminders({ ...deps, mailer: { sendMail: async (m: MailMessage) => caught.push(m) } }, WEDNESDAY);
    expect(second.failed).toBe(0);
    expect(caught.length).toBe(first.failed);
    expect(caught.some((m) => m.subject === `Due today: ${cases.soon.reference} - Notify the Child Safeguarding Practice Review Panel`)).toBe(true);
  });
});
