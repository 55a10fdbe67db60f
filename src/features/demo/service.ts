import { createFileStore } from '../../platform/storage/file-store.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import type { Database } from '../../platform/db/database.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import type { AgencyKind, RoleName } from '../../platform/db/types.ts';
import { seedDemoCases } from './cases.ts';
import { seedDemoReview } from '../reviews/demo.ts';
import { seedDemoLearning } from '../learning/demo.ts';
import { seedDemoTracker } from '../learning/demo-tracker.ts';
import { seedDemoLearningProducts } from '../learning-products/demo.ts';
import { seedDemoYearlyReport } from '../reports/demo.ts';
import { seedDemoAssurance } from '../learning/demo-assurance.ts';
import { seedDemoRecurringLearning } from '../learning/recurring-demo.ts';
import { todayInLondon } from '../../domain/calendar/date-only.ts';
import { addAgency, addPartnership } from '../partnerships/service.ts';
import { demoReports, seedDemoPublications, type RenderedDemoReport } from './publications.ts';
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
 */
export async function seedDemoIfEmpty(database: Database, cipher: FieldCipher, files?: FileStore, prepared?: Promise<DemoPreparation> | DemoPreparation): Promise<boolean> {
  if (database.engine === 'embedded') {
    if (!(await isEmpty(database))) return false;
    await seedDemo(database, cipher, files, prepared);
    return true;
  }
  const client = await database.pool.connect();
  try {
    await client.query(`select pg_advisory_lock(hashtext('cspr-hub:demo-seed'))`);
    if (!(await isEmpty(database))) return false;
    await seedDemo(database, cipher, files, prepared);
    return true;
  } finally {
    await client.query(`select pg_advisory_unlock(hashtext('cspr-hub:demo-seed'))`).catch(() => {});
    client.release();
  }
}

export type DemoSummary = { partnership: string; created: boolean };

/** The demonstration data's work that needs no database, under way: reading its reports' PDFs and its people's password hash. */
export type DemoPreparation = { reports: Promise<RenderedDemoReport[]> | null; passwordHash: Promise<string> };

/**
 * Starts that work at once, so that seeding a database known to be empty can have it done
 * beforehand (a service starting on a new embedded database does it while the engine creates the database).
 */
export function prepareDemo({ reports = true } = {}): DemoPreparation {
  const preparation = { reports: reports ? demoReports() : null, passwordHash: hashPassword(DEMO_PASSWORD) };
  // Each is awaited where it is used; one that fails before then must not be an unhandled rejection.
  preparation.reports?.catch(() => {});
  preparation.passwordHash.catch(() => {});
  return preparation;
}

/**
 * Seeds a fictional partnership, its agencies and a person in every role, so a newcomer
 * sees a living system. Idempotent: when the partnership exists, nothing changes. With the file
 * store (where report files are kept), the public repository gets a dozen fictional reviews too.
 */
export async function seedDemo(database: Database, cipher: FieldCipher, files?: FileStore, prepared?: Promise<DemoPreparation> | DemoPreparation): Promise<DemoSummary> {
  demoFlag.delete(database);
  const db = database.db;
  const existing = await db.selectFrom('partnerships').select('id').where('slug', '=', DEMO_PARTNERSHIP.slug).executeTakeFirst();
  if (existing) return { partnership: DEMO_PARTNERSHIP.name, created: false };
  const partnership = await addPartnership(db, { ...DEMO_PARTNERSHIP, fictional: true });
  const agencies = new Map<string, string>();
  for (const a of DEMO_AGENCIES) agencies.set(a.name, (await addAgency(db, { partnershipId: partnership.id, ...a })).id);
  // Unless they were started beforehand, the reports' PDFs (kept only with a file store) are read while
  // the engine's thread writes everything before them. Every demo person has the same published
  // password: its (deliberately slow) hash is made once.
  const preparation = (await prepared) ?? prepareDemo({ reports: files !== undefined });
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
  const admin = await db.selectFrom('users').select('id').where('email', '=', DEMO_USERS[0].email).executeTakeFirstOrThrow();
  await seedDemoCases(db, cipher, partnership.id, admin.id);
  const reviewer = await db.selectFrom('users').select('id').where('email', '=', 'reviewer@reviewers.example').executeTakeFirstOrThrow();
  await seedDemoReview(db, cipher, partnership.id, { userId: admin.id, name: DEMO_USERS[0].name }, reviewer.id, todayInLondon(new Date()));
  const personOf = async (email: string) => {
    const u = await db.selectFrom('users').select(['id', 'name']).where('email', '=', email).executeTakeFirstOrThrow();
    return { userId: u.id, name: u.name };
  };
  // Completing an action needs a file of evidence: without a file store given, the database keeps them.
  const evidenceStore = files ?? createFileStore({ db, cipher, config: { backend: 'database' } });
  await seedDemoLearning(db, cipher, evidenceStore, partnership.id, { userId: admin.id, name: DEMO_USERS[0].name }, { school: await personOf('school@northmoor.example'), lead: await personOf('la.lead@northmoor.example') }, todayInLondon(new Date()));
  await seedDemoAssurance(db, cipher, evidenceStore, partnership.id, { userId: admin.id, name: DEMO_USERS[0].name }, await personOf('school@northmoor.example'), todayInLondon(new Date()));
  if (files) {
    await seedDemoPublications(db, files, partnership.id, admin.id, (await preparation.reports) ?? undefined);
    // Lessons that recur across the published reviews' years (recurring learning).
    await seedDemoRecurringLearning(db, cipher, partnership.id, admin.id, todayInLondon(new Date()));
    // An old tracker brought in: recommendations of an archived serious case review and of a rapid review
    // (what the recurring learning already recorded is left as it is, as any re-import would).
    await seedDemoTracker(db, cipher, partnership.id, todayInLondon(new Date()));
  }
  // A thematic briefing drawing on two of the published reviews, with its reach.
  await seedDemoLearningProducts(db, cipher, partnership.id, { userId: admin.id, name: DEMO_USERS[0].name }, await personOf('la.lead@northmoor.example'));
  // The narrative of last year's yearly report, part written.
  await seedDemoYearlyReport(db, partnership.id, { userId: admin.id, name: DEMO_USERS[0].name }, todayInLondon(new Date()));
  // The fictional data is added for nobody in particular (not in an audited scope): one entry says so.
  await recordAudit(db, { actor: null, action: 'demo-data-added', partnershipId: partnership.id, recordType: 'partnership', recordId: partnership.id, changes: { fictional: true } });
  return { partnership: DEMO_PARTNERSHIP.name, created: true };
}
