-- Work queues' companions: a person's secret calendar feed of deadlines, and the record of
-- reminder emails sent, so that each reminder goes once however many instances run the job.
-- Neither table holds case content: references to incidents and clocks, dates and user ids.
-- Not tenant tables (no partnership_id): a feed belongs to a person, and the reminder job runs
-- deployment-wide.

-- A secret iCalendar feed URL (/calendar/<token>.ics). Only the SHA-256 of the token is kept;
-- a person has at most one feed in use (creating a new one revokes the old).
create table calendar_feeds (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users(id) on delete cascade,
  token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
create index calendar_feeds_user on calendar_feeds (user_id);
create unique index calendar_feeds_one_active on calendar_feeds (user_id) where revoked_at is null;

-- One row per reminder sent. The job inserts the row first (on conflict do nothing) and sends the
-- email only when its insert took: the primary key makes each reminder go exactly once.
-- kind: before-due, on-the-day, overdue, weekly-digest. For the weekly digest, incident_id holds the
-- partnership's id, clock_key is '*' and due_on is the Monday of the digest.
create table reminder_sends (
  kind text not null check (kind in ('before-due', 'on-the-day', 'overdue', 'weekly-digest')),
  incident_id uuid not null,
  clock_key text not null check (clock_key = '*' or clock_key ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  due_on date not null,
  recipient_user_id uuid not null references users(id) on delete cascade,
  sent_on date not null,
  created_at timestamptz not null default now(),
  primary key (kind, incident_id, clock_key, due_on, recipient_user_id)
);
create index reminder_sends_sent_on on reminder_sends (sent_on);
