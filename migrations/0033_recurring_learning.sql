-- Recurring learning (Working Together 2023, chapter 5: partners consider whether a case highlights
-- recurrent themes, and follow findings up until they make a difference). The groups of
-- recommendations that say much the same thing are worked out afresh from the recommendations
-- every time (src/domain/learning/recurring.ts); what is stored is an administrator's decisions
-- about them, applied in the order they were made, so they hold when new recommendations arrive:
--   split: these recommendations leave their group and take no part in the matching;
--   merge: the groups holding these recommendations are one.
-- A partnership's data: its decisions name its own recommendations.
create table recurring_learning_decisions (
  id uuid primary key default gen_random_uuid(),
  -- the order decisions are applied in
  seq bigint generated always as identity,
  partnership_id uuid not null references partnerships(id),
  kind text not null check (kind in ('split', 'merge')),
  recommendation_ids jsonb not null check (jsonb_typeof(recommendation_ids) = 'array' and jsonb_array_length(recommendation_ids) between 1 and 5000),
  reason text not null check (length(btrim(reason)) between 1 and 2000),
  created_by uuid references users(id) on delete set null,
  created_by_name text,
  created_at timestamptz not null default now()
);
create index recurring_learning_decisions_partnership on recurring_learning_decisions (partnership_id, seq);

alter table recurring_learning_decisions enable row level security;
alter table recurring_learning_decisions force row level security;
create policy tenant_rows on recurring_learning_decisions using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

-- Every change is recorded in the audit trail, in the same transaction (see 0014).
create constraint trigger audited_change after insert or update or delete on recurring_learning_decisions
  deferrable initially deferred for each row
  when (current_setting('cspr.audit_required', true) = 'on')
  execute function cspr_require_audit();
