// The shapes the anonymisation guard works with. Kept apart from the scanner so that callers
// (publication workflow, views, storage of overrides) can depend on the types alone.

/** Identifying details held on the case record, as entered by the partnership. */
export type Identifiers = {
  /** Everyone named on the case: the child, family members, other household members. */
  people: { fullName: string; role?: string }[];
  /** `YYYY-MM-DD`. */
  datesOfBirth: string[];
  /** As written on the record, lines separated by commas or new lines. */
  addresses: string[];
  postcodes: string[];
  /** Schools, nurseries, GP practices and other places that would locate the child. */
  settings: string[];
  nhsNumbers: string[];
  phones: string[];
  emails: string[];
};

/** One text or document about to be published, already turned into plain text per page. */
export type ScannedDocument = {
  /** What the admin will recognise: 'final-report.pdf', 'summary', 'learning-on-a-page'. */
  source: string;
  /** Page text, page 1 first. A short text is one page. */
  pages: string[];
};

/** A detail held on this case was found. */
export type IdentifierKind =
  | 'name'
  | 'date-of-birth'
  | 'address'
  | 'postcode'
  | 'setting'
  | 'nhs-number'
  | 'phone'
  | 'email';

/** Something that looks identifying whatever the case. */
export type PatternKind =
  | 'pattern-postcode'
  | 'pattern-nhs-number'
  | 'pattern-phone'
  | 'pattern-email'
  | 'pattern-date';

export type FindingKind = IdentifierKind | PatternKind;

/**
 * `identifying`: the text contains a detail held on this case; publication should wait until the
 * admin resolves or overrides it. `review`: a general pattern (a date, a postcode) that a person
 * should look at, but that is often legitimate. A general pattern that contains a case detail (an
 * email address made of the child's name) keeps its pattern kind but is `identifying`.
 */
export type Severity = 'identifying' | 'review';

export type Finding = {
  source: string;
  /** 1-based. */
  page: number;
  /** 1-based within the page. */
  line: number;
  /** 1-based, counted in characters (code points) from the start of the line. */
  column: number;
  /** The text exactly as it appears in the document, including any hidden characters. */
  match: string;
  kind: FindingKind;
  severity: Severity;
  /** Plain English for the admin: "Matches the child's first name 'Kayden'". */
  detail: string;
  /**
   * Stable id: source, kind, the normalised match and which occurrence of it this is in the
   * source. Re-scanning the same text gives the same fingerprints, so an override recorded
   * against one survives a re-scan.
   */
  fingerprint: string;
};
