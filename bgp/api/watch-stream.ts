// One Watch stream with flow control. The speaker's watch() delivers the
// snapshot, the in-sync marker and then every change synchronously; this
// module queues them per stream and writes only while grpc-js's write()
// says the transport has room (HTTP/2 flow control reaches back to a client
// that stops reading). The queue is bounded: the snapshot is always allowed
// (it is the current state, once, and its unsent part counts extra), but a client that falls more than
// `maxQueued` live changes behind has its stream ended with
// RESOURCE_EXHAUSTED and must re-open the watch to resync. Memory per stream
// is therefore at most snapshot + maxQueued events (events are the speaker's
// own objects, converted to messages only when written).

import { status, type ServerWritableStream } from '@grpc/grpc-js';
import type { Speaker, WatchEvent } from '../speaker/index.js';
import type { WatchRequest, WatchResponse } from '../../proto/gen/bgp/v1/bgp_service.js';
import { familyToProto, pathToProto, peerToProto } from './convert.js';
import { ApiError, toServiceError } from './errors.js';

export const DEFAULT_MAX_QUEUED = 10_000;

export interface WatchStats {
  /** Most events queued at once on this stream. */
  maxDepth: number;
  written: number;
  overflowed: boolean;
}

export function serveWatch(sp: Speaker, call: ServerWritableStream<WatchRequest, WatchResponse>, maxQueued: number, stats?: (s: WatchStats) => void): void {
  const req = call.request;
  const queue: WatchEvent[] = [];
  let head = 0;
  let snapshotLeft = 0;
  let inSync = false;
  let waiting = false;
  let done = false;
  const st: WatchStats = { maxDepth: 0, written: 0, overflowed: false };
  let names = peerNames(sp);
  let peers = 0;
  let paths = 0;

  const sub: { off?: () => void } = {};
  const finish = () => {
    if (done) return;
    done = true;
    sub.off?.();
    queue.length = 0;
    stats?.(st);
  };

  const convert = (e: WatchEvent): WatchResponse => {
    if (e.type === 'in-sync') return { inSync: { peers, paths } };
    if (e.type === 'peer') {
      names = peerNames(sp);
      const cfg = sp.peerConfig(e.peer.name);
      return { peer: peerToProto(cfg ?? { name: e.peer.name, address: e.peer.address, asn: e.peer.asn, port: 0, passive: false, holdTime: 0, connectRetryTime: 0, delayOpenTime: 0, idleHoldTime: 0, idleHoldMaxTime: 0, families: [], allowasIn: 0 }, e.peer, sp.isAdminDown(e.peer.name)) };
    }
    const d = e.delta;
    return {
      bestPath: {
        prefix: d.prefix.toString(), family: familyToProto(d.family), multipathCount: d.multipath.length, reason: d.best ? d.reason : 'withdrawn',
        multipathNextHops: [...new Set(d.multipath.map((p) => p.nextHop[0]).filter((h): h is string => h !== undefined))],
        ...(d.best ? { best: pathToProto(d.best, true, (a) => names.get(a) ?? a) } : {}),
      },
    };
  };

  const pump = () => {
    waiting = false;
    while (!done && head < queue.length) {
      const e = queue[head]!;
      queue[head++] = undefined as never;
      st.written++;
      if (snapshotLeft > 0) snapshotLeft--;
      if (!call.write(convert(e))) {
        waiting = true;
        call.once('drain', pump);
        break;
      }
    }
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else if (head > 4096 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
  };

  const listener = (e: WatchEvent) => {
    if (done) return;
    if (e.type === 'peer') {
      if (req.noPeers) return;
      if (!inSync) peers++;
    } else if (e.type === 'best') {
      if (req.noPaths) return;
      if (!inSync) paths++;
    } else {
      inSync = true;
      snapshotLeft = queue.length - head + 1;
    }
    queue.push(e);
    const depth = queue.length - head;
    if (depth > st.maxDepth) st.maxDepth = depth;
    if (inSync && depth > snapshotLeft + maxQueued) {
      st.overflowed = true;
      finish();
      call.emit('error', toServiceError(new ApiError(status.RESOURCE_EXHAUSTED,
        `watch client fell behind by more than ${maxQueued} changes; the stream is closed: open a new Watch to resync (snapshot + in-sync + changes)`)));
      return;
    }
    if (inSync && !waiting) pump();
  };

  call.on('cancelled', finish);
  call.on('close', finish);
  sub.off = sp.watch(listener);
  if (done) sub.off();
}

/** Peer address → name, for path sources. */
export function peerNames(sp: Speaker): Map<string, string> {
  return new Map(sp.peerStatus().map((p) => [p.address, p.name]));
}
