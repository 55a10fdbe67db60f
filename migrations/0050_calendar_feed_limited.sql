-- A calendar feed made in a session that a partnership's single sign-on started reaches that
-- partnership's deadlines only, as the session does (and as an API token made there does, 0012).
alter table calendar_feeds add column limited_to_partnership uuid references partnerships(id) on delete cascade;
