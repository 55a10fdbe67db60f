-- Findings of a review as their own records (Working Together to Safeguard Children 2023, ch. 5:
-- a final report sets out what the review found and the improvements it recommends; partners
-- follow up "so that findings make a real difference"). A finding belongs to the same reviews a
-- recommendation can (a case's review of any kind, or a published review no case holds), has its
-- number in the review, its text (what the review found), its themes, and the recommendations of
-- the same review it leads to. Published with the review's public page; case data of a
-- partnership under the forced tenant policy of 0003, every change audited (0014).
create table review_findings (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id),
  incident_id uuid,
  publication_id uuid references publications(id) on delete set null,
  number text not null check (length(number) between 1 and 20),
  text text not null check (length(text) between 1 and 10000),
  -- the date of the finding (the report's): places it among the years in recurring learning
  found_on date not null,
  themes jsonb not null default '[]'::jsonb check (jsonb_typeof(themes) = 'array'),
  -- ids of recommendations of the same review that answer this finding (checked when saved)
  recommendation_ids jsonb not null default '[]'::jsonb check (jsonb_typeof(recommendation_ids) = 'array'),
  check (incident_id is not null or publication_id is not null),
  version integer not null default 1 check (version > 0),
  created_by uuid references users(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_by uuid references users(id) on delete set null,
  updated_at timestamptz not null default now(),
  unique (id, partnership_id),
  foreign key (incident_id, partnership_id) references incidents(id, partnership_id) on delete cascade
);
-- As with recommendations, a number is used once in a review.
create unique index review_findings_number_on_incident on review_findings (incident_id, number) where incident_id is not null;
create unique index review_findings_number_on_publication on review_findings (publication_id, number) where incident_id is null and publication_id is not null;
create index review_findings_partnership on review_findings (partnership_id);

alter table review_findings enable row level security;
alter table review_findings force row level security;
create policy tenant_rows on review_findings using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

create constraint trigger audited_change after insert or update or delete on review_findings
  deferrable initially deferred for each row
  when (current_setting('cspr.audit_required', true) = 'on')
  execute function cspr_require_audit();

-- Completion needs files as evidence (the issue: "completed (evidence required: text and files)").
-- Actions a partnership's old tracker brought in as completed (or further on) keep their status
-- with the tracker as their record: no files came with them, and they are marked so.
alter table recommendation_actions add column completion_imported boolean not null default false;

-- Recurring learning groups findings as well as recommendations: an administrator's split or
-- merge (0033) may name either; the ids are uuids of one or the other, never both.
comment on column recurring_learning_decisions.recommendation_ids is 'ids of recommendations and review findings the decision names';
