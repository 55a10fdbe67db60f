import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/features/account/service.ts';
import { recordIncident, type ChildInput, type Facts } from '../../src/features/cases/service.ts';
import { addAgency, addPartnership } from '../../src/features/partnerships/service.ts';
import { createUser } from '../../src/features/users/service.ts';
import { cipherFor } from '../../src/platform/crypto/field-encryption.ts';
import { openDatabase, type Database } from '../../src/platform/db/database.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { withTenant } from '../../src/platform/db/tenant.ts';
import { freePort, runCspr, startServer } from '../support/cli.ts';
import { copyTemplate, createServerDatabase, ENGINES, freshDir } from '../support/database.ts';

/**
 * The real server, written to over HTTP without pause and killed (SIGKILL) at random moments,
 * then started again: every write it acknowledged is still there with its audit entry, no change
 * is there without its entry (nor an entry without its change), and `cspr audit verify` passes.
 */
const ROUNDS = 3;
const WRITERS = 3;


type Fixture = { partnershipId: string; agencyId: string; incidentId: string; token: string };

/** A partnership with an agency, an incident to update and an administrator's API token: set up as an operator would, before the server runs. */
async function setUp(database: Database, env: Record<string, string>): Promise<Fixture> {
  const db = database.db;
  await migrate(database);
  const partnership = await addPartnership(db, { slug: 'crashmoor', name: 'Crashmoor SCP (fictional)' });
  const agency = await addAgency(db, { partnershipId: partnership.id, name: 'Crashmoor School', kind: 'relevant-agency' });
  const admin = await createUser(db, { email: 'admin@crashmoor.example', name: 'Ada Admin', grants: [{ role: 'partnership-admin', partnershipId: partnership.id }] });
  const facts: Facts = { outcome: 'died', abuseOrNeglect: 'known', location: 'in-area', incidentOn: null, aware: '2026-01-05', whatIsKnown: '', agencyIds: [], otherAgencies: '' };
  const child: ChildInput = { pseudonym: 'Child C', name: '', dateOfBirth: null, nhsNumber: '', address: '', familyNames: '', gender: null, ageAtIncident: null, ageBand: null, lookedAfter: false, careLeaver: false };
  const cipher = cipherFor({ dataEncryptionKey: env.DATA_ENCRYPTION_KEY, dataDir: env.DATA_DIR });
  const incident = await recordIncident(db, cipher, { userId: admin.id, name: 'Ada Admin' }, { partnershipId: partnership.id, facts, children: [child] }, '2026-01-06');
  if (!incident.ok) throw new Error('the incident could not be recorded');
  const { token } = await createApiToken(db, admin.id, { name: 'crash test', scope: 'write' });
  return { partnershipId: partnership.id, agencyId: agency.id, incidentId: incident.id, token };
}

/** Writes until told to stop, keeping what the server acknowledged and anything it answered unexpectedly. */
function writer(base: string, f: Fixture, kind: 'referral' | 'update', n: number, stop: { now: boolean }, acknowledged: Acknowledged, unexpected: string[]): Promise<void> {
  const headers = { authorization: `Bearer ${f.token}`, 'content-type': 'application/json' };
  let version: string | null = null;
  return (async () => {
    for (let i = 0; !stop.now; i++) {
      try {
        if (kind === 'referral') {
          const res = await fetch(`${base}/api/v1/referrals`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ agency: f.agencyId, summary: `Referral ${n}.${i}`, details: 'A fictional referral.', receivedOn: '2026-01-07' }),
          });
          if (res.status === 201) acknowledged.referrals.add(((await res.json()) as { id: string }).id);
          else unexpected.push(`POST referral: ${res.status}`);
        } else {
          if (version === null) version = (await fetch(`${base}/api/v1/incidents/${f.incidentId}`, { headers })).headers.get('etag');
          const res: Response = await fetch(`${base}/api/v1/incidents/${f.incidentId}`, {
            method: 'PATCH',
            headers: { ...headers, 'if-match': version ?? '"0"' },
            body: JSON.stringify({ otherAgencies: `Update ${n}.${i}` }),
          });
          version = res.headers.get('etag');
          if (res.status === 200) acknowledged.versions.add(Number(version?.replaceAll('"', '')));
          else if (res.status !== 412) unexpected.push(`PATCH incident: ${res.status}`);
        }
      } catch {
        // The server was killed mid-request: that write was never acknowledged.
        if (!stop.now) await new Promise((r) => setTimeout(r, 20));
      }
    }
  })();
}

