import type { ColumnType, Generated } from 'kysely';

/** Row types of every table, as Kysely sees them. One interface per table. */
export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface SchemaMigrationsTable {
  name: string;
  applied_at: Timestamp;
}

export interface PartnershipsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  fictional: Generated<boolean>;
  created_at: Generated<Date>;
}


export type AgencyKind = 'local-authority' | 'police' | 'icb' | 'relevant-agency';

export interface AgenciesTable {
  id: Generated<string>;
  partnership_id: string;
  name: string;
  kind: AgencyKind;
  created_at: Generated<Date>;
}

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  password_hash: string | null;
  password_changed_at: Date | null;
  totp_secret_enc: string | null;
  totp_enabled: Generated<boolean>;
  totp_last_step: number | null;
  /** wrong passwords in a row, and the lock they set */
  failed_sign_ins: Generated<number>;
  locked_until: Date | null;
  /** wrong security or recovery codes in a row, and the lock they set */
  failed_codes: Generated<number>;
  codes_locked_until: Date | null;
  disabled_at: Date | null;
  created_at: Generated<Date>;
}

export type RoleName = 'partnership-admin' | 'partner-lead' | 'agency-contributor' | 'reviewer' | 'panel-viewer' | 'system-admin';

export interface RoleAssignmentsTable {
  id: Generated<string>;
  user_id: string;
  role: RoleName;
  partnership_id: string | null;
  agency_id: string | null;
  created_at: Generated<Date>;
}

export interface UnsentFormsTable {
  id: Generated<string>;
  user_id: string;
  path: string;
  fields: string;
  created_at: Generated<Date>;
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  two_factor_at: Date | null;
  ip: string | null;
  user_agent: string | null;
  /** set when single sign-on started the session: only this partnership's roles count in it */
  limited_to_partnership: string | null;
}

export interface RecoveryCodesTable {
  user_id: string;
  code_hash: string;
  used_at: Date | null;
}

export interface EmailTokensTable {
  token_hash: string;
  user_id: string;
  purpose: 'password-reset' | 'invitation';
  created_at: Generated<Date>;
  expires_at: Date;
  used_at: Date | null;
}

export interface ApiTokensTable {
  id: Generated<string>;
  user_id: string;
  name: string;
  token_hash: string;
  prefix: string;
  created_at: Generated<Date>;
  last_used_at: Date | null;
  revoked_at: Date | null;
  scope: ApiTokenScope;
  expires_at: Date;
  /** made in a single sign-on session: only this partnership's roles count for the token */
  limited_to_partnership: string | null;
}

export type ApiTokenScope = 'read' | 'write';

export interface SsoProvidersTable {
  partnership_id: string;
  issuer: string;
  client_id: string;
  client_secret_enc: string;
  email_domain: string;
  enabled: Generated<boolean>;
  created_at: Generated<Date>;
  /** when a system administrator approved this issuer's claim to the email domain; null: awaiting approval */
  approved_at: Date | null;
  approved_by: string | null;
}

export interface RoleOffersTable {
  id: Generated<string>;
  user_id: string;
  role: RoleName;
  partnership_id: string | null;
  agency_id: string | null;
  offered_by: string | null;
  offered_by_name: string;
  created_at: Generated<Date>;
  expires_at: Date;
  accepted_at: Date | null;
  declined_at: Date | null;
}

export interface SsoIdentitiesTable {
  issuer: string;
  subject: string;
  user_id: string;
  created_at: Generated<Date>;
}

