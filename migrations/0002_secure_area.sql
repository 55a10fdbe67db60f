-- The secure area: agencies, users and their roles, sessions, tokens, single sign-on and the audit trail.

create table agencies (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  -- The three statutory partners, and the relevant agencies that contribute to reviews.
  kind text not null check (kind in ('local-authority', 'police', 'icb', 'relevant-agency')),
  created_at timestamptz not null default now(),
  unique (partnership_id, name)
);
create index agencies_partnership on agencies (partnership_id);

create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null unique check (email = lower(email) and length(email) between 3 and 254),
  name text not null check (length(name) between 1 and 200),
  -- null until the person sets one (an invitation not yet accepted, or single sign-on only)
  password_hash text,
  password_changed_at timestamptz,
  -- TOTP secret, encrypted with the data key; enabled once the person proved they hold it
  totp_secret_enc text,
  totp_enabled boolean not null default false,
  -- the last time step accepted, so a code cannot be replayed
  totp_last_step bigint,
  failed_sign_ins integer not null default 0,
  locked_until timestamptz,
  disabled_at timestamptz,
  created_at timestamptz not null default now()
);

create table role_assignments (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users(id) on delete cascade,
  role text not null check (role in ('partnership-admin', 'partner-lead', 'agency-contributor', 'reviewer', 'panel-viewer', 'system-admin')),
  partnership_id uuid references partnerships(id) on delete cascade,
  agency_id uuid references agencies(id) on delete cascade,
  created_at timestamptz not null default now(),
  -- national and deployment roles belong to no partnership; every other role to exactly one
  check ((role in ('panel-viewer', 'system-admin')) = (partnership_id is null)),
  check (role <> 'agency-contributor' or agency_id is not null),
  check (agency_id is null or partnership_id is not null)
);
create unique index role_assignments_unique on role_assignments (
  user_id, role,
  coalesce(partnership_id, '00000000-0000-0000-0000-000000000000'::uuid),
  coalesce(agency_id, '00000000-0000-0000-0000-000000000000'::uuid)
);
create index role_assignments_partnership on role_assignments (partnership_id);

create table sessions (
  -- sha-256 of the cookie value: a copied table cannot be replayed as cookies
  id_hash text primary key,
  user_id uuid not null references users(id) on delete cascade,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  -- when the second factor was passed in this session (null: password only so far)
  two_factor_at timestamptz,
  ip text,
  user_agent text
);
create index sessions_user on sessions (user_id);

create table recovery_codes (
  user_id uuid not null references users(id) on delete cascade,
  code_hash text not null,
  used_at timestamptz,
  primary key (user_id, code_hash)
);

-- Single-use links sent by email: password reset and invitations.
create table email_tokens (
  token_hash text primary key,
  user_id uuid not null references users(id) on delete cascade,
  purpose text not null check (purpose in ('password-reset', 'invitation')),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index email_tokens_user on email_tokens (user_id);

create table api_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users(id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  token_hash text not null unique,
  -- the first characters, shown so a person can tell tokens apart
  prefix text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_tokens_user on api_tokens (user_id);

-- OpenID Connect single sign-on, configured per partnership (e.g. Microsoft Entra ID).
create table sso_providers (
  partnership_id uuid primary key references partnerships(id) on delete cascade,
  issuer text not null,
  client_id text not null,
  client_secret_enc text not null,
  -- people whose email ends with this domain may sign in through this provider
  email_domain text not null,
  enabled boolean not null default true,
  created_at timestamptz not null default now()
);

create table sso_identities (
  issuer text not null,
  subject text not null,
  user_id uuid not null references users(id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (issuer, subject)
);

-- The audit trail: append-only, each entry chained to the one before by its hash.
create table audit_events (
  seq bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor_id uuid,
  actor_email text,
  actor_role text,
  partnership_id uuid,
  action text not null,
  record_type text,
  record_id text,
  changes jsonb,
  outcome text not null default 'allowed' check (outcome in ('allowed', 'refused', 'failed')),
  ip text,
  request_id text,
  prev_hash text not null,
  hash text not null unique
);
create index audit_events_record on audit_events (record_type, record_id);
create index audit_events_actor on audit_events (actor_id);
create index audit_events_partnership on audit_events (partnership_id, seq);

create function audit_events_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'the audit trail is append-only';
end;
$$;
create trigger audit_events_no_change before update or delete on audit_events
  for each row execute function audit_events_append_only();
