import type { Kysely } from 'kysely';
import { scanForIdentifiers, type Finding } from '../../domain/anonymisation/index.ts';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import {
  advanceCopyProblem,
  caseIdentifiers,
  learningDocuments,
  overrideReasonProblem,
  publicDocuments,
  unresolvedFindings,
  type DraftTexts,
  type PublicLearning,
} from '../../domain/reviews/publication.ts';
import { AGE_BANDS, HARM_TYPES, type AgeBand, type HarmType } from '../../domain/reviews/review-types.ts';
import type { May } from '../../domain/workflow/incident-workflow.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import type { DB } from '../../platform/db/types.ts';
import type { DocumentWorkers } from '../../platform/documents/document-workers.ts';
import { DocumentError } from '../../platform/documents/document-error.ts';
import type { Problem } from '../../platform/http/form-body.ts';
import { governingRule } from '../../domain/clocks/deadlines.ts';
import { DEFAULT_CLOCK_RULES } from '../../domain/clocks/rules.ts';
import { caseFacts } from '../cases/clocks.ts';
import { addCaseEvent, recordWorkflowStep, type Actor } from '../cases/service.ts';
import type { FileStore } from '../../platform/storage/file-store.ts';
import { addPublication, CatalogueError, checkPublication, listThemes, type NewPublication, type Theme } from '../repository/catalogue.ts';
import { currentCalendar } from '../rules/service.ts';
import { recommendationsOfIncident } from '../learning/service.ts';
import { findingsOfReview } from '../learning/findings.ts';
import { lockCaseLearning } from '../learning/published-learning-guard.ts';
import type { ReportView, ReviewView } from './service.ts';

/**
 * Publishing a completed review, free of HTTP: the draft of everything that will be public, the
 * anonymisation guard's findings over it and over the final report, overrides with reasons, and
 * the publication itself — the workflow's publish step and the public repository's record, with
 * the date the report may first be withdrawn (a year later). Callers check access and audit.
 */

export type DraftContent = DraftTexts & { themes: string[]; ageBand: AgeBand | null; harmType: HarmType | null; otherNames: string };

export type StoredOverride = { fingerprint: string; kind: string; source: string; page: number; line: number; reason: string; byName: string; at: string };

export type Publishing = {
  draft: DraftContent;
  saved: boolean;
  version: number;
  overrides: StoredOverride[];
  /** The report that will be published: the latest final version (none when only the improvements are published). */
  report: ReportView | null;
  themes: Theme[];
};

export type Check = {
  findings: Finding[];
  unresolved: Finding[];
  advanceCopy: string | null;
  report: string | null;
  /** Pages of the report's text, kept for the publication itself. */
  reportPages: string[] | null;
};

const MAX_OTHER_NAMES = 2_000;

function defaults(view: ReviewView): DraftContent {
  const { incident } = view;
  const year = (incident.dates.completed ?? incident.aware).slice(0, 4);
  const pseudonyms = incident.children.map((c) => c.pseudonym).join(' and ');
  return {
    title: `${year} – ${incident.partnershipName} – ${pseudonyms}`,
    summary: '',
    learning: { livedExperience: '', keyLearning: '', learningIntoPractice: '' },
    briefing: null,
    themes: [],
    ageBand: incident.children.find((c) => c.ageBand)?.ageBand ?? null,
    harmType: incident.outcome === 'died' ? 'died' : incident.outcome === 'serious-harm' ? 'serious-harm' : null,
    otherNames: '',
  };
}

export function publishingReport(view: ReviewView): ReportView | null {
  if (view.publicationDecision === 'improvements-only') return null;
  return view.reports.filter((r) => r.kind === 'final').sort((a, b) => b.version - a.version)[0] ?? null;
}

export async function loadPublishing(db: Kysely<DB>, cipher: FieldCipher, view: ReviewView): Promise<Publishing> {
  const row = await withTenant(db, [view.incident.partnershipId], (trx) =>
    trx.selectFrom('publication_drafts').selectAll().where('incident_id', '=', view.incident.id).where('partnership_id', '=', view.incident.partnershipId).executeTakeFirst(),
  );
  return {
    draft: row ? { ...defaults(view), ...(JSON.parse(cipher.decrypt(row.content_enc)) as Partial<DraftContent>) } : defaults(view),
    saved: Boolean(row),
    version: row?.version ?? 0,
    overrides: (row?.overrides ?? []) as StoredOverride[],
    report: publishingReport(view),
    themes: await listThemes(db),
  };
}

