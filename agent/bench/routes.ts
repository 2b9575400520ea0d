// Routes section of bench:agent: in a network namespace of our own, add then
// remove N workload routes (`<ip>/32 dev caliX scope link proto 201` over four
// interfaces) with our RouteTable over rtnetlink — as configured by default
// (sendto on the thread pool, one ack per batch), with sendto on the event
// loop, and with every request acked — and with `ip -batch` (iproute2, one
// request + ack per route), same run, same namespace, emptied between. Median of
// --runs; ratios ours / ip -batch (issue target <= 1.5x). Also the longest
// event-loop stall during our apply() calls: the largest gap seen by a 1 ms
// interval timer (a fully synchronous apply shows up as one long gap).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, run } from '../../test/netns/index.js';
import { ROUTE_PROTOCOL } from '../dataplane/constants.js';
import { RtNetlink } from '../dataplane/netlink/rtnetlink.js';
import { RouteTable } from '../dataplane/routes/route-table.js';
import type { BenchContext, BenchSection } from './agent.bench.js';

const IFS = ['cali0000bench0', 'cali0000bench1', 'cali0000bench2', 'cali0000bench3'];

interface Sample { add: number; remove: number; stall: number }
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] as number : ((s[m - 1] as number) + (s[m] as number)) / 2; };
const routeAt = (i: number): { dst: string; dev: string } => ({ dst: `100.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, dev: IFS[i % IFS.length] as string });

async function ours(ns: string, n: number, asyncSend: boolean, acks: 'each' | 'last'): Promise<Sample> {
  const kernel = RtNetlink.open({ netns: ns, asyncSendThreshold: asyncSend ? 16384 : Infinity, acks });
  try {
    const rt = new RouteTable({ kernel, gracePeriodMs: 0, families: [4] });
    rt.markInSync();
    await rt.apply(); // first dump (links, routes) outside the timing: a running agent has it already
    let stall = 0;
    const timedApply = async () => {
      let last = performance.now();
      const tick = setInterval(() => { const t = performance.now(); stall = Math.max(stall, t - last - 1); last = t; }, 1);
      try { return await rt.apply(); } finally {
        clearInterval(tick);
        stall = Math.max(stall, performance.now() - last - 1);
      }
    };
    const t0 = performance.now();
    for (let i = 0; i < n; i++) { const r = routeAt(i); rt.setRoute({ dst: `${r.dst}/32`, target: { kind: 'workload', ifname: r.dev } }); }
    const a = await timedApply();
    const t1 = performance.now();
    for (let i = 0; i < n; i++) rt.removeRoute(`${routeAt(i).dst}/32`);
    const d = await timedApply();
    const t2 = performance.now();
    if (a.programmed !== n || a.failures.length || d.removed !== n) throw new Error(`routes bench: ours programmed ${a.programmed}/${n}, removed ${d.removed}/${n}, ${a.failures[0]?.error ?? ''}`);
    return { add: t1 - t0, remove: t2 - t1, stall };
  } finally {
    kernel.close();
  }
}

async function ipBatch(ns: string, n: number, dir: string): Promise<Sample> {
  const add = join(dir, 'add.batch'), del = join(dir, 'del.batch');
  const lines = (verb: string) => Array.from({ length: n }, (_, i) => { const r = routeAt(i); return `route ${verb} ${r.dst}/32 dev ${r.dev} scope link proto ${ROUTE_PROTOCOL}`; }).join('\n');
  writeFileSync(add, `${lines('add')}\n`);
  writeFileSync(del, `${lines('del')}\n`);
  const t0 = performance.now();
  await run(['ip', '-n', ns, '-batch', add]);
  const t1 = performance.now();
  const have = await countOurs(ns);
  const t2 = performance.now();
  await run(['ip', '-n', ns, '-batch', del]);
  const t3 = performance.now();
  if (have !== n) throw new Error(`routes bench: ip -batch added ${have}/${n}`);
  return { add: t1 - t0, remove: t3 - t2, stall: 0 };
}

async function countOurs(ns: string): Promise<number> {
  const out = await run(['ip', '-n', ns, '-4', 'route', 'show', 'proto', String(ROUTE_PROTOCOL)]);
  return out.split('\n').filter(Boolean).length;
}

async function empty(ns: string): Promise<void> {
  await run(['ip', '-n', ns, '-4', 'route', 'flush', 'proto', String(ROUTE_PROTOCOL)]);
  const left = await countOurs(ns);
  if (left) throw new Error(`routes bench: ${left} routes left in ${ns}`);
}

export const routesSection: BenchSection = {
  name: 'routes',
  async run(ctx: BenchContext): Promise<Record<string, unknown>> {
    const lab = Lab.create('abench');
    try {
      const ns = await lab.namespace('node');
      for (const name of IFS) {
        await lab.exec(ns, ['ip', 'link', 'add', name, 'type', 'veth', 'peer', 'name', `x${name}`]);
        await lab.exec(ns, ['ip', 'link', 'set', `x${name}`, 'up']);
        await lab.exec(ns, ['ip', 'link', 'set', name, 'up']);
      }
      const impls: { name: string; run: () => Promise<Sample> }[] = [
        { name: 'ours (rtnetlink, async sendto)', run: () => ours(ns, ctx.routes, true, 'last') },
        { name: 'ours, sync sendto', run: () => ours(ns, ctx.routes, false, 'last') },
        { name: 'ours, every request acked', run: () => ours(ns, ctx.routes, true, 'each') },
        { name: 'ip -batch (iproute2)', run: () => ipBatch(ns, ctx.routes, lab.dir) },
      ];
      const samples = impls.map(() => [] as Sample[]);
      ctx.log(`routes: add + remove ${ctx.routes} workload /32 routes over ${IFS.length} interfaces, median of ${ctx.runs}`);
      for (let r = 0; r < ctx.runs; r++) {
        // rotate the order each run so no implementation always goes first
        for (let k = 0; k < impls.length; k++) {
          const i = (k + r) % impls.length;
          await empty(ns);
          (samples[i] as Sample[]).push(await (impls[i] as { run: () => Promise<Sample> }).run());
          global.gc?.();
        }
      }
      await empty(ns);
      const med = samples.map((s) => ({ add: median(s.map((x) => x.add)), remove: median(s.map((x) => x.remove)), stall: median(s.map((x) => x.stall)) }));
      const base = med[3] as { add: number; remove: number };
      const head = ['implementation', 'add ms', 'remove ms', 'add ×ip', 'remove ×ip', 'routes/s (add)', 'max loop stall ms'];
      const rows = impls.map((impl, i) => {
        const m = med[i] as { add: number; remove: number; stall: number };
        return [impl.name, m.add.toFixed(1), m.remove.toFixed(1), (m.add / base.add).toFixed(2), (m.remove / base.remove).toFixed(2),
          Math.round(ctx.routes / (m.add / 1000)).toString(), i < 3 ? m.stall.toFixed(1) : '-'];
      });
      const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
      const fmt = (cells: string[]) => cells.map((x, c) => (c === 0 ? x.padEnd(widths[c] as number) : x.padStart(widths[c] as number))).join('  ');
      ctx.log(fmt(head));
      for (const r of rows) ctx.log(fmt(r));
      type M = { add: number; remove: number; stall: number };
      const [a, s, e] = med as [M, M, M];
      const r2 = (x: number) => Math.round(x * 100) / 100;
      return {
        routes: ctx.routes, runs: ctx.runs,
        ours_add_ms: r2(a.add), ours_remove_ms: r2(a.remove), ours_max_loop_stall_ms: r2(a.stall),
        ours_sync_add_ms: r2(s.add), ours_sync_remove_ms: r2(s.remove), ours_sync_max_loop_stall_ms: r2(s.stall),
        ours_ack_each_add_ms: r2(e.add), ours_ack_each_remove_ms: r2(e.remove),
        ip_batch_add_ms: r2(base.add), ip_batch_remove_ms: r2(base.remove),
        ratio_add: r2(a.add / base.add), ratio_remove: r2(a.remove / base.remove),
      };
    } finally {
      lab.teardown();
    }
  },
};
