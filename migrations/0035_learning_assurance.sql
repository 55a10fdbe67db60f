-- Learning into practice, assurance (Working Together 2023, chapter 5: partnerships "regularly audit
-- progress on the implementation of recommended improvements"): the files that evidence an action's
-- completion and impact, the escalations of overdue actions (who was told, when), and the
-- partnership's scheduled assurance checks of its action plans. Case data of a partnership: every
-- table carries partnership_id and the forced tenant policy of 0003, and every change is audited.

-- Evidence files of an action: the bytes are in the file store (0016), encrypted; the name, which
-- may say more than it should, is stored encrypted too.
create table action_evidence_files (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id),
  action_id uuid not null,
  -- what the file evidences: the action's completion, or its impact
  stage text not null check (stage in ('completion', 'impact')),
  sha256 text not null references stored_files(sha256),
  name_enc text not null,
  type text not null check (type in ('pdf', 'docx', 'xlsx', 'png', 'jpeg')),
  size bigint not null check (size > 0),
  uploaded_by uuid references users(id) on delete set null,
  uploaded_by_name text,
  created_at timestamptz not null default now(),
  foreign key (action_id, partnership_id) references recommendation_actions(id, partnership_id) on delete cascade
);
create index action_evidence_files_action on action_evidence_files (action_id, created_at);

-- Escalations of an overdue action, one row per person told: level 1 to the owning agency, level 2
-- to the partnership's administrators. Sent once across instances through reminder_sends (below);
-- this is the record shown on the action's page.
create table action_escalations (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id),
  action_id uuid not null,
  level smallint not null check (level in (1, 2)),
  -- the due date that was missed: a new due date starts escalation again
  due_on date not null,
  recipient_user_id uuid references users(id) on delete set null,
  recipient_name text not null check (length(recipient_name) between 1 and 200),
  recipient_role text not null check (recipient_role in ('agency-contributor', 'partnership-admin')),
  sent_at timestamptz not null default now(),
  foreign key (action_id, partnership_id) references recommendation_actions(id, partnership_id) on delete cascade
);
create index action_escalations_action on action_escalations (action_id, sent_at);

-- The reminder log (0006) also makes each action escalation go once: incident_id holds the action's
-- id, clock_key is 'action' and due_on the missed due date.
alter table reminder_sends drop constraint reminder_sends_kind_check;
alter table reminder_sends add constraint reminder_sends_kind_check check (kind in ('before-due', 'on-the-day', 'overdue', 'weekly-digest', 'action-overdue', 'action-escalated'));

-- Assurance checks: scheduled (due on a date), then recorded (who checked what, when, the result and
-- findings). Recording a check schedules the next.
create table assurance_checks (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id),
  due_on date not null,
  focus text not null default '' check (length(focus) <= 2000),
  status text not null default 'scheduled' check (status in ('scheduled', 'recorded')),
  checked_on date,
  checked_by uuid references users(id) on delete set null,
  checked_by_name text,
  -- what was checked: the reviews (incident ids), agencies and the actions open in them at the time
  incident_ids jsonb not null default '[]'::jsonb check (jsonb_typeof(incident_ids) = 'array'),
  agency_ids jsonb not null default '[]'::jsonb check (jsonb_typeof(agency_ids) = 'array'),
  action_ids jsonb not null default '[]'::jsonb check (jsonb_typeof(action_ids) = 'array'),
  result text check (result in ('assured', 'partly-assured', 'not-assured')),
  findings_enc text,
  next_due_on date,
  created_by uuid references users(id) on delete set null,
  created_at timestamptz not null default now(),
  recorded_at timestamptz,
  check (status = 'scheduled' or (checked_on is not null and result is not null and findings_enc is not null)),
  unique (id, partnership_id)
);
create index assurance_checks_partnership on assurance_checks (partnership_id, status, due_on);

alter table action_evidence_files enable row level security;
alter table action_evidence_files force row level security;
create policy tenant_rows on action_evidence_files using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

alter table action_escalations enable row level security;
alter table action_escalations force row level security;
create policy tenant_rows on action_escalations using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

alter table assurance_checks enable row level security;
alter table assurance_checks force row level security;
create policy tenant_rows on assurance_checks using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

-- Every change is recorded in the audit trail, in the same transaction (see 0014).
create constraint trigger audited_change after insert or update or delete on action_evidence_files
  deferrable initially deferred for each row
  when (current_setting('cspr.audit_required', true) = 'on')
  execute function cspr_require_audit();
create constraint trigger audited_change after insert or update or delete on action_escalations
  deferrable initially deferred for each row
  when (current_setting('cspr.audit_required', true) = 'on')
  execute function cspr_require_audit();
create constraint trigger audited_change after insert or update or delete on assurance_checks
  deferrable initially deferred for each row
  when (current_setting('cspr.audit_required', true) = 'on')
  execute function cspr_require_audit();