/** Problems with a draft, by form field. The briefing is all or nothing: its parts together make it. */
export function draftProblems(draft: DraftContent, themes: readonly Theme[]): Problem[] {
  const problems: Problem[] = [];
  const need = (field: string, value: string, label: string, max: number) => {
    if (!value.trim()) problems.push({ field, message: `Enter ${label}` });
    else if (value.length > max) problems.push({ field, message: `${label.charAt(0).toUpperCase()}${label.slice(1)} must be ${max.toLocaleString('en-GB')} characters or fewer` });
  };
  need('title', draft.title, 'the title', 300);
  need('summary', draft.summary, 'the executive summary', 20_000);
  need('livedExperience', draft.learning.livedExperience, 'the child’s lived experience', 10_000);
  need('keyLearning', draft.learning.keyLearning, 'the key learning', 10_000);
  need('learningIntoPractice', draft.learning.learningIntoPractice, 'how the learning goes into practice', 10_000);
  if (draft.briefing) {
    const b = draft.briefing;
    need('background', b.background, 'the background of the briefing', 10_000);
    need('whyItMatters', b.whyItMatters, 'why it matters', 10_000);
    b.keyInformation.forEach((k, i) => need(`keyInformation${i + 1}`, k, `key information point ${i + 1}`, 10_000));
    need('thingsToRemember', b.thingsToRemember, 'the things to remember', 10_000);
    need('whatToDo', b.whatToDo, 'what to do', 10_000);
    need('reflectionQuestions', b.reflectionQuestions, 'the questions for reflection', 10_000);
  }
  const known = new Set(themes.filter((t) => !t.retired).map((t) => t.key));
  if (draft.themes.length === 0) problems.push({ field: 'themes', message: 'Select at least one theme' });
  else if (draft.themes.some((t) => !known.has(t))) problems.push({ field: 'themes', message: 'Select themes from the list' });
  else if (draft.themes.length > 8) problems.push({ field: 'themes', message: 'Select at most 8 themes: the ones that matter most' });
  if (draft.ageBand && !(AGE_BANDS as readonly string[]).includes(draft.ageBand)) problems.push({ field: 'ageBand', message: 'Select the age band from the list' });
  if (draft.harmType && !(HARM_TYPES as readonly string[]).includes(draft.harmType)) problems.push({ field: 'harmType', message: 'Select what happened from the list' });
  if (draft.otherNames.length > MAX_OTHER_NAMES) problems.push({ field: 'otherNames', message: `The other names to look for must be ${MAX_OTHER_NAMES.toLocaleString('en-GB')} characters or fewer` });
  return problems;
}

const CONFLICT: Problem = { field: 'version', message: 'Someone else changed this publication since you opened the page. Their version is shown below: check it, then make your changes again.' };

function completedProblem(view: ReviewView): Problem | null {
  return view.incident.state === 'completed' ? null : { field: 'state', message: 'A review can be published once it is recorded as completed (and not yet published)' };
}

export async function saveDraft(db: Kysely<DB>, cipher: FieldCipher, view: ReviewView, actor: Actor, draft: DraftContent, version: number): Promise<{ ok: true } | { ok: false; problems: Problem[] }> {
  const blocked = completedProblem(view);
  if (blocked) return { ok: false, problems: [blocked] };
  const problems = draftProblems(draft, await listThemes(db));
  if (problems.length) return { ok: false, problems };
  const content = cipher.encrypt(JSON.stringify(draft));
  const saved = await withTenant(db, [view.incident.partnershipId], async (trx) => {
    if (version === 0) {
      const inserted = await trx
        .insertInto('publication_drafts')
        .values({ incident_id: view.incident.id, partnership_id: view.incident.partnershipId, content_enc: content, updated_by: actor.userId })
        .onConflict((oc) => oc.column('incident_id').doNothing())
        .returning('incident_id')
        .executeTakeFirst();
      if (!inserted) return false;
    } else {
      const updated = await trx
        .updateTable('publication_drafts')
        .set((eb) => ({ content_enc: content, version: eb('version', '+', 1), updated_by: actor.userId, updated_at: new Date() }))
        .where('incident_id', '=', view.incident.id)
        .where('partnership_id', '=', view.incident.partnershipId)
        .where('version', '=', version)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
    }
    await addCaseEvent(trx, view.incident, actor, 'publication-draft', {});
    return true;
  });
  return saved ? { ok: true } : { ok: false, problems: [CONFLICT] };
}

