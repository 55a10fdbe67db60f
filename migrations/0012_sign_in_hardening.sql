-- Sign-in hardening: each factor counted on its own, scoped and expiring API tokens, single
-- sign-on limited to the partnership whose provider vouched, provider domains approved by a
-- system administrator, and roles offered to existing accounts rather than granted.

-- Wrong passwords stay in failed_sign_ins/locked_until; wrong security or recovery codes have
-- their own count and lock, so a correct password never clears the codes' count (and a password
-- reset, which proves only the mailbox, never clears the codes' lock).
alter table users add column failed_codes integer not null default 0;
alter table users add column codes_locked_until timestamptz;

-- A session that single sign-on started carries only the roles of that provider's partnership.
alter table sessions add column limited_to_partnership uuid references partnerships(id) on delete cascade;

-- API tokens: what they may do, until when, and (made in a single sign-on session) in which
-- partnership. Tokens made before scopes existed could change data: they keep 'write' and
-- expire 90 days after this migration.
alter table api_tokens add column scope text not null default 'write' check (scope in ('read', 'write'));
alter table api_tokens add column expires_at timestamptz not null default (now() + interval '90 days');
alter table api_tokens add column limited_to_partnership uuid references partnerships(id) on delete cascade;

-- A provider's claim to an email domain (with its issuer) counts only once a system
-- administrator approved it; a partnership administrator changing either withdraws the approval.
-- Claims made before this rule were never checked: they wait for approval too.
alter table sso_providers add column approved_at timestamptz;
alter table sso_providers add column approved_by uuid references users(id) on delete set null;
create unique index sso_providers_approved_domain on sso_providers (email_domain) where approved_at is not null;

-- A role offered to a person who already has an account: it is theirs only once they accept it,
-- signed in with their own credentials.
create table role_offers (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users(id) on delete cascade,
  role text not null check (role in ('partnership-admin', 'partner-lead', 'agency-contributor', 'reviewer', 'panel-viewer', 'system-admin')),
  partnership_id uuid references partnerships(id) on delete cascade,
  agency_id uuid references agencies(id) on delete cascade,
  offered_by uuid references users(id) on delete set null,
  offered_by_name text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  -- set when the person accepts or declines; an open offer has neither
  accepted_at timestamptz,
  declined_at timestamptz,
  -- the same shape as role_assignments
  check ((role in ('panel-viewer', 'system-admin')) = (partnership_id is null)),
  check (role <> 'agency-contributor' or agency_id is not null),
  check (agency_id is null or partnership_id is not null)
);
create index role_offers_user on role_offers (user_id);
create index role_offers_partnership on role_offers (partnership_id);
