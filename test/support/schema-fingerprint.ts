import type pg from 'pg';
import { WRITTEN_AT_COLUMNS } from '../../src/platform/db/data-template.ts';

/**
 * Everything a database holds that migrations make, as sorted text by kind: schemas, tables and their
 * columns, constraints, indexes, functions (their whole definitions), triggers, policies, views,
 * types, extensions, roles and their memberships, owners, privileges (default and per column too),
 * settings, the databases' encodings and collations, comments, text search objects, sequences, and a
 * hash of every table's rows. Two databases with equal fingerprints hold the same structure and the same rows;
 * only object identifiers (OIDs) and physical layout may differ.
 *
 * Columns that record when their row was written (timestamptz, default now()) are left out of the
 * rows' hashes, and so are the columns `volatile` names: `writtenAt` reads the former.
 */
export async function schemaFingerprint(pool: pg.Pool, volatile: Record<string, string[]> = {}): Promise<Record<string, string[]>> {
  const queries: Record<string, string> = {
    schemas: `select nspname || ' owner=' || pg_get_userbyid(nspowner) || ' acl=' || coalesce(nspacl::text, '') from pg_namespace order by 1`,
    columns: `select c.relname || ' ' || c.relkind::text || ' owner=' || pg_get_userbyid(c.relowner) || ' options=' || coalesce(c.reloptions::text, '') || ' rls=' || c.relrowsecurity || '/' || c.relforcerowsecurity || ' ' || coalesce(a.attnum || ' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' notnull=' || a.attnotnull || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') || ' identity=' || a.attidentity::text || ' generated=' || a.attgenerated::text, '')
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
      where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and c.relkind::text <> 'i' order by 1`,
    constraints: `select conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) from pg_constraint where connamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) order by 1`,
    indexes: `select schemaname || ' ' || indexdef from pg_indexes where schemaname not in ('pg_catalog', 'information_schema') order by 1`,
    functions: `select p.oid::regprocedure::text || ' owner=' || pg_get_userbyid(p.proowner) || ' ' || case when p.prokind in ('f', 'p') then pg_get_functiondef(p.oid) else p.prokind::text end || ' acl=' || coalesce(p.proacl::text, '')
      from pg_proc p where p.pronamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) order by 1`,
    triggers: `select tgrelid::regclass::text || ' ' || pg_get_triggerdef(oid) || ' enabled=' || tgenabled::text from pg_trigger where not tgisinternal order by 1`,
    eventTriggers: `select evtname || ' ' || evtevent from pg_event_trigger order by 1`,
    rules: `select schemaname || ' ' || tablename || ' ' || rulename || ' ' || definition from pg_rules where schemaname not in ('pg_catalog', 'information_schema') order by 1`,
    policies: `select tablename || ' ' || policyname || ' ' || permissive || ' ' || roles::text || ' ' || cmd || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, '') from pg_policies order by 1`,
    views: `select schemaname || ' ' || viewname || ' ' || definition from pg_views where schemaname not in ('pg_catalog', 'information_schema') order by 1`,
    types: `select t.typname || ' ' || t.typtype::text || ' ' || array(select e.enumlabel from pg_enum e where e.enumtypid = t.oid order by e.enumsortorder)::text
      from pg_type t where t.typnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace, 'pg_toast'::regnamespace) and t.typtype::text in ('e', 'd', 'c', 'r') order by 1`,
    extensions: `select extname || ' ' || extversion from pg_extension order by 1`,
    roles: `select rolname || ' super=' || rolsuper || ' login=' || rolcanlogin || ' createrole=' || rolcreaterole || ' createdb=' || rolcreatedb || ' bypassrls=' || rolbypassrls from pg_roles order by 1`,
    privileges: `select c.relname || ' ' || coalesce(c.relacl::text, '') from pg_class c where c.relnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace, 'pg_toast'::regnamespace) order by 1`,
    databases: `select datname || ' ' || coalesce(datacl::text, '') || ' ' || datconnlimit || ' template=' || datistemplate || ' ' || pg_encoding_to_char(encoding) || ' ' || datcollate || ' ' || datctype from pg_database order by 1`,
    memberships: `select roleid::regrole::text || ' ' || member::regrole::text || ' admin=' || admin_option from pg_auth_members order by 1`,
    defaultPrivileges: `select defaclrole::regrole::text || ' ' || defaclobjtype::text || ' ' || defaclacl::text from pg_default_acl order by 1`,
    columnPrivileges: `select attrelid::regclass::text || ' ' || attname || ' ' || attacl::text from pg_attribute where attacl is not null and attrelid >= 16384 order by 1`,
    // Objects the migrations made have identifiers from 16384 on (PostgreSQL's first normal object id).
    comments: `select pg_describe_object(classoid, objoid, objsubid) || ' ' || description from pg_description where objoid >= 16384 order by 1`,
    settings: `select coalesce(setdatabase::text, '') || ' ' || coalesce(setrole::text, '') || ' ' || setconfig::text from pg_db_role_setting order by 1`,
    textSearch: `select 'config ' || cfgname from pg_ts_config union all select 'dictionary ' || dictname || ' ' || coalesce(dictinitoption, '') from pg_ts_dict order by 1`,
    sequences: `select schemaname || ' ' || sequencename || ' ' || coalesce(last_value::text, '') || ' ' || start_value || ' ' || increment_by || ' ' || max_value || ' cycle=' || cycle from pg_sequences order by 1`,
  };
  const fingerprint: Record<string, string[]> = {};
  for (const [kind, text] of Object.entries(queries)) {
    fingerprint[kind] = (await pool.query<Record<string, string>>(text)).rows.map((row) => String(Object.values(row)[0]));
  }
  const tables = await pool.query<{ name: string }>(`select quote_ident(relname) as name from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p') order by 1`);
  fingerprint.rows = [];
  for (const { name } of tables.rows) {
    const skip = volatile[name] ?? [];
    const columns = await pool.query<{ name: string }>(
      `select quote_ident(a.attname) as name from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
       where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped and not (a.attname = any($2))
         and not (a.atttypid = 'timestamptz'::regtype and coalesce(pg_get_expr(d.adbin, d.adrelid), '') = 'now()')
       order by a.attnum`,
      [name, skip],
    );
    const list = columns.rows.map((c) => c.name).join(', ');
    const { rows } = await pool.query<{ n: number; hash: string }>(
      `select count(*)::int as n, md5(coalesce(string_agg(r::text, E'\\n' order by r::text), '')) as hash from (select ${list || 'null'} from ${name}) r`,
    );
    fingerprint.rows.push(`${name} ${rows[0].n} ${rows[0].hash}`);
  }
  return fingerprint;
}

/** The earliest and latest values of the columns that record when a row was written (as schemaFingerprint leaves out), over every table. */
export async function writtenAt(pool: pg.Pool): Promise<{ rows: number; earliest: Date | null; latest: Date | null }> {
  const columns = await pool.query<{ t: string; c: string }>(WRITTEN_AT_COLUMNS);
  const union = columns.rows.map(({ t, c }) => `select ${c} as at from ${t}`).join(' union all ');
  const { rows } = await pool.query<{ rows: number; earliest: Date | null; latest: Date | null }>(`select count(*)::int as rows, min(at) as earliest, max(at) as latest from (${union}) w`);
  return rows[0];
}
