import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import type { AgeBand, HarmType, ReviewType } from '../../domain/reviews/review-types.ts';
import type { DB } from '../../platform/db/types.ts';
import type { FileStore } from '../../platform/storage/file-store.ts';
import { addPublication, type LearningOnAPage, type SevenMinuteBriefing } from '../repository/catalogue.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import { readKeptFile } from './kept-files.ts';

/**
 * A dozen fictional published reviews of the Northmoor partnership for the public repository:
 * serious case reviews of 2015–2019 and practice reviews since, each with a real PDF report of
 * invented, anonymised text ("Child L", no real places), a Learning on a Page and, for most, a
 * 7-minute briefing. Nothing here describes a real child, family, place or review.
 */

/** A small deterministic generator, so the same demo gives the same reports. */
function random(seed: string): () => number {
  let h = 2166136261;
  for (const ch of seed) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return () => {
    h = Math.imul(h ^ (h >>> 15), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    h ^= h >>> 16;
    return (h >>> 0) / 4294967296;
  };
}

const SECTIONS: ReadonlyArray<{ heading: string; paragraphs: string[] }> = [
  {
    heading: 'Introduction',
    paragraphs: [
      'This review was commissioned by the Northmoor Safeguarding Children Partnership (a fictional partnership) after {child} came to serious harm. Its purpose is to learn how agencies worked together, not to find fault with individual practitioners.',
      'The review followed a systems approach. It drew on the records of every agency that knew the family, on conversations with the practitioners and managers involved, and on the views of the family, who were invited to contribute and whose words are reported with their consent.',
      'All names in this report are pseudonyms and every identifying detail has been changed. {child} is referred to throughout by that name; {parent} is {child}’s parent and was the main carer during the period reviewed.',
      'The review covers the eighteen months before the incident. Events outside that period are described only where they help to explain what professionals knew and how they understood it at the time.',
    ],
  },
  {
    heading: 'The child and the family',
    paragraphs: [
      '{child} was described by those who knew {them} as curious, funny and keen to please. Teachers remembered {them} as a child who liked routine and who found changes of adult hard to manage.',
      '{parent} had been known to services since {their} own childhood. {parent} told the review that asking for help had often felt like inviting judgement, and that appointments were hard to keep when money and housing were uncertain.',
      'The household moved three times during the period reviewed. Each move brought a new health visitor or school, a new general practice and, for a time, a gap in what any one agency knew about the family as a whole.',
      'An adult male was present in the household for much of the period. He was rarely seen by professionals and was not assessed; the review considers what difference knowing more about him might have made.',
    ],
  },
  {
    heading: 'Key practice episodes',
    paragraphs: [
      'Episode one: a referral from the school about {child}’s attendance and appearance was screened by the front door service. The referral was closed with advice to the school; the history held by health agencies was not requested and so was not considered.',
      'Episode two: a health visitor noticed that the home was cold and that {parent} appeared low in mood. She arranged a follow-up visit, which did not take place when the family moved. The concern was recorded but not passed to the new practice.',
      'Episode three: police attended the address after a neighbour reported shouting. {child} was seen briefly and appeared calm. A domestic abuse risk assessment was completed with {parent}, who answered most questions in the negative; the outcome was recorded as standard risk.',
      'Episode four: at a child in need meeting, professionals agreed that things had improved. The plan was closed. {child}’s own view was recorded in one sentence, written by an adult, and no professional had seen {them} alone in the preceding three months.',
      'Episode five: the school’s designated safeguarding lead raised a concern again, this time in writing and with a chronology. The review found this to be good practice: it prompted a strategy discussion within a day.',
    ],
  },
  {
    heading: 'Analysis',
    paragraphs: [
      'Professionals repeatedly assessed the family’s circumstances one event at a time. Each concern, taken on its own, fell below the threshold for further action; taken together, they described a child whose daily life was getting harder.',
      'Information was shared when it was asked for, but it was rarely asked for. Practitioners told the review that they assumed another agency held the full picture. In practice, no agency did.',
      'The voice of the child was heard mainly through adults. Where {child} did speak, in school and to a school nurse, what {they} said was recorded accurately but did not reach the meetings where decisions were made.',
      'Professional curiosity was limited by workload and by the family’s own reluctance. The review heard that practitioners felt reassured by {parent}’s warmth towards {child}, which was genuine, and that this made it harder to hold other concerns in mind.',
      'Escalation routes existed and were known to practitioners, but were not used. Two practitioners said they had disagreed with a decision and had not felt it was their place to challenge it.',
      'The period reviewed included changes to services and staffing. These pressures are real and are described here not as an excuse but because learning that ignores them will not change practice.',
    ],
  },
  {
    heading: 'Findings',
    paragraphs: [
      'Finding one: when a family moves between areas or services, what is known about the children does not reliably move with them.',
      'Finding two: assessments focused on the parent’s account and did not test it against what other agencies knew or against what the child showed and said.',
      'Finding three: adult males in the household were largely invisible to the agencies working with the family, and their role in the children’s lives was not assessed.',
      'Finding four: practitioners were not confident to escalate disagreement, and managers did not routinely ask whether anyone disagreed.',
      'Finding five: good practice existed, particularly in the school, and where it happened it made a clear difference to the speed and quality of the response.',
    ],
  },
  {
    heading: 'Recommendations',
    paragraphs: [
      'The partnership should seek assurance that transfer-in and transfer-out arrangements between health visiting, school nursing and general practice include a conversation, not only a record.',
      'The partnership should review its multi-agency training on professional curiosity so that it uses real examples of accounts that were accepted without being tested.',
      'Agencies should report to the partnership, within six months, on how assessments identify and engage every adult who is important in a child’s life.',
      'The partnership should refresh and publicise its escalation procedure and ask agencies to evidence its use, including cases where challenge did not change the decision.',
      'The partnership should share the learning from this review widely, including with the family, in a form they have been able to comment on.',
    ],
  },
];

const PRONOUNS = { them: 'them', their: 'their', they: 'they' };

function fill(text: string, child: string, parent: string): string {
  return text.replaceAll('{child}', child).replaceAll('{parent}', parent).replace(/\{(them|their|they)\}/g, (_, k: keyof typeof PRONOUNS) => PRONOUNS[k]);
}

/**
 * Plausible, clearly fictional report pages (each short enough for one A4 page): the sections of
 * a review in order, their paragraphs drawn and varied by the seed.
 */
export function fictionalReportPages(seed: string, count: number, child = 'Child L', parent = 'Parent M'): string[] {
  const next = random(seed);
  const pages: string[] = [];
  for (let n = 0; n < count; n++) {
    const section = SECTIONS[Math.min(SECTIONS.length - 1, Math.floor((n / count) * SECTIONS.length))];
    const paragraphs: string[] = [`${n + 1}. ${section.heading}`];
    let length = 0;
    while (length < 1_800) {
      const p = fill(section.paragraphs[Math.floor(next() * section.paragraphs.length)], child, parent);
      paragraphs.push(p);
      length += p.length;
    }
    paragraphs.push(`Page ${n + 1} of ${count}. Fictional demonstration report: no real child, family, place or review is described.`);
    pages.push(paragraphs.join('\n\n'));
  }
  return pages;
}

export type DemoPublication = {
  slugHint: string;
  title: string;
  child: string;
  summary: string;
  reviewType: ReviewType;
  themes: string[];
  ageBand: AgeBand;
  harmType: HarmType;
  reviewStartedOn: DateOnly;
  reviewCompletedOn: DateOnly;
  publishedOn: DateOnly;
  pages: number;
  learning: LearningOnAPage;
  briefing: SevenMinuteBriefing | null;
};

function learningFor(child: string, focus: string, practice: string): LearningOnAPage {
  return {
    livedExperience: `${child}’s days were shaped by ${focus}. ${child} told a trusted adult some of what was happening, but what ${child} said did not reach the people making decisions.`,
    keyLearning: `Each concern about ${child} was judged on its own. Seen together, the concerns showed a child whose situation was getting worse. ${practice}`,
    learningIntoPractice: 'Ask what other agencies know before closing a referral. See the child alone and record their words. Use the escalation procedure when you disagree, and ask your team whether anyone does.',
  };
}

function briefingFor(child: string, focus: string): SevenMinuteBriefing {
  return {
    background: `This briefing summarises a fictional review about ${child}, whose circumstances involved ${focus}.`,
    whyItMatters: 'Children in similar circumstances are seen by many agencies, each holding part of the picture. Learning from this review can help practitioners put the pieces together sooner.',
    keyInformation: [
      'Concerns were assessed one at a time, not as a pattern.',
      `${child}’s own voice was heard mainly through adults.`,
      'Practitioners disagreed with decisions but did not escalate.',
    ],
    thingsToRemember: 'Reassurance from a parent is not evidence about the child. A closed case is not a finished concern.',
    whatToDo: 'Read the full report, discuss the key practice episodes in your next team meeting, and check that you know how to escalate.',
    reflectionQuestions: 'When did you last test a parent’s account against what another agency knew? How would you know if a child in your caseload had stopped telling you things?',
  };
}

export const DEMO_PUBLICATIONS: DemoPublication[] = [
  ['Child L', 'scr', 2015, ['neglect', 'missing-education', 'voice-of-the-child'], '5-9', 'serious-harm', 'chronic neglect and missed school', 9, false],
  ['Baby K', 'scr', 2016, ['bruising-fractures-non-mobile-babies', 'pre-birth-assessment', 'invisible-or-hidden-men'], 'under-1', 'serious-harm', 'unexplained bruising in a non-mobile baby', 7, true],
  ['Child J', 'scr', 2017, ['child-sexual-exploitation', 'harm-outside-the-home', 'information-sharing'], '10-15', 'serious-harm', 'exploitation outside the home', 14, true],
  ['Child H', 'scr', 2018, ['domestic-abuse', 'parental-substance-misuse', 'risk-assessment'], '1-4', 'died', 'domestic abuse and parental substance misuse', 12, false],
  ['Young Person G', 'scr', 2019, ['child-mental-health-self-harm', 'suicide', 'children-in-care-care-leavers'], '16-17', 'died', 'self-harm while in care', 18, true],
  ['Baby F', 'local-cspr', 2020, ['sudi-safer-sleep', 'parental-mental-ill-health', 'housing-homelessness'], 'under-1', 'died', 'unsafe sleeping in temporary housing', 8, true],
  ['Child E', 'local-cspr', 2021, ['impact-of-covid-19', 'neglect', 'missing-education'], '5-9', 'serious-harm', 'neglect that went unseen during lockdown', 11, true],
  ['Child D', 'practice-learning', 2022, ['child-criminal-exploitation', 'serious-youth-violence', 'missing-education'], '10-15', 'serious-harm', 'criminal exploitation and county lines', 6, true],
  ['Children C and B', 'local-cspr', 2023, ['children-with-disabilities', 'young-carers', 'professional-curiosity'], '10-15', 'serious-harm', 'caring for a disabled parent', 16, true],
  ['Child A', 'deep-dive', 2024, ['online-harm', 'child-mental-health-self-harm', 'voice-of-the-child'], '10-15', 'serious-harm', 'online harm and self-harm', 10, false],
  ['Northmoor babies', 'thematic', 2025, ['abusive-head-trauma', 'bruising-fractures-non-mobile-babies', 'escalation-and-challenge'], 'under-1', 'serious-harm', 'head injuries to babies', 20, true],
  ['Child M', 'local-cspr', 2026, ['ethnicity-culture-religion-racism', 'child-sexual-abuse-in-the-family', 'information-sharing'], '5-9', 'serious-harm', 'sexual abuse in the family', 13, true],
].map(([child, reviewType, year, themes, ageBand, harmType, focus, pages, withBriefing], i) => {
  const c = child as string;
  const y = year as number;
  const kind = reviewType === 'scr' ? 'Serious case review' : reviewType === 'thematic' ? 'Thematic review' : reviewType === 'deep-dive' ? 'Deep-dive review' : reviewType === 'practice-learning' ? 'Practice learning review' : 'Local child safeguarding practice review';
  const month = String((i % 9) + 2).padStart(2, '0');
  return {
    slugHint: c,
    title: `${kind}: ${c} (fictional)`,
    child: c,
    summary: `A fictional ${kind.toLowerCase()} about ${c}, whose circumstances involved ${focus}. It looks at how agencies in the (fictional) Northmoor partnership worked together and what should change.`,
    reviewType: reviewType as ReviewType,
    themes: themes as string[],
    ageBand: ageBand as AgeBand,
    harmType: harmType as HarmType,
    reviewStartedOn: `${y - 1}-${month}-03`,
    reviewCompletedOn: `${y}-${String(Number(month) - 1).padStart(2, '0')}-20`,
    publishedOn: `${y}-${month}-14`,
    pages: pages as number,
    learning: learningFor(c, focus as string, 'Professionals who held part of the picture assumed someone else held the rest.'),
    briefing: withBriefing ? briefingFor(c, focus as string) : null,
  };
});

/** Where the demo reviews' PDFs are kept, made beforehand (`npm run build:demo-reports`). */
export const DEMO_REPORTS_DIR = fileURLToPath(new URL('./reports/', import.meta.url));

/** The file name of a demo review's PDF, in DEMO_REPORTS_DIR and as the published file's name. */
export function demoReportFileName(d: DemoPublication): string {
  return `${d.slugHint.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-review.pdf`;
}

/** A demo review's page text: the text its PDF was made from (page 1 starts with the title, as extraction reads it). */
function demoReportPages(d: DemoPublication): string[] {
  return fictionalReportPages(d.title, d.pages, d.child).map((p, i) => (i === 0 ? `${d.title}\n${p}` : p));
}

/**
 * The PDF of a demo review and the text of its pages. The text is the one the PDF was made from
 * (each page fits one PDF page; page 1 starts with the title, as extraction reads it), so seeding
 * does not need to extract it again.
 */
export async function renderDemoReport(d: DemoPublication): Promise<{ bytes: Buffer; pages: string[] }> {
  const pages = fictionalReportPages(d.title, d.pages, d.child);
  // Loaded only when demonstration reports are made (by `npm run build:demo-reports`, or for one missing).
  const { renderReportPdf } = await import('../../platform/documents/generate-pdf.ts');
  // Dated the day it was published, so the same review always gives the same bytes (the kept files, below).
  const bytes = await renderReportPdf({ title: d.title, pages, madeOn: new Date(`${d.publishedOn}T12:00:00Z`) });
  return { bytes, pages: demoReportPages(d) };
}

/** Publishes the demo reviews (their PDFs generated, stored and indexed); returns how many were added. */
export type RenderedDemoReport = { d: DemoPublication; bytes: Buffer; pages: string[] };

/** Every demo review's PDF and page text, rendered concurrently (pdf-lib is CPU-bound but yields between pages). */
export function renderDemoReports(): Promise<RenderedDemoReport[]> {
  return Promise.all(DEMO_PUBLICATIONS.map(async (d) => ({ d, ...(await renderDemoReport(d)) })));
}

/**
 * Every demo review's PDF as made beforehand, and its page text. Rendering them takes about a second of
 * processor time, on the thread that also drives the seeding: a first start would wait for it. A test
 * keeps the files the same as `renderDemoReport` makes; one missing is rendered here instead.
 */
export function demoReports(dir = DEMO_REPORTS_DIR): Promise<RenderedDemoReport[]> {
  return Promise.all(
    DEMO_PUBLICATIONS.map(async (d) => {
      const bytes = await readKeptFile(dir, demoReportFileName(d));
      return bytes ? { d, bytes, pages: demoReportPages(d) } : { d, ...(await renderDemoReport(d)) };
    }),
  );
}

/** `rendered` may be made beforehand (seeding starts them early, so they are made while other data is written). */
export async function seedDemoPublications(db: Kysely<DB>, files: FileStore, partnershipId: string, publishedBy: string | null, rendered?: RenderedDemoReport[]): Promise<number> {
  rendered ??= await demoReports();
  let added = 0;
  for (const { d, bytes, pages } of rendered) {
    // Published reports: kept plain, with their record, in one transaction.
    const result = await inTransaction(db, async (trx) => {
      const sha256 = await files.put(trx, bytes, 'public');
      return addPublication(trx, {
        partnershipId,
        source: 'import',
        title: d.title,
        summary: d.summary,
        reviewType: d.reviewType,
        themes: d.themes,
        ageBand: d.ageBand,
        harmType: d.harmType,
        reviewStartedOn: d.reviewStartedOn,
        reviewCompletedOn: d.reviewCompletedOn,
        publishedOn: d.publishedOn,
        learning: d.learning,
        briefing: d.briefing,
        file: { sha256, name: demoReportFileName(d), type: 'pdf', size: bytes.length, pages },
        publishedBy,
      });
    });
    if (result.created) added++;
  }
  return added;
}
