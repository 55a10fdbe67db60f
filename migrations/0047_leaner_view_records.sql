-- The same views and the same chain as migration 0045, in less of the engine's time: a view's entry is
-- written on every request, so on the embedded engine these two functions were most of what a kept
-- dashboard costs. Nothing recorded changes: the same rows in the same order with the same hashes.
--
-- cspr_append_audit:
--  * The last entry is read by a query planned once per session, not afresh on every call (EXECUTE),
--    but planned with sequential scans off, so its plan is the index's whatever the trail's size when
--    the session first ran it (migration 0045 says why the first plan matters). The setting is put
--    back at once: the caller's transaction keeps its own.
--  * The entries become rows in one call (jsonb_to_recordset) rather than one call each; a JSON null
--    becomes SQL null there, as nullif did.
create or replace function cspr_append_audit(entries jsonb, canonical text[]) returns void language plpgsql as $$
declare
  n integer := jsonb_array_length(entries);
  prev text;
  prevs text[] := '{}';
  hashes text[] := '{}';
  i integer;
  tenant text := coalesce(current_setting('cspr.partnerships', true), '');
  seqscan text := current_setting('enable_seqscan');
begin
  if n <> coalesce(array_length(canonical, 1), 0) then
    raise exception 'each audit entry needs its canonical form';
  end if;
  -- The chain spans every partnership: its last entry is read deployment-wide.
  perform set_config('cspr.partnerships', '*', true);
  perform pg_advisory_xact_lock(hashtext('cspr-hub:audit'));
  perform set_config('enable_seqscan', 'off', true);
  select hash into prev from audit_events order by seq desc limit 1;
  perform set_config('enable_seqscan', seqscan, true);
  prev := coalesce(prev, repeat('0', 64));
  for i in 1 .. n loop
    prevs[i] := prev;
    prev := encode(sha256(convert_to(prev || E'\n' || canonical[i], 'UTF8')), 'hex');
    hashes[i] := prev;
  end loop;
  insert into audit_events (at, actor_id, actor_email, actor_role, partnership_id, action, record_type, record_id, changes, outcome, ip, request_id, prev_hash, hash)
    select e.at, e.actor_id, e.actor_email, e.actor_role, e.partnership_id, e.action, e.record_type, e.record_id, e.changes, e.outcome, e.ip, e.request_id, prevs[e.n], hashes[e.n]
      from rows from (jsonb_to_recordset(entries) as (at timestamptz, actor_id uuid, actor_email text, actor_role text, partnership_id uuid, action text,
                                                       record_type text, record_id text, changes jsonb, outcome text, ip text, request_id text))
           with ordinality as e(at, actor_id, actor_email, actor_role, partnership_id, action, record_type, record_id, changes, outcome, ip, request_id, n)
      order by e.n;
  perform set_config('cspr.partnerships', tenant, true);
end $$;

-- cspr_record_views: the items judged, and the entries of those that pass gathered, by one query whose
-- plan the function keeps, instead of a statement for each item's canonical forms and a call of
-- cspr_view_version (a SQL function, planned again on every call). Each item's counters are read by
-- the same query, so in the same snapshot: as before, nothing but this statement's own commit could
-- move them in between. An entry's row is read from its canonical form (the JSON of its fields, which
-- its hash covers), so an item need not carry the fields a second time; `entries`, when an item still
-- has them, is not read.
create or replace function cspr_record_views(items jsonb) returns text[] language plpgsql as $$
declare
  versions text[];
  entries jsonb;
  canonical text[];
begin
  with judged as materialized (
    select x.n, x.item,
           case when jsonb_typeof(x.item -> 'expected') = 'string' then (
             select coalesce(string_agg(vv.scope || ':' || vv.version, ',' order by vv.scope), '') from view_versions vv
              where jsonb_typeof(x.item -> 'scopes') is distinct from 'array'
                 or vv.scope in (select jsonb_array_elements_text(x.item -> 'scopes')))
           end as v
      from jsonb_array_elements(items) with ordinality as x(item, n)
  ), passing as (
    select c.value, j.n, c.k
      from judged j cross join lateral jsonb_array_elements_text(j.item -> 'canonical') with ordinality as c(value, k)
     where j.v is null or j.v = j.item ->> 'expected'
  )
  select coalesce((select array_agg(j.v order by j.n) from judged j), '{}'),
         (select coalesce(jsonb_agg(p.value::jsonb order by p.n, p.k), '[]') from passing p),
         (select coalesce(array_agg(p.value order by p.n, p.k), '{}') from passing p)
    into versions, entries, canonical;
  if jsonb_array_length(entries) > 0 then
    perform cspr_append_audit(entries, canonical);
  end if;
  return versions;
end $$;
