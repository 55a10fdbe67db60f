import { createFileStore } from '../../platform/storage/file-store.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import type { Database } from '../../platform/db/database.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import type { AgencyKind, RoleName } from '../../platform/db/types.ts';
import { seedDemoCases } from './cases.ts';
import { seedDemoReview } from '../reviews/demo.ts';
import { seedDemoLearning } from '../learning/demo.ts';
import { seedDemoTracker } from '../learning/demo-tracker.ts';
import { DEMO_PRODUCT_SLUGS, seedDemoLearningProducts } from '../learning-products/demo.ts';
import { seedDemoYearlyReport } from '../reports/demo.ts';
import { seedDemoAssurance } from '../learning/demo-assurance.ts';
import { seedDemoRecurringLearning } from '../learning/recurring-demo.ts';
import { todayInLondon } from '../../domain/calendar/date-only.ts';
import { addAgency, addPartnership } from '../partnerships/service.ts';
import { DEMO_PUBLICATIONS, demoReports, seedDemoPublications, type RenderedDemoReport } from './publications.ts';
import { createUser } from '../users/service.ts';
import { hashPassword } from '../../platform/auth/passwords.ts';
import type { FileStore } from '../../platform/storage/file-store.ts';

export const DEMO_PARTNERSHIP = {
  slug: 'northmoor',
  name: 'Northmoor Safeguarding Children Partnership (fictional)',
};

/**
 * Demo sign-in details, printed on first start and in the README. The two-factor key is
 * public on purpose: anyone trying the demo adds it to an authenticator app (or runs
 * `cspr demo-code`). Never use the demo data for real cases.
 */
export const DEMO_PASSWORD = 'northmoor-demo-2026';
export const DEMO_TOTP_SECRET = 'KRUGS4ZANFZSAYJAMRSW233EMVWW6ZDF';

const DEMO_AGENCIES: { name: string; kind: AgencyKind }[] = [
  { name: 'Northmoor Council Children’s Services', kind: 'local-authority' },
  { name: 'Northmoor Police', kind: 'police' },
  { name: 'Northmoor Integrated Care Board', kind: 'icb' },
  { name: 'Northmoor Academy Trust', kind: 'relevant-agency' },
  { name: 'Northmoor Community Health NHS Trust', kind: 'relevant-agency' },
];

type DemoUser = { email: string; name: string; role: RoleName; agency?: string; national?: boolean };

export const DEMO_USERS: DemoUser[] = [
  { email: 'admin@northmoor.example', name: 'Alex Morgan', role: 'partnership-admin' },
  { email: 'la.lead@northmoor.example', name: 'Priya Shah', role: 'partner-lead', agency: 'Northmoor Council Children’s Services' },
  { email: 'police.lead@northmoor.example', name: 'Daniel Okafor', role: 'partner-lead', agency: 'Northmoor Police' },
  { email: 'health.lead@northmoor.example', name: 'Helen Price', role: 'partner-lead', agency: 'Northmoor Integrated Care Board' },
  { email: 'school@northmoor.example', name: 'Sam Lewis', role: 'agency-contributor', agency: 'Northmoor Academy Trust' },
  { email: 'reviewer@reviewers.example', name: 'Jordan Ellis', role: 'reviewer' },
  { email: 'panel@panel.example', name: 'Chris Bennett', role: 'panel-viewer', national: true },
  { email: 'sysadmin@cspr.example', name: 'Morgan Reid', role: 'system-admin', national: true },
];

const demoFlag = new WeakMap<Database, { value: boolean; at: number }>();

/** True when the deployment holds the fictional demonstration partnership (cached briefly: it is on every page). */
export async function isDemoDeployment(database: Database): Promise<boolean> {
  const cached = demoFlag.get(database);
  if (cached && Date.now() - cached.at < 30_000) return cached.value;
  const row = await database.db.selectFrom('partnerships').select('id').where('fictional', '=', true).limit(1).executeTakeFirst();
  demoFlag.set(database, { value: row !== undefined, at: Date.now() });
  return row !== undefined;
}

/** Nothing anyone has set up: no partnership and no account. */
export async function isEmpty(database: Database): Promise<boolean> {
  const partnership = await database.db.selectFrom('partnerships').select('id').limit(1).executeTakeFirst();
  const user = await database.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  return partnership === undefined && user === undefined;
}