type Acknowledged = { referrals: Set<string>; versions: Set<number> };

describe.each(ENGINES)('a server killed while it writes, on %s', (engine) => {
  it(
    'keeps every acknowledged write with its audit entry, each change with its entry, and an intact trail',
    async () => {
      const server = engine === 'postgres' ? await createServerDatabase() : null;
      const env: Record<string, string> = {
        DATA_DIR: engine === 'embedded' ? copyTemplate() : freshDir('crash'),
        ...(server ? { DATABASE_URL: server.url } : {}),
        DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        RATE_LIMITS: 'off',
      };
      try {
        let database = await openDatabase({ dataDir: env.DATA_DIR, databaseUrl: env.DATABASE_URL });
        const fixture = await setUp(database, env);
        await database.close();

        const acknowledged: Acknowledged = { referrals: new Set(), versions: new Set() };
        const unexpected: string[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          const port = await freePort();
          const running = await startServer({ ...env, PORT: String(port) });
          const stop = { now: false };
          const writers = Array.from({ length: WRITERS }, (_, n) => writer(`http://127.0.0.1:${port}`, fixture, n === 0 ? 'update' : 'referral', round * WRITERS + n, stop, acknowledged, unexpected));
          // Killed at a random moment once writes are being acknowledged (a server just started answers slowly at first).
          const before = acknowledged.referrals.size;
          for (let waited = 0; acknowledged.referrals.size === before && waited < 20_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
          await new Promise((r) => setTimeout(r, Math.random() * 800));
          running.child.kill('SIGKILL');
          await running.exited;
          stop.now = true;
          await Promise.all(writers);
        }
        expect(unexpected).toEqual([]);
        expect(acknowledged.referrals.size).toBeGreaterThan(0);

        database = await openDatabase({ dataDir: env.DATA_DIR, databaseUrl: env.DATABASE_URL });
        try {
          const { referrals, entries, incident, updates } = await withTenant(database.db, 'all', async (trx) => ({
            referrals: (await trx.selectFrom('referrals').select('id').execute()).map((r) => r.id),
            entries: (await trx.selectFrom('audit_events').select('record_id').where('action', '=', 'referral-created').execute()).map((r) => r.record_id),
            incident: await trx.selectFrom('incidents').select('version').where('id', '=', fixture.incidentId).executeTakeFirstOrThrow(),
            updates: (await trx.selectFrom('audit_events').select('changes').where('action', '=', 'incident-updated').where('record_id', '=', fixture.incidentId).execute()).map(
              (r) => (r.changes as { version: number }).version,
            ),
          }));
          // Every acknowledged referral is there; every referral has exactly one entry, every entry its referral.
          expect([...acknowledged.referrals].filter((id) => !referrals.includes(id))).toEqual([]);
          expect([...entries].sort()).toEqual([...referrals].sort());
          // Every acknowledged update is there; every version the incident went through has exactly one entry.
          expect([...acknowledged.versions].filter((v) => v > incident.version)).toEqual([]);
          expect(updates.sort((a, b) => a - b)).toEqual(Array.from({ length: incident.version - 1 }, (_, i) => i + 2));
        } finally {
          await database.close();
        }

        const verify = await runCspr(['audit', 'verify'], env);
        expect(verify).toMatchObject({ code: 0, stdout: expect.stringContaining('The audit trail is intact') });
      } finally {
        await server?.drop();
      }
    },
    120_000,
  );
});
