-- Work that finds its people: each hand-off between people (a request sent to an agency, its
-- answer, a decision awaiting the partners' sign-off, a reviewer chosen, an action assigned)
-- opens a task for those who must act next, and the task is done when the work is, whoever does
-- it. Tasks are a partnership's case data: every table carries partnership_id and the forced
-- tenant policy of 0003, and every change by a person is audited in the same transaction (0014).

create table tasks (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id),
  kind text not null check (kind in ('agency-request-sent', 'agency-request-answered', 'sign-off-awaited', 'reviewer-chosen', 'action-assigned')),
  -- what the task is about: an agency request, a case (sign-off, review) or an action
  subject_id uuid not null,
  -- the case, when the work is on one (an action from an imported review may have none)
  incident_id uuid,
  -- who must act: one person, or everyone holding a role in the partnership (for an agency's
  -- role, only that agency's people)
  for_user_id uuid references users(id) on delete cascade,
  for_role text check (for_role in ('partnership-admin', 'partner-lead', 'agency-contributor', 'reviewer')),
  for_agency_id uuid references agencies(id) on delete cascade,
  check (for_user_id is not null or for_role is not null),
  due_on date,
  created_by uuid references users(id) on delete set null,
  created_at timestamptz not null default now(),
  done_at timestamptz,
  done_by uuid references users(id) on delete set null,
  unique (id, partnership_id),
  foreign key (incident_id, partnership_id) references incidents(id, partnership_id) on delete cascade
);
-- A hand-off made twice (a decision saved again) does not open a second task for the same people.
create unique index tasks_open_once on tasks (kind, subject_id, coalesce(for_user_id, '00000000-0000-0000-0000-000000000000'::uuid), coalesce(for_agency_id, '00000000-0000-0000-0000-000000000000'::uuid)) where done_at is null;
create index tasks_open on tasks (partnership_id, done_at);
create index tasks_subject on tasks (subject_id);

-- The email each person gets for a task: written in the hand-off's transaction, sent by the
-- background job (at once, or in the person's daily digest). A row is claimed before it is sent
-- (`for update skip locked`), so that any number of instances send it once.
create table task_emails (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id),
  task_id uuid not null,
  user_id uuid not null references users(id) on delete cascade,
  claimed_at timestamptz,
  sent_at timestamptz,
  -- the task was done before its email went: nothing to send
  dropped_at timestamptz,
  created_at timestamptz not null default now(),
  unique (task_id, user_id),
  foreign key (task_id, partnership_id) references tasks(id, partnership_id) on delete cascade
);
create index task_emails_unsent on task_emails (user_id) where sent_at is null and dropped_at is null;

-- A person's choice, per kind of task: an email at once, or one daily digest. No row: at once.
create table task_preferences (
  user_id uuid not null references users(id) on delete cascade,
  kind text not null check (kind in ('agency-request-sent', 'agency-request-answered', 'sign-off-awaited', 'reviewer-chosen', 'action-assigned')),
  mode text not null check (mode in ('immediate', 'digest')),
  updated_at timestamptz not null default now(),
  primary key (user_id, kind)
);

-- One digest a person a day: the run whose insert takes sends it (as reminder_sends, 0006).
create table task_digest_sends (
  user_id uuid not null references users(id) on delete cascade,
  sent_on date not null,
  created_at timestamptz not null default now(),
  primary key (user_id, sent_on)
);

alter table tasks enable row level security;
alter table tasks force row level security;
create policy tenant_rows on tasks using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

alter table task_emails enable row level security;
alter table task_emails force row level security;
create policy tenant_rows on task_emails using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

create constraint trigger audited_change after insert or update or delete on tasks
  deferrable initially deferred for each row
  when (current_setting('cspr.audit_required', true) = 'on')
  execute function cspr_require_audit();
create constraint trigger audited_change after insert or update or delete on task_emails
  deferrable initially deferred for each row
  when (current_setting('cspr.audit_required', true) = 'on')
  execute function cspr_require_audit();
create constraint trigger audited_change after insert or update or delete on task_preferences
  deferrable initially deferred for each row
  when (current_setting('cspr.audit_required', true) = 'on')
  execute function cspr_require_audit();
