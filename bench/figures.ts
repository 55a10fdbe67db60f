/**
 * Issue 13's measures for the figures, run by hand (`npm run bench:figures`):
 *  1. the figures page (/reports/figures, a whole financial year by quarter, and by year over three
 *     years) for a partnership administrator whose partnership holds 1,000 incidents, 200 of them
 *     local reviews (decided, most published, some late with a recorded delay), and 3,000 actions:
 *     median and 95th percentile render time over sequential requests, beside the anonymous start
 *     page in the same run (target p95 < 150 ms);
 *  2. the yearly report of that financial year for the same partnership: its page, and the time to
 *     produce its tagged PDF (95th percentile of sequential downloads; target < 3 s);
 *  3. the start page's p50 and p99 alone, then for BENCH_BESIDE_SECONDS (default 15) while
 *     BENCH_DOCUMENT_CLIENTS clients (default 2) download the yearly PDF, the figures' workbook and
 *     a learning briefing's PDF one after another: whether making documents holds up other requests;
 *     then the process's memory once idle for longer than a document worker is kept;
 *  4. an Excel export of 10,000 rows through the same writer the exports use: time and peak memory
 *     (resident set size and heap, sampled while it runs).
 * The rows are inserted directly (fixtures, not a person's changes): what is measured is reading.
 * One incident is recorded through the service so the others carry the same stored clock rules.
 */
import { sql } from 'kysely';
import { addCalendarMonths, addDays, todayInLondon, type DateOnly } from '../src/domain/calendar/date-only.ts';
import { ACTION_STATUSES } from '../src/domain/learning/actions.ts';
import { defaultPeriod } from '../src/domain/reports/period.ts';
import { createSession } from '../src/platform/auth/sessions.ts';
import { cipherFor } from '../src/platform/crypto/field-encryption.ts';
import { withTenant } from '../src/platform/db/tenant.ts';
import { xlsxBuffer } from '../src/platform/export/xlsx.ts';
import { buildApp } from '../src/platform/http/app.ts';
import { SESSION_COOKIE } from '../src/platform/http/authentication.ts';
import { listIncidents, recordIncident } from '../src/features/cases/service.ts';
import { figuresFor } from '../src/features/reports/service.ts';
import { currentCalendar } from '../src/features/rules/service.ts';
import { DEMO_PARTNERSHIP, seedDemo } from '../src/features/demo/service.ts';
import { openBenchDatabase } from './support/bench-database.ts';
import { figure, timeBesideDocuments, timeSequential } from './support/figures.ts';

const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 1000);
const REVIEWS = Number(process.env.BENCH_REVIEWS ?? 200);
const ACTIONS = Number(process.env.BENCH_ACTIONS ?? 3000);
const SEQUENTIAL = Number(process.env.BENCH_REQUESTS ?? 100);
const XLSX_ROWS = Number(process.env.BENCH_XLSX_ROWS ?? 10_000);
const PDF_REQUESTS = Number(process.env.BENCH_PDF_REQUESTS ?? 20);
const DOCUMENT_CLIENTS = Number(process.env.BENCH_DOCUMENT_CLIENTS ?? 2);
const BESIDE_SECONDS = Number(process.env.BENCH_BESIDE_SECONDS ?? 15);
const PORT = 3941;

