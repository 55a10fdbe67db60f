-- Signed checkpoints of the audit trail (src/platform/audit/checkpoints.ts): the newest entry's
-- number, hash and time, signed with a key derived from the data encryption key, which the
-- database does not hold. Kept here, in the log and with backups; `cspr audit verify` holds the
-- trail to them, so removing the newest entries or rewriting the trail is seen.
create table audit_checkpoints (
  id bigint generated always as identity primary key,
  seq bigint not null,
  hash text not null,
  at timestamptz not null,
  -- which key signed it (a digest of the key, not the key)
  key_id text not null,
  signature text not null,
  created_at timestamptz not null default now()
);
create index audit_checkpoints_seq on audit_checkpoints (seq);

-- Append-only, like the trail it anchors.
create trigger audit_checkpoints_no_change before update or delete on audit_checkpoints
  for each row execute function audit_events_append_only();