/**
 * The demonstration data, only on a database nobody has set up. On PostgreSQL several instances
 * may start at once: an advisory lock lets one look and seed while the others wait, then find it done.
 * With `repository: 'later'` only the case work is added; `addDemoRepository` adds the rest.
 */
export async function seedDemoIfEmpty(
  database: Database,
  cipher: FieldCipher,
  files?: FileStore,
  prepared?: Promise<DemoPreparation> | DemoPreparation,
  { repository = 'now' }: { repository?: 'now' | 'later' } = {},
): Promise<boolean> {
  const seedIfEmpty = async (): Promise<boolean> => {
    if (!(await isEmpty(database))) return false;
    await (repository === 'now' ? seedDemo(database, cipher, files, prepared) : seedDemoCaseWork(database, cipher, files, prepared));
    return true;
  };
  // The embedded folder admits one process: no lock needed (and its one connection could not hold one aside).
  return database.engine === 'embedded' ? seedIfEmpty() : (await withAdvisoryLock(database, 'cspr-hub:demo-seed', 'wait', seedIfEmpty)) === true;
}

/**
 * Work under a PostgreSQL advisory lock held on a connection of its own, for the instances sharing the
 * database: 'wait' queues behind another holder; 'skip' gives up at once (undefined) when one holds it.
 */
async function withAdvisoryLock<T>(database: Database, name: string, busy: 'wait' | 'skip', work: () => Promise<T>): Promise<T | undefined> {
  const client = await database.pool.connect();
  try {
    if (busy === 'wait') await client.query('select pg_advisory_lock(hashtext($1))', [name]);
    else if (!(await client.query<{ got: boolean }>('select pg_try_advisory_lock(hashtext($1)) as got', [name])).rows[0].got) return undefined;
    try {
      return await work();
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', [name]).catch(() => {});
    }
  } finally {
    client.release();
  }
}

/** `publishedReviews`: how many reviews its public repository holds once its part was added now (null: nothing was to add). */
export type DemoSummary = { partnership: string; created: boolean; publishedReviews?: number | null };

/**
 * The demonstration data's work that needs no database, under way: reading its reports' PDFs and its
 * people's password hash. (Its actions' files of evidence are made beforehand: evidence-files.ts.)
 */
export type DemoPreparation = { reports: Promise<RenderedDemoReport[]> | null; passwordHash: Promise<string> };

/**
 * Starts that work at once, so that seeding a database known to be empty can have it done
 * beforehand (a service starting on a new embedded database does it while the engine creates the database).
 */
export function prepareDemo({ reports = true } = {}): DemoPreparation {
  const preparation = {
    reports: reports ? demoReports() : null,
    passwordHash: hashPassword(DEMO_PASSWORD),
  };
  // Each is awaited where it is used; one that fails before then must not be an unhandled rejection.
  preparation.reports?.catch(() => {});
  preparation.passwordHash.catch(() => {});
  return preparation;
}

/**
 * Seeds a fictional partnership, its agencies and a person in every role, so a newcomer
 * sees a living system: its case work (`seedDemoCaseWork`), then its public repository
 * (`addDemoRepository`). Idempotent: when the partnership exists, nothing changes but a public
 * repository still to add (a start stopped before it). With the file store (where report files are
 * kept), the public repository gets a dozen fictional reviews.
 */
export async function seedDemo(database: Database, cipher: FieldCipher, files?: FileStore, prepared?: Promise<DemoPreparation> | DemoPreparation): Promise<DemoSummary> {
  const summary = await seedDemoCaseWork(database, cipher, files, prepared);
  const repository = await addDemoRepository(database, cipher, files, { prepared });
  return { ...summary, publishedReviews: repository.state === 'added' ? repository.publications : null };
}

/** The audit entries that say which parts of the demonstration data are in (see `addDemoRepository`). */
const CASE_WORK_ADDED = 'demo-data-added';
const REPOSITORY_ADDED = 'demo-repository-added';

/**
 * The demonstration's case work: the partnership, its agencies and people, cases on their clocks, a
 * review with its recommendations and actions, and the yearly report's narrative. It is what a first
 * page shows; the public repository follows (`addDemoRepository`).
 */
