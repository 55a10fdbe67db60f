-- A change counter per partnership, and one ('*') for what every partnership's pages depend on (bank
-- holidays, clock rules, calendar links): a page made from a partnership's data may be kept and served
-- again only while its counters are unchanged (src/platform/db/view-versions.ts).
--
-- Every change to what such a page shows moves the counter, whoever makes it (a feature, a job, a
-- correction by hand in SQL), in the transaction of the change: the triggers below run at commit, so
-- the new counter and the change become visible together. At commit, not at the change: the counter's
-- row is then locked only for the commit's instant, after the transaction took every other lock it
-- needs (the audit trail's included), so two writers cannot deadlock on it. Once per transaction and
-- scope, however many rows changed. Counters only: no case data, so no tenant policy.
create table view_versions (
  scope text primary key,
  version bigint not null default 0
);

create function cspr_view_changed() returns trigger language plpgsql as $$
declare
  done text := coalesce(current_setting('cspr.views_changed', true), '');
  scopes text[] := '{}';
  s text;
begin
  if tg_nargs = 0 then
    scopes := array['*'];
  else
    -- A row without a partnership (a deployment-wide role, say) counts for every partnership.
    if tg_op <> 'DELETE' then scopes := scopes || coalesce(to_jsonb(new) ->> tg_argv[0], '*'); end if;
    if tg_op <> 'INSERT' then scopes := scopes || coalesce(to_jsonb(old) ->> tg_argv[0], '*'); end if;
  end if;
  foreach s in array scopes loop
    continue when position(',' || s || ',' in ',' || done || ',') > 0;
    insert into view_versions (scope, version) values (s, 1)
      on conflict (scope) do update set version = view_versions.version + 1;
    done := done || ',' || s;
    perform set_config('cspr.views_changed', done, true);
  end loop;
  return null;
end $$;

do $$
declare
  t record;
begin
  for t in select * from (values
    -- What the dashboard and the case lists show, by the column naming the partnership.
    ('incidents', 'partnership_id'), ('incident_children', 'partnership_id'), ('clock_pauses', 'partnership_id'),
    ('reviews', 'partnership_id'), ('tasks', 'partnership_id'), ('role_assignments', 'partnership_id'),
    ('agencies', 'partnership_id'), ('case_clock_sets', 'partnership_id'), ('case_clocks', 'partnership_id'),
    ('partnerships', 'id'),
    -- What every partnership's pages depend on.
    ('bank_holidays', null), ('clock_rules', null), ('calendar_feeds', null)
  ) as v(name, col) loop
    execute format(
      'create constraint trigger view_changed after insert or update or delete on %I '
      'deferrable initially deferred for each row execute function cspr_view_changed(%s)',
      t.name, coalesce(quote_literal(t.col), ''));
  end loop;
end;
$$;

-- Views of case data are recorded on every request, kept page or not: the audit trail's append in one
-- statement (one trip to the database, not six), for entries recorded on their own (not with a change).
-- The service works out each entry's fields and their canonical JSON (src/platform/audit/audit.ts);
-- here the chain is extended exactly as the service does it: the lock that orders appends, then the
-- last hash read after the lock is held (each statement of a function sees what committed before it
-- began), then sha256(previous hash, a line feed, the canonical JSON) over the same UTF-8 bytes.
create function cspr_append_audit(entries jsonb, canonical text[]) returns void language plpgsql as $$
declare
  prev text;
  h text;
  i integer;
  tenant text := coalesce(current_setting('cspr.partnerships', true), '');
begin
  if jsonb_array_length(entries) <> coalesce(array_length(canonical, 1), 0) then
    raise exception 'each audit entry needs its canonical form';
  end if;
  -- The chain spans every partnership: its last entry is read deployment-wide.
  perform set_config('cspr.partnerships', '*', true);
  perform pg_advisory_xact_lock(hashtext('cspr-hub:audit'));
  select hash into prev from audit_events order by seq desc limit 1;
  prev := coalesce(prev, repeat('0', 64));
  for i in 1 .. jsonb_array_length(entries) loop
    h := encode(sha256(convert_to(prev || E'\n' || canonical[i], 'UTF8')), 'hex');
    insert into audit_events (at, actor_id, actor_email, actor_role, partnership_id, action, record_type, record_id, changes, outcome, ip, request_id, prev_hash, hash)
      select e.at, e.actor_id, e.actor_email, e.actor_role, e.partnership_id, e.action, e.record_type, e.record_id, nullif(entries -> (i - 1) -> 'changes', 'null'::jsonb), e.outcome, e.ip, e.request_id, prev, h
        from jsonb_populate_record(null::audit_events, entries -> (i - 1)) as e;
    prev := h;
  end loop;
  perform set_config('cspr.partnerships', tenant, true);
end $$;

-- The counters of these scopes (every scope when null) as one text, as src/platform/db/view-versions.ts reads them.
create function cspr_view_version(scopes text[]) returns text language sql stable as $$
  select coalesce(string_agg(scope || ':' || version, ',' order by scope), '') from view_versions where scopes is null or scope = any(scopes)
$$;

-- A kept page served again: its view entries are appended only if the counters are still those it was
-- kept under, and the counters are returned either way (one trip for the usual case). The service
-- sends the kept page only when they match; otherwise it reads the data afresh and records that view.
create function cspr_record_views_if_unchanged(scopes text[], expected text, entries jsonb, canonical text[]) returns text language plpgsql as $$
declare
  v text := cspr_view_version(scopes);
begin
  if v = expected then
    perform cspr_append_audit(entries, canonical);
  end if;
  return v;
end $$;
