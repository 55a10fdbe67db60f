-- Which clocks may pause, as part of each clock rule; what a pause records; and true labels.
--
-- The duty to notify the Panel, to tell the safeguarding partners and to notify the Secretary of State
-- and Ofsted runs whatever happens: those clocks cannot pause. The review's 6 months may be delayed for
-- good reason (parallel criminal proceedings, an inquest), but a pause never moves its due date: the
-- original due date stays the measure of timeliness, and the pause records why, and when the Panel and
-- the Secretary of State were told (Working Together to Safeguard Children 2023 ch.5).
alter table clock_rules add column may_pause boolean not null default false;
alter table clock_rules add constraint clock_rules_notification_never_pauses check (not (may_pause and runs_from = 'aware'));

-- The shipped versions are corrected in place: whether a clock may pause and which source sets its
-- timescale are facts about the guidance, not a change to it, and no due date moves. (The 5 working
-- days, the 6 months and the 15 working days are set by Working Together, statutory guidance; the
-- duties themselves are in the Children Act 2004 ss16C and 16F; the advance copy is in the CSPR
-- Regulations 2018.) Administrators' own versions are left as they wrote them.
alter table clock_rules disable trigger clock_rules_immutable;
update clock_rules set may_pause = true, statutory = false,
  guidance = 'Working Together to Safeguard Children 2018 ch.4 and 2023 ch.5 (statutory guidance: the 6 months is the expectation it sets; the duty to arrange reviews is Children Act 2004 s16F, which sets no timescale)'
  where key = 'review-completion' and version = 1 and created_by is null;
update clock_rules set statutory = false,
  guidance = 'Working Together to Safeguard Children 2018 ch.4 and 2023 ch.5 (statutory guidance sets the 5 working days; the duty to notify is Children Act 2004 s16C)'
  where key = 'panel-notification' and version = 1 and created_by is null;
update clock_rules set statutory = false,
  guidance = 'Working Together to Safeguard Children 2018 ch.4 and 2023 ch.5 (statutory guidance)'
  where key = 'partners-informed' and version = 1 and created_by is null;
update clock_rules set statutory = false, guidance = 'Working Together to Safeguard Children 2018 ch.4 (statutory guidance)'
  where key = 'ofsted-sos-notification' and version = 1 and created_by is null;
update clock_rules set statutory = false, guidance = 'Working Together to Safeguard Children 2023 ch.5 (from 15 December 2023; statutory guidance)'
  where key = 'ofsted-sos-notification' and version = 2 and created_by is null;
alter table clock_rules enable trigger clock_rules_immutable;

-- Each case keeps a copy of the rules it is judged under: give the copies the same field, so a case
-- recorded before today cannot have a notification clock paused either.
update incidents set clock_rules = (
  select coalesce(jsonb_agg(
    case when r ? 'mayPause' then r
         else r || jsonb_build_object('mayPause', (r->>'key') = 'review-completion')
    end), '[]'::jsonb)
  from jsonb_array_elements(clock_rules) r
) where exists (select 1 from jsonb_array_elements(clock_rules) r where not (r ? 'mayPause'));

-- A pause is a delay on the record: the Panel and the Secretary of State must be told of it.
alter table clock_pauses add column panel_told_on date;
alter table clock_pauses add column sos_told_on date;
alter table clock_pauses add constraint clock_pauses_told_after_pause
  check ((panel_told_on is null or panel_told_on >= paused_on) and (sos_told_on is null or sos_told_on >= paused_on));
