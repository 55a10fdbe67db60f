/**
 * Learning reach: who a product was sent to, who opened its link, who acknowledged it and what
 * changed in their practice. Working Together 2023, chapter 5, asks partners to follow up so that
 * findings make a real difference; these rules keep that honest. Nothing here tracks people
 * silently: an open is the person's own click on their link (no tracking pixels), and the
 * follow-up question goes once, only to those who said they read and discussed the product.
 */

export type LineProblem = { line: number; text: string; message: string };
export type Member = { email: string; agencyId: string | null };

export const MAX_MEMBERS = 500;

/**
 * A deliberately plain address check (RFC 5321 limits, one @, a dotted domain, no spaces or
 * angle brackets): enough to catch typing slips before anything is sent, without refusing real
 * addresses.
 */
export function isEmailAddress(value: string): boolean {
  if (value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at < 1 || at !== value.indexOf('@')) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length > 64 || !/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  return /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/.test(domain);
}

/**
 * Reads a distribution list typed one person a line: an address, optionally a comma and the name
 * of one of the partnership's agencies. Every bad line is reported with its number; a list with any
 * bad line is not used at all (nothing is sent to half a list). Blank lines are skipped; the same
 * address twice is one member.
 */
export function readMembers(text: string, agencies: readonly { id: string; name: string }[]): { members: Member[]; problems: LineProblem[] } {
  const byName = new Map(agencies.map((a) => [a.name.trim().toLowerCase(), a.id]));
  const members: Member[] = [];
  const problems: LineProblem[] = [];
  const seen = new Set<string>();
  text.split(/\r\n|\n|\r/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const comma = line.indexOf(',');
    const address = (comma < 0 ? line : line.slice(0, comma)).trim();
    const agencyName = comma < 0 ? '' : line.slice(comma + 1).trim();
    const shown = line.length > 80 ? `${line.slice(0, 77)}…` : line;
    if (!isEmailAddress(address)) {
      problems.push({ line: i + 1, text: shown, message: `Line ${i + 1}: “${shown}” is not an email address, like name@example.org` });
      return;
    }
    let agencyId: string | null = null;
    if (agencyName) {
      agencyId = byName.get(agencyName.toLowerCase()) ?? null;
      if (!agencyId) {
        problems.push({ line: i + 1, text: shown, message: `Line ${i + 1}: there is no agency called “${agencyName.slice(0, 80)}” in this partnership` });
        return;
      }
    }
    const key = address.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    members.push({ email: key, agencyId });
  });
  if (members.length + problems.length === 0) problems.push({ line: 0, text: '', message: 'Enter at least one email address' });
  if (members.length > MAX_MEMBERS) problems.push({ line: 0, text: '', message: `A list can have up to ${MAX_MEMBERS} people` });
  return { members, problems };
}

/** Members written back one a line, as the form shows them. */
export function membersText(members: readonly Member[], agencyName: (id: string) => string | undefined): string {
  return members.map((m) => (m.agencyId && agencyName(m.agencyId) ? `${m.email}, ${agencyName(m.agencyId)}` : m.email)).join('\n');
}

// ---- Follow-up ---------------------------------------------------------------------------------

export const FOLLOW_UP_DEFAULT_DAYS = 42;
export const FOLLOW_UP_MIN_DAYS = 1;
export const FOLLOW_UP_MAX_DAYS = 365;
/** A link stays good this long after the follow-up question is due, for the answer to come. */
export const LINK_GRACE_DAYS = 60;
const DAY_MS = 86_400_000;

export function followUpDueAt(sentAt: Date, days: number): Date {
  return new Date(sentAt.getTime() + days * DAY_MS);
}

export function linkExpiresAt(sentAt: Date, followUpDays: number): Date {
  return new Date(sentAt.getTime() + (followUpDays + LINK_GRACE_DAYS) * DAY_MS);
}

/**
 * The follow-up question ("what changed in your practice?") is due once its time has come, only
 * for a person who acknowledged the product, and only if it has not gone already.
 */
export function followUpDue(r: { acknowledgedAt: Date | null; followUpDueAt: Date; followUpSentAt: Date | null }, now: Date): boolean {
  return r.acknowledgedAt !== null && r.followUpSentAt === null && r.followUpDueAt.getTime() <= now.getTime();
}

export function followUpDaysProblem(value: string): string | null {
  if (!/^\d{1,3}$/.test(value.trim())) return `Enter the number of days before the follow-up question, from ${FOLLOW_UP_MIN_DAYS} to ${FOLLOW_UP_MAX_DAYS}`;
  const n = Number(value.trim());
  if (n < FOLLOW_UP_MIN_DAYS || n > FOLLOW_UP_MAX_DAYS) return `The follow-up question must be sent between ${FOLLOW_UP_MIN_DAYS} and ${FOLLOW_UP_MAX_DAYS} days after the product`;
  return null;
}

// ---- Reach by agency ---------------------------------------------------------------------------

export type ReachRow = { agency: string; sent: number; opened: number; acknowledged: number; followUpsSent: number; answered: number };

/** Counts by agency (people with no agency under "No agency given"), agencies by name, and a total. */
export function reachByAgency(
  recipients: readonly { agencyName: string | null; emailed: boolean; opened: boolean; acknowledged: boolean; followUpSent: boolean; answered: boolean }[],
): { rows: ReachRow[]; total: ReachRow } {
  const NONE = 'No agency given';
  const rows = new Map<string, ReachRow>();
  const total: ReachRow = { agency: 'Total', sent: 0, opened: 0, acknowledged: 0, followUpsSent: 0, answered: 0 };
  for (const r of recipients) {
    const name = r.agencyName ?? NONE;
    const row = rows.get(name) ?? { agency: name, sent: 0, opened: 0, acknowledged: 0, followUpsSent: 0, answered: 0 };
    for (const target of [row, total]) {
      if (r.emailed) target.sent++;
      if (r.opened) target.opened++;
      if (r.acknowledged) target.acknowledged++;
      if (r.followUpSent) target.followUpsSent++;
      if (r.answered) target.answered++;
    }
    rows.set(name, row);
  }
  const sorted = [...rows.values()].sort((a, b) => (a.agency === NONE ? 1 : b.agency === NONE ? -1 : a.agency.localeCompare(b.agency, 'en')));
  return { rows: sorted, total };
}
