-- The public learning repository: published reviews (from a review's publication step or imported
-- from a partnership's archive), their text in page-sized chunks for full-text search, and the
-- controlled vocabulary of themes. Everything here is public once published, so these tables carry
-- no tenant policy: what is not yet published lives with the review, in the tenant tables.

-- Themes a publication is described with, managed by administrators. Keys are stable (URLs and
-- filters use them); labels may be reworded; retired themes stay on old publications.
create table themes (
  key text primary key check (key ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(key) <= 80),
  label text not null unique check (length(label) between 1 and 120),
  retired boolean not null default false,
  created_at timestamptz not null default now()
);
comment on table themes is 'Seeded by migration 0009 with the starting vocabulary of the domain notes; administrators add, reword and retire themes.';

insert into themes (key, label) values
  ('neglect', 'Neglect'),
  ('domestic-abuse', 'Domestic abuse'),
  ('parental-mental-ill-health', 'Parental mental ill health'),
  ('parental-substance-misuse', 'Parental substance misuse'),
  ('child-mental-health-self-harm', 'Child mental health and self-harm'),
  ('suicide', 'Suicide'),
  ('sudi-safer-sleep', 'Sudden unexpected death in infancy and safer sleep'),
  ('abusive-head-trauma', 'Non-accidental or abusive head trauma'),
  ('bruising-fractures-non-mobile-babies', 'Bruising and fractures in non-mobile babies'),
  ('child-sexual-abuse-in-the-family', 'Child sexual abuse in the family'),
  ('child-sexual-exploitation', 'Child sexual exploitation'),
  ('child-criminal-exploitation', 'Child criminal exploitation and county lines'),
  ('harm-outside-the-home', 'Harm outside the home'),
  ('serious-youth-violence', 'Serious youth violence'),
  ('online-harm', 'Online harm'),
  ('children-with-disabilities', 'Children with disabilities'),
  ('voice-of-the-child', 'Voice of the child'),
  ('professional-curiosity', 'Professional curiosity'),
  ('information-sharing', 'Information sharing'),
  ('risk-assessment', 'Risk assessment'),
  ('invisible-or-hidden-men', 'Invisible or hidden men'),
  ('ethnicity-culture-religion-racism', 'Ethnicity, culture, religion and racism'),
  ('missing-education', 'Missing education, elective home education and school absence'),
  ('children-in-care-care-leavers', 'Children in care and care leavers'),
  ('young-carers', 'Young carers'),
  ('housing-homelessness', 'Housing and homelessness'),
  ('pre-birth-assessment', 'Pre-birth assessment'),
  ('escalation-and-challenge', 'Escalation and challenge'),
  ('impact-of-covid-19', 'Impact of Covid-19');

-- One published review: its catalogue record (always public once published), the report file
-- (until withdrawn), and the learning products.
create table publications (
  id uuid primary key default gen_random_uuid(),
  partnership_id uuid not null references partnerships(id),
  -- the case it came from when published through the service; null for an imported report
  incident_id uuid unique references incidents(id) on delete set null,
  source text not null check (source in ('review', 'import')),
  -- the public address: /reviews/<slug>
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 120),
  title text not null check (length(title) between 1 and 300),
  summary text not null check (length(summary) between 1 and 20000),
  review_type text not null check (review_type in ('local-cspr', 'national', 'scr', 'deep-dive', 'practice-learning', 'thematic')),
  themes jsonb not null default '[]'::jsonb check (jsonb_typeof(themes) = 'array'),
  age_band text check (age_band in ('unborn', 'under-1', '1-4', '5-9', '10-15', '16-17', '18-24')),
  harm_type text check (harm_type in ('died', 'serious-harm')),
  -- the review's own dates, when known
  review_started_on date,
  review_completed_on date,
  published_on date not null,
  -- at least one year after publication: withdrawing before needs a reason (audited)
  withdrawable_on date not null check (withdrawable_on >= published_on),
  -- full report, or only the improvements to be made where publishing the report is inappropriate
  improvements_only boolean not null default false,
  -- Learning on a Page: { livedExperience, keyLearning, learningIntoPractice }
  learning jsonb check (learning is null or jsonb_typeof(learning) = 'object'),
  -- 7-minute briefing: { background, whyItMatters, keyInformation: [3], thingsToRemember, whatToDo, reflectionQuestions }
  briefing jsonb check (briefing is null or jsonb_typeof(briefing) = 'object'),
  -- the report (stored by content hash under DATA_DIR/files)
  file_sha256 text check (file_sha256 ~ '^[0-9a-f]{64}$'),
  file_name text check (length(file_name) <= 200),
  file_type text check (file_type in ('pdf', 'docx')),
  file_size integer check (file_size > 0),
  page_count integer check (page_count > 0),
  -- the file taken down (the catalogue record stays public)
  file_withdrawn_on date,
  file_withdrawn_reason text check (length(file_withdrawn_reason) <= 2000),
  published_by uuid references users(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- importing the same file twice does not duplicate it
create unique index publications_file on publications (file_sha256) where file_sha256 is not null;
create index publications_published_on on publications (published_on desc);
create index publications_partnership on publications (partnership_id, published_on desc);

-- Text of a publication for search, in chunks a tsvector can hold: the title and summary, the
-- learning, the briefing, and one row per page of the report. weight: A title, B summary and
-- learning, C themes, D report body. The tsvector is computed by the database from the text.
create table publication_chunks (
  publication_id uuid not null references publications(id) on delete cascade,
  seq integer not null check (seq >= 0),
  kind text not null check (kind in ('summary', 'learning', 'briefing', 'page')),
  -- the report page the text comes from (kind 'page')
  page integer check (page > 0),
  weight "char" not null check (weight in ('A', 'B', 'C', 'D')),
  body text not null,
  tsv tsvector not null generated always as (setweight(to_tsvector('english'::regconfig, body), weight)) stored,
  primary key (publication_id, seq),
  check ((kind = 'page') = (page is not null))
);
create index publication_chunks_tsv on publication_chunks using gin (tsv);