export async function seedDemoCaseWork(database: Database, cipher: FieldCipher, files?: FileStore, prepared?: Promise<DemoPreparation> | DemoPreparation): Promise<DemoSummary> {
  demoFlag.delete(database);
  const db = database.db;
  const existing = await db.selectFrom('partnerships').select('id').where('slug', '=', DEMO_PARTNERSHIP.slug).executeTakeFirst();
  if (existing) return { partnership: DEMO_PARTNERSHIP.name, created: false };
  const partnership = await addPartnership(db, { ...DEMO_PARTNERSHIP, fictional: true });
  const agencies = new Map<string, string>();
  for (const a of DEMO_AGENCIES) agencies.set(a.name, (await addAgency(db, { partnershipId: partnership.id, ...a })).id);
  // Every demo person has the same published password: its (deliberately slow) hash is made once,
  // beforehand when it was started early.
  const preparation = (await prepared) ?? prepareDemo({ reports: false });
  const secret = cipher.encrypt(DEMO_TOTP_SECRET);
  const passwordHash = await preparation.passwordHash;
  for (const u of DEMO_USERS) {
    const existingUser = await db.selectFrom('users').select('id').where('email', '=', u.email).executeTakeFirst();
    if (existingUser) continue;
    const user = await createUser(db, {
      email: u.email,
      name: u.name,
      grants: [{ role: u.role, partnershipId: u.national ? null : partnership.id, agencyId: u.agency ? agencies.get(u.agency) : null }],
    });
    await db.updateTable('users').set({ password_hash: passwordHash, password_changed_at: new Date(), totp_secret_enc: secret, totp_enabled: true }).where('id', '=', user.id).execute();
  }
  const admin = await personOf(db, DEMO_USERS[0].email);
  const school = await personOf(db, 'school@northmoor.example');
  const today = todayInLondon(new Date());
  await seedDemoCases(db, cipher, partnership.id, admin.userId);
  const reviewer = await personOf(db, 'reviewer@reviewers.example');
  await seedDemoReview(db, cipher, partnership.id, admin, reviewer.userId, today);
  // Completing an action needs a file of evidence: without a file store given, the database keeps them.
  const evidenceStore = files ?? createFileStore({ db, cipher, config: { backend: 'database' } });
  await seedDemoLearning(db, cipher, evidenceStore, partnership.id, admin, { school, lead: await personOf(db, 'la.lead@northmoor.example') }, today);
  await seedDemoAssurance(db, cipher, evidenceStore, partnership.id, admin, school, today);
  // The narrative of last year's yearly report, part written.
  await seedDemoYearlyReport(db, partnership.id, admin, today);
  // The fictional data is added for nobody in particular (not in an audited scope): one entry says so,
  // and that its public repository is to follow.
  await recordAudit(db, { actor: null, action: CASE_WORK_ADDED, partnershipId: partnership.id, recordType: 'partnership', recordId: partnership.id, changes: { fictional: true, repository: 'to follow' } });
  return { partnership: DEMO_PARTNERSHIP.name, created: true };
}

async function personOf(db: Database['db'], email: string): Promise<{ userId: string; name: string }> {
  const u = await db.selectFrom('users').select(['id', 'name']).where('email', '=', email).executeTakeFirstOrThrow();
  return { userId: u.id, name: u.name };
}

/**
 * The demo partnership when its public repository is still to be added: its case work's entry says it
 * is to follow and no entry says it was added. (A demo made before the two parts has neither mark.)
 */
export async function demoRepositoryPending(db: Database['db']): Promise<string | null> {
  const partnership = await db.selectFrom('partnerships').select('id').where('slug', '=', DEMO_PARTNERSHIP.slug).where('fictional', '=', true).executeTakeFirst();
  if (!partnership) return null;
  const marks = await withTenant(db, [partnership.id], (trx) =>
    trx
      .selectFrom('audit_events')
      .select(['action', 'changes'])
      .where('record_type', '=', 'partnership')
      .where('record_id', '=', partnership.id)
      .where('action', 'in', [CASE_WORK_ADDED, REPOSITORY_ADDED])
      .execute(),
  );
  const toFollow = marks.some((m) => m.action === CASE_WORK_ADDED && (m.changes as { repository?: string } | null)?.repository === 'to follow');
  return toFollow && !marks.some((m) => m.action === REPOSITORY_ADDED) ? partnership.id : null;
}

export type DemoRepositoryOptions = {
  prepared?: Promise<DemoPreparation> | DemoPreparation;
  /** Awaited before each step (one publication, say): a running service waits there for a quiet moment. */
  beforeStep?: () => Promise<void>;
  /** Checked before each step: true stops there (a service stopping); the next start finishes the part. */
  stopping?: () => boolean;
};

