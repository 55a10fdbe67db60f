import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PROVISIONAL_BANK_HOLIDAY_YEARS } from '../../domain/calendar/bank-holidays.ts';
import { dayOfWeek, formatDateForDisplay, isDateOnly, todayInLondon } from '../../domain/calendar/date-only.ts';
import { CLOCK_CONDITIONS, CLOCK_DIRECTIONS, CLOCK_STARTS, CLOCK_UNITS } from '../../domain/clocks/rules.ts';
import { readMultipart } from '../../platform/http/multipart-form.ts';
import { access } from '../../platform/http/access.ts';
import type { ErrorItem } from '../../platform/http/forms.ts';
import { noticeFor } from '../admin/notices.ts';
import {
  CONDITION_LABELS,
  dateFromParts,
  DIRECTION_LABELS,
  HOLIDAY_SOURCE_LABELS,
  ruleErrors,
  ruleFormValues,
  ruleInputFromForm,
  rulePhrase,
  RUNS_FROM_LABELS,
  ruleToFormValues,
  ruleVersionForm,
  UNIT_LABELS,
  type RuleVersionFormValues,
} from './schemas.ts';
import {
  addHoliday,
  addRuleVersion,
  findRule,
  holidayYears,
  importGovUkHolidays,
  listHolidays,
  listRules,
  removalNeedsReason,
  removeHoliday,
  type RuleSummary,
  type StoredRule,
} from './service.ts';

const PERMISSION = 'rules:manage';

/** The GOV.UK file is about 20 KB; a tenfold margin and more is still small. */
export const UPLOAD_LIMIT_BYTES = 512 * 1024;

const RULE_NOTICES: Record<string, string> = { added: 'New version added. It applies to cases from its applies-from date; earlier cases keep the version they were judged under.' };
const HOLIDAY_NOTICES: Record<string, string> = { added: 'Bank holiday added.', removed: 'Bank holiday removed.' };

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

type FormErrors = { errors: ErrorItem[]; fieldErrors: Record<string, { text: string }> };

function oneError(field: string, text: string, href = `#${field}`): FormErrors {
  return { errors: [{ text, href }], fieldErrors: { [field]: { text } } };
}

function yearFrom(query: unknown, fallback: number): number {
  const y = (query as Record<string, unknown> | undefined)?.year;
  return typeof y === 'string' && /^\d{4}$/.test(y) && Number(y) >= 1900 && Number(y) <= 2200 ? Number(y) : fallback;
}

/** Display shape of one rule version (dates and labels worked out here, so templates stay simple). */
function ruleView(rule: StoredRule) {
  return {
    ...rule,
    phrase: rulePhrase(rule),
    conditionLabel: CONDITION_LABELS[rule.condition],
    runsFromLabel: RUNS_FROM_LABELS[rule.runsFrom],
    appliesFromText: rule.appliesFrom ? formatDateForDisplay(rule.appliesFrom) : 'No start date',
    appliesUntilText: rule.appliesUntil ? formatDateForDisplay(rule.appliesUntil) : 'No end date',
    replacedText: rule.replacedBy !== null && rule.effectiveUntil
      ? `Replaced by version ${rule.replacedBy} for cases the local authority became aware of after ${formatDateForDisplay(rule.effectiveUntil)}`
      : null,
  };
}

function notFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
}

function radioItems<T extends string>(values: readonly T[], labels: Record<T, string>, checked: unknown) {
  return values.map((v) => ({ value: v, text: labels[v], checked: v === checked }));
}

