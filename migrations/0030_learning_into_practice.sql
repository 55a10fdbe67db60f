-- Learning into practice (Working Together 2023, chapter 5): a review's recommendations, the
-- partnership's response to each, the actions that carry them out and every update on those
-- actions. Case data of a partnership: every table carries partnership_id and the forced tenant
-- policy of 0003. Recommendation and action texts are written to be published with the review;
-- updates and evidence may name people, so their free text is stored encrypted (_enc).

create table recommendations (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id),
  -- the review it came from: a case of the partnership (its local or rapid review), and/or a
  -- published review in the repository (an imported serious case review, a national review)
  incident_id uuid,
  publication_id uuid references publications(id) on delete set null,
  number text not null check (length(number) between 1 and 20),
  text text not null check (length(text) between 1 and 10000),
  -- the date the recommendation was made: no action can be due before it
  made_on date not null,
  themes jsonb not null default '[]'::jsonb check (jsonb_typeof(themes) = 'array'),
  agency_ids jsonb not null default '[]'::jsonb check (jsonb_typeof(agency_ids) = 'array'),
  response text check (response in ('accepted', 'accepted-in-part', 'not-accepted')),
  response_reasons text not null default '' check (length(response_reasons) <= 10000),
  check (response is null or response = 'accepted' or length(btrim(response_reasons)) > 0),
  check (incident_id is not null or publication_id is not null),
  version integer not null default 1 check (version > 0),
  created_by uuid references users(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_by uuid references users(id) on delete set null,
  updated_at timestamptz not null default now(),
  unique (id, partnership_id),
  foreign key (incident_id, partnership_id) references incidents(id, partnership_id) on delete cascade
);
create unique index recommendations_number_on_incident on recommendations (incident_id, number) where incident_id is not null;
create index recommendations_partnership on recommendations (partnership_id);
create index recommendations_publication on recommendations (publication_id);

create table recommendation_actions (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id),
  recommendation_id uuid not null,
  -- the agency that owns the action: only its contributors update it
  agency_id uuid not null references agencies(id),
  lead_name text not null check (length(lead_name) between 1 and 200),
  due_on date not null,
  intended_change text not null check (length(intended_change) between 1 and 10000),
  measure_of_success text not null check (length(measure_of_success) between 1 and 10000),
  status text not null default 'not-started' check (status in ('not-started', 'in-progress', 'completed', 'impact-evaluated', 'closed')),
  -- the latest evidence of completion and of impact (each update keeps its own in the history)
  completion_evidence_enc text,
  impact_what_changed_enc text,
  impact_evidence_enc text,
  -- set while an action sent back by a partner lead has not been completed again
  sent_back boolean not null default false,
  version integer not null default 1 check (version > 0),
  created_by uuid references users(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (id, partnership_id),
  foreign key (recommendation_id, partnership_id) references recommendations(id, partnership_id) on delete cascade
);
create index recommendation_actions_recommendation on recommendation_actions (recommendation_id);
create index recommendation_actions_open on recommendation_actions (partnership_id, status, due_on);
create index recommendation_actions_agency on recommendation_actions (agency_id, status);

-- The history of an action: who did what, when, from which status to which, and what they said.
create table action_updates (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id),
  action_id uuid not null,
  -- 'changed': the business unit changed the action's owner, lead, due date, intended change or measure
  step text not null check (step in ('created', 'changed', 'note', 'start', 'complete', 'evaluate', 'close', 'send-back')),
  from_status text check (from_status in ('not-started', 'in-progress', 'completed', 'impact-evaluated', 'closed')),
  to_status text not null check (to_status in ('not-started', 'in-progress', 'completed', 'impact-evaluated', 'closed')),
  text_enc text,
  what_changed_enc text,
  created_by uuid references users(id) on delete set null,
  created_by_name text,
  created_at timestamptz not null default now(),
  foreign key (action_id, partnership_id) references recommendation_actions(id, partnership_id) on delete cascade
);
create index action_updates_action on action_updates (action_id, created_at);

alter table recommendations enable row level security;
alter table recommendations force row level security;
create policy tenant_rows on recommendations using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

alter table recommendation_actions enable row level security;
alter table recommendation_actions force row level security;
create policy tenant_rows on recommendation_actions using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

alter table action_updates enable row level security;
alter table action_updates force row level security;
create policy tenant_rows on action_updates using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

-- Every change is recorded in the audit trail, in the same transaction (see 0014).
create constraint trigger audited_change after insert or update or delete on recommendations
  deferrable initially deferred for each row
  when (current_setting('cspr.audit_required', true) = 'on')
  execute function cspr_require_audit();
create constraint trigger audited_change after insert or update or delete on recommendation_actions
  deferrable initially deferred for each row
  when (current_setting('cspr.audit_required', true) = 'on')
  execute function cspr_require_audit();
create constraint trigger audited_change after insert or update or delete on action_updates
  deferrable initially deferred for each row
  when (current_setting('cspr.audit_required', true) = 'on')
  execute function cspr_require_audit();
