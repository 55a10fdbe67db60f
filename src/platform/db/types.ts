import type { ColumnType, Generated } from 'kysely';

/** Row types of every table, as Kysely sees them. One interface per table. */
export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface SchemaMigrationsTable {
  name: string;
  applied_at: Timestamp;
}

export interface PartnershipsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  fictional: Generated<boolean>;
  created_at: Generated<Date>;
}

export interface DB {
  schema_migrations: SchemaMigrationsTable;
  partnerships: PartnershipsTable;
}
