-- Statutory clock rules and England and Wales bank holidays, held as data an administrator can change
-- (guidance editions change the clocks; GOV.UK publishes new bank holidays each year).
-- Deployment-wide: no partnership_id, no row-level security.
--
-- Both tables are seeded below with the shipped defaults (src/domain/clocks/rules.ts DEFAULT_CLOCK_RULES and
-- src/domain/calendar/bank-holidays.ts ENGLAND_AND_WALES_BANK_HOLIDAYS; a test keeps the two in step).
-- A comment starting 'Seeded by migration' tells `cspr restore` that a fresh database already holds these
-- rows and that the backup's rows replace them (src/platform/backup/restore.ts).

-- One row per version of a clock. A version is never changed once written: a case keeps the key and version
-- it was judged under, so an administrator changes a rule by adding a new version.
create table clock_rules (
  key text not null check (key ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(key) <= 60),
  version integer not null check (version >= 1),
  title text not null check (length(title) between 1 and 200),
  runs_from text not null check (runs_from in ('aware', 'notified', 'decision', 'publication')),
  length integer not null check (length >= 1),
  unit text not null check (unit in ('working-days', 'calendar-months')),
  direction text not null check (direction in ('after', 'before')),
  recipients text[] not null default '{}',
  guidance text not null check (length(guidance) between 1 and 1000),
  -- the rule governs cases whose aware date falls in [applies_from, applies_until]; null = open
  applies_from date,
  applies_until date,
  condition text not null check (condition in ('always', 'looked-after-death', 'care-leaver-death', 'looked-after-or-care-leaver-death')),
  statutory boolean not null,
  created_at timestamptz not null default now(),
  -- null for the shipped defaults
  created_by uuid references users(id) on delete set null,
  primary key (key, version),
  check (applies_from is null or applies_until is null or applies_from <= applies_until)
);
comment on table clock_rules is 'Seeded by migration 0004 with the shipped default clock rules. Versions are never updated.';

create function cspr_clock_rules_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'A clock rule version cannot be changed once written: add a new version instead.';
end
$$;
create trigger clock_rules_immutable before update on clock_rules
  for each row execute function cspr_clock_rules_immutable();

create table bank_holidays (
  date date primary key,
  title text not null check (length(title) between 1 and 200),
  source text not null check (source in ('shipped', 'gov-uk-file', 'admin')),
  added_at timestamptz not null default now(),
  -- null for the shipped table
  added_by uuid references users(id) on delete set null
);
comment on table bank_holidays is 'Seeded by migration 0004 with the shipped England and Wales bank holidays 2018-2027.';

insert into clock_rules (key, version, title, runs_from, length, unit, direction, recipients, guidance, applies_from, applies_until, condition, statutory) values
  ('panel-notification', 1, 'Notify the Child Safeguarding Practice Review Panel', 'aware', 5, 'working-days', 'after',
   array['Child Safeguarding Practice Review Panel']::text[],
   'Children Act 2004 s16C; Working Together to Safeguard Children 2018 ch.4 and 2023 ch.5', null, null, 'always', true),
  ('partners-informed', 1, 'Tell the safeguarding partners about the notification', 'aware', 5, 'working-days', 'after',
   array['Chief officer of police', 'Integrated care board']::text[],
   'Working Together to Safeguard Children 2018 ch.4 and 2023 ch.5', null, null, 'always', true),
  ('ofsted-sos-notification', 1, 'Notify the Secretary of State and Ofsted of the death of a looked-after child', 'aware', 5, 'working-days', 'after',
   array['Secretary of State for Education', 'Ofsted']::text[],
   'Working Together to Safeguard Children 2018 ch.4', null, '2023-12-14'::date, 'looked-after-death', true),
  ('ofsted-sos-notification', 2, 'Notify the Secretary of State and Ofsted of the death of a looked-after child or care leaver (up to and including age 24)', 'aware', 5, 'working-days', 'after',
   array['Secretary of State for Education', 'Ofsted']::text[],
   'Working Together to Safeguard Children 2023 ch.5 (from 15 December 2023)', '2023-12-15'::date, null, 'looked-after-or-care-leaver-death', true),
  ('rapid-review', 1, 'Send the rapid review to the Panel', 'notified', 15, 'working-days', 'after',
   array['Child Safeguarding Practice Review Panel']::text[],
   'Working Together to Safeguard Children 2018 ch.4 and 2023 ch.5 (an expectation, not a statutory requirement)', null, null, 'always', false),
  ('review-completion', 1, 'Complete and publish the local child safeguarding practice review', 'decision', 6, 'calendar-months', 'after',
   '{}'::text[],
   'Children Act 2004 s16F; Working Together to Safeguard Children 2018 ch.4 and 2023 ch.5', null, null, 'always', true),
  ('advance-copy', 1, 'Send the final report to the Panel, Secretary of State and Ofsted before publication', 'publication', 7, 'working-days', 'before',
   array['Child Safeguarding Practice Review Panel', 'Secretary of State for Education', 'Ofsted']::text[],
   'Working Together to Safeguard Children 2018 ch.4 and 2023 ch.5; CSPR Regulations 2018', null, null, 'always', true),
  ('published-until', 1, 'Keep the published report publicly available until at least', 'publication', 12, 'calendar-months', 'after',
   '{}'::text[],
   'CSPR Regulations 2018; Working Together to Safeguard Children 2018 ch.4 and 2023 ch.5', null, null, 'always', true);

