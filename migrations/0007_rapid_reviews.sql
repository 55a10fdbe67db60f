-- The rapid review of a notified incident: requests to agencies for their summary and chronology
-- (with their answers and files), the record (meetings, immediate safety actions, learning,
-- equality considerations), the decision recommended to the Panel, the three statutory partners'
-- sign-offs, and the Panel's response. Every table carries partnership_id and the forced tenant
-- policy of 0003. Free text that may hold identifying details is stored encrypted (_enc).

create table rapid_reviews (
  incident_id uuid primary key,
  partnership_id uuid not null references partnerships(id),
  safety_actions_enc text,
  learning_enc text,
  equality_racism_enc text,
  equality_inequalities_enc text,
  equality_disability_enc text,
  decision text check (decision in ('local-review', 'no-local-review', 'national-review', 'alternative-review')),
  alternative_kind text check (alternative_kind in ('deep-dive', 'practice-learning-review')),
  decision_reasons_enc text,
  criteria jsonb not null default '[]'::jsonb check (jsonb_typeof(criteria) = 'array'),
  decided_on date,
  sent_on date,
  panel_response text check (panel_response in ('agree', 'disagree', 'national-review')),
  panel_response_on date,
  updated_by uuid references users(id) on delete set null,
  updated_at timestamptz not null default now(),
  check ((decision = 'alternative-review') = (alternative_kind is not null) or decision is null),
  check ((panel_response is null) = (panel_response_on is null)),
  foreign key (incident_id, partnership_id) references incidents(id, partnership_id) on delete cascade
);
create index rapid_reviews_partnership on rapid_reviews (partnership_id);

create table rapid_review_meetings (
  id uuid primary key default gen_random_uuid(),
  incident_id uuid not null,
  partnership_id uuid not null references partnerships(id),
  held_on date not null,
  -- roles, not names: "LA head of service, police DI, designated nurse"
  attendee_roles text not null check (length(attendee_roles) between 1 and 2000),
  notes_enc text,
  created_by uuid references users(id) on delete set null,
  created_at timestamptz not null default now(),
  foreign key (incident_id, partnership_id) references incidents(id, partnership_id) on delete cascade
);
create index rapid_review_meetings_incident on rapid_review_meetings (incident_id, held_on);
create index rapid_review_meetings_partnership on rapid_review_meetings (partnership_id);

-- One sign-off per statutory partner; cleared when the decision changes.
create table rapid_review_sign_offs (
  incident_id uuid not null,
  partnership_id uuid not null references partnerships(id),
  partner text not null check (partner in ('local-authority', 'police', 'icb')),
  user_id uuid references users(id) on delete set null,
  signer_name text not null,
  signed_at timestamptz not null default now(),
  primary key (incident_id, partner),
  foreign key (incident_id, partnership_id) references incidents(id, partnership_id) on delete cascade
);
create index rapid_review_sign_offs_partnership on rapid_review_sign_offs (partnership_id);

create table agency_requests (
  id uuid primary key default gen_random_uuid(),
  incident_id uuid not null,
  partnership_id uuid not null references partnerships(id),
  agency_id uuid not null references agencies(id),
  requested_on date not null,
  due_on date not null check (due_on >= requested_on),
  requested_by uuid references users(id) on delete set null,
  -- the answer
  involvement_enc text,
  episodes_enc text,
  answer_enc text,
  file_sha256 text check (file_sha256 ~ '^[0-9a-f]{64}$'),
  file_name text check (length(file_name) <= 200),
  file_type text check (file_type in ('pdf', 'docx')),
  file_size integer check (file_size > 0),
  responded_by uuid references users(id) on delete set null,
  responded_at timestamptz,
  created_at timestamptz not null default now(),
  unique (incident_id, agency_id),
  foreign key (incident_id, partnership_id) references incidents(id, partnership_id) on delete cascade
);
create index agency_requests_agency on agency_requests (agency_id);
create index agency_requests_partnership on agency_requests (partnership_id);

alter table rapid_reviews enable row level security;
alter table rapid_reviews force row level security;
create policy tenant_rows on rapid_reviews using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

alter table rapid_review_meetings enable row level security;
alter table rapid_review_meetings force row level security;
create policy tenant_rows on rapid_review_meetings using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

alter table rapid_review_sign_offs enable row level security;
alter table rapid_review_sign_offs force row level security;
create policy tenant_rows on rapid_review_sign_offs using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

alter table agency_requests enable row level security;
alter table agency_requests force row level security;
create policy tenant_rows on agency_requests using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));
