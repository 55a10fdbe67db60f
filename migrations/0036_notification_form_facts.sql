-- What the national serious incident notification form asks that a case did not hold yet
-- (Children Act 2004 s16C; the Panel's notification form): for each child, their ethnicity and
-- any disability, and their social care status at the time (child in need, child protection plan,
-- beside the looked-after and care-leaver flags of 0005); for the incident, the alleged
-- perpetrator's relationship to the child, whether there is a police investigation, and media
-- interest. Ethnicity, disability and the perpetrator's relationship are special category or
-- identifying details: stored encrypted (_enc) like the other identifying details, so their
-- allowed values are checked by the application, not here. The tables keep their tenant policy
-- (0005) and audited_change trigger (0014).

alter table incidents
  add column perpetrator_relationship_enc text,
  add column police_investigation text check (police_investigation in ('yes', 'no', 'not-known')),
  add column media_interest text check (media_interest in ('yes', 'no', 'not-known'));

alter table incident_children
  add column ethnicity_enc text,
  add column disability_enc text,
  add column child_in_need boolean not null default false,
  add column child_protection_plan boolean not null default false;
