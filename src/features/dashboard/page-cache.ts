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
 * The kept pages, one per person (their latest), the least recently used dropped beyond `max` people:
 * a page is about 50 KB, so 200 people hold about 10 MB.
 */
export class DashboardCache {
  private readonly entries = new Map<string, KeptDashboard>();
  private readonly max: number;
  constructor(max = 200) {
    this.max = max;
  }

  get(userId: string, key: string): KeptDashboard | undefined {
    const kept = this.entries.get(userId);
    if (!kept || kept.key !== key) return undefined;
    this.entries.delete(userId);
    this.entries.set(userId, kept);
    return kept;
  }

  set(userId: string, kept: KeptDashboard): void {
    this.entries.delete(userId);
    this.entries.set(userId, kept);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}