/**
 * How many working days before publication the advance copy is due, by the clock rule in force for
 * this case (the version the case is judged under: CSPR Regulations 2018; 7 in the shipped rules).
 */
export function advanceCopyDays(view: ReviewView, publishOn: DateOnly): number {
  const { incident } = view;
  const facts = caseFacts({ ...incident, plannedPublication: publishOn, lookedAfter: incident.lookedAfter, careLeaver: incident.careLeaver });
  const rule = governingRule('advance-copy', facts, incident.clockRules) ?? DEFAULT_CLOCK_RULES.find((r) => r.key === 'advance-copy');
  return rule?.length ?? 7;
}

/**
 * Runs the guard over everything that will be public, and checks the advance copy and the report.
 * The report's text is read from the stored file every time: what is checked is what is published
 * (and a report carrying active content, stored before uploads were checked for it, is refused).
 */
export async function checkPublishing(db: Kysely<DB>, files: FileStore, view: ReviewView, publishing: Publishing, today: DateOnly, documents: DocumentWorkers): Promise<Check> {
  const calendar = await currentCalendar(db);
  let reportPages: string[] | null = null;
  let report: string | null = null;
  if (publishing.report) {
    const bytes = await files.read(publishing.report.sha256);
    if (!bytes) report = 'The final report’s file is missing from the store: add the final report again';
    else if (publishing.report.fileType !== 'pdf') report = 'The published report must be a PDF: add the final report as a PDF';
    else {
      try {
        reportPages = (await documents.text(bytes, 'pdf')).pages;
      } catch (err) {
        if (!(err instanceof DocumentError)) throw err;
        report = `The final report cannot be read: ${err.message}`;
      }
    }
  } else if (view.publicationDecision !== 'improvements-only') {
    report = 'Add the final report to the review first';
  }
  const identifiers = identifiersOf(view, publishing);
  // The page shows the case's recommendations, responses and findings too, as they are on the record.
  const learning = await caseLearning(db, view, today);
  const findings = scanForIdentifiers(publicDocuments(publishing.draft, reportPages && publishing.report ? { name: publishing.report.fileName, pages: reportPages } : null, learning), identifiers);
  return {
    findings,
    unresolved: unresolvedFindings(findings, publishing.overrides),
    advanceCopy: advanceCopyProblem(view.incident.dates.advanceCopySent, today, (d, n) => calendar.addWorkingDays(d, n), advanceCopyDays(view, today)),
    report,
    reportPages,
  };
}

function identifiersOf(view: ReviewView, publishing: Publishing) {
  return caseIdentifiers(
    view.incident.children.map((c) => c.identifying),
    publishing.draft.otherNames.split(/\n+/),
  );
}

/** The case's recommendations, responses and findings as the record holds them: its page shows them so. */
async function caseLearning(db: Kysely<DB>, view: ReviewView, today: DateOnly): Promise<PublicLearning> {
  return {
    recommendations: await recommendationsOfIncident(db, view.incident.partnershipId, view.incident.id, today),
    findings: await findingsOfReview(db, view.incident.partnershipId, { incidentId: view.incident.id }),
  };
}

export async function overrideFinding(db: Kysely<DB>, view: ReviewView, publishing: Publishing, check: Check, actor: Actor, fingerprint: string, reason: string): Promise<{ ok: true; finding: Finding } | { ok: false; problems: Problem[] }> {
  const blocked = completedProblem(view);
  if (blocked) return { ok: false, problems: [blocked] };
  const finding = check.unresolved.find((f) => f.fingerprint === fingerprint);
  if (!finding) return { ok: false, problems: [{ field: 'finding', message: 'This finding is no longer there, or was already overridden' }] };
  const problem = overrideReasonProblem(reason);
  if (problem) return { ok: false, problems: [{ field: `reason-${fingerprint}`, message: problem }] };
  if (!publishing.saved) return { ok: false, problems: [{ field: 'finding', message: 'Save the publication first' }] };
  const override: StoredOverride = { fingerprint, kind: finding.kind, source: finding.source, page: finding.page, line: finding.line, reason: reason.trim(), byName: actor.name, at: new Date().toISOString() };
  await withTenant(db, [view.incident.partnershipId], async (trx) => {
    await trx
      .updateTable('publication_drafts')
      .set({ overrides: JSON.stringify([...publishing.overrides, override]), updated_at: new Date() })
      .where('incident_id', '=', view.incident.id)
      .where('partnership_id', '=', view.incident.partnershipId)
      .execute();
    await addCaseEvent(trx, view.incident, actor, 'anonymisation-override', { kind: finding.kind, source: finding.source, page: finding.page, line: finding.line });
  });
  return { ok: true, finding };
}

