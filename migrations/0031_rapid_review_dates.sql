-- Every step of the rapid review takes the date it happened (Working Together to Safeguard Children
-- 2023 ch.5): the day an agency's answer was received and the day each partner signed the decision
-- off, beside the moment someone recorded them (responded_at, signed_at), which the audit trail and
-- the case timeline keep. The day requests were sent (requested_on) and its due date already exist;
-- a request recorded late keeps the day it was really sent.
alter table agency_requests add column answered_on date;
alter table rapid_review_sign_offs add column signed_on date;

-- Answers and sign-offs recorded before: the day they were recorded (London time).
update agency_requests set answered_on = greatest((responded_at at time zone 'Europe/London')::date, requested_on)
  where responded_at is not null and answered_on is null;
update rapid_review_sign_offs set signed_on = (signed_at at time zone 'Europe/London')::date where signed_on is null;

-- The service always records the day a partner signed. No default: a sign-off written without its
-- day (by an import) holds none rather than a day that may be untrue, and then binds nothing.

-- Only an answer has its day (the service always records it; an answer imported without it holds
-- none), and it cannot come before the request.
alter table agency_requests add constraint agency_requests_answered_on_with_answer
  check (answered_on is null or responded_at is not null);
alter table agency_requests add constraint agency_requests_answered_after_requested
  check (answered_on is null or answered_on >= requested_on);
