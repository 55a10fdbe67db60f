import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { watchRequests } from './request-quiet.ts';

/** The servers a test started, closed after it. */
const open: Array<() => Promise<void>> = [];

/** A server whose requests are answered when the test says: `/slow` waits for `release()`, anything else at once. */
async function server() {
  const held: Array<() => void> = [];
  // When the last response was done, as the server saw it (the gate's quiet moment starts then).
  const last = { closedAt: 0 };
  const s = http.createServer((req, res) => {
    res.once('close', () => (last.closedAt = performance.now()));
    if (req.url === '/slow') held.push(() => res.end('slow'));
    else res.end('quick');
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  const release = () => held.splice(0).forEach((answer) => answer());
  // Answers what is held, drops kept-alive connections, and stops listening.
  const close = async () => {
    release();
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  };
  open.push(close);
  return { s, base, release, last };
}

const settled = async (p: Promise<void>, ms: number) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('background work that gives way to requests', () => {
  afterEach(async () => {
    for (const close of open.splice(0)) await close();
  });

  it('goes at once when nothing has been asked', async () => {
    const { s } = await server();
    const quiet = watchRequests(s, { quietMs: 50, atMostMs: 5_000 });
    expect(await settled(quiet.wait(), 20)).toBe(true);
  });

  it('waits while a request is in flight, and a moment after it is answered', async () => {
    const { s, base, release, last } = await server();
    const quiet = watchRequests(s, { quietMs: 100, atMostMs: 5_000 });
    const slow = fetch(`${base}/slow`);
    while (quiet.seen === 0) await new Promise((r) => setTimeout(r, 5));
    const waiting = quiet.wait();
    expect(await settled(waiting, 300)).toBe(false);
    release();
    expect(await (await slow).text()).toBe('slow');
    await waiting;
    // Not before the quiet moment after the server was done with the answer (timed there, not when
    // this client read it, which a busy machine delays; a little less for the clock's granularity).
    expect(last.closedAt).toBeGreaterThan(0);
    expect(performance.now() - last.closedAt).toBeGreaterThanOrEqual(90);
  });

  it('counts an answered request, not a kept-alive connection, as busy', async () => {
    const { s, base } = await server();
    const quiet = watchRequests(s, { quietMs: 50, atMostMs: 5_000 });
    expect(await (await fetch(`${base}/quick`)).text()).toBe('quick');
    // The connection stays open (fetch keeps it alive); the work goes once the quiet moment has passed.
    await new Promise((r) => setTimeout(r, 60));
    expect(await settled(quiet.wait(), 20)).toBe(true);
  });

  it('counts nothing once stopped', async () => {
    const { s, base } = await server();
    const quiet = watchRequests(s, { quietMs: 50, atMostMs: 5_000 });
    quiet.stop();
    expect(s.listenerCount('request')).toBe(1);
    void fetch(`${base}/slow`).catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
    expect(quiet.seen).toBe(0);
    expect(await settled(quiet.wait(), 20)).toBe(true);
  });

  it('goes anyway once it has waited its longest, so steady traffic cannot hold it back for ever', async () => {
    const { s, base } = await server();
    const quiet = watchRequests(s, { quietMs: 50, atMostMs: 200 });
    void fetch(`${base}/slow`).catch(() => {});
    while (quiet.seen === 0) await new Promise((r) => setTimeout(r, 5));
    const began = performance.now();
    await quiet.wait();
    expect(performance.now() - began).toBeGreaterThanOrEqual(190);
    expect(performance.now() - began).toBeLessThan(1_000);
  });
});
