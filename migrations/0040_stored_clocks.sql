-- Each case's clocks, worked out when something they depend on changes and read by the dashboard, the
-- case list, the calendar feed, reminders and the figures, instead of being worked out on every view.
--
-- A set is stamped with what it was computed from: the case's version (its dates, steps, children,
-- pauses and rule copy all move it), its review's version (the planned publication date and who gets
-- the advance copy) and the bank holidays (a digest of the calendar). A set whose stamp no longer
-- matches is stale, and any change to a case, its children, pauses or review removes its set (the
-- triggers below): readers recompute and store a missing or stale set before they show it, so a clock
-- is never shown from an outdated computation. Derived data, not case data: no audit entry of its own (the change
-- that caused it carries one).
create table case_clock_sets (
  incident_id uuid primary key,
  partnership_id uuid not null references partnerships(id),
  incident_version integer not null,
  review_version integer not null,
  calendar_stamp text not null,
  computed_at timestamptz not null default now(),
  foreign key (incident_id, partnership_id) references incidents(id, partnership_id) on delete cascade
);
create index case_clock_sets_partnership on case_clock_sets (partnership_id);

-- One row a clock. What does not depend on the day is stored; whether an open clock is due, due soon
-- or overdue today follows from due_on and paused_since (src/features/cases/clocks.ts, clockOnDay).
create table case_clocks (
  incident_id uuid not null references case_clock_sets(incident_id) on delete cascade,
  partnership_id uuid not null references partnerships(id),
  clock_key text not null,
  position smallint not null,
  due_on date not null,
  -- Still to be met: not done, not stopped, not a period, required.
  open boolean not null,
  paused_since date,
  -- The rest of the clock as the case page shows it (title, rule, recipients, delays...).
  clock jsonb not null,
  primary key (incident_id, clock_key)
);
create index case_clocks_open_due on case_clocks (partnership_id, due_on) where open;

-- Whatever changes a case, however it is changed (a feature that forgot, a correction made by hand), its
-- stored set goes: the next reader computes it again. The features store the new set themselves, after
-- their change and in its transaction; this makes forgetting harmless.
create function cspr_case_clocks_stale() returns trigger language plpgsql as $$
declare
  after_row jsonb := case when tg_op <> 'DELETE' then to_jsonb(new) end;
  before_row jsonb := case when tg_op <> 'INSERT' then to_jsonb(old) end;
begin
  delete from case_clock_sets
    where incident_id = (after_row ->> tg_argv[0])::uuid or incident_id = (before_row ->> tg_argv[0])::uuid;
  return null;
end $$;
create trigger incidents_clocks_stale after update on incidents
  for each row execute function cspr_case_clocks_stale('id');
create trigger incident_children_clocks_stale after insert or update or delete on incident_children
  for each row execute function cspr_case_clocks_stale('incident_id');
create trigger clock_pauses_clocks_stale after insert or update or delete on clock_pauses
  for each row execute function cspr_case_clocks_stale('incident_id');
create trigger reviews_clocks_stale after insert or update or delete on reviews
  for each row execute function cspr_case_clocks_stale('incident_id');

alter table case_clock_sets enable row level security;
alter table case_clock_sets force row level security;
create policy tenant_rows on case_clock_sets using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));

alter table case_clocks enable row level security;
alter table case_clocks force row level security;
create policy tenant_rows on case_clocks using (cspr_tenant_allows(partnership_id)) with check (cspr_tenant_allows(partnership_id));
