import { sql, type Kysely, type UpdateQueryBuilder, type UpdateResult } from 'kysely';
import type { DB } from '../../platform/db/types.ts';

/**
 * Wrong passwords and wrong codes, counted in the database so that every instance and every
 * concurrent request sees one count.
 *
 * Each factor has its own count and its own lock: the password (failed_sign_ins, locked_until)
 * and the second factor — security codes and recovery codes alike (failed_codes,
 * codes_locked_until). Either lock refuses both factors, so a locked account is not even asked
 * for its password. A correct password clears only the password's count: guessing codes in
 * rounds between correct passwords adds up.
 *
 * An attempt is counted *before* its secret is checked (`reserveAttempt`), in one UPDATE that
 * also checks the locks: however many requests arrive at once, at most MAX_FAILED_ATTEMPTS of
 * them are ever checked per lock period. A correct answer then gives its attempt back.
 */
export const MAX_FAILED_ATTEMPTS = 5;
export const LOCK_MINUTES = 15;

export type Factor = 'password' | 'code';

const COLUMNS = {
  password: { count: 'failed_sign_ins', lock: 'locked_until' },
  code: { count: 'failed_codes', lock: 'codes_locked_until' },
} as const;

const unlocked = sql<boolean>`((locked_until is null or locked_until <= now()) and (codes_locked_until is null or codes_locked_until <= now()))`;
const lockFor = sql`now() + make_interval(mins => ${LOCK_MINUTES})`;

/**
 * Counts one attempt of the factor, or refuses it: false when the account is locked (by either
 * factor). A count already at the limit — attempts still in flight, or a process that stopped
 * half-way — locks the account now rather than letting another attempt through.
 */
export async function reserveAttempt(db: Kysely<DB>, userId: string, factor: Factor): Promise<boolean> {
  const count = sql.ref(COLUMNS[factor].count);
  const lock = sql.ref(COLUMNS[factor].lock);
  const result = await sql<{ reserved: boolean }>`
    update users set
      ${count} = case when ${count} >= ${MAX_FAILED_ATTEMPTS} then 0 else ${count} + 1 end,
      ${lock} = case when ${count} >= ${MAX_FAILED_ATTEMPTS} then ${lockFor} else ${lock} end
    where id = ${userId} and ${unlocked}
    returning ${unlocked} as reserved`.execute(db);
  return result.rows[0]?.reserved === true;
}

/**
 * The reserved attempt was wrong: it stays counted, and the last one allowed locks the account.
 * True when the account is locked now.
 */
export async function attemptFailed(db: Kysely<DB>, userId: string, factor: Factor): Promise<boolean> {
  const count = sql.ref(COLUMNS[factor].count);
  const lock = sql.ref(COLUMNS[factor].lock);
  const result = await sql<{ locked: boolean }>`
    update users set
      ${count} = case when ${count} >= ${MAX_FAILED_ATTEMPTS} then 0 else ${count} end,
      ${lock} = case when ${count} >= ${MAX_FAILED_ATTEMPTS} then ${lockFor} else ${lock} end
    where id = ${userId}
    returning not ${unlocked} as locked`.execute(db);
  return result.rows[0]?.locked === true;
}

/**
 * The reserved attempt was right: this factor's count starts again (the other factor's does
 * not), with any other change the success brings (`set`), applied only if `onlyIf` still holds.
 * False when nothing was changed: the account was locked meanwhile by attempts running
 * alongside, or `onlyIf` no longer held (a code used by a concurrent request).
 */
export async function attemptSucceeded(
  db: Kysely<DB>,
  userId: string,
  factor: Factor,
  change: { set?: { totp_last_step?: number; totp_enabled?: boolean }; onlyIf?: (q: UsersUpdate) => UsersUpdate } = {},
): Promise<boolean> {
  const reset = factor === 'password' ? { failed_sign_ins: 0 } : { failed_codes: 0 };
  let query = db.updateTable('users').set({ ...reset, ...change.set }).where('id', '=', userId).where(unlocked);
  if (change.onlyIf) query = change.onlyIf(query);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

type UsersUpdate = UpdateQueryBuilder<DB, 'users', 'users', UpdateResult>;
