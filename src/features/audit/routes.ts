import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { partnershipsWith } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { sendDownload } from '../../platform/http/downloads.ts';
import { refuse } from '../../platform/http/authentication.ts';
import { filterQueryString, parseAuditQuery, type AuditFilters, type ErrorItem, type FieldErrors, type FilterValues } from './schemas.ts';
import { auditCsv, exportUpTo, searchAudit, type AuditPage, type AuditScope } from './service.ts';

const TEMPLATE = 'audit/views/search.njk';

/** The partnership an audit entry about this search belongs to: the one partnership in scope, if only one. */
function scopePartnership(scope: AuditScope): string | null {
  return scope !== 'all' && scope.length === 1 ? scope[0] : null;
}

function render(
  reply: FastifyReply,
  values: FilterValues,
  extra: { page?: AuditPage; errors?: ErrorItem[]; fieldErrors?: FieldErrors; scope: AuditScope },
): FastifyReply {
  const page = extra.page;
  const query = filterQueryString(values);
  return reply.render(TEMPLATE, {
    pageTitle: 'Audit trail',
    values,
    errors: extra.errors,
    fieldErrors: extra.fieldErrors ?? {},
    allPartnerships: extra.scope === 'all',
    filtered: query !== '',
    filterQuery: query,
    csvHref: `/admin/audit.csv${query}`,
    page,
    pagination: page && (page.newer || page.older)
      ? {
          previous: page.newer ? { href: `/admin/audit${filterQueryString(values, page.newer)}`, labelText: 'Newer entries' } : undefined,
          next: page.older ? { href: `/admin/audit${filterQueryString(values, page.older)}`, labelText: 'Older entries' } : undefined,
          landmarkLabel: 'Audit trail pages',
        }
      : null,
  });
}

/** The filters of the search as they go into the audit entry recording it. */
function recorded(filters: AuditFilters): Record<string, string> {
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

/** The audit trail: search it, page through it, download it. Seeing it is itself recorded. */
export async function auditRoutes(app: FastifyInstance): Promise<void> {
  const db = app.deps.database.db;

  app.get('/admin/audit', access('audit:read'), async (req, reply) => {
    const principal = req.principal;
    if (!principal) return refuse(req, reply, 'audit:read');
    const scope = partnershipsWith(principal, 'audit:read');
    const parsed = parseAuditQuery(req.query);
    if (!parsed.ok) {
      reply.code(422);
      return render(reply, parsed.values, { errors: parsed.errors, fieldErrors: parsed.fieldErrors, scope });
    }
    const page = await searchAudit(db, parsed.filters, scope, parsed.page);
    await req.audit({
      action: 'audit-search',
      permission: 'audit:read',
      partnershipId: scopePartnership(scope),
      recordType: 'audit-trail',
      changes: { filters: recorded(parsed.filters), page: parsed.page, shown: page.entries.length, scope },
    });
    return render(reply, parsed.values, { page, scope });
  });

  app.get('/admin/audit.csv', access('audit:read'), async (req, reply) => {
    const principal = req.principal;
    if (!principal) return refuse(req, reply, 'audit:read');
    const scope = partnershipsWith(principal, 'audit:read');
    const parsed = parseAuditQuery(req.query);
    if (!parsed.ok) {
      reply.code(422);
      return render(reply, parsed.values, { errors: parsed.errors, fieldErrors: parsed.fieldErrors, scope });
    }
    // The export holds what was there when it began; its own entry comes after that.
    const upTo = await exportUpTo(db);
    await req.audit({
      action: 'audit-export',
      permission: 'audit:read',
      partnershipId: scopePartnership(scope),
      recordType: 'audit-trail',
      changes: { filters: recorded(parsed.filters), upToEntry: upTo, scope },
    });
    const day = new Date().toISOString().slice(0, 10);
    return sendDownload(reply, { body: Readable.from(auditCsv(db, parsed.filters, scope, upTo)), name: `audit-trail-${day}.csv`, contentType: 'text/csv; charset=utf-8' });
  });
}
