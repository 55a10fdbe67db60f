-- Row-level security helpers (see src/platform/db/tenant.ts). A table opts in with:
--   alter table T enable row level security;
--   alter table T force row level security;
--   create policy tenant_rows on T using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));
create function cspr_tenant_allows(p uuid) returns boolean language sql stable as $$
  select coalesce(current_setting('cspr.partnerships', true), '') = '*'
      or (p is not null and p::text = any (string_to_array(coalesce(current_setting('cspr.partnerships', true), ''), ',')))
$$;

-- The audit trail: anyone may append; reading is limited to one's partnerships
-- (entries of no partnership — deployment events — only with '*').
alter table audit_events enable row level security;
alter table audit_events force row level security;
create policy audit_append on audit_events for insert with check (true);
create policy audit_read on audit_events for select using (cspr_tenant_allows(partnership_id));
