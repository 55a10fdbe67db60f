import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyTemplate } from '../../../test/support/database.ts';
import { outbox } from '../../../test/support/mail.ts';
import { todayInLondon } from '../../domain/calendar/date-only.ts';
import { addPartnership } from '../../features/partnerships/service.ts';
import { IDENTIFYING, recordTestIncident } from '../../features/reminders/test-fixtures.ts';
import { openTask } from '../../features/tasks/service.ts';
import { currentCalendar } from '../../features/rules/service.ts';
import { createUser } from '../../features/users/service.ts';
import { cipherFor } from '../../platform/crypto/field-encryption.ts';
import { openDatabase } from '../../platform/db/database.ts';
import { main } from '../main.ts';

async function cspr(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cspr reminders run', () => {
  let dataDir: string;
  let reference: string;
  let task: { partnershipId: string; incidentId: string; adminId: string };
  const saved = { DATA_DIR: process.env.DATA_DIR, LOG_LEVEL: process.env.LOG_LEVEL, DATABASE_URL: process.env.DATABASE_URL, PUBLIC_URL: process.env.PUBLIC_URL };

  beforeAll(async () => {
    dataDir = copyTemplate();
    Object.assign(process.env, { DATA_DIR: dataDir, LOG_LEVEL: 'silent', PUBLIC_URL: 'https://cspr.example.org' });
    delete process.env.DATABASE_URL;
    const database = await openDatabase({ dataDir });
    try {
      const db = database.db;
      const p = await addPartnership(db, { slug: 'northmoor', name: 'Northmoor SCP' });
      const admin = await createUser(db, { email: 'admin@example.org', name: 'Admin', grants: [{ role: 'partnership-admin', partnershipId: p.id }] });
      const today = todayInLondon(new Date());
      const aware = (await currentCalendar(db)).addWorkingDays(today, -10);
      const recorded = await recordTestIncident(db, cipherFor({ dataDir }), { partnershipId: p.id, userId: admin.id, aware, today });
      reference = recorded.reference;
      task = { partnershipId: p.id, incidentId: recorded.id, adminId: admin.id };
    } finally {
      await database.close();
    }
  }, 60_000);
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('sends the overdue escalation once, to the outbox, and says what it sent', async () => {
    const first = await cspr('reminders', 'run');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/Reminders sent: 0 before due, 0 on the day, [1-9]\d* overdue, [01] weekly digests; overdue actions: 0 to the owning agency, 0 escalated to the partnership\./);
    const mail = outbox(dataDir).filter((m) => m.subject.startsWith('Overdue: '));
    expect(mail.length).toBeGreaterThan(0);
    expect(mail[0].to).toBe('admin@example.org');
    expect(mail[0].subject).toContain(reference);
    expect(mail[0].text).toContain('https://cspr.example.org/cases/');
    for (const m of outbox(dataDir)) for (const secret of IDENTIFYING) expect(m.raw).not.toContain(secret);

    const second = await cspr('reminders', 'run');
    expect(second.out).toBe('Reminders sent: 0 before due, 0 on the day, 0 overdue, 0 weekly digests; overdue actions: 0 to the owning agency, 0 escalated to the partnership.\nTask emails sent: 0 at once, 0 daily digests.');
    expect(outbox(dataDir).length).toBe(mail.length + (first.out.includes('1 weekly') ? 1 : 0));
  }, 60_000);

  it('sends the email of a task handed to someone, once', async () => {
    const database = await openDatabase({ dataDir });
    try {
      const lead = await createUser(database.db, { email: 'lead@example.org', name: 'Lead', grants: [{ role: 'reviewer', partnershipId: task.partnershipId }] });
      await openTask(database.db, { userId: task.adminId }, { partnershipId: task.partnershipId, kind: 'reviewer-chosen', subjectId: task.incidentId, incidentId: task.incidentId, audience: { userId: lead.id } });
    } finally {
      await database.close();
    }
    const first = await cspr('reminders', 'run');
    expect(first.code).toBe(0);
    expect(first.out).toContain('Task emails sent: 1 at once, 0 daily digests.');
    const mail = outbox(dataDir).filter((m) => m.to === 'lead@example.org');
    expect(mail.map((m) => m.subject)).toEqual([`Start the review you lead: ${reference}`]);
    expect(mail[0].text).toContain(`https://cspr.example.org/cases/${task.incidentId}/review`);
    expect((await cspr('reminders', 'run')).out).toContain('Task emails sent: 0 at once, 0 daily digests.');
  }, 60_000);

  it('refuses an unknown sub-command', async () => {
    const r = await cspr('reminders', 'send');
    expect(r.code).toBe(2);
    expect(r.err).toContain("Unknown sub-command 'send'; use 'run'.");
  });
});