const bench = await openBenchDatabase('figures');
try {
  const { config, database } = bench;
  console.log(`on the ${bench.engine} engine (the machine may be shared and busy: compare with the anchor of the same run)`);
  const cipher = cipherFor(config);
  await seedDemo(database, cipher);
  const db = database.db;
  const partnershipId = (await db.selectFrom('partnerships').select('id').where('slug', '=', DEMO_PARTNERSHIP.slug).executeTakeFirstOrThrow()).id;
  const agencies = (await db.selectFrom('agencies').select('id').where('partnership_id', '=', partnershipId).execute()).map((a) => a.id);
  const admin = await db.selectFrom('users').select(['id', 'name']).where('email', '=', 'admin@northmoor.example').executeTakeFirstOrThrow();
  const today = todayInLondon(new Date());
  const calendar = await currentCalendar(db);
  const themes = (await db.selectFrom('themes').select('key').execute()).map((t) => t.key);

  const seeded = performance.now();
  const sample = await recordIncident(
    db,
    cipher,
    { userId: admin.id, name: admin.name },
    {
      partnershipId,
      facts: { outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', incidentOn: today, aware: today, whatIsKnown: '', agencyIds: [], otherAgencies: '' },
      children: [{ pseudonym: 'Child 0', name: '', dateOfBirth: null, nhsNumber: '', address: '', familyNames: '', gender: null, ageAtIncident: 4, ageBand: null, lookedAfter: false, careLeaver: false }],
      referralId: null,
    },
    today,
  );
  if (!sample.ok) throw new Error('sample incident not recorded');
  const rules = (await withTenant(db, [partnershipId], (trx) => trx.selectFrom('incidents').select('clock_rules').where('id', '=', sample.id).executeTakeFirstOrThrow())).clock_rules;
  const year = Number(today.slice(0, 4));

  await withTenant(db, [partnershipId], async (trx) => {
    const reviewIds: { id: string; decision: DateOnly }[] = [];
    for (let start = 0; start < INCIDENTS; start += 100) {
      const rows = [];
      for (let i = start; i < Math.min(INCIDENTS, start + 100); i += 1) {
        // Aware dates over the last three years; notifications 3 to 7 working days later (some late).
        const aware = addDays(today, -30 - ((i * 1093) % 1095));
        const notified = calendar.addWorkingDays(aware, 3 + (i % 5));
        const sent = calendar.addWorkingDays(notified, 10 + (i % 9));
        const review = i < REVIEWS;
        const decision = calendar.addWorkingDays(sent, 2);
        const published = addDays(addCalendarMonths(decision, 6), (i % 7) * 10 - 20);
        const done = review && published <= today;
        rows.push({
          partnership_id: partnershipId,
          reference: `NM-${year - 3}-${String(1000 + i)}`,
          reference_year: year - 3,
          reference_number: 1000 + i,
          state: review ? (done ? 'published' : 'local-review') : i % 3 === 0 ? 'no-review' : 'notified',
          outcome: 'serious-harm' as const,
          abuse_or_neglect: 'suspected' as const,
          location: 'in-area' as const,
          aware_on: aware,
          notified_on: notified <= today ? notified : null,
          rapid_review_sent_on: (review || i % 3 === 0) && sent <= today ? sent : null,
          review_decision: review ? ('local-review' as const) : i % 3 === 0 ? ('no-review' as const) : null,
          decision_on: (review || i % 3 === 0) && decision <= today ? decision : null,
          completed_on: done ? addDays(published, -7) : null,
          published_on: done ? published : null,
          clock_rules: JSON.stringify(rules),
        });
      }
      const inserted = await trx.insertInto('incidents').values(rows).returning(['id', 'decision_on', 'state']).execute();
      await trx.insertInto('incident_children').values(inserted.map((r, k) => ({ incident_id: r.id, partnership_id: partnershipId, position: 1, pseudonym: `Child ${start + k + 1}`, age_at_incident: (start + k) % 17 }))).execute();
      for (const r of inserted) if (r.decision_on && (r.state === 'published' || r.state === 'local-review')) reviewIds.push({ id: r.id, decision: r.decision_on });
    }
    // Delays for good reason on one review in five (the reasons the late list shows).
    await trx.insertInto('clock_pauses').values(reviewIds.filter((_, k) => k % 5 === 0).map((r) => ({ incident_id: r.id, partnership_id: partnershipId, clock_key: 'review-completion', paused_on: addDays(r.decision, 30), resumed_on: addDays(r.decision, 90), reason: 'Parallel criminal proceedings' }))).execute();
    const perReview = Math.ceil(ACTIONS / reviewIds.length);
    let made = 0;
    for (const [k, r] of reviewIds.entries()) {
      const recs = await trx
        .insertInto('recommendations')
        .values([1, 2, 3].map((n) => ({ partnership_id: partnershipId, incident_id: r.id, number: String(n), text: `Recommendation ${n}.`, made_on: addDays(r.decision, 120), themes: JSON.stringify([themes[(k + n) % themes.length], themes[(k * 3) % themes.length]]), agency_ids: JSON.stringify(agencies), response: 'accepted' as const })))
        .returning('id')
        .execute();
      const count = Math.min(perReview, ACTIONS - made);
      if (count <= 0) continue;
      await trx.insertInto('recommendation_actions').values(
        Array.from({ length: count }, (_, i) => ({
          partnership_id: partnershipId,
          recommendation_id: recs[i % recs.length].id,
          agency_id: agencies[(k + i) % agencies.length],
          lead_name: `Lead ${k}-${i}`,
          due_on: addDays(r.decision, 180 + ((k * 37 + i * 53) % 365)),
          intended_change: 'Intended change.',
          measure_of_success: 'A quarterly audit.',
          status: ACTION_STATUSES[(k + i) % ACTION_STATUSES.length],
          impact_evidence_enc: (k + i) % 4 === 0 ? 'sealed' : null,
        })),
      ).execute();
      made += count;
    }
    await trx.insertInto('publications').values(reviewIds.slice(0, 120).map((r, k) => ({ partnership_id: partnershipId, incident_id: r.id, source: 'review' as const, slug: `${year - 2}-bench-${k}`, title: `Review ${k}`, summary: 'A review.', review_type: 'local-cspr' as const, themes: JSON.stringify([themes[k % themes.length]]), published_on: addDays(r.decision, 170), withdrawable_on: addDays(r.decision, 600) }))).execute();
  });
  // PGlite has no autovacuum: without fresh statistics the first reads of bulk-inserted rows plan badly.
  await sql`VACUUM ANALYZE`.execute(db);
  const n = await withTenant(db, [partnershipId], async (trx) => ({
    incidents: Number((await trx.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
    reviews: Number((await trx.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n')).where('review_decision', '=', 'local-review').executeTakeFirstOrThrow()).n),
    actions: Number((await trx.selectFrom('recommendation_actions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
  }));
  console.log(`seeded ${n.incidents} incidents, ${n.reviews} local reviews and ${n.actions} actions in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);

  // Where a request's time goes: the cases' clocks (the case list's own computation), then the whole of the figures.
  {
    const fy = defaultPeriod(addDays(today, -365));
    const parts: { list: number; figures: number }[] = [];
    for (let i = 0; i < 10; i += 1) {
      const t0 = performance.now();
      await listIncidents(db, [partnershipId], today);
      const t1 = performance.now();
      await figuresFor(db, [partnershipId], { period: fy, grouping: 'quarter', partnershipId: null }, today);
      parts.push({ list: t1 - t0, figures: performance.now() - t1 });
    }
    const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(1);
    console.log(`in process: the cases with their clocks ${med(parts.map((p) => p.list))} ms, the whole figures ${med(parts.map((p) => p.figures))} ms (medians of 10)`);
  }

  const app = await buildApp({ config, database });
  await app.listen({ port: PORT, host: '127.0.0.1' });
  const cookie = `${SESSION_COOKIE}=${await createSession(db, admin.id, { twoFactor: true })}`;
  const base = `http://127.0.0.1:${PORT}`;

  const time = (label: string, url: string, headers: Record<string, string> = {}, anchor?: string) =>
    timeSequential(base, label, url, { requests: SEQUENTIAL, headers, anchor, target: 150 });
  const fy = defaultPeriod(addDays(today, -365));
  await time('start page (anchor)', '/');
  await time(`figures page, a year by quarter (${n.incidents} cases, ${n.actions} actions)`, `/reports/figures?from=${fy.from}&to=${fy.to}&by=quarter`, { cookie }, 'start page (anchor) p95');
  await time('figures page, three years by year', `/reports/figures?from=${addDays(fy.from, -730)}&to=${fy.to}&by=year`, { cookie }, 'start page (anchor) p95');
  // The yearly report of the same year: its page (the figures and the narrative), and its tagged PDF.
  await time('yearly report page', `/reports/yearly?from=${fy.from.slice(0, 7)}`, { cookie }, 'start page (anchor) p95');
  await timeSequential(base, `yearly report PDF (${n.incidents} cases, ${n.actions} actions)`, `/reports/yearly/pdf?from=${fy.from.slice(0, 7)}`, { requests: PDF_REQUESTS, headers: { cookie }, anchor: 'start page (anchor) p95', target: 3000 });
  // The start page while people download documents: the yearly PDF, the figures' workbook and a learning briefing's PDF.
  const briefing = await db.selectFrom('learning_products').select('slug').where('status', '=', 'published').where('public', '=', true).executeTakeFirst();
  await timeBesideDocuments(base, 'start page', '/', {
    requests: 300,
    seconds: BESIDE_SECONDS,
    clients: DOCUMENT_CLIENTS,
    documents: [
      { url: `/reports/yearly/pdf?from=${fy.from.slice(0, 7)}`, headers: { cookie } },
      { url: `/reports/figures/export?from=${fy.from}&to=${fy.to}&by=quarter&format=xlsx`, headers: { cookie } },
      ...(briefing ? [{ url: `/learning/products/${briefing.slug}/pdf` }] : []),
    ],
  });
  // Memory once the documents are made and the service has been idle for longer than a document worker is kept (30 s).
  await new Promise((resolve) => setTimeout(resolve, 35_000));
  global.gc?.();
  figure({ label: 'memory of this process (service and bench), idle 35 s after making documents', value: process.memoryUsage().rss / 1024 / 1024, unit: 'MB' });
  await app.close();

  // ---- Excel export of 10,000 rows ----
  global.gc?.();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 5);
  const rows = function* () {
    for (let i = 0; i < XLSX_ROWS; i += 1) yield [`NM-2024-${i}`, addDays('2024-04-01', i % 365), i % 90, (i % 1000) / 10, i % 3 === 0 ? 'Parallel criminal proceedings' : 'No reason recorded'];
  };
  const started = performance.now();
  const bytes = await xlsxBuffer([{ name: 'Rows', columns: [{ label: 'Case', type: 'text' }, { label: 'Due by', type: 'date' }, { label: 'Days late', type: 'number' }, { label: 'On time (%)', type: 'percent' }, { label: 'Reasons', type: 'text' }], rows: rows() }]);
  const took = performance.now() - started;
  clearInterval(sampler);
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  console.log(`Excel export of ${XLSX_ROWS} rows: ${(bytes.length / 1024).toFixed(0)} KB; peak RSS ${mb(peakRss)} MB (+${mb(peakRss - before.rss)}), peak heap ${mb(peakHeap)} MB (+${mb(peakHeap - before.heapUsed)})`);
  figure({ label: `Excel export of ${XLSX_ROWS} rows`, value: took, unit: 'ms' });
  figure({ label: `Excel export of ${XLSX_ROWS} rows, heap growth`, value: (peakHeap - before.heapUsed) / 1024 / 1024, unit: 'MB' });
} finally {
  await bench.close();
}
