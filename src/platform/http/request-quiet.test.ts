import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { watchRequests } from './request-quiet.ts';

/** A server whose requests are answered when the test says: `/slow` waits for `release()`, anything else at once. */
async function server() {
  const held: Array<() => void> = [];
  const s = http.createServer((req, res) => {
    if (req.url === '/slow') held.push(() => res.end('slow'));
    else res.end('quick');
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return { s, base, release: () => held.splice(0).forEach((answer) => answer()) };
}

const settled = async (p: Promise<void>, ms: number) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('background work that gives way to requests', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('goes at once when nothing has been asked', async () => {
    const { s } = await server();
    close = () => new Promise((r) => s.close(() => r()));
    const quiet = watchRequests(s, { quietMs: 50, atMostMs: 5_000 });
    expect(await settled(quiet.wait(), 20)).toBe(true);
  });

  it('waits while a request is in flight, and a moment after it is answered', async () => {
    const { s, base, release } = await server();
    close = () => new Promise((r) => s.close(() => r()));
    const quiet = watchRequests(s, { quietMs: 100, atMostMs: 5_000 });
    const slow = fetch(`${base}/slow`);
    while (quiet.seen === 0) await new Promise((r) => setTimeout(r, 5));
    const waiting = quiet.wait();
    expect(await settled(waiting, 300)).toBe(false);
    release();
    expect(await (await slow).text()).toBe('slow');
    const answered = performance.now();
    await waiting;
    // Not before the quiet moment after the answer (a little less for the clock's granularity).
    expect(performance.now() - answered).toBeGreaterThanOrEqual(90);
  });

  it('counts an answered request, not a kept-alive connection, as busy', async () => {
    const { s, base } = await server();
    close = () => {
      s.closeAllConnections();
      return new Promise((r) => s.close(() => r()));
    };
    const quiet = watchRequests(s, { quietMs: 50, atMostMs: 5_000 });
    expect(await (await fetch(`${base}/quick`)).text()).toBe('quick');
    // The connection stays open (fetch keeps it alive); the work goes once the quiet moment has passed.
    await new Promise((r) => setTimeout(r, 60));
    expect(await settled(quiet.wait(), 20)).toBe(true);
  });

  it('counts nothing once stopped', async () => {
    const { s, base, release } = await server();
    close = async () => {
      release();
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    };
    const quiet = watchRequests(s, { quietMs: 50, atMostMs: 5_000 });
    quiet.stop();
    expect(s.listenerCount('request')).toBe(1);
    void fetch(`${base}/slow`).catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
    expect(quiet.seen).toBe(0);
    expect(await settled(quiet.wait(), 20)).toBe(true);
  });

  it('goes anyway once it has waited its longest, so steady traffic cannot hold it back for ever', async () => {
    const { s, base, release } = await server();
    close = async () => {
      release();
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    };
    const quiet = watchRequests(s, { quietMs: 50, atMostMs: 200 });
    void fetch(`${base}/slow`).catch(() => {});
    while (quiet.seen === 0) await new Promise((r) => setTimeout(r, 5));
    const began = performance.now();
    await quiet.wait();
    expect(performance.now() - began).toBeGreaterThanOrEqual(190);
    expect(performance.now() - began).toBeLessThan(1_000);
  });
});
