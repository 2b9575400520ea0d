import { describe, expect, it } from 'vitest';
import { PolicyDriver } from './driver.js';
import type { Exec } from './exec.js';
import type { Endpoint } from './model.js';

/** A fake exec: empty kernel tables, records every call, can refuse restores. */
function fakeExec() {
  const calls: { argv: string[]; input?: string }[] = [];
  const state = { refuse: false };
  const exec: Exec = async (argv, input) => {
    calls.push({ argv, input });
    const cmd = argv[0] ?? '';
    if (cmd.endsWith('-save')) {
      const table = argv[2] ?? 'filter';
      const base = table === 'nat' ? ':POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -s 198.18.0.0/15 -j RETURN' : ':FORWARD ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n-A FORWARD -j FOREIGN';
      return { code: 0, stdout: `*${table}\n${base}\nCOMMIT\n`, stderr: '' };
    }
    if (cmd.endsWith('-restore') && state.refuse && !input?.includes('fail-closed')) return { code: 2, stdout: '', stderr: 'Set x does not exist.' };
    return { code: 0, stdout: '', stderr: '' };
  };
  return { exec, calls, state };
}

const ep = (i: number): Endpoint => ({ key: `e${i}`, namespace: 'prod', pod: `p${i}`, ifname: `cali00000000${i}`, ipv4: [`100.64.0.${i}`], ipv6: [], labels: { app: 'web' } });

describe('applier with a fake kernel', () => {
  it('reads back once, writes sets before chains, then writes only what changed', async () => {
    const f = fakeExec();
    const d = new PolicyDriver({ exec: f.exec });
    d.setModel({ endpoints: [ep(1), ep(2)], namespaces: [], pools: [], policies: [
      { namespace: 'prod', name: 'p', spec: { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] } }] });
    const r1 = await d.apply();
    expect(r1.readBack).toBe(true);
    const order = f.calls.map((c) => c.argv.join(' '));
    expect(order.slice(0, 5).sort()).toEqual(['ip6tables-save -t filter', 'ip6tables-save -t nat', 'ipset save', 'iptables-save -t filter', 'iptables-save -t nat']);
    expect(order[5]).toBe('ipset restore');
    expect(order.slice(6).sort()).toEqual(['ip6tables-restore --noflush', 'iptables-restore --noflush']);
    const v4 = f.calls.find((c) => c.argv[0] === 'iptables-restore')?.input ?? '';
    expect(v4).toContain('-I FORWARD 1 -m comment --comment "cali:');
    expect(v4).toMatch(/^-A cali-tw-cali000000001 -m comment --comment "cali:[A-Za-z0-9_-]{16}" -m conntrack/m);
    expect(r1.hooksFixed).toBe(6);

    f.calls.length = 0;
    const r2 = await d.apply();
    expect(f.calls).toEqual([]);
    expect(r2.chainsWritten).toBe(0);

    // a pod on another node joins a selector: only its set changes, no chain is rewritten
    d.setEndpoint({ ...ep(3), ifname: undefined });
    await d.apply();
    expect(f.calls.map((c) => c.argv[0])).toEqual(['ipset']);
    expect(f.calls[0]?.input).toMatch(/^add cali40s:\S+ 100\.64\.0\.3 -exist\n$/);
  });

  it('deletes stale chains and sets only after markInSync', async () => {
    const f = fakeExec();
    const d = new PolicyDriver({ exec: f.exec });
    d.setModel({ endpoints: [ep(1), ep(2)], namespaces: [], pools: [], policies: [] });
    await d.apply();
    d.removeEndpoint('e2');
    f.calls.length = 0;
    const r = await d.apply();
    expect(r.chainsDeleted).toBe(0);
    expect(f.calls.some((c) => c.input?.includes('-X '))).toBe(false);
    d.markInSync();
    f.calls.length = 0;
    const r2 = await d.apply();
    expect(r2.chainsDeleted).toBe(4);
    const v4 = f.calls.find((c) => c.argv[0] === 'iptables-restore')?.input ?? '';
    expect(v4).toBe('*filter\n:cali-fw-cali000000002 - [0:0]\n:cali-tw-cali000000002 - [0:0]\n-X cali-fw-cali000000002\n-X cali-tw-cali000000002\nCOMMIT\n');
  });

  it('fails closed when a write is refused, throws, and reads the kernel back next time', async () => {
    const f = fakeExec();
    const d = new PolicyDriver({ exec: f.exec });
    d.setModel({ endpoints: [ep(1)], namespaces: [], pools: [], policies: [] });
    f.state.refuse = true;
    await expect(d.apply()).rejects.toThrow(/iptables-restore --noflush failed \(exit 2\): Set x does not exist/);
    const fallback = f.calls.find((c) => c.argv[0] === 'iptables-restore' && c.input?.includes('fail-closed'))?.input ?? '';
    expect(fallback).toContain(':cali-tw-cali000000001 - [0:0]\n-A cali-tw-cali000000001 -m comment --comment "cali:fail-closed" -j DROP');
    expect(fallback).toContain('-A cali-fw-cali000000001 -m comment --comment "cali:fail-closed" -j DROP');
    f.state.refuse = false;
    f.calls.length = 0;
    const r = await d.apply();
    expect(r.readBack).toBe(true);
    expect(r.chainsWritten).toBeGreaterThan(0);
  });
});
