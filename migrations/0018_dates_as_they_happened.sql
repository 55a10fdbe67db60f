-- Dates as they happened: the rapid review's start is the date it started, not the moment someone
-- recorded it, so a rapid review held last week (or a case already under way when the partnership
-- adopted the service) can be recorded truthfully. Who recorded it and when stays in the case
-- timeline and the audit trail.
alter table incidents add column rapid_review_started_on date;
-- Cases recorded before: the start was the day someone recorded it (London time).
update incidents i set rapid_review_started_on = (
  select greatest((max(e.at) at time zone 'Europe/London')::date, i.notified_on) from case_events e
  where e.incident_id = i.id and e.kind = 'start-rapid-review'
) where i.rapid_review_started_on is null
  and exists (select 1 from case_events e where e.incident_id = i.id and e.kind = 'start-rapid-review');
alter table incidents add constraint incidents_rapid_review_started_after_notified
  check (rapid_review_started_on is null or notified_on is null or rapid_review_started_on >= notified_on);