export interface AuditEventsTable {
  seq: Generated<number>;
  at: ColumnType<Date, string, never>;
  actor_id: string | null;
  actor_email: string | null;
  actor_role: string | null;
  partnership_id: string | null;
  action: string;
  record_type: string | null;
  record_id: string | null;
  changes: unknown;
  outcome: Generated<'allowed' | 'refused' | 'failed'>;
  ip: string | null;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

/** A signed checkpoint of the audit trail (src/platform/audit/checkpoints.ts); append-only. */
export interface AuditCheckpointsTable {
  id: Generated<number>;
  seq: number;
  hash: string;
  at: Date;
  key_id: string;
  signature: string;
  created_at: Generated<Date>;
}

/** One version of a statutory clock (src/domain/clocks/rules.ts ClockRule); never updated once written. */
export interface ClockRulesTable {
  key: string;
  version: number;
  title: string;
  runs_from: 'aware' | 'notified' | 'decision' | 'publication';
  length: number;
  unit: 'working-days' | 'calendar-months';
  direction: 'after' | 'before';
  recipients: string[];
  guidance: string;
  applies_from: string | null;
  applies_until: string | null;
  condition: 'always' | 'looked-after-death' | 'care-leaver-death' | 'looked-after-or-care-leaver-death';
  statutory: boolean;
  may_pause: Generated<boolean>;
  created_at: Generated<Date>;
  created_by: string | null;
}

export type BankHolidaySource = 'shipped' | 'gov-uk-file' | 'admin';

export interface BankHolidaysTable {
  date: string;
  title: string;
  source: BankHolidaySource;
  added_at: Generated<Date>;
  added_by: string | null;
}

/** Calendar feeds and reminder emails sent (migrations/0006_reminders.sql). */
export interface CalendarFeedsTable {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  created_at: Generated<Date>;
  revoked_at: Date | null;
  /** Made in a session single sign-on started: that partnership's deadlines only (migration 0050). */
  limited_to_partnership: Generated<string | null>;
}

export type ReminderKind = 'before-due' | 'on-the-day' | 'overdue' | 'weekly-digest' | 'action-overdue' | 'action-escalated';

export interface ReminderSendsTable {
  kind: ReminderKind;
  incident_id: string;
  clock_key: string;
  due_on: string;
  recipient_user_id: string;
  sent_on: string;
  created_at: Generated<Date>;
}

/** Incidents and the statutory workflow (migrations/0005_incidents.sql). Dates are 'YYYY-MM-DD' strings. */
export interface IncidentsTable {
  id: Generated<string>;
  partnership_id: string;
  reference: string;
  reference_year: number;
  reference_number: number;
  state: string;
  outcome: 'died' | 'serious-harm' | 'other';
  abuse_or_neglect: 'known' | 'suspected' | 'not-suspected';
  location: 'in-area' | 'outside-england-normally-resident' | 'elsewhere-in-england';
  looked_after: Generated<boolean>;
  care_leaver: Generated<boolean>;
  incident_on: string | null;
  aware_on: string;
  what_is_known_enc: string | null;
  /** migrations/0036: what the national notification form asks of the incident. */
  perpetrator_relationship_enc: ColumnType<string | null, string | null | undefined, string | null>;
  police_investigation: ColumnType<'yes' | 'no' | 'not-known' | null, 'yes' | 'no' | 'not-known' | null | undefined, 'yes' | 'no' | 'not-known' | null>;
  media_interest: ColumnType<'yes' | 'no' | 'not-known' | null, 'yes' | 'no' | 'not-known' | null | undefined, 'yes' | 'no' | 'not-known' | null>;
  agency_ids: ColumnType<string[], string | undefined, string>;
  other_agencies: Generated<string>;
  notified_on: string | null;
  panel_reference: string | null;
  partners_informed_on: string | null;
  ofsted_sos_notified_on: string | null;
  rapid_review_started_on: string | null;
  below_threshold_review_on: string | null;
  rapid_review_sent_on: string | null;
  review_decision: 'local-review' | 'alternative-review' | 'no-review' | null;
  decision_on: string | null;
  completed_on: string | null;
  advance_copy_sent_on: string | null;
  published_on: string | null;
  closed_on: string | null;
  clock_rules: ColumnType<unknown, string, string>;
  version: Generated<number>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_by: string | null;
  updated_at: Generated<Date>;
}

export interface IncidentChildrenTable {
  id: Generated<string>;
  incident_id: string;
  partnership_id: string;
  position: number;
  pseudonym: string;
  name_enc: string | null;
  date_of_birth_enc: string | null;
  nhs_number_enc: string | null;
  address_enc: string | null;
  family_names_enc: string | null;
  gender: 'female' | 'male' | 'other' | 'not-known' | null;
  age_at_incident: number | null;
  age_band: string | null;
  looked_after: Generated<boolean>;
  care_leaver: Generated<boolean>;
  /** migrations/0036: the child's ethnicity and disability (encrypted) and social care status at the time. */
  ethnicity_enc: ColumnType<string | null, string | null | undefined, string | null>;
  disability_enc: ColumnType<string | null, string | null | undefined, string | null>;
  child_in_need: Generated<boolean>;
  child_protection_plan: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface CaseEventsTable {
  seq: Generated<number>;
  incident_id: string;
  partnership_id: string;
  kind: string;
  actor_id: string | null;
  actor_name: string | null;
  from_state: string | null;
  to_state: string | null;
  note: string | null;
  details: ColumnType<unknown, string | null | undefined, string | null>;
  at: Generated<Date>;
}

export interface ClockPausesTable {
  id: Generated<string>;
  incident_id: string;
  partnership_id: string;
  clock_key: string;
  paused_on: string;
  resumed_on: string | null;
  reason: string;
  panel_told_on: string | null;
  sos_told_on: string | null;
  paused_by: string | null;
  resumed_by: string | null;
  created_at: Generated<Date>;
}

/** A case's clocks as last computed, stamped with what they were computed from (migration 0040). */
export interface CaseClockSetsTable {
  incident_id: string;
  partnership_id: string;
  incident_version: number;
  review_version: number;
  calendar_stamp: string;
  computed_at: Generated<Date>;
}

export interface CaseClocksTable {
  incident_id: string;
  partnership_id: string;
  clock_key: string;
  position: number;
  due_on: string;
  open: boolean;
  paused_since: string | null;
  clock: ColumnType<unknown, string, string>;
}

export interface ReferralsTable {
  id: Generated<string>;
  partnership_id: string;
  referring_agency_id: string | null;
  referred_by: string | null;
  summary: string;
  details_enc: string;
  received_on: string;
  outcome: 'notify' | 'does-not-meet-criteria' | 'other' | null;
  outcome_reasons: string | null;
  outcome_by: string | null;
  outcome_at: Date | null;
  incident_id: string | null;
  created_at: Generated<Date>;
}

/** Rapid reviews (migrations/0007_rapid_reviews.sql). */
export interface RapidReviewsTable {
  incident_id: string;
  partnership_id: string;
  safety_actions_enc: string | null;
  learning_enc: string | null;
  equality_racism_enc: string | null;
  equality_inequalities_enc: string | null;
  equality_disability_enc: string | null;
  decision: 'local-review' | 'no-local-review' | 'national-review' | 'alternative-review' | null;
  alternative_kind: 'deep-dive' | 'practice-learning-review' | null;
  decision_reasons_enc: string | null;
  criteria: ColumnType<string[], string | undefined, string>;
  decided_on: string | null;
  sent_on: string | null;
  panel_response: 'agree' | 'disagree' | 'national-review' | null;
  panel_response_on: string | null;
  updated_by: string | null;
  updated_at: Generated<Date>;
}

export interface RapidReviewMeetingsTable {
  id: Generated<string>;
  incident_id: string;
  partnership_id: string;
  held_on: string;
  attendee_roles: string;
  notes_enc: string | null;
  created_by: string | null;
  created_at: Generated<Date>;
}

export interface RapidReviewSignOffsTable {
  incident_id: string;
  partnership_id: string;
  partner: 'local-authority' | 'police' | 'icb';
  user_id: string | null;
  signer_name: string;
  signed_at: Generated<Date>;
  /** The day the partner signed the decision off (signed_at: when it was recorded). */
  signed_on: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface AgencyRequestsTable {
  id: Generated<string>;
  incident_id: string;
  partnership_id: string;
  agency_id: string;
  requested_on: string;
  due_on: string;
  requested_by: string | null;
  involvement_enc: string | null;
  episodes_enc: string | null;
  answer_enc: string | null;
  file_sha256: string | null;
  file_name: string | null;
  file_type: 'pdf' | 'docx' | null;
  file_size: number | null;
  responded_by: string | null;
  responded_at: Date | null;
  /** The day the answer was sent (responded_at: when it was recorded). */
  answered_on: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Generated<Date>;
}

type DateColumn = ColumnType<string, string, string>;
type OptionalDate = ColumnType<string | null, string | null | undefined, string | null>;

export interface ReviewsTable {
  incident_id: string;
  partnership_id: string;
  review_type: string;
  lead_reviewer_id: string | null;
  scope_from: OptionalDate;
  scope_to: OptionalDate;
  lines_of_enquiry_enc: string | null;
  method: string | null;
  method_notes_enc: string | null;
  planned_publication_on: OptionalDate;
  advance_copy_to: ColumnType<string[], string | undefined, string>;
  publication_decision: string | null;
  publication_reasons_enc: string | null;
  version: Generated<number>;
  updated_by: string | null;
  updated_at: Generated<Date>;
}

export interface ReviewEntriesTable {
  id: Generated<string>;
  incident_id: string;
  partnership_id: string;
  kind: string;
  on_date: DateColumn;
  done_on: OptionalDate;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  notes_enc: string | null;
  created_by: string | null;
  created_by_name: string | null;
  created_at: Generated<Date>;
}

export interface ReviewReportsTable {
  id: Generated<string>;
  incident_id: string;
  partnership_id: string;
  kind: 'draft' | 'final';
  version: number;
  file_sha256: string;
  file_name: string;
  file_type: 'pdf' | 'docx';
  file_size: number;
  uploaded_by: string | null;
  uploaded_by_name: string | null;
  uploaded_at: Generated<Date>;
}

export interface PublicationDraftsTable {
  incident_id: string;
  partnership_id: string;
  content_enc: string;
  overrides: ColumnType<Record<string, unknown>[], string | undefined, string>;
  version: Generated<number>;
  updated_by: string | null;
  updated_at: Generated<Date>;
}

export interface ThemesTable {
  key: string;
  label: string;
  retired: Generated<boolean>;
  created_at: Generated<Date>;
}

export interface PublicationsTable {
  id: Generated<string>;
  partnership_id: string;
  incident_id: string | null;
  source: 'review' | 'import';
  slug: string;
  title: string;
  summary: string;
  review_type: string;
  themes: ColumnType<string[], string, string>;
  age_band: string | null;
  harm_type: string | null;
  review_started_on: ColumnType<string | null, string | null | undefined, string | null>;
  review_completed_on: ColumnType<string | null, string | null | undefined, string | null>;
  published_on: ColumnType<string, string, string>;
  withdrawable_on: ColumnType<string, string, string>;
  improvements_only: Generated<boolean>;
  learning: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  briefing: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  file_sha256: string | null;
  file_name: string | null;
  file_type: 'pdf' | 'docx' | null;
  file_size: number | null;
  page_count: number | null;
  file_withdrawn_on: ColumnType<string | null, string | null | undefined, string | null>;
  file_withdrawn_reason: string | null;
  published_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  /** Set by cspr_index_publications from the publication and its chunks. */
  meta_tsv: ColumnType<string | null, never, never>;
}

/** What search matches and counts, one narrow row per publication; written by cspr_index_publications. */
export interface PublicationSearchTable {
  publication_id: ColumnType<string, never, never>;
  published_on: ColumnType<string, never, never>;
  year: ColumnType<number, never, never>;
  review_type: ColumnType<string, never, never>;
  age_band: ColumnType<string | null, never, never>;
  partnership_id: ColumnType<string, never, never>;
  themes: ColumnType<string[], never, never>;
  doc_tsv: ColumnType<string, never, never>;
  /** The row's handle in a search's matches (migration 0046). */
  ord: ColumnType<number, never, never>;
}

/** Each word of a publication's ranking vector with its share of the rank (migration 0042). */
export interface PublicationTermsTable {
  publication_id: string;
  lexeme: string;
  score: number;
}

export interface PublicationChunksTable {
  publication_id: string;
  seq: number;
  kind: 'summary' | 'learning' | 'briefing' | 'page';
  page: number | null;
  weight: 'A' | 'B' | 'C' | 'D';
  body: string;
  /** Computed by the database from body and weight. */
  tsv: ColumnType<string, never, never>;
}

export type FileBackend = 'database' | 's3';

export interface StoredFilesTable {
  sha256: string;
  size: number;
  chunk_size: number;
  chunks: number;
  /** The file's own key, wrapped by the master key; null for a file kept plain (public). */
  data_key_enc: string | null;
  backend: FileBackend;
  created_at: Generated<Date>;
}

export interface StoredFileChunksTable {
  sha256: string;
  n: number;
  data: Buffer;
}

export interface StoredFileMovesTable {
  sha256: string;
  moved_at: Generated<Date>;
  source: string;
}

export interface EncryptionKeysTable {
  state: 'current' | 'next';
  fingerprint: string;
  recorded_at: Generated<Date>;
}

export type ReportLicence = 'all-rights-reserved' | 'cc-by-4.0' | 'cc-by-nc-4.0' | 'cc-by-nc-nd-4.0';

export interface PartnershipBrandsTable {
  partnership_id: string;
  display_name: string | null;
  accent_colour: string | null;
  contact_email: string | null;
  contact_phone: string | null;
  contact_url: string | null;
  licence: Generated<ReportLicence>;
  logo: Buffer | null;
  logo_type: 'image/svg+xml' | 'image/png' | null;
  updated_at: Generated<Date>;
}

export interface PartnershipHostsTable {
  host: string;
  partnership_id: string;
  created_at: Generated<Date>;
}

export interface SearchWordsTable {
  word: string;
  publications: Generated<number>;
}

export interface RecommendationsTable {
  id: Generated<string>;
  partnership_id: string;
  incident_id: string | null;
  publication_id: string | null;
  number: string;
  text: string;
  made_on: ColumnType<string, string, string>;
  themes: ColumnType<string[], string, string>;
  agency_ids: ColumnType<string[], string, string>;
  response: 'accepted' | 'accepted-in-part' | 'not-accepted' | null;
  response_reasons: Generated<string>;
  version: Generated<number>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_by: string | null;
  updated_at: Generated<Date>;
}

export type ActionStatusValue = 'not-started' | 'in-progress' | 'completed' | 'impact-evaluated' | 'closed';

export interface RecommendationActionsTable {
  id: Generated<string>;
  partnership_id: string;
  recommendation_id: string;
  agency_id: string;
  lead_name: string;
  due_on: ColumnType<string, string, string>;
  intended_change: string;
  measure_of_success: string;
  status: Generated<ActionStatusValue>;
  completion_evidence_enc: string | null;
  impact_what_changed_enc: string | null;
  impact_evidence_enc: string | null;
  sent_back: Generated<boolean>;
  completion_imported: Generated<boolean>;
  version: Generated<number>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ReviewFindingsTable {
  id: Generated<string>;
  partnership_id: string;
  incident_id: string | null;
  publication_id: string | null;
  number: string;
  text: string;
  found_on: ColumnType<string, string, string>;
  themes: ColumnType<string[], string, string>;
  recommendation_ids: ColumnType<string[], string, string>;
  version: Generated<number>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_by: string | null;
  updated_at: Generated<Date>;
}

export interface ActionUpdatesTable {
  id: Generated<string>;
  partnership_id: string;
  action_id: string;
  step: 'created' | 'changed' | 'note' | 'start' | 'complete' | 'evaluate' | 'close' | 'send-back';
  from_status: ActionStatusValue | null;
  to_status: ActionStatusValue;
  text_enc: string | null;
  what_changed_enc: string | null;
  created_by: string | null;
  created_by_name: string | null;
  created_at: Generated<Date>;
}

export type LearningProductKind = 'seven-minute-briefing' | 'learning-on-a-page';
export type LearningProductStatus = 'draft' | 'in-review' | 'published';

export interface LearningProductsTable {
  id: Generated<string>;
  partnership_id: string;
  kind: LearningProductKind;
  title: string;
  slug: string;
  theme: string | null;
  sections: ColumnType<Record<string, string>, string, string>;
  status: Generated<LearningProductStatus>;
  public: Generated<boolean>;
  submitted_by: string | null;
  submitted_at: Date | null;
  approved_by: string | null;
  approved_by_name: string | null;
  approved_at: Date | null;
  published_at: Date | null;
  version: Generated<number>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** One saved version of a narrative section of a partnership's yearly report (never changed once saved). */
export interface YearlyReportSectionsTable {
  id: Generated<string>;
  partnership_id: string;
  period_from: string;
  section: string;
  version: number;
  body: string;
  written_by: string | null;
  written_by_name: string;
  written_at: Generated<Date>;
}

export interface LearningProductSourcesTable {
  id: Generated<string>;
  partnership_id: string;
  product_id: string;
  publication_id: string | null;
  incident_id: string | null;
}

export interface DistributionListsTable {
  id: Generated<string>;
  partnership_id: string;
  name: string;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface DistributionListMembersTable {
  id: Generated<string>;
  partnership_id: string;
  list_id: string;
  email: string;
  agency_id: string | null;
}

export interface LearningSendsTable {
  id: Generated<string>;
  partnership_id: string;
  product_id: string;
  list_id: string | null;
  list_name: string;
  follow_up_days: number;
  sent_by: string | null;
  sent_at: Generated<Date>;
}

export interface LearningRecipientsTable {
  id: Generated<string>;
  partnership_id: string;
  send_id: string;
  product_id: string;
  email: string;
  agency_id: string | null;
  token_hash: string;
  expires_at: Date;
  emailed_at: Date | null;
  first_opened_at: Date | null;
  opens: Generated<number>;
  acknowledged_at: Date | null;
  reflection_enc: string | null;
  follow_up_due_at: Date;
  follow_up_sent_at: Date | null;
  follow_up_token_hash: string | null;
  follow_up_answer_enc: string | null;
  follow_up_answered_at: Date | null;
}

/** Learning assurance (migrations/0035_learning_assurance.sql). */
export interface ActionEvidenceFilesTable {
  id: Generated<string>;
  partnership_id: string;
  action_id: string;
  stage: 'completion' | 'impact';
  sha256: string;
  name_enc: string;
  type: 'pdf' | 'docx' | 'xlsx' | 'png' | 'jpeg';
  size: number | string;
  uploaded_by: string | null;
  uploaded_by_name: string | null;
  created_at: Generated<Date>;
}

export interface ActionEscalationsTable {
  id: Generated<string>;
  partnership_id: string;
  action_id: string;
  level: 1 | 2;
  due_on: string;
  recipient_user_id: string | null;
  recipient_name: string;
  recipient_role: 'agency-contributor' | 'partnership-admin';
  sent_at: Generated<Date>;
}

export interface AssuranceChecksTable {
  id: Generated<string>;
  partnership_id: string;
  due_on: string;
  focus: Generated<string>;
  status: Generated<'scheduled' | 'recorded'>;
  checked_on: string | null;
  checked_by: string | null;
  checked_by_name: string | null;
  incident_ids: ColumnType<string[], string | undefined, string>;
  agency_ids: ColumnType<string[], string | undefined, string>;
  action_ids: ColumnType<string[], string | undefined, string>;
  result: 'assured' | 'partly-assured' | 'not-assured' | null;
  findings_enc: string | null;
  next_due_on: string | null;
  created_by: string | null;
  created_at: Generated<Date>;
  recorded_at: Date | null;
}

/** Tasks handed to people, their emails and each person's choice (migrations/0034_tasks.sql). */
export type TaskKind = 'agency-request-sent' | 'agency-request-answered' | 'sign-off-awaited' | 'reviewer-chosen' | 'action-assigned';

export interface TasksTable {
  id: Generated<string>;
  partnership_id: string;
  kind: TaskKind;
  subject_id: string;
  incident_id: string | null;
  for_user_id: string | null;
  for_role: 'partnership-admin' | 'partner-lead' | 'agency-contributor' | 'reviewer' | null;
  for_agency_id: string | null;
  due_on: string | null;
  created_by: string | null;
  created_at: Generated<Date>;
  done_at: Date | null;
  done_by: string | null;
}

export interface TaskEmailsTable {
  id: Generated<string>;
  partnership_id: string;
  task_id: string;
  user_id: string;
  claimed_at: Date | null;
  sent_at: Date | null;
  dropped_at: Date | null;
  created_at: Generated<Date>;
}

export interface TaskPreferencesTable {
  user_id: string;
  kind: TaskKind;
  mode: 'immediate' | 'digest';
  updated_at: Generated<Date>;
}

export interface TaskDigestSendsTable {
  user_id: string;
  sent_on: string;
  created_at: Generated<Date>;
}

export interface DB {
  schema_migrations: SchemaMigrationsTable;
  partnerships: PartnershipsTable;
  agencies: AgenciesTable;
  users: UsersTable;
  role_assignments: RoleAssignmentsTable;
  sessions: SessionsTable;
  unsent_forms: UnsentFormsTable;
  recovery_codes: RecoveryCodesTable;
  email_tokens: EmailTokensTable;
  api_tokens: ApiTokensTable;
  sso_providers: SsoProvidersTable;
  sso_identities: SsoIdentitiesTable;
  role_offers: RoleOffersTable;
  audit_events: AuditEventsTable;
  audit_checkpoints: AuditCheckpointsTable;
  incidents: IncidentsTable;
  incident_children: IncidentChildrenTable;
  case_events: CaseEventsTable;
  clock_pauses: ClockPausesTable;
  case_clock_sets: CaseClockSetsTable;
  case_clocks: CaseClocksTable;
  referrals: ReferralsTable;
  clock_rules: ClockRulesTable;
  bank_holidays: BankHolidaysTable;
  rapid_reviews: RapidReviewsTable;
  rapid_review_meetings: RapidReviewMeetingsTable;
  rapid_review_sign_offs: RapidReviewSignOffsTable;
  agency_requests: AgencyRequestsTable;
  calendar_feeds: CalendarFeedsTable;
  reminder_sends: ReminderSendsTable;
  reviews: ReviewsTable;
  review_entries: ReviewEntriesTable;
  review_reports: ReviewReportsTable;
  publication_drafts: PublicationDraftsTable;
  themes: ThemesTable;
  publications: PublicationsTable;
  publication_chunks: PublicationChunksTable;
  publication_terms: PublicationTermsTable;
  publication_search: PublicationSearchTable;
  stored_files: StoredFilesTable;
  stored_file_chunks: StoredFileChunksTable;
  stored_file_moves: StoredFileMovesTable;
  encryption_keys: EncryptionKeysTable;
  partnership_brands: PartnershipBrandsTable;
  partnership_hosts: PartnershipHostsTable;
  search_words: SearchWordsTable;
  recommendations: RecommendationsTable;
  recommendation_actions: RecommendationActionsTable;
  review_findings: ReviewFindingsTable;
  action_updates: ActionUpdatesTable;
  learning_products: LearningProductsTable;
  learning_product_sources: LearningProductSourcesTable;
  distribution_lists: DistributionListsTable;
  distribution_list_members: DistributionListMembersTable;
  learning_sends: LearningSendsTable;
  learning_recipients: LearningRecipientsTable;
  action_evidence_files: ActionEvidenceFilesTable;
  action_escalations: ActionEscalationsTable;
  assurance_checks: AssuranceChecksTable;
  tasks: TasksTable;
  task_emails: TaskEmailsTable;
  task_preferences: TaskPreferencesTable;
  task_digest_sends: TaskDigestSendsTable;
  yearly_report_sections: YearlyReportSectionsTable;
}
