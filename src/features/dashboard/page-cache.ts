import type { DateOnly } from '../../domain/calendar/date-only.ts';
import type { Principal } from '../../platform/auth/policy.ts';
import type { TenantScope } from '../../platform/db/tenant.ts';
import type { AuditFields } from '../../platform/http/authentication.ts';
import type { ReusablePage } from '../../platform/http/views.ts';

/**
 * Each person's last dashboard, kept so that asking again for a page nothing has changed costs no
 * reading of cases and no rendering. An entry is used only by the person it was made for and only
 * under the same key, which holds everything that decides what the page shows:
 * - who they are and what they may see: their id, how they signed in, the partnership a single
 *   sign-on limits them to, and every role they hold, where (a role added or removed is a new key);
 * - the data: the change counters of every partnership they hold a role in and of the deployment
 *   (src/platform/db/view-versions.ts), read before the page's data is, so a kept page is never older
 *   than the counters it is kept under; they are checked in the database by the statement that records
 *   the view (recordViewsIfUnchanged), and the page is sent only when they are unchanged;
 * - the day in London: due, due soon and overdue move with it (the page shows nothing relative to
 *   the time of day);
 * - the layout around the page (name, navigation, brand, address).
 * The page is kept with placeholders for the response's CSP nonce and CSRF token (never shared), and
 * with the audit entries its view records: each request records them again.
 */
export type KeptDashboard = { key: string; version: string; page: ReusablePage; audits: readonly AuditFields[] };

/** The partnerships whose changes can change what a person's dashboard shows. */
export function dashboardScope(principal: Principal): TenantScope {
  if (principal.grants.some((g) => g.partnershipId === null)) return 'all';
  return [...new Set(principal.grants.map((g) => g.partnershipId as string))].sort();
}

/** All that decides the page but the data's counters, which are kept beside it (`KeptDashboard.version`). */
export function dashboardKey(principal: Principal, parts: { today: DateOnly; layout: string }): string {
  const grants = principal.grants
    .map((g) => [g.role, g.partnershipId, g.agencyId])
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return JSON.stringify([principal.userId, principal.via, principal.limitedTo ?? null, principal.tokenScope ?? null, grants, parts.today, parts.layout]);
}

/**
 * The kept pages, one per person (their latest), the least recently used dropped beyond `max` people
 * or `maxBytes` of pages. A page is about 50 KB, so 200 people hold about 10 MB; but a page grows with
 * the partnerships a person holds roles in (up to 60 rows each) and their tasks (up to 500), so the
 * count alone does not bound the memory: the bytes do, and a page heavier than the budget is not kept.
 */
export class DashboardCache {
  private readonly entries = new Map<string, KeptDashboard>();
  private readonly max: number;
  private readonly maxBytes: number;
  private held = 0;
  constructor(max = 200, maxBytes = 16 * 1024 * 1024) {
    this.max = max;
    this.maxBytes = maxBytes;
  }

  get(userId: string, key: string): KeptDashboard | undefined {
    const kept = this.entries.get(userId);
    if (!kept || kept.key !== key) return undefined;
    this.entries.delete(userId);
    this.entries.set(userId, kept);
    return kept;
  }

  set(userId: string, kept: KeptDashboard): void {
    this.remove(userId);
    const bytes = weight(kept);
    if (bytes > this.maxBytes) return;
    this.entries.set(userId, kept);
    this.held += bytes;
    while (this.entries.size > this.max || this.held > this.maxBytes) this.remove(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The bytes of the pages held. */
  get bytes(): number {
    return this.held;
  }

  private remove(userId: string): void {
    const old = this.entries.get(userId);
    if (!old) return;
    this.entries.delete(userId);
    this.held -= weight(old);
  }
}

function weight(kept: KeptDashboard): number {
  return kept.page.parts.reduce((sum, part) => sum + part.length, 0);
}
