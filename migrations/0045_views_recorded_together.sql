-- Views recorded together (src/platform/audit/view-recorder.ts): the view entries of requests that
-- arrive while an earlier append is on its way to the database go in one statement and one commit,
-- each request's entries as one item, in the order the requests came. For each item: when it names
-- the counters its kept page was made under (`expected`), its entries are appended only if the
-- counters are still those (what 0044's cspr_record_views_if_unchanged did for one page, dropped
-- below); otherwise always. The counters of each item are returned in the same order (null for an item without
-- `expected`). The counters are read once per set of scopes (nothing can move them within the
-- statement but its own commit), and the entries of every item that passes are chained by one
-- cspr_append_audit, exactly as one by one: the lock and the last hash are taken once.
create function cspr_record_views(items jsonb) returns text[] language plpgsql as $$
declare
  versions text[] := '{}';
  known jsonb := '{}';
  entries jsonb := '[]';
  canonical text[] := '{}';
  item jsonb;
  scopes_key text;
  v text;
  i integer;
begin
  for i in 0 .. jsonb_array_length(items) - 1 loop
    item := items -> i;
    v := null;
    if jsonb_typeof(item -> 'expected') = 'string' then
      scopes_key := coalesce(item ->> 'scopes', '');
      v := known ->> scopes_key;
      if v is null then
        v := cspr_view_version(case when jsonb_typeof(item -> 'scopes') = 'array' then array(select jsonb_array_elements_text(item -> 'scopes')) end);
        known := known || jsonb_build_object(scopes_key, v);
      end if;
    end if;
    if v is null or v = item ->> 'expected' then
      entries := entries || (item -> 'entries');
      canonical := canonical || array(select jsonb_array_elements_text(item -> 'canonical'));
    end if;
    versions := array_append(versions, v);
  end loop;
  if jsonb_array_length(entries) > 0 then
    perform cspr_append_audit(entries, canonical);
  end if;
  return versions;
end $$;

-- The same chain as migration 0044's cspr_append_audit, with two changes.
--  * The entries go in by one statement rather than one each (most of an entry's cost was the
--    statement around it): the hashes are worked out in order first, then the rows go in in that
--    order, so each row's sequence number follows its place in the chain.
--  * The last entry is looked up by a query planned afresh on each call (EXECUTE). A function's own
--    queries keep the plan made at their first run in a session; made while the trail was small, that
--    plan read the whole table (a sequential scan and a sort), and the embedded engine never
--    re-analyses a table, so a long-running service read more of the trail on every view.
create or replace function cspr_append_audit(entries jsonb, canonical text[]) returns void language plpgsql as $$
declare
  prev text;
  prevs text[] := '{}';
  hashes text[] := '{}';
  i integer;
  tenant text := coalesce(current_setting('cspr.partnerships', true), '');
begin
  if jsonb_array_length(entries) <> coalesce(array_length(canonical, 1), 0) then
    raise exception 'each audit entry needs its canonical form';
  end if;
  -- The chain spans every partnership: its last entry is read deployment-wide.
  perform set_config('cspr.partnerships', '*', true);
  perform pg_advisory_xact_lock(hashtext('cspr-hub:audit'));
  execute 'select hash from audit_events order by seq desc limit 1' into prev;
  prev := coalesce(prev, repeat('0', 64));
  for i in 1 .. jsonb_array_length(entries) loop
    prevs := array_append(prevs, prev);
    prev := encode(sha256(convert_to(prev || E'\n' || canonical[i], 'UTF8')), 'hex');
    hashes := array_append(hashes, prev);
  end loop;
  insert into audit_events (at, actor_id, actor_email, actor_role, partnership_id, action, record_type, record_id, changes, outcome, ip, request_id, prev_hash, hash)
    select e.at, e.actor_id, e.actor_email, e.actor_role, e.partnership_id, e.action, e.record_type, e.record_id, nullif(x.value -> 'changes', 'null'::jsonb), e.outcome, e.ip, e.request_id,
           prevs[x.n], hashes[x.n]
      from jsonb_array_elements(entries) with ordinality as x(value, n)
      cross join lateral jsonb_populate_record(null::audit_events, x.value) as e
      order by x.n;
  perform set_config('cspr.partnerships', tenant, true);
end $$;

-- Replaced by cspr_record_views, which judges one kept page as it did, beside others.
drop function cspr_record_views_if_unchanged(text[], text, jsonb, text[]);