/** Statutory clock rules and bank holidays: for system administrators (rules:manage). Deployment-wide data. */
export async function rulesRoutes(app: FastifyInstance): Promise<void> {
  const db = app.deps.database.db;
  // Only the bank holidays upload takes files; registered here, so no other route accepts multipart bodies.
  await app.register(multipart, { limits: { files: 1, fileSize: UPLOAD_LIMIT_BYTES, fields: 5, parts: 6, fieldSize: 1024 } });

  // ---- Clock rules ---------------------------------------------------------------------------

  app.get('/admin/clock-rules', access(PERMISSION), async (_req, reply) => {
    const rules = (await listRules(db)).map((r) => ({ key: r.key, latest: ruleView(r.latest), count: r.versions.length }));
    return reply.render('rules/views/clock-rules.njk', { pageTitle: 'Statutory clock rules', rules });
  });

  async function ruleFor(req: FastifyRequest, reply: FastifyReply): Promise<RuleSummary | null> {
    const { key } = req.params as { key: string };
    const rule = /^[a-z0-9-]{1,60}$/.test(key) ? await findRule(db, key) : undefined;
    if (!rule) notFound(reply);
    return rule ?? null;
  }

  app.get('/admin/clock-rules/:key', access(PERMISSION), async (req, reply) => {
    const rule = await ruleFor(req, reply);
    if (!rule) return reply;
    return reply.render('rules/views/clock-rule.njk', {
      pageTitle: rule.latest.title,
      rule: { key: rule.key, latest: ruleView(rule.latest), versions: rule.versions.map(ruleView) },
      notice: noticeFor(req, RULE_NOTICES),
    });
  });

  function renderNewVersion(reply: FastifyReply, rule: RuleSummary, values: RuleVersionFormValues, errors?: FormErrors) {
    return reply.render('rules/views/clock-rule-new-version.njk', {
      pageTitle: `Add a new version: ${rule.latest.title}`,
      rule: { key: rule.key, latest: ruleView(rule.latest), nextVersion: rule.latest.version + 1 },
      values,
      runsFromItems: radioItems(CLOCK_STARTS, RUNS_FROM_LABELS, values.runsFrom),
      unitItems: radioItems(CLOCK_UNITS, UNIT_LABELS, values.unit),
      directionItems: radioItems(CLOCK_DIRECTIONS, DIRECTION_LABELS, values.direction),
      conditionItems: radioItems(CLOCK_CONDITIONS, CONDITION_LABELS, values.condition),
      statutoryItems: [
        { value: 'yes', text: 'Yes, a statutory requirement', checked: values.statutory === 'yes' },
        { value: 'no', text: 'No, an expectation or good practice', checked: values.statutory === 'no' },
      ],
      mayPauseItems: [
        { value: 'yes', text: 'Yes, it may be paused for good reason (the due date does not move)', checked: values.mayPause === 'yes' },
        { value: 'no', text: 'No, it runs whatever happens', checked: values.mayPause === 'no' },
      ],
      ...(errors ?? {}),
    });
  }

  app.get('/admin/clock-rules/:key/new-version', access(PERMISSION), async (req, reply) => {
    const rule = await ruleFor(req, reply);
    if (!rule) return reply;
    return renderNewVersion(reply, rule, ruleToFormValues(rule.latest));
  });

  app.post('/admin/clock-rules/:key/new-version', access(PERMISSION), async (req, reply) => {
    const rule = await ruleFor(req, reply);
    if (!rule) return reply;
    const values = ruleFormValues(req.body);
    const parsed = ruleVersionForm.safeParse(values);
    if (!parsed.success) return renderNewVersion(reply.code(422), rule, values, oneError('title', 'The form could not be read: send it again'));
    const result = await req.change(
      (trx) => addRuleVersion(trx, rule.key, ruleInputFromForm(parsed.data), req.principal!.userId),
      (r) =>
        r.outcome === 'added'
          ? { action: 'clock-rule-version-added', permission: PERMISSION, recordType: 'clock-rule', recordId: `${r.rule.key} v${r.rule.version}`, changes: { before: r.previous, after: r.rule } }
          : null,
    );
    if (result.outcome === 'unknown-key') return notFound(reply);
    if (result.outcome === 'invalid') return renderNewVersion(reply.code(422), rule, values, ruleErrors(result.errors));
    return reply.redirect(`/admin/clock-rules/${rule.key}?added=1`, 303);
  });

  // ---- Bank holidays -------------------------------------------------------------------------

  const thisYear = () => Number(todayInLondon(new Date()).slice(0, 4));

  async function renderHolidays(req: FastifyRequest, reply: FastifyReply, extra: { year?: number; values?: Record<string, unknown> } & Partial<FormErrors> = {}) {
    const year = extra.year ?? yearFrom(req.query, thisYear());
    const [holidays, years] = await Promise.all([listHolidays(db, year), holidayYears(db)]);
    const allYears = [...new Set([...years, thisYear(), year])].sort((a, b) => a - b);
    const today = todayInLondon(new Date());
    return reply.render('rules/views/bank-holidays.njk', {
      pageTitle: 'Bank holidays',
      year,
      years: allYears.map((y) => ({ year: y, current: y === year })),
      holidays: holidays.map((h) => ({
        ...h,
        dateText: formatDateForDisplay(h.date),
        weekday: WEEKDAYS[dayOfWeek(h.date)],
        sourceLabel: HOLIDAY_SOURCE_LABELS[h.source] ?? h.source,
        past: removalNeedsReason(h.date, today),
      })),
      provisional: PROVISIONAL_BANK_HOLIDAY_YEARS.includes(year) && holidays.length > 0 && holidays.every((h) => h.source === 'shipped'),
      notice: noticeFor(req, HOLIDAY_NOTICES),
      values: extra.values ?? {},
      uploadLimitKb: UPLOAD_LIMIT_BYTES / 1024,
      errors: extra.errors,
      fieldErrors: extra.fieldErrors ?? {},
    });
  }

  app.get('/admin/bank-holidays', access(PERMISSION), async (req, reply) => renderHolidays(req, reply));

  app.post('/admin/bank-holidays', access(PERMISSION), async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values = Object.fromEntries(['date-day', 'date-month', 'date-year', 'title'].map((k) => [k, typeof body[k] === 'string' ? (body[k] as string).slice(0, 300) : '']));
    const date = dateFromParts(values['date-day'], values['date-month'], values['date-year']);
    const result = await req.change(
      (trx) => addHoliday(trx, { date, title: values.title }, req.principal!.userId),
      (r) => (r.outcome === 'added' ? { action: 'bank-holiday-added', permission: PERMISSION, recordType: 'bank-holiday', recordId: r.holiday.date, changes: { after: { ...r.holiday, source: 'admin' } } } : null),
    );
    if (result.outcome === 'invalid') {
      const errors = result.errors.map((e) => ({ text: e.message, href: e.field === 'date' ? '#date-day' : '#title' }));
      const fieldErrors = Object.fromEntries(result.errors.map((e) => [e.field, { text: e.message }]));
      const year = isDateOnly(date) ? Number(date.slice(0, 4)) : undefined;
      return renderHolidays(req, reply.code(422), { year, values, errors, fieldErrors });
    }
    return reply.redirect(`/admin/bank-holidays?year=${result.holiday.date.slice(0, 4)}&added=1`, 303);
  });

  app.post('/admin/bank-holidays/import', access(PERMISSION, { uploads: true }), async (req, reply) => {
    let json = '';
    let field: 'file' | 'json';
    const invalid = (status: number, f: 'file' | 'json', message: string) =>
      renderHolidays(req, reply.code(status), { ...oneError(f, message), values: f === 'json' ? { json } : {} });
    if (req.isMultipart()) {
      field = 'file';
      try {
        const { file } = await readMultipart(req, reply);
        if (!file || file.bytes.length === 0) return invalid(422, field, 'Choose the bank-holidays.json file to upload');
        if (file.truncated) return invalid(413, field, `The file must be ${UPLOAD_LIMIT_BYTES / 1024} KB or smaller: the GOV.UK bank-holidays.json is about 20 KB`);
        json = file.bytes.toString('utf8');
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'FST_REQ_FILE_TOO_LARGE') return invalid(413, field, `The file must be ${UPLOAD_LIMIT_BYTES / 1024} KB or smaller: the GOV.UK bank-holidays.json is about 20 KB`);
        if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') return invalid(413, field, 'Upload one file only: the GOV.UK bank-holidays.json');
        throw err;
      }
    } else {
      field = 'json';
      const body = (req.body ?? {}) as Record<string, unknown>;
      json = typeof body.json === 'string' ? body.json : '';
      if (json.trim() === '') return invalid(422, field, 'Paste the contents of the GOV.UK bank-holidays.json file');
    }
    const result = await req.change(
      (trx) => importGovUkHolidays(trx, json, req.principal!.userId),
      (r) =>
        r.outcome === 'imported'
          ? {
              action: 'bank-holidays-imported',
              permission: PERMISSION,
              recordType: 'bank-holidays',
              recordId: `${r.first}..${r.last}`,
              changes: { after: { added: r.added, alreadyThere: r.alreadyThere, from: field === 'file' ? 'uploaded file' : 'pasted text' } },
            }
          : null,
    );
    if (result.outcome === 'invalid') return invalid(422, field, result.message);
    const years = [...new Set(result.added.map((d) => Number(d.slice(0, 4))))];
    return reply.render('rules/views/bank-holidays-imported.njk', {
      pageTitle: 'Bank holidays loaded',
      added: result.added.map((d) => ({ date: d, dateText: formatDateForDisplay(d) })),
      alreadyThere: result.alreadyThere,
      years,
      firstText: formatDateForDisplay(result.first),
      lastText: formatDateForDisplay(result.last),
    });
  });

  async function holidayFor(req: FastifyRequest, reply: FastifyReply) {
    const { date } = req.params as { date: string };
    const holiday = isDateOnly(date) ? (await listHolidays(db, Number(date.slice(0, 4)))).find((h) => h.date === date) : undefined;
    if (!holiday) notFound(reply);
    return holiday ?? null;
  }

  function renderRemove(reply: FastifyReply, holiday: { date: string; title: string }, extra: Partial<FormErrors> & { reason?: string } = {}) {
    return reply.render('rules/views/bank-holiday-remove.njk', {
      pageTitle: `Remove ${holiday.title}, ${formatDateForDisplay(holiday.date)}`,
      holiday: { ...holiday, dateText: formatDateForDisplay(holiday.date) },
      needsReason: removalNeedsReason(holiday.date, todayInLondon(new Date())),
      reason: extra.reason ?? '',
      errors: extra.errors,
      fieldErrors: extra.fieldErrors ?? {},
    });
  }

  app.get('/admin/bank-holidays/:date/remove', access(PERMISSION), async (req, reply) => {
    const holiday = await holidayFor(req, reply);
    if (!holiday) return reply;
    return renderRemove(reply, holiday);
  });

  app.post('/admin/bank-holidays/:date/remove', access(PERMISSION), async (req, reply) => {
    const holiday = await holidayFor(req, reply);
    if (!holiday) return reply;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const reason = typeof body.reason === 'string' ? body.reason.trim().slice(0, 1000) : '';
    const result = await req.change(
      (trx) => removeHoliday(trx, holiday.date, { today: todayInLondon(new Date()), reason }),
      (r) =>
        r.outcome === 'removed'
          ? {
              action: 'bank-holiday-removed',
              permission: PERMISSION,
              recordType: 'bank-holiday',
              recordId: holiday.date,
              changes: { before: { date: holiday.date, title: holiday.title, source: holiday.source }, after: null, ...(reason ? { reason } : {}) },
            }
          : null,
    );
    if (result.outcome === 'not-found') return notFound(reply);
    if (result.outcome === 'reason-needed') return renderRemove(reply.code(422), holiday, { ...oneError('reason', result.message), reason });
    return reply.redirect(`/admin/bank-holidays?year=${holiday.date.slice(0, 4)}&removed=1`, 303);
  });
}
