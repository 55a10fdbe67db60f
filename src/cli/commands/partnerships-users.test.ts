import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyTemplate } from '../../../test/support/database.ts';
import { runCspr } from '../../../test/support/cli.ts';

const csprWithInput = (args: string[], input: string, env: Record<string, string>) => runCspr(args, env, input);
import { addAgency, findPartnershipBySlug } from '../../features/partnerships/service.ts';
import { findUserByEmail } from '../../features/users/service.ts';
import { verifyPassword } from '../../platform/auth/passwords.ts';
import { openDatabase, type Database } from '../../platform/db/database.ts';
import { main } from '../main.ts';
import { usersCommandWith } from './users.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out: () => out.join('\n'), err: () => err.join('\n') };
}

async function cspr(...argv: string[]) {
  const c = capture();
  const code = await main(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

/** The real command in a child process, with `input` on its standard input. */
describe('cspr partnerships and cspr users', () => {
  let dataDir: string;
  const saved = { DATA_DIR: process.env.DATA_DIR, LOG_LEVEL: process.env.LOG_LEVEL, DATABASE_URL: process.env.DATABASE_URL };

  /** Looks at the data between commands (the embedded database takes one process at a time: closed after). */
  async function inspect<T>(work: (database: Database) => Promise<T>): Promise<T> {
    const database = await openDatabase({ dataDir });
    try {
      return await work(database);
    } finally {
      await database.close();
    }
  }

  beforeAll(() => {
    dataDir = copyTemplate();
    process.env.DATA_DIR = dataDir;
    process.env.LOG_LEVEL = 'silent';
    delete process.env.DATABASE_URL;
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('are listed in the help, and each explains itself with --help', async () => {
    const help = await cspr('--help');
    expect(help.out).toMatch(/^ {2}partnerships +Add a partnership/m);
    expect(help.out).toMatch(/^ {2}users +Add a user with a role/m);
    const p = await cspr('partnerships', '--help');
    expect(p.code).toBe(0);
    expect(p.out).toContain('Usage: cspr partnerships add SLUG --name "NAME"');
    expect(p.out).toContain('cspr partnerships list');
    const u = await cspr('users', '--help');
    expect(u.out).toContain('cspr users add --email EMAIL --name "NAME" --role ROLE [--partnership SLUG] [--agency "AGENCY NAME"] [--password-stdin]');
    expect(u.out).toContain('Roles: partnership-admin, partner-lead, agency-contributor, reviewer, panel-viewer, system-admin.');
  });

  it('refuses a missing or unknown sub-command with the usage (exit 2)', async () => {
    for (const argv of [['partnerships'], ['partnerships', 'remove', 'x'], ['users'], ['users', 'delete']]) {
      const r = await cspr(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toContain('Usage: cspr');
    }
    expect((await cspr('users', 'delete')).err).toContain("Unknown sub-command 'delete'; use 'add' or 'list'.");
  });

  it('lists no partnerships in an empty deployment, then adds one (audited) and lists it', async () => {
    expect((await cspr('partnerships', 'list')).out).toContain('There are no partnerships yet.');
    const added = await cspr('partnerships', 'add', 'northmoor', '--name', 'Northmoor Safeguarding Children Partnership');
    expect(added).toMatchObject({ code: 0, err: '' });
    expect(added.out).toContain('Added the partnership Northmoor Safeguarding Children Partnership (northmoor).');
    await inspect(async (database) => {
      const p = await findPartnershipBySlug(database.db, 'northmoor');
      expect(p).toMatchObject({ name: 'Northmoor Safeguarding Children Partnership', fictional: false });
      await addAgency(database.db, { partnershipId: p!.id, name: 'Northmoor Police', kind: 'police' });
      const audit = await database.db.selectFrom('audit_events').selectAll().where('action', '=', 'partnership-created').executeTakeFirstOrThrow();
      expect(audit).toMatchObject({ actor_id: null, record_id: p!.id });
    });
    const list = await cspr('partnerships', 'list');
    expect(list.out).toBe(['northmoor  Northmoor Safeguarding Children Partnership', '             Northmoor Police — Police (statutory partner)'].join('\n'));
  });

  it('refuses a duplicate or malformed partnership (exit 1) and missing arguments (exit 2)', async () => {
    const dup = await cspr('partnerships', 'add', 'northmoor', '--name', 'Again');
    expect(dup.code).toBe(1);
    expect(dup.err).toBe("cspr partnerships: There is already a partnership with the short name 'northmoor'.");
    const bad = await cspr('partnerships', 'add', 'North Moor!', '--name', 'Bad');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('The short name must be 2 to 63 lowercase letters');
    const noName = await cspr('partnerships', 'add', 'eastfold');
    expect(noName.code).toBe(2);
    expect(noName.err).toContain('Missing --name');
    const noSlug = await cspr('partnerships', 'add', '--name', 'Eastfold');
    expect(noSlug.code).toBe(2);
    expect(noSlug.err).toContain('Missing the SLUG');
  });

  it('adds a person without a password, and says they need an invitation or a password reset', async () => {
    const r = await cspr('users', 'add', '--email', 'Ada@Example.org', '--name', 'Ada Admin', '--role', 'partnership-admin', '--partnership', 'northmoor');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Added Ada Admin <ada@example.org> as Partnership administrator (business unit) for Northmoor Safeguarding Children Partnership.');
    expect(r.out).toContain('They have no password yet');
    expect(r.out).toContain('Send a new invitation');
    expect(r.out).toContain('/password-reset');
    await inspect(async (database) => {
      const user = await findUserByEmail(database.db, 'ada@example.org');
      expect(user).toMatchObject({ name: 'Ada Admin', hasPassword: false });
      expect(user!.grants).toEqual([expect.objectContaining({ role: 'partnership-admin', partnershipName: 'Northmoor Safeguarding Children Partnership', agencyId: null })]);
      const audit = await database.db.selectFrom('audit_events').selectAll().where('action', '=', 'user-created').where('record_id', '=', user!.id).executeTakeFirstOrThrow();
      expect(audit.actor_id).toBeNull();
    });
  });

  it('adds an agency contributor with a password given on standard input', async () => {
    const run = await usersCommandWith(async () => 'stone river kettle 44').run(
      ['add', '--email', 'cal@example.org', '--name', 'Cal Contributor', '--role', 'agency-contributor', '--partnership', 'northmoor', '--agency', 'northmoor police', '--password-stdin'],
      capture().io,
    );
    expect(run).toBe(0);
    await inspect(async (database) => {
      const row = await database.db.selectFrom('users').selectAll().where('email', '=', 'cal@example.org').executeTakeFirstOrThrow();
      expect(await verifyPassword('stone river kettle 44', row.password_hash)).toBe(true);
      const user = await findUserByEmail(database.db, 'cal@example.org');
      expect(user!.grants[0]).toMatchObject({ role: 'agency-contributor', agencyName: 'Northmoor Police' });
    });
    const weak = capture();
    expect(await usersCommandWith(async () => 'short').run(['add', '--email', 'dee@example.org', '--name', 'Dee', '--role', 'system-admin', '--password-stdin'], weak.io)).toBe(1);
    expect(weak.err()).toBe('cspr users: Password must be 12 characters or more');
  });

  it('reads the password from the real standard input of the command', async () => {
    const r = await csprWithInput(['users', 'add', '--email', 'sam@example.org', '--name', 'Sam System', '--role', 'system-admin', '--password-stdin'], 'granite harbour violin 7\n', {
      DATA_DIR: dataDir,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Added Sam System <sam@example.org> as System administrator.');
    expect(r.stdout).toContain('They can sign in now');
    await inspect(async (database) => {
      const row = await database.db.selectFrom('users').selectAll().where('email', '=', 'sam@example.org').executeTakeFirstOrThrow();
      expect(await verifyPassword('granite harbour violin 7', row.password_hash)).toBe(true);
    });
  }, 60_000);

  it.each([
    [['--email', 'x@example.org', '--name', 'X', '--role', 'wizard', '--partnership', 'northmoor'], 2, "Unknown role 'wizard'. Roles: partnership-admin"],
    [['--email', 'x@example.org', '--name', 'X', '--role', 'reviewer'], 2, 'The reviewer role needs --partnership SLUG.'],
    [['--email', 'x@example.org', '--name', 'X', '--role', 'panel-viewer', '--partnership', 'northmoor'], 2, 'The panel-viewer role is national: leave out --partnership.'],
    [['--email', 'x@example.org', '--name', 'X', '--role', 'agency-contributor', '--agency', 'Northmoor Police'], 2, '--agency needs --partnership'],
    [['--name', 'X', '--role', 'reviewer', '--partnership', 'northmoor'], 2, 'Missing --email.'],
    [['--email', 'x@example.org', '--name', 'X', '--role', 'reviewer', '--partnership', 'nowhere'], 1, "There is no partnership with the short name 'nowhere'. See: cspr partnerships list"],
    [['--email', 'x@example.org', '--name', 'X', '--role', 'agency-contributor', '--partnership', 'northmoor', '--agency', 'Fire Service'], 1, "The partnership 'northmoor' has no agency called 'Fire Service'. Its agencies: Northmoor Police."],
    [['--email', 'x@example.org', '--name', 'X', '--role', 'agency-contributor', '--partnership', 'northmoor'], 1, 'An agency contributor needs an agency: add --agency "AGENCY NAME".'],
    [['--email', 'not an email', '--name', 'X', '--role', 'reviewer', '--partnership', 'northmoor'], 1, 'Enter an email address in the correct format'],
    [['--email', 'ADA@example.org', '--name', 'Ada Again', '--role', 'reviewer', '--partnership', 'northmoor'], 1, 'There is already a user with the email address ada@example.org'],
  ])('users add %j exits %i saying what is wrong', async (args, code, message) => {
    const r = await cspr('users', 'add', ...args);
    expect(r.code).toBe(code);
    expect(r.err).toContain(message);
    expect(r.out).toBe('');
    await inspect(async (database) => expect(await findUserByEmail(database.db, 'x@example.org')).toBeUndefined());
  });

  it('lists users with their status and roles, for all partnerships or one', async () => {
    const all = await cspr('users', 'list');
    expect(all.code).toBe(0);
    const lines = all.out.split('\n');
    expect(lines[0]).toMatch(/^EMAIL +NAME +STATUS +ROLES$/);
    expect(lines.find((l) => l.startsWith('ada@example.org'))).toMatch(/Ada Admin +invited +partnership-admin@northmoor$/);
    expect(lines.find((l) => l.startsWith('cal@example.org'))).toMatch(/active +agency-contributor@northmoor \(Northmoor Police\)$/);
    expect(lines.find((l) => l.startsWith('sam@example.org'))).toMatch(/active +system-admin$/);
    const one = await cspr('users', 'list', '--partnership', 'northmoor');
    expect(one.out).toContain('ada@example.org');
    expect(one.out).not.toContain('sam@example.org');
    const unknown = await cspr('users', 'list', '--partnership', 'nowhere');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("There is no partnership with the short name 'nowhere'");
  });
});