/**
 * What became of the public repository's part: added now (with how many demonstration reviews are
 * published), stopped before its end (the next start finishes it), being added by another instance
 * (PostgreSQL), or nothing to add.
 */
export type DemoRepositoryOutcome = { state: 'added'; publications: number } | { state: 'stopped' } | { state: 'elsewhere' } | { state: 'none' };

/**
 * The demonstration's public repository: a dozen fictional published reviews (with a file store) with
 * their search index, the lessons that recur across them, an old tracker brought in, and a thematic
 * briefing and a Learning on a Page drawing on them. It is most of the engine's work of seeding, and no
 * first page needs it: `npm start` serves once the case work is in and adds this straight after, a
 * step at a time.
 *
 * Each step is one transaction and is skipped when what it writes is there, so a start stopped part
 * way (or killed) leaves a consistent database, and the next start (or `cspr seed-demo`) finishes it;
 * an entry marks it done. On PostgreSQL one instance adds it while the others go on.
 */
export async function addDemoRepository(database: Database, cipher: FieldCipher, files: FileStore | undefined, options: DemoRepositoryOptions = {}): Promise<DemoRepositoryOutcome> {
  const titles = DEMO_PUBLICATIONS.map((d) => d.title);
  const add = async (): Promise<DemoRepositoryOutcome> => {
    const db = database.db;
    const partnershipId = await demoRepositoryPending(db);
    if (!partnershipId) return { state: 'none' };
    const admin = await personOf(db, DEMO_USERS[0].email);
    const today = todayInLondon(new Date());
    const step = async (): Promise<boolean> => {
      if (options.stopping?.()) return false;
      await options.beforeStep?.();
      return !options.stopping?.();
    };
    const published = async () =>
      new Set((await db.selectFrom('publications').select('title').where('partnership_id', '=', partnershipId).where('title', 'in', titles).execute()).map((p) => p.title));
    if (files) {
      // Each review once, known by its title (its PDF's bytes may differ from a version before).
      const there = await published();
      const reports = (await (await options.prepared)?.reports) ?? (await demoReports());
      for (const report of reports.filter((r) => !there.has(r.d.title))) {
        if (!(await step())) return { state: 'stopped' };
        await seedDemoPublications(db, files, partnershipId, admin.userId, [report]);
      }
      // Lessons that recur across the published reviews' years (recurring learning): one transaction, so
      // any recommendation of a published review means it was made (the tracker below comes after it).
      if (!(await step())) return { state: 'stopped' };
      const recurring = await withTenant(db, [partnershipId], (trx) =>
        trx.selectFrom('recommendations').select('id').where('partnership_id', '=', partnershipId).where('publication_id', 'is not', null).limit(1).executeTakeFirst(),
      );
      if (!recurring) await seedDemoRecurringLearning(db, cipher, partnershipId, admin.userId, today);
      // An old tracker brought in: recommendations of an archived serious case review and of a rapid review
      // (what the recurring learning already recorded is left as it is, as any re-import would; one transaction).
      if (!(await step())) return { state: 'stopped' };
      await seedDemoTracker(db, cipher, partnershipId, today);
    }
    // A thematic briefing drawing on two of the published reviews, with its reach, and a Learning on a
    // Page being written: in one transaction, so both are there or neither.
    if (!(await step())) return { state: 'stopped' };
    const lead = await personOf(db, 'la.lead@northmoor.example');
    await inTransaction(db, async (trx) => {
      const made = await withTenant(trx, [partnershipId], (t) => t.selectFrom('learning_products').select('id').where('partnership_id', '=', partnershipId).where('slug', 'in', Object.values(DEMO_PRODUCT_SLUGS)).execute());
      if (made.length === 0) await seedDemoLearningProducts(trx, cipher, partnershipId, admin, lead);
    });
    const count = (await published()).size;
    await recordAudit(db, { actor: null, action: REPOSITORY_ADDED, partnershipId, recordType: 'partnership', recordId: partnershipId, changes: { fictional: true, publications: count } });
    return { state: 'added', publications: count };
  };
  if (database.engine === 'embedded') return add();
  return (await withAdvisoryLock(database, 'cspr-hub:demo-repository', 'skip', add)) ?? { state: 'elsewhere' };
}
