// Watch streams over the unix socket: snapshot + in-sync + deltas under
// churn for a client that keeps reading, and the slow reader: 100k route
// changes while the client does not read; the daemon's per-stream queue stays
// bounded and the client, once it reads again, gets RESOURCE_EXHAUSTED
// telling it to resync.

import { afterEach, describe, expect, it } from 'vitest';
import { GrpcStatus, type ServiceError, type WatchResponse } from './client.js';
import type { WatchStats } from './watch-stream.js';
import { startFixture, until, type Fixture } from './test-fixture.js';

let f: Fixture | undefined;
afterEach(async () => { await f?.close(); f = undefined; });

const tick = () => new Promise((r) => setImmediate(r));
const v4 = (i: number) => `100.65.${(i >> 8) & 255}.${i & 255}/32`;

describe('Watch', () => {
  it('snapshot, in-sync marker, then deltas under churn (a reading client keeps up)', async () => {
    f = await startFixture();
    const w = f.client.watch();
    const events: WatchResponse[] = [];
    let failure: unknown;
    const reading = (async () => { for await (const e of w) events.push(e); })().catch((e: unknown) => { failure = e; });
    await until('in-sync', () => events.some((e) => e.inSync));
    const sync = events.findIndex((e) => e.inSync);
    const snapshot = events.slice(0, sync);
    expect(snapshot.filter((e) => e.peer).map((e) => e.peer!.conf!.name)).toEqual(['b', 'passive', 'down', 'v6', 'off', 'mute', 'noka']);
    expect(snapshot.filter((e) => e.bestPath).map((e) => e.bestPath!.prefix).sort()).toEqual(['100.64.1.0/26', '100.64.2.0/26', '2001:db8:1::/48']);
    expect(events[sync]!.inSync).toEqual({ peers: 7, paths: 3 });
    // churn: 15k changes in bursts of 3000 (each well past the transport's
    // buffers, within the queue); the client reads as fast as it can
    for (let i = 0; i < 10_000; i += 2000) {
      for (let j = i; j < i + 2000; j++) f.a.originate({ prefix: v4(j) });
      for (let j = i; j < i + 2000; j += 2) f.a.withdraw(v4(j));
      await until('the client catches up', () => events.length >= sync + 1 + ((i + 2000) / 2000) * 3000 || failure !== undefined, 20_000);
    }
    expect(failure).toBeUndefined();
    f.a.disablePeer('passive');
    const live = () => events.slice(sync + 1);
    await until('all deltas', () => live().some((e) => e.peer?.conf?.name === 'passive' && e.peer.state?.adminDown), 20_000);
    const seen = new Map<string, boolean>();
    for (const e of live()) if (e.bestPath) seen.set(e.bestPath.prefix, !!e.bestPath.best);
    const present = [...seen].filter(([, up]) => up).map(([p]) => p);
    expect(present.length).toBe(5000);
    const rib = new Set([...f.a.locRib.entries()].map((e) => e.prefix.toString()));
    expect(present.every((p) => rib.has(p) && Number(p.split('.')[3]!.split('/')[0]) % 2 === 1)).toBe(true);
    expect(live().filter((e) => e.bestPath).length).toBe(15_000);
    w.cancel();
    await reading;
  }, 60_000);

  it('slow reader: 100k changes, bounded queue, RESOURCE_EXHAUSTED with a resync hint', async () => {
    const ended: WatchStats[] = [];
    const maxWatchQueue = 10_000;
    f = await startFixture({ maxWatchQueue, onWatchEnd: (s) => ended.push(s) });
    const stream = f.client.bgp.watch({ noPeers: false, noPaths: false });
    let received = 0;
    let inSync = false;
    stream.on('data', (e: WatchResponse) => { received++; if (e.inSync) inSync = true; });
    const done = new Promise<ServiceError>((resolve) => stream.on('error', resolve));
    await until('in-sync', () => inSync);
    stream.pause(); // the client stops reading
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    for (let i = 0; i < 50_000; i += 1000) {
      for (let j = i; j < i + 1000; j++) f.a.originate({ prefix: v4(j) });
      peak = Math.max(peak, process.memoryUsage().heapUsed);
      await tick();
    }
    for (let i = 0; i < 50_000; i += 1000) {
      for (let j = i; j < i + 1000; j++) f.a.withdraw(v4(j));
      peak = Math.max(peak, process.memoryUsage().heapUsed);
      await tick();
    }
    await until('stream ended on the server', () => ended.length === 1);
    const stats = ended[0]!;
    expect(stats.overflowed).toBe(true);
    expect(stats.maxDepth).toBeLessThanOrEqual(maxWatchQueue + 1);
    const growthMb = (peak - before) / 2 ** 20;
    console.log(`watch slow reader: 100k changes, server queue peak ${stats.maxDepth} events, written ${stats.written}, client received ${received} before resuming, heap growth ${growthMb.toFixed(1)} MB`);
    expect(growthMb).toBeLessThan(96);
    stream.resume();
    const err = await done;
    expect(err.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(err.details).toMatch(/fell behind .* open a new Watch to resync/);
    console.log(`watch slow reader: client got ${received} messages, then ${GrpcStatus[err.code]}`);
  }, 60_000);
});
