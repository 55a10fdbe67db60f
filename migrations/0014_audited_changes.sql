-- A change of case or account data and its audit entry commit together, or neither does.
--
-- Appending to the audit trail marks the transaction (`cspr.audited`). Work done for a person
-- (a web request, a `cspr` command) marks its transactions `cspr.audit_required`; in those, a
-- change to any table below queues a check for commit time, and the commit fails when the
-- transaction did not also append an audit entry. Work done for nobody in particular (migrations,
-- restoring a backup, fixtures in tests) sets nothing and is not checked.

create function cspr_note_audited() returns trigger language plpgsql as $$
begin
  perform set_config('cspr.audited', 'on', true);
  return null;
end;
$$;
create trigger audit_events_note_audited after insert on audit_events
  for each statement execute function cspr_note_audited();

-- Arguments: columns whose change alone is bookkeeping, not a change a person makes
-- (a failed sign-in or security code counted, the last use of an API token); each sign-in attempt has its own entry.
create function cspr_require_audit() returns trigger language plpgsql as $$
begin
  if coalesce(current_setting('cspr.audited', true), '') = 'on' then
    return null;
  end if;
  if tg_op = 'UPDATE' and tg_nargs > 0 and (to_jsonb(old) - tg_argv) = (to_jsonb(new) - tg_argv) then
    return null;
  end if;
  raise exception 'a change to % has no audit entry in the same transaction', tg_table_name
    using errcode = 'integrity_constraint_violation',
          hint = 'Record the audit entry in the transaction that makes the change (inTransaction and req.audit(entry, trx)).';
end;
$$;

do $$
declare
  t text;
  bookkeeping constant jsonb := '{"users": ["failed_sign_ins", "locked_until", "failed_codes", "codes_locked_until", "totp_last_step"], "api_tokens": ["last_used_at"]}';
begin
  foreach t in array array[
    'partnerships', 'agencies', 'users', 'role_assignments', 'role_offers', 'recovery_codes', 'email_tokens', 'api_tokens',
    'sso_providers', 'sso_identities', 'clock_rules', 'bank_holidays', 'calendar_feeds',
    'incidents', 'incident_children', 'case_events', 'clock_pauses', 'referrals',
    'rapid_reviews', 'rapid_review_meetings', 'rapid_review_sign_offs', 'agency_requests',
    'reviews', 'review_entries', 'review_reports',
    'themes', 'publications', 'publication_chunks', 'publication_drafts'
  ] loop
    execute format(
      'create constraint trigger audited_change after insert or update or delete on %I '
      'deferrable initially deferred for each row '
      'when (current_setting(''cspr.audit_required'', true) = ''on'') '
      'execute function cspr_require_audit(%s)',
      t,
      coalesce((select string_agg(quote_literal(c), ', ') from jsonb_array_elements_text(bookkeeping -> t) as c), ''));
  end loop;
end;
$$;
