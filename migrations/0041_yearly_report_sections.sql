-- The yearly report's narrative sections (Working Together 2023, chapter 2: the safeguarding
-- partners publish a report at least once in every 12-month period). A partnership writes each
-- section (introduction, what was learned, evidence of impact, what it will do next) for the
-- 12 months starting period_from. Every save is a new version: a row is never changed, so who
-- wrote what, and when, stays readable. Case data of a partnership: partnership_id, the forced
-- tenant policy of 0003 and the audited_change trigger of 0014.

create table yearly_report_sections (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id),
  -- the first day of the report's 12 months
  period_from date not null check (extract(day from period_from) = 1),
  section text not null check (section in ('introduction', 'learning', 'impact', 'next')),
  version integer not null check (version > 0),
  body text not null check (length(body) between 1 and 20000),
  written_by uuid references users(id) on delete set null,
  -- kept with the text: the version history names its writer even after their account goes
  written_by_name text not null,
  written_at timestamptz not null default now(),
  unique (partnership_id, period_from, section, version)
);

-- A version, once saved, is never changed: a new text is a new row.
create function cspr_yearly_section_unchanged() returns trigger language plpgsql as $$
begin
  raise exception 'A saved version of a yearly report section is never changed: save a new version';
end;
$$;
create trigger yearly_report_sections_unchanged before update on yearly_report_sections
  for each row execute function cspr_yearly_section_unchanged();

alter table yearly_report_sections enable row level security;
alter table yearly_report_sections force row level security;
create policy tenant_rows on yearly_report_sections using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

-- Every change is recorded in the audit trail, in the same transaction (see 0014).
create constraint trigger audited_change after insert or update or delete on yearly_report_sections
  deferrable initially deferred for each row when (current_setting('cspr.audit_required', true) = 'on') execute function cspr_require_audit();