/** Every reason the review cannot be published now; empty when it can. */
export function publishBlockers(view: ReviewView, publishing: Publishing, check: Check): string[] {
  const blockers: string[] = [];
  const state = completedProblem(view);
  if (state) blockers.push(state.message);
  if (!publishing.saved) blockers.push('Save the publication’s texts first');
  if (check.report) blockers.push(check.report);
  if (check.advanceCopy) blockers.push(check.advanceCopy);
  if (check.unresolved.length) {
    blockers.push(`${check.unresolved.length} ${check.unresolved.length === 1 ? 'finding of the anonymisation check is' : 'findings of the anonymisation check are'} not resolved: change the text, or override each with a reason`);
  }
  return blockers;
}

export type PublishResult = { ok: true; slug: string } | { ok: false; problems: string[] };

/**
 * Publishes, given the check just run over what will be public (`checkPublishing`, slow: run it
 * before opening a transaction): records the workflow's publish step (today) and adds the public
 * record with its search text, both in `db`'s transaction. The public record's own checks run
 * first, so the step is not recorded for a publication the repository would refuse.
 */
export async function publishReview(db: Kysely<DB>, view: ReviewView, publishing: Publishing, check: Check, actor: Actor, may: (partnershipId: string) => May, today: DateOnly): Promise<PublishResult> {
  const blockers = publishBlockers(view, publishing, check);
  if (blockers.length) return { ok: false, problems: blockers };
  const { draft } = publishing;
  const report = publishing.report;
  const input: NewPublication = {
    partnershipId: view.incident.partnershipId,
    incidentId: view.incident.id,
    source: 'review',
    title: draft.title,
    summary: draft.summary,
    reviewType: view.terms.reviewType,
    themes: draft.themes,
    ageBand: draft.ageBand,
    harmType: draft.harmType,
    reviewStartedOn: view.incident.dates.decision ?? null,
    reviewCompletedOn: view.incident.dates.completed ?? null,
    publishedOn: today,
    improvementsOnly: view.publicationDecision === 'improvements-only',
    learning: draft.learning,
    briefing: draft.briefing,
    file: report && check.reportPages ? { sha256: report.sha256, name: report.fileName, type: 'pdf', size: report.fileSize, pages: check.reportPages } : null,
    publishedBy: actor.userId,
  };
  try {
    checkPublication(input);
  } catch (err) {
    if (err instanceof CatalogueError) return { ok: false, problems: [err.message] };
    throw err;
  }
  return inTransaction(db, async (trx): Promise<PublishResult> => {
    // The learning goes out as it is at this commit: read again in turn with any change to it (which,
    // once this commits, is checked as published), and refused if a change since the check holds a detail.
    await lockCaseLearning(trx, view.incident.id);
    const changed = unresolvedFindings(scanForIdentifiers(learningDocuments(await caseLearning(trx, view, today)), identifiersOf(view, publishing)), publishing.overrides);
    if (changed.length) return { ok: false, problems: ['The review’s recommendations or findings changed while it was being published, and now hold a detail of the case: check the publication again'] };
    // The one way to publish: the workflow's publish step is taken only from here, after every check above.
    const step = await recordWorkflowStep(trx, [view.incident.partnershipId], actor, view.incident.id, 'publish', { date: today, note: '', reference: '' }, may, today, { publicationChecked: true });
    if (!step.ok) return { ok: false, problems: ['error' in step && step.error ? step.error.message : 'The review could not be recorded as published'] };
    const published = await addPublication(trx, input);
    return { ok: true, slug: published.slug };
  });
}
