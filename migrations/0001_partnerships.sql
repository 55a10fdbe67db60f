-- Safeguarding children partnerships: the tenants of a deployment.
create table partnerships (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name text not null check (length(name) between 1 and 200),
  fictional boolean not null default false,
  created_at timestamptz not null default now()
);
