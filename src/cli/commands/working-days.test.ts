import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { copyTemplate } from '../../../test/support/database.ts';
import { runCspr as cspr } from '../../../test/support/cli.ts';
import { addHoliday, addRuleVersion } from '../../features/rules/service.ts';
import { acquireDataDirLock } from '../../platform/db/data-dir-lock.ts';
import { openDatabase } from '../../platform/db/database.ts';
import { main } from '../main.ts';
import { SHIPPED_DEFAULTS_NOTE } from './working-days.ts';

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const PANEL = (from: string, dueOn: string) => ({
  key: 'panel-notification',
  dueOn,
  from,
  rule: '5 working days after the local authority became aware',
});

describe('cspr working-days and cspr deadlines', () => {
  let dir: string;
  beforeAll(async () => {
    // A data folder whose administrators changed things: the commands must see it.
    dir = copyTemplate();
    const database = await openDatabase({ dataDir: dir });
    try {
      expect((await addHoliday(database.db, { date: '2030-06-04', title: 'A one-off bank holiday' }, null)).outcome).toBe('added');
      const rapid = await addRuleVersion(
        database.db,
        'rapid-review',
        {
          title: 'Send the rapid review to the Panel',
          runsFrom: 'notified',
          length: 20,
          unit: 'working-days',
          direction: 'after',
          recipients: ['Child Safeguarding Practice Review Panel'],
          guidance: 'Test guidance',
          appliesFrom: '2027-01-04',
          appliesUntil: null,
          condition: 'always',
          statutory: false,
        },
        null,
      );
      expect(rapid.outcome).toBe('added');
    } finally {
      await database.close();
    }
    vi.stubEnv('DATA_DIR', dir);
    vi.stubEnv('LOG_LEVEL', 'silent');
    vi.stubEnv('DATABASE_URL', '');
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('working-days add counts forward and back over weekends and bank holidays', async () => {
    expect(await run(['working-days', 'add', '2024-12-20', '5'])).toEqual({ code: 0, out: '2024-12-31', err: '' });
    expect(await run(['working-days', 'add', '2024-12-31', '-5'])).toEqual({ code: 0, out: '2024-12-20', err: '' });
    expect(await run(['working-days', 'add', '2024-12-21', '0'])).toEqual({ code: 0, out: '2024-12-21', err: '' });
    expect(await run(['working-days', 'add', '2024-12-20', '+1'])).toEqual({ code: 0, out: '2024-12-23', err: '' });
  });

  it('working-days uses the bank holidays held in the database, and warns about years it holds none for', async () => {
    expect(await run(['working-days', 'add', '2030-06-03', '1'])).toMatchObject({ code: 0, out: '2030-06-05' });
    const far = await run(['working-days', 'add', '2034-12-29', '3']);
    expect(far).toEqual({
      code: 0,
      out: '2035-01-03',
      err: 'No bank holidays are held for 2034, 2035: only weekends were skipped there. Load the GOV.UK file on the Bank holidays page.',
    });
  });

  it('working-days refuses bad input with a clear message and exit code 2', async () => {
    const cases: [string[], string][] = [
      [['working-days'], "Missing what to do: 'add DATE N'."],
      [['working-days', 'subtract', '2024-12-20', '5'], "Unknown working-days command 'subtract': use 'add'."],
      [['working-days', 'add', '2024-12-20'], 'Missing the DATE and the number N of working days.'],
      [['working-days', 'add', '2024-12-20', '5', '6'], "Unexpected argument '6'."],
      [['working-days', 'add', '20/12/2024', '5'], "DATE must be a real date written YYYY-MM-DD, like 2024-12-20; got '20/12/2024'."],
      [['working-days', 'add', '2023-02-29', '5'], "DATE must be a real date written YYYY-MM-DD, like 2024-12-20; got '2023-02-29'."],
      [['working-days', 'add', '2024-12-20', 'five'], "N must be a whole number of working days between -5000 and 5000, like 5 or -5; got 'five'."],
      [['working-days', 'add', '2024-12-20', '1.5'], "N must be a whole number of working days between -5000 and 5000, like 5 or -5; got '1.5'."],
      [['working-days', 'add', '2024-12-20', '99999'], "got '99999'."],
      [['working-days', 'add', '2024-12-20', '5', '--verbose'], "Unknown option '--verbose'."],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toContain(message);
      expect(r.err).toContain('Usage: cspr working-days add DATE N');
    }
  });

  it('deadlines prints every deadline whose start date is given, as JSON, with the database’s rules', async () => {
    const r = await run(['deadlines', '--aware', '2027-01-04', '--notified', '2027-01-04', '--decision', '2027-02-15', '--publication', '2027-08-02']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)).toEqual([
      PANEL('2027-01-04', '2027-01-11'),
      { key: 'partners-informed', dueOn: '2027-01-11', from: '2027-01-04', rule: '5 working days after the local authority became aware' },
      { key: 'rapid-review', dueOn: '2027-02-01', from: '2027-01-04', rule: '20 working days after the Panel was notified' },
      { key: 'review-completion', dueOn: '2027-08-15', from: '2027-02-15', rule: '6 calendar months after the decision to hold a local review' },
      { key: 'advance-copy', dueOn: '2027-07-22', from: '2027-08-02', rule: '7 working days before the planned publication date' },
      { key: 'published-until', dueOn: '2028-08-02', from: '2027-08-02', rule: '12 calendar months after publication' },
    ]);
    // Before the new version's date the old one still governs.
    const older = JSON.parse((await run(['deadlines', '--aware', '2024-12-20', '--notified', '2024-12-23'])).out) as { key: string; dueOn: string; rule: string }[];
    expect(older.find((d) => d.key === 'rapid-review')).toEqual({ key: 'rapid-review', dueOn: '2025-01-16', from: '2024-12-23', rule: '15 working days after the Panel was notified' });
    const late = await run(['deadlines', '--aware', '2036-01-02']);
    expect(late.code).toBe(0);
    expect(late.err).toBe('No bank holidays are held for 2036: only weekends were skipped there. Load the GOV.UK file on the Bank holidays page.');
    expect(JSON.parse(late.out)).toContainEqual(PANEL('2036-01-02', '2036-01-09'));
  });

  it('deadlines adds the Ofsted and Secretary of State notice for the deaths the guidance edition covers', async () => {
    const before2023 = JSON.parse((await run(['deadlines', '--aware', '2023-06-01', '--looked-after-death'])).out) as { key: string; rule: string }[];
    expect(before2023.map((d) => d.key)).toEqual(['panel-notification', 'partners-informed', 'ofsted-sos-notification']);
    expect(before2023[2]).toMatchObject({ key: 'ofsted-sos-notification' });
    const careLeaverBefore = JSON.parse((await run(['deadlines', '--aware', '2023-06-01', '--care-leaver-death'])).out) as { key: string }[];
    expect(careLeaverBefore.map((d) => d.key)).not.toContain('ofsted-sos-notification');
    const careLeaverAfter = JSON.parse((await run(['deadlines', '--aware', '2024-12-20', '--care-leaver-death'])).out) as { key: string; dueOn: string; rule: string }[];
    expect(careLeaverAfter[2]).toEqual({ key: 'ofsted-sos-notification', dueOn: '2024-12-31', from: '2024-12-20', rule: '5 working days after the local authority became aware' });
  });

  it('deadlines refuses bad dates, missing or unknown options and impossible combinations with exit code 2', async () => {
    const cases: [string[], string][] = [
      [['deadlines'], 'Missing --aware DATE: the date the local authority became aware of the incident.'],
      [['deadlines', '--aware', '2024-13-01'], "--aware must be a real date written YYYY-MM-DD, like 2024-12-20; got '2024-13-01'."],
      [['deadlines', '--aware', '2024-12-20', '--publication', 'soon'], "--publication must be a real date written YYYY-MM-DD, like 2024-12-20; got 'soon'."],
      [['deadlines', '--aware', '2024-12-20', '--looked-after-death', '--care-leaver-death'], 'Give --looked-after-death or --care-leaver-death, not both'],
      [['deadlines', '--aware', '2024-12-20', '--notified', '2024-12-19'], 'The Panel cannot have been notified before the local authority became aware.'],
      [['deadlines', '--aware', '2024-12-20', '--decision', '2024-12-01'], 'The decision to hold a local review cannot come before the local authority became aware.'],
      [['deadlines', '--aware', '2024-12-20', '--colour'], "Unknown option '--colour'"],
      [['deadlines', '--aware', '2024-12-20', 'extra'], "Unexpected argument 'extra'."],
      [['deadlines', '--aware'], "Option '--aware <value>' argument missing"],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toContain(message);
      expect(r.err).toContain('Usage: cspr deadlines --aware DATE');
    }
  });

  it('falls back to the shipped defaults, saying so, when the running service holds the data folder', async () => {
    const lock = acquireDataDirLock(dir);
    try {
      // In this process: the shipped calendar has no 4 June 2030 holiday.
      const wd = await run(['working-days', 'add', '2030-06-03', '1']);
      expect(wd.code).toBe(0);
      expect(wd.out).toBe('2030-06-04');
      expect(wd.err.split('\n')[0]).toBe(SHIPPED_DEFAULTS_NOTE);
      expect(SHIPPED_DEFAULTS_NOTE).toBe('Using the shipped default rules: the data folder is in use by the running service.');

      // And as an operator runs it, beside the service holding the folder.
      const r = await cspr(['deadlines', '--aware', '2027-01-04', '--notified', '2027-01-04'], { DATA_DIR: dir });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe(`${SHIPPED_DEFAULTS_NOTE}\n`);
      const deadlines = JSON.parse(r.stdout) as { key: string; dueOn: string; rule: string }[];
      expect(deadlines.find((d) => d.key === 'rapid-review')).toMatchObject({ dueOn: '2027-01-25', rule: '15 working days after the Panel was notified' });
      const one = await cspr(['working-days', 'add', '2024-12-20', '5'], { DATA_DIR: dir });
      expect(one).toEqual({ code: 0, stdout: '2024-12-31\n', stderr: `${SHIPPED_DEFAULTS_NOTE}\n` });
    } finally {
      lock.release();
    }
  }, 60_000);

  it('still fails plainly when the database cannot be reached for another reason', async () => {
    vi.stubEnv('DATABASE_URL', 'postgres://nobody:secret@127.0.0.1:1/cspr');
    try {
      const r = await run(['working-days', 'add', '2024-12-20', '5']);
      expect(r.code).toBe(1);
      expect(r.err).toContain('Could not connect to the PostgreSQL server at 127.0.0.1:1/cspr');
      expect(r.err).not.toContain(SHIPPED_DEFAULTS_NOTE);
    } finally {
      vi.stubEnv('DATABASE_URL', '');
    }
  });
});
