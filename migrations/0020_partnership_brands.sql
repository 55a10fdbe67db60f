-- Each partnership's own brand for its public pages (features/partnerships/brand.ts): the name
-- shown, a logo (sanitised SVG or PNG), an accent colour whose text contrast was checked
-- (domain/brand/colour-contrast.ts), contact details and the licence its reports are published
-- under. Public: read without a tenant to draw the partnership's public pages.
create table partnership_brands (
  partnership_id uuid primary key references partnerships (id) on delete cascade,
  display_name text check (length(display_name) between 1 and 200),
  accent_colour text check (accent_colour ~ '^#[0-9a-f]{6}$'),
  contact_email text check (length(contact_email) <= 254),
  contact_phone text check (length(contact_phone) <= 40),
  contact_url text check (length(contact_url) <= 500 and contact_url ~ '^https://'),
  licence text not null default 'all-rights-reserved'
    check (licence in ('all-rights-reserved', 'cc-by-4.0', 'cc-by-nc-4.0', 'cc-by-nc-nd-4.0')),
  logo bytea check (octet_length(logo) <= 204800),
  logo_type text check (logo_type in ('image/svg+xml', 'image/png')),
  check ((logo is null) = (logo_type is null)),
  updated_at timestamptz not null default now()
);

-- The host names a partnership's public pages answer on (reviews.<their domain>): a request whose
-- Host header names one sees that partnership's repository alone. One partnership per host name.
create table partnership_hosts (
  host text primary key check (length(host) <= 253 and host ~ '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$'),
  partnership_id uuid not null references partnerships (id) on delete cascade,
  created_at timestamptz not null default now()
);
create index partnership_hosts_partnership on partnership_hosts (partnership_id);

-- Changes to a brand or its host names commit only with their audit entry (as in migration 0014).
create constraint trigger audited_change after insert or update or delete on partnership_brands
  deferrable initially deferred for each row
  when (current_setting('cspr.audit_required', true) = 'on')
  execute function cspr_require_audit();
create constraint trigger audited_change after insert or update or delete on partnership_hosts
  deferrable initially deferred for each row
  when (current_setting('cspr.audit_required', true) = 'on')
  execute function cspr_require_audit();
