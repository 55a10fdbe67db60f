-- The statutory workflow: referrals, incidents (serious incident notifications and what follows),
-- the children they concern, the timeline of each case and paused clocks.
-- Every table holds a partnership's case data: it carries partnership_id and the forced tenant
-- policy of 0003. Identifying details (names, dates of birth, NHS numbers, addresses, family
-- names, free text that may hold them) are stored encrypted (columns ending _enc).

create table incidents (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id),
  -- e.g. NM-2026-003: prefix, year recorded, number within the partnership and year
  reference text not null check (reference ~ '^[A-Z]{1,6}-[0-9]{4}-[0-9]{3,}$'),
  reference_year integer not null check (reference_year between 2000 and 9999),
  reference_number integer not null check (reference_number > 0),
  state text not null check (state in (
    'recorded', 'notified', 'rapid-review', 'decision', 'local-review', 'alternative-review',
    'no-review', 'completed', 'published', 'not-notifiable', 'closed')),
  -- what happened
  outcome text not null check (outcome in ('died', 'serious-harm', 'other')),
  abuse_or_neglect text not null check (abuse_or_neglect in ('known', 'suspected', 'not-suspected')),
  location text not null check (location in ('in-area', 'outside-england-normally-resident', 'elsewhere-in-england')),
  -- any child of the incident was looked after / a care leaver (kept in step with incident_children)
  looked_after boolean not null default false,
  care_leaver boolean not null default false,
  incident_on date,
  aware_on date not null,
  -- what is known so far, for the notification (free text: may hold identifying details)
  what_is_known_enc text,
  -- agencies of the partnership involved with the child or family, and any others by name
  agency_ids jsonb not null default '[]'::jsonb check (jsonb_typeof(agency_ids) = 'array'),
  other_agencies text not null default '' check (length(other_agencies) <= 1000),
  -- steps of the statutory workflow, each recorded with its date
  notified_on date,
  panel_reference text check (length(panel_reference) <= 100),
  partners_informed_on date,
  ofsted_sos_notified_on date,
  rapid_review_sent_on date,
  review_decision text check (review_decision in ('local-review', 'alternative-review', 'no-review')),
  decision_on date,
  completed_on date,
  advance_copy_sent_on date,
  published_on date,
  closed_on date,
  -- the clock rules the case is judged under, copied when it was recorded (key + version + rule)
  clock_rules jsonb not null check (jsonb_typeof(clock_rules) = 'array'),
  -- optimistic locking: every change adds one; a form sent against an older version is a conflict
  version integer not null default 1 check (version > 0),
  created_by uuid references users(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_by uuid references users(id) on delete set null,
  updated_at timestamptz not null default now(),
  unique (partnership_id, reference),
  unique (partnership_id, reference_year, reference_number),
  -- children, events and pauses name the incident and its partnership together
  unique (id, partnership_id),
  check (notified_on is null or notified_on >= aware_on)
);
create index incidents_partnership_state on incidents (partnership_id, state);

create table incident_children (
  id uuid primary key default gen_random_uuid(),
  incident_id uuid not null,
  partnership_id uuid not null references partnerships(id),
  position integer not null check (position > 0),
  -- used everywhere the child is named outside the identifying details, e.g. "Child K"
  pseudonym text not null check (length(pseudonym) between 1 and 60),
  name_enc text,
  date_of_birth_enc text,
  nhs_number_enc text,
  address_enc text,
  family_names_enc text,
  gender text check (gender in ('female', 'male', 'other', 'not-known')),
  age_at_incident integer check (age_at_incident between 0 and 30),
  age_band text check (age_band in ('unborn', 'under-1', '1-4', '5-9', '10-15', '16-17', '18-24')),
  looked_after boolean not null default false,
  care_leaver boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (incident_id, partnership_id) references incidents(id, partnership_id) on delete cascade,
  unique (incident_id, position)
);
create index incident_children_partnership on incident_children (partnership_id);

-- The timeline of a case: every transition and recorded step, in order.
create table case_events (
  seq bigint generated always as identity primary key,
  incident_id uuid not null,
  partnership_id uuid not null references partnerships(id),
  kind text not null check (kind ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  actor_id uuid references users(id) on delete set null,
  -- the person's name when they acted (people change names and leave)
  actor_name text,
  from_state text,
  to_state text,
  note text check (length(note) <= 5000),
  -- non-identifying particulars: dates recorded, names of fields changed, the clock paused
  details jsonb,
  at timestamptz not null default now(),
  foreign key (incident_id, partnership_id) references incidents(id, partnership_id) on delete cascade
);
create index case_events_incident on case_events (incident_id, seq);
create index case_events_partnership on case_events (partnership_id);

-- A clock stopped for a reason (parallel criminal proceedings, an inquest), and when it restarted.
create table clock_pauses (
  id uuid primary key default gen_random_uuid(),
  incident_id uuid not null,
  partnership_id uuid not null references partnerships(id),
  clock_key text not null check (clock_key ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  paused_on date not null,
  resumed_on date,
  reason text not null check (length(reason) between 1 and 2000),
  paused_by uuid references users(id) on delete set null,
  resumed_by uuid references users(id) on delete set null,
  created_at timestamptz not null default now(),
  check (resumed_on is null or resumed_on >= paused_on),
  foreign key (incident_id, partnership_id) references incidents(id, partnership_id) on delete cascade
);
-- at most one open pause per clock of a case
create unique index clock_pauses_open on clock_pauses (incident_id, clock_key) where resumed_on is null;
create index clock_pauses_partnership on clock_pauses (partnership_id);

-- An agency's referral of an incident for consideration, and the business unit's outcome.
create table referrals (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id),
  referring_agency_id uuid references agencies(id) on delete set null,
  referred_by uuid references users(id) on delete set null,
  -- a short description without names (shown in lists)
  summary text not null check (length(summary) between 1 and 500),
  details_enc text not null,
  received_on date not null,
  outcome text check (outcome in ('notify', 'does-not-meet-criteria', 'other')),
  outcome_reasons text check (length(outcome_reasons) <= 5000),
  outcome_by uuid references users(id) on delete set null,
  outcome_at timestamptz,
  -- the incident recorded from it (when the outcome was to notify)
  incident_id uuid,
  created_at timestamptz not null default now(),
  check ((outcome is null) = (outcome_reasons is null)),
  foreign key (incident_id, partnership_id) references incidents(id, partnership_id)
);
create index referrals_partnership on referrals (partnership_id, received_on);

alter table incidents enable row level security;
alter table incidents force row level security;
create policy tenant_rows on incidents using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

alter table incident_children enable row level security;
alter table incident_children force row level security;
create policy tenant_rows on incident_children using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

alter table case_events enable row level security;
alter table case_events force row level security;
create policy tenant_rows on case_events using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

alter table clock_pauses enable row level security;
alter table clock_pauses force row level security;
create policy tenant_rows on clock_pauses using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

alter table referrals enable row level security;
alter table referrals force row level security;
create policy tenant_rows on referrals using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));
