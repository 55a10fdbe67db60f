-- What a partnership prepares to publish from a completed review: title, summary, Learning on a
-- Page, 7-minute briefing, themes and the other names to look for, kept encrypted as one JSON
-- document until it is published (before the anonymisation guard has passed it, it may hold
-- identifying details), and the guard's findings that a partnership admin overrode, with reasons.
-- Case data: tenant policy as in 0003.

create table publication_drafts (
  incident_id uuid primary key,
  partnership_id uuid not null references partnerships(id),
  content_enc text not null,
  -- [{ fingerprint, kind, source, page, line, reason, byId, byName, at }]: never the matched text
  overrides jsonb not null default '[]'::jsonb check (jsonb_typeof(overrides) = 'array'),
  version integer not null default 1 check (version > 0),
  updated_by uuid references users(id) on delete set null,
  updated_at timestamptz not null default now(),
  foreign key (incident_id, partnership_id) references incidents(id, partnership_id) on delete cascade
);
create index publication_drafts_partnership on publication_drafts (partnership_id);

alter table publication_drafts enable row level security;
alter table publication_drafts force row level security;
create policy tenant_rows on publication_drafts using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));
