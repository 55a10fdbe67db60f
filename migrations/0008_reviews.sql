-- Conducting a review after the decision to hold one: the review itself (its type, lead reviewer,
-- terms of reference, method, the advance copy's recipients and the publication decision), its log
-- (milestones, practitioner events, contact with the family, the partners' monitoring of time and
-- quality under regulation 14, delays), and the draft and final report versions. Case data: every
-- table carries partnership_id and the forced tenant policy of 0003; free text that may hold
-- identifying details is stored encrypted (_enc).

create table reviews (
  incident_id uuid primary key,
  partnership_id uuid not null references partnerships(id),
  review_type text not null check (review_type in ('local-cspr', 'national', 'scr', 'deep-dive', 'practice-learning', 'thematic')),
  -- a user holding the reviewer role in the partnership; they see this review and no other
  lead_reviewer_id uuid references users(id) on delete set null,
  -- terms of reference
  scope_from date,
  scope_to date,
  lines_of_enquiry_enc text,
  method text check (method in ('systems', 'learning-together', 'appreciative-inquiry', 'significant-event', 'practice-learning', 'other')),
  method_notes_enc text,
  planned_publication_on date,
  -- who the advance copy of the final report goes to: panel, secretary-of-state, ofsted
  advance_copy_to jsonb not null default '[]'::jsonb check (jsonb_typeof(advance_copy_to) = 'array'),
  publication_decision text check (publication_decision in ('full-report', 'improvements-only')),
  publication_reasons_enc text,
  version integer not null default 1 check (version > 0),
  updated_by uuid references users(id) on delete set null,
  updated_at timestamptz not null default now(),
  check (scope_to is null or scope_from is null or scope_to >= scope_from),
  foreign key (incident_id, partnership_id) references incidents(id, partnership_id) on delete cascade
);
create index reviews_partnership on reviews (partnership_id);
create index reviews_lead_reviewer on reviews (lead_reviewer_id);

-- The review's log, one row per entry. kind: milestone, practitioner-event, family-contact,
-- monitoring, delay. on_date is the entry's date (a milestone's due date, a delay's start);
-- done_on is when a milestone was met or a delay ended. details holds the kind's other,
-- non-identifying answers (ratings, categories, whether the Panel was told); notes are encrypted.
create table review_entries (
  id uuid primary key default gen_random_uuid(),
  incident_id uuid not null,
  partnership_id uuid not null references partnerships(id),
  kind text not null check (kind in ('milestone', 'practitioner-event', 'family-contact', 'monitoring', 'delay')),
  on_date date not null,
  done_on date,
  details jsonb not null default '{}'::jsonb check (jsonb_typeof(details) = 'object'),
  notes_enc text,
  created_by uuid references users(id) on delete set null,
  created_by_name text,
  created_at timestamptz not null default now(),
  -- a milestone may be met before it is due; a delay cannot end before it began
  check (done_on is null or kind = 'milestone' or done_on >= on_date),
  foreign key (incident_id, partnership_id) references incidents(id, partnership_id) on delete cascade
);
create index review_entries_incident on review_entries (incident_id, kind, on_date);
create index review_entries_partnership on review_entries (partnership_id);

-- Draft and final versions of the report, numbered per kind. Files are kept by content hash.
create table review_reports (
  id uuid primary key default gen_random_uuid(),
  incident_id uuid not null,
  partnership_id uuid not null references partnerships(id),
  kind text not null check (kind in ('draft', 'final')),
  version integer not null check (version > 0),
  file_sha256 text not null check (file_sha256 ~ '^[0-9a-f]{64}$'),
  file_name text not null check (length(file_name) between 1 and 200),
  file_type text not null check (file_type in ('pdf', 'docx')),
  file_size integer not null check (file_size > 0),
  uploaded_by uuid references users(id) on delete set null,
  uploaded_by_name text,
  uploaded_at timestamptz not null default now(),
  unique (incident_id, kind, version),
  foreign key (incident_id, partnership_id) references incidents(id, partnership_id) on delete cascade
);
create index review_reports_partnership on review_reports (partnership_id);

alter table reviews enable row level security;
alter table reviews force row level security;
create policy tenant_rows on reviews using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

alter table review_entries enable row level security;
alter table review_entries force row level security;
create policy tenant_rows on review_entries using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

alter table review_reports enable row level security;
alter table review_reports force row level security;
create policy tenant_rows on review_reports using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));
