-- What a person had typed into a form they sent just after their session ended for want of use:
-- kept for them (encrypted, like every field that may name a child) until they sign in again and
-- send it, or discard it, or a week passes. See platform/auth/unsent-forms.ts.
create table unsent_forms (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users(id) on delete cascade,
  -- the address the form was sent to (a path of this service)
  path text not null check (path ~ '^/[^/\\]' and length(path) <= 500),
  -- the form's fields as JSON, encrypted
  fields text not null,
  created_at timestamptz not null default now()
);
create index unsent_forms_user on unsent_forms (user_id, created_at);

-- Holding, reading back and discarding are recorded in the audit trail, in the same transaction.
create constraint trigger audited_change after insert or update or delete on unsent_forms
  deferrable initially deferred for each row
  when (current_setting('cspr.audit_required', true) = 'on')
  execute function cspr_require_audit();