insert into bank_holidays (date, title, source) values
  ('2018-01-01', 'New Year’s Day', 'shipped'),
  ('2018-03-30', 'Good Friday', 'shipped'),
  ('2018-04-02', 'Easter Monday', 'shipped'),
  ('2018-05-07', 'Early May bank holiday', 'shipped'),
  ('2018-05-28', 'Spring bank holiday', 'shipped'),
  ('2018-08-27', 'Summer bank holiday', 'shipped'),
  ('2018-12-25', 'Christmas Day', 'shipped'),
  ('2018-12-26', 'Boxing Day', 'shipped'),
  ('2019-01-01', 'New Year’s Day', 'shipped'),
  ('2019-04-19', 'Good Friday', 'shipped'),
  ('2019-04-22', 'Easter Monday', 'shipped'),
  ('2019-05-06', 'Early May bank holiday', 'shipped'),
  ('2019-05-27', 'Spring bank holiday', 'shipped'),
  ('2019-08-26', 'Summer bank holiday', 'shipped'),
  ('2019-12-25', 'Christmas Day', 'shipped'),
  ('2019-12-26', 'Boxing Day', 'shipped'),
  ('2020-01-01', 'New Year’s Day', 'shipped'),
  ('2020-04-10', 'Good Friday', 'shipped'),
  ('2020-04-13', 'Easter Monday', 'shipped'),
  ('2020-05-08', 'Early May bank holiday (VE day)', 'shipped'),
  ('2020-05-25', 'Spring bank holiday', 'shipped'),
  ('2020-08-31', 'Summer bank holiday', 'shipped'),
  ('2020-12-25', 'Christmas Day', 'shipped'),
  ('2020-12-28', 'Boxing Day (substitute day)', 'shipped'),
  ('2021-01-01', 'New Year’s Day', 'shipped'),
  ('2021-04-02', 'Good Friday', 'shipped'),
  ('2021-04-05', 'Easter Monday', 'shipped'),
  ('2021-05-03', 'Early May bank holiday', 'shipped'),
  ('2021-05-31', 'Spring bank holiday', 'shipped'),
  ('2021-08-30', 'Summer bank holiday', 'shipped'),
  ('2021-12-27', 'Christmas Day (substitute day)', 'shipped'),
  ('2021-12-28', 'Boxing Day (substitute day)', 'shipped'),
  ('2022-01-03', 'New Year’s Day (substitute day)', 'shipped'),
  ('2022-04-15', 'Good Friday', 'shipped'),
  ('2022-04-18', 'Easter Monday', 'shipped'),
  ('2022-05-02', 'Early May bank holiday', 'shipped'),
  ('2022-06-02', 'Spring bank holiday', 'shipped'),
  ('2022-06-03', 'Platinum Jubilee bank holiday', 'shipped'),
  ('2022-08-29', 'Summer bank holiday', 'shipped'),
  ('2022-09-19', 'Bank Holiday for the State Funeral of Queen Elizabeth II', 'shipped'),
  ('2022-12-26', 'Boxing Day', 'shipped'),
  ('2022-12-27', 'Christmas Day (substitute day)', 'shipped'),
  ('2023-01-02', 'New Year’s Day (substitute day)', 'shipped'),
  ('2023-04-07', 'Good Friday', 'shipped'),
  ('2023-04-10', 'Easter Monday', 'shipped'),
  ('2023-05-01', 'Early May bank holiday', 'shipped'),
  ('2023-05-08', 'Bank holiday for the coronation of King Charles III', 'shipped'),
  ('2023-05-29', 'Spring bank holiday', 'shipped'),
  ('2023-08-28', 'Summer bank holiday', 'shipped'),
  ('2023-12-25', 'Christmas Day', 'shipped'),
  ('2023-12-26', 'Boxing Day', 'shipped'),
  ('2024-01-01', 'New Year’s Day', 'shipped'),
  ('2024-03-29', 'Good Friday', 'shipped'),
  ('2024-04-01', 'Easter Monday', 'shipped'),
  ('2024-05-06', 'Early May bank holiday', 'shipped'),
  ('2024-05-27', 'Spring bank holiday', 'shipped'),
  ('2024-08-26', 'Summer bank holiday', 'shipped'),
  ('2024-12-25', 'Christmas Day', 'shipped'),
  ('2024-12-26', 'Boxing Day', 'shipped'),
  ('2025-01-01', 'New Year’s Day', 'shipped'),
  ('2025-04-18', 'Good Friday', 'shipped'),
  ('2025-04-21', 'Easter Monday', 'shipped'),
  ('2025-05-05', 'Early May bank holiday', 'shipped'),
  ('2025-05-26', 'Spring bank holiday', 'shipped'),
  ('2025-08-25', 'Summer bank holiday', 'shipped'),
  ('2025-12-25', 'Christmas Day', 'shipped'),
  ('2025-12-26', 'Boxing Day', 'shipped'),
  ('2026-01-01', 'New Year’s Day', 'shipped'),
  ('2026-04-03', 'Good Friday', 'shipped'),
  ('2026-04-06', 'Easter Monday', 'shipped'),
  ('2026-05-04', 'Early May bank holiday', 'shipped'),
  ('2026-05-25', 'Spring bank holiday', 'shipped'),
  ('2026-08-31', 'Summer bank holiday', 'shipped'),
  ('2026-12-25', 'Christmas Day', 'shipped'),
  ('2026-12-28', 'Boxing Day (substitute day)', 'shipped'),
  ('2027-01-01', 'New Year’s Day', 'shipped'),
  ('2027-03-26', 'Good Friday', 'shipped'),
  ('2027-03-29', 'Easter Monday', 'shipped'),
  ('2027-05-03', 'Early May bank holiday', 'shipped'),
  ('2027-05-31', 'Spring bank holiday', 'shipped'),
  ('2027-08-30', 'Summer bank holiday', 'shipped'),
  ('2027-12-27', 'Christmas Day (substitute day)', 'shipped'),
  ('2027-12-28', 'Boxing Day (substitute day)', 'shipped');
