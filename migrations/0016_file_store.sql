-- The file store (src/platform/storage): every file the service keeps — agency answers, report
-- versions, published reports — is recorded here once per content (its sha256), so every instance
-- and every backup reaches it. The bytes live in stored_file_chunks (the default, so a file and the
-- record naming it commit together) or in S3-compatible object storage (`backend`).
--
-- Files that are not public are encrypted with a key of their own (AES-256-GCM, chunk by chunk);
-- that key is kept wrapped by the deployment's master key in data_key_enc (an _enc column, so key
-- rotation re-wraps it with the other encrypted fields). Published reports may be kept plain
-- (data_key_enc is null). No tenant policy: rows are reached only through the records that name
-- them, which carry their own.
create table stored_files (
  sha256 text primary key check (sha256 ~ '^[0-9a-f]{64}$'),
  size bigint not null check (size >= 0),
  chunk_size integer not null check (chunk_size > 0),
  chunks integer not null check (chunks >= 1),
  data_key_enc text,
  backend text not null check (backend in ('database', 's3')),
  created_at timestamptz not null default now()
);

-- The bytes of files kept in the database, as stored (encrypted chunks carry their 16-byte tag).
create table stored_file_chunks (
  sha256 text not null references stored_files (sha256) on delete cascade,
  n integer not null check (n >= 0),
  data bytea not null,
  primary key (sha256, n)
);
-- Encrypted and compressed documents do not compress: keep them out of line without trying.
alter table stored_file_chunks alter column data set storage external;

-- Files moved from an instance's data folder (DATA_DIR/files, before the store existed): one row
-- each, naming the machine and folder, written in the transaction that stored the copy, before
-- the disk copy is deleted.
create table stored_file_moves (
  sha256 text not null references stored_files (sha256),
  moved_at timestamptz not null default now(),
  source text not null check (length(source) <= 500),
  primary key (sha256, source)
);

-- Which master key the encrypted data of this database was written with, by fingerprint (an HMAC
-- of a fixed label under the key, never the key): 'current', and 'next' while a key rotation runs.
-- The service refuses to start, and a restore to load, with a key whose fingerprint is not current.
create table encryption_keys (
  state text primary key check (state in ('current', 'next')),
  fingerprint text not null check (fingerprint ~ '^[0-9a-f]{32}$'),
  recorded_at timestamptz not null default now()
);
