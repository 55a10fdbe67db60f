import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedDatabase, isNewEmbeddedDatabase, openDatabase, type Database } from './database.ts';
import { TEMPLATE_MADE_TABLE } from './data-template.ts';
import { startEmbeddedEngine, stopStartedEngine } from './embedded-start.ts';

/**
 * The embedded engine runs in its own thread: while it works through a long query, the main
 * thread goes on serving (here: timers keep firing), and the engine still answers correctly,
 * errors included.
 */
describe('embedded engine in its own thread', () => {
  let dir: string;
  let database: Database;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cspr-engine-'));
    database = await openDatabase({ dataDir: dir });
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the event loop free while a long query runs', async () => {
    let ticks = 0;
    let running = true;
    const tick = async () => {
      while (running) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        ticks += 1;
      }
    };
    const ticking = tick();
    const started = performance.now();
    // Long enough to be many timer periods on any machine.
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from generate_series(1, 3000000) a, generate_series(1, 2) b`.execute(database.db);
    const took = performance.now() - started;
    running = false;
    await ticking;
    expect(rows).toEqual([{ n: 6_000_000 }]);
    // On the main thread the query would block every timer until it ended (no tick at all).
    expect(took).toBeGreaterThan(100);
    expect(ticks).toBeGreaterThan(Math.floor(took / 10 / 4));
  });

  it('answers errors with their codes and goes on answering', async () => {
    const failed = await sql`select * from no_such_table`.execute(database.db).catch((err: { code?: string }) => err);
    expect((failed as { code?: string }).code).toBe('42P01');
    const { rows } = await sql<{ v: string }>`select ${'still here'}::text as v`.execute(database.db);
    expect(rows).toEqual([{ v: 'still here' }]);
  });

  it('keeps what was written across closing and opening the folder', async () => {
    await sql`create table kept (v text)`.execute(database.db);
    await sql`insert into kept values (${'a\u2028b'})`.execute(database.db);
    await database.close();
    database = await openDatabase({ dataDir: dir });
    const { rows } = await sql<{ v: string }>`select v from kept`.execute(database.db);
    expect(rows).toEqual([{ v: 'a\u2028b' }]);
  });

  it('tells a data folder that holds no database yet (a start will create it, empty) from one that does', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'cspr-engine-new-'));
    try {
      expect(isNewEmbeddedDatabase({ dataDir: empty })).toBe(true);
      expect(isNewEmbeddedDatabase({ dataDir: dir })).toBe(false);
      // A PostgreSQL server's database is never "new" by this test: only the embedded engine's folder is looked at.
      expect(isNewEmbeddedDatabase({ dataDir: empty, databaseUrl: 'postgres://cspr@127.0.0.1:5432/cspr' })).toBe(false);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('opening the embedded database', () => {
  it('lets go of the data folder when the engine cannot start', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cspr-damaged-'));
    fs.mkdirSync(path.join(dir, 'pgdata'));
    fs.writeFileSync(path.join(dir, 'pgdata', 'PG_VERSION'), 'not a version\n');
    await expect(openDatabase({ dataDir: dir })).rejects.toThrow(/could not be opened/);
    // Free again: a second open gets as far as the engine again (not refused for a held folder).
    await expect(openDatabase({ dataDir: dir })).rejects.toThrow(/could not be opened/);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('lets go of the data folder when a started engine is not used after all (serve could not load its code)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cspr-given-up-'));
    try {
      const started = startEmbeddedEngine(dir);
      // Held meanwhile: a second start on the same folder is refused.
      expect(() => startEmbeddedEngine(dir)).toThrow(/is in use by another process/);
      await stopStartedEngine(started);
      const database = await openDatabase({ dataDir: dir });
      await database.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('hands out the query layer before the engine is ready; its queries wait until the new database is finished', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cspr-early-'));
    try {
      const { database, ready } = await embeddedDatabase(startEmbeddedEngine(dir));
      let isReady = false;
      void ready.then(() => (isReady = true));
      // Sent at once: answered only after the database made from the template was finished (its record of making dropped).
      const early = sql<{ made: string | null }>`select to_regclass(${`public.${TEMPLATE_MADE_TABLE}`})::text as made`.execute(database.db);
      const { rows } = await early;
      expect(isReady).toBe(true);
      expect(rows).toEqual([{ made: null }]);
      await database.close();
      // Let go of: the folder opens again.
      await (await openDatabase({ dataDir: dir })).close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('says why a database handed out early cannot be opened, and lets go of its folder when closed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cspr-early-damaged-'));
    fs.mkdirSync(path.join(dir, 'pgdata'));
    fs.writeFileSync(path.join(dir, 'pgdata', 'PG_VERSION'), 'not a version\n');
    try {
      const { database, ready } = await embeddedDatabase(startEmbeddedEngine(dir));
      await expect(ready).rejects.toThrow(/could not be opened/);
      await expect(sql`select 1`.execute(database.db)).rejects.toThrow(/could not be opened/);
      await database.close();
      await expect(openDatabase({ dataDir: dir })).rejects.toThrow(/could not be opened/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
