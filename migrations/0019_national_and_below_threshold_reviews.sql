-- Routes the guidance describes (Working Together to Safeguard Children 2023 ch.5):
--  * national reviews: when the Panel decides to hold one, the Panel leads and the partnership
--    supports it; no local 6-month clock runs;
--  * reviews of cases that were not notifiable: a partnership may still hold a multi-agency practice
--    learning review, a deep dive or an audit of a below-threshold case.
alter table incidents drop constraint incidents_state_check;
alter table incidents add constraint incidents_state_check check (state in (
  'recorded', 'notified', 'rapid-review', 'decision', 'local-review', 'alternative-review',
  'no-review', 'national-review', 'completed', 'published', 'not-notifiable', 'closed'));

-- The day the partnership decided to hold a practice learning review (or deep dive, or audit) of a
-- case it found not notifiable: such a case never owed the Panel a notification.
alter table incidents add column below_threshold_review_on date;
