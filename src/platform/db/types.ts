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
  failed_sign_ins: Generated<number>;
  locked_until: Date | null;
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

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  two_factor_at: Date | null;
  ip: string | null;
  user_agent: string | null;
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
}

export interface SsoProvidersTable {
  partnership_id: string;
  issuer: string;
  client_id: string;
  client_secret_enc: string;
  email_domain: string;
  enabled: Generated<boolean>;
  created_at: Generated<Date>;
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

export interface DB {
  schema_migrations: SchemaMigrationsTable;
  partnerships: PartnershipsTable;
  agencies: AgenciesTable;
  users: UsersTable;
  role_assignments: RoleAssignmentsTable;
  sessions: SessionsTable;
  recovery_codes: RecoveryCodesTable;
  email_tokens: EmailTokensTable;
  api_tokens: ApiTokensTable;
  sso_providers: SsoProvidersTable;
  sso_identities: SsoIdentitiesTable;
  audit_events: AuditEventsTable;
}
