-- Learning products in their own right (Working Together 2023, chapter 5: partners make sure
-- findings make a real difference to practice): thematic 7-minute briefings and Learning on a
-- Page documents that draw on several reviews, written, reviewed and published from the service,
-- and their reach: distribution lists, one link a recipient, opens (the person's own click),
-- acknowledgements and the follow-up question on what changed in practice. Case data of a
-- partnership: every table carries partnership_id, the forced tenant policy of 0003 and the
-- audited_change trigger of 0014.

create table learning_products (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id),
  kind text not null check (kind in ('seven-minute-briefing', 'learning-on-a-page')),
  title text not null check (length(title) between 1 and 200),
  -- the address of the public page once published: unique across the repository
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 120),
  theme text,
  -- the written sections, by key (background, why-it-matters, …): texts written for practitioners
  sections jsonb not null default '{}'::jsonb check (jsonb_typeof(sections) = 'object'),
  status text not null default 'draft' check (status in ('draft', 'in-review', 'published')),
  -- shown on the public learning pages once published; otherwise to the partnership's staff only
  public boolean not null default false,
  submitted_by uuid references users(id) on delete set null,
  submitted_at timestamptz,
  approved_by uuid references users(id) on delete set null,
  approved_by_name text,
  approved_at timestamptz,
  published_at timestamptz,
  check (status <> 'published' or (approved_at is not null and published_at is not null)),
  version integer not null default 1 check (version > 0),
  created_by uuid references users(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (id, partnership_id)
);
create index learning_products_partnership on learning_products (partnership_id, status);
create index learning_products_public on learning_products (published_at) where status = 'published' and public;

-- The reviews a product draws on: a published review in the repository (a local or national
-- review, by its publication) and/or a case of the partnership.
create table learning_product_sources (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id),
  product_id uuid not null,
  publication_id uuid references publications(id) on delete cascade,
  incident_id uuid,
  check (publication_id is not null or incident_id is not null),
  foreign key (product_id, partnership_id) references learning_products(id, partnership_id) on delete cascade,
  foreign key (incident_id, partnership_id) references incidents(id, partnership_id) on delete cascade
);
create unique index learning_product_sources_publication on learning_product_sources (product_id, publication_id) where publication_id is not null;
create unique index learning_product_sources_incident on learning_product_sources (product_id, incident_id) where incident_id is not null;

create table distribution_lists (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id),
  name text not null check (length(name) between 1 and 200),
  version integer not null default 1 check (version > 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (id, partnership_id),
  unique (partnership_id, name)
);

create table distribution_list_members (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id),
  list_id uuid not null,
  email text not null check (length(email) between 3 and 254),
  agency_id uuid references agencies(id) on delete set null,
  foreign key (list_id, partnership_id) references distribution_lists(id, partnership_id) on delete cascade,
  unique (list_id, email)
);

-- A product sent to a list: the follow-up question goes after follow_up_days.
create table learning_sends (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id),
  product_id uuid not null,
  list_id uuid,
  list_name text not null,
  follow_up_days integer not null check (follow_up_days between 1 and 365),
  sent_by uuid references users(id) on delete set null,
  sent_at timestamptz not null default now(),
  unique (id, partnership_id),
  foreign key (product_id, partnership_id) references learning_products(id, partnership_id) on delete cascade
);

-- One row a person a product went to: their link (its SHA-256 only), and what they did with it.
-- A product goes to an address once, whatever the lists it is on.
create table learning_recipients (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id),
  send_id uuid not null,
  product_id uuid not null,
  email text not null,
  agency_id uuid references agencies(id) on delete set null,
  token_hash text not null unique,
  expires_at timestamptz not null,
  emailed_at timestamptz,
  first_opened_at timestamptz,
  opens integer not null default 0,
  acknowledged_at timestamptz,
  reflection_enc text,
  follow_up_due_at timestamptz not null,
  follow_up_sent_at timestamptz,
  -- the follow-up email carries a link of its own (the first link's token is kept only as a hash)
  follow_up_token_hash text unique,
  follow_up_answer_enc text,
  follow_up_answered_at timestamptz,
  foreign key (send_id, partnership_id) references learning_sends(id, partnership_id) on delete cascade,
  foreign key (product_id, partnership_id) references learning_products(id, partnership_id) on delete cascade,
  unique (product_id, email)
);
create index learning_recipients_follow_up on learning_recipients (follow_up_due_at) where acknowledged_at is not null and follow_up_sent_at is null;

alter table learning_products enable row level security;
alter table learning_products force row level security;
create policy tenant_rows on learning_products using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));
alter table learning_product_sources enable row level security;
alter table learning_product_sources force row level security;
create policy tenant_rows on learning_product_sources using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));
alter table distribution_lists enable row level security;
alter table distribution_lists force row level security;
create policy tenant_rows on distribution_lists using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));
alter table distribution_list_members enable row level security;
alter table distribution_list_members force row level security;
create policy tenant_rows on distribution_list_members using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));
alter table learning_sends enable row level security;
alter table learning_sends force row level security;
create policy tenant_rows on learning_sends using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));
alter table learning_recipients enable row level security;
alter table learning_recipients force row level security;
create policy tenant_rows on learning_recipients using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

-- Every change is recorded in the audit trail, in the same transaction (see 0014).
create constraint trigger audited_change after insert or update or delete on learning_products
  deferrable initially deferred for each row when (current_setting('cspr.audit_required', true) = 'on') execute function cspr_require_audit();
create constraint trigger audited_change after insert or update or delete on learning_product_sources
  deferrable initially deferred for each row when (current_setting('cspr.audit_required', true) = 'on') execute function cspr_require_audit();
create constraint trigger audited_change after insert or update or delete on distribution_lists
  deferrable initially deferred for each row when (current_setting('cspr.audit_required', true) = 'on') execute function cspr_require_audit();
create constraint trigger audited_change after insert or update or delete on distribution_list_members
  deferrable initially deferred for each row when (current_setting('cspr.audit_required', true) = 'on') execute function cspr_require_audit();
create constraint trigger audited_change after insert or update or delete on learning_sends
  deferrable initially deferred for each row when (current_setting('cspr.audit_required', true) = 'on') execute function cspr_require_audit();
create constraint trigger audited_change after insert or update or delete on learning_recipients
  deferrable initially deferred for each row when (current_setting('cspr.audit_required', true) = 'on') execute function cspr_require_audit();
