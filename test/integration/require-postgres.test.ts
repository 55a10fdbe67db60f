import { describe, expect, it } from 'vitest';
import { checkPostgresRequirement } from '../global-setup.ts';

/** CI sets REQUIRE_POSTGRES=1: the run must fail, not shrink, when the PostgreSQL suites cannot run. */
describe('REQUIRE_POSTGRES', () => {
  it('asks nothing when not set', async () => {
    await expect(checkPostgresRequirement({})).resolves.toBeUndefined();
  });

  it('fails when TEST_DATABASE_URL is not set', async () => {
    await expect(checkPostgresRequirement({ REQUIRE_POSTGRES: '1' })).rejects.toThrow(/TEST_DATABASE_URL is not set/);
  });

  it('fails when the server cannot be reached, without showing the password', async () => {
    const err = await checkPostgresRequirement({ REQUIRE_POSTGRES: '1', TEST_DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/none' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/cannot be used/);
    expect((err as Error).message).not.toContain('secret');
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('passes with a reachable server', async () => {
    await expect(checkPostgresRequirement({ REQUIRE_POSTGRES: '1', TEST_DATABASE_URL: process.env.TEST_DATABASE_URL })).resolves.toBeUndefined();
  });
});
