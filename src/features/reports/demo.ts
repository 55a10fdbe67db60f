import type { Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { defaultStartMonth, yearlyPeriod, type SectionKey } from '../../domain/reports/yearly.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import type { DB } from '../../platform/db/types.ts';
import type { Actor } from '../cases/service.ts';
import { saveSection } from './yearly-service.ts';

/**
 * The narrative of the demo partnership's yearly report for the last whole April to March year,
 * written by its business unit through the feature's own service: the introduction in two versions
 * (so the version history shows something), the other sections once, what it will do next left to
 * write. Fictional.
 */
const TEXTS: [SectionKey, string][] = [
  ['introduction', 'Northmoor Safeguarding Children Partnership is made up of Northmoor Council, Northmoor Police and the Northmoor Integrated Care Board (fictional).\n\nThis part of our yearly report sets out what we did to learn from serious incidents in the year.'],
  ['introduction', 'Northmoor Safeguarding Children Partnership is made up of Northmoor Council, Northmoor Police and the Northmoor Integrated Care Board (fictional).\n\nThis part of our yearly report sets out how we identified, reviewed and learned from serious child safeguarding incidents in the year, and how well we kept to the timescales set by Working Together to Safeguard Children 2023.'],
  ['learning', 'Our reviews this year found that bruising in babies who are not yet mobile was not always referred on the same day.\n\nThey also found that fathers and other men in the household were too often unseen by practitioners.'],
  ['impact', 'Every agency has adopted the partnership’s bruising protocol. A multi-agency audit in the spring found that all of the referrals sampled were made on the same day.'],
];

export async function seedDemoYearlyReport(db: Kysely<DB>, partnershipId: string, writer: Actor, today: DateOnly): Promise<void> {
  const from = yearlyPeriod(defaultStartMonth(today)).from;
  const versions = new Map<SectionKey, number>();
  for (const [section, body] of TEXTS) {
    const basedOn = versions.get(section) ?? 0;
    const r = await inTransaction(db, (trx) => saveSection(trx, { partnershipId, from, section, body, basedOn, writer }));
    if (!r.ok) throw new Error(`Demo yearly report: ${section}: ${JSON.stringify(r.problems)}`);
    versions.set(section, r.version);
  }
}
