// BIRD 2 control socket client, speaking the birdc protocol directly (no fork
// per query): one command per line; reply lines are "CODE-text" (more follow),
// " text" (continuation of the previous code) or "CODE text" (last line).
// Codes 8xxx/9xxx are errors. Parsers for `show protocols all` (state, since,
// per-channel route counters) and `show route all` (normalised routes, with
// ORIGINATOR_ID / CLUSTER_LIST and the stale mark; BIRD does not print
// ADD-PATH path IDs, so several paths of a prefix come without pathId).
import { SocketClient } from './line-socket.js';
import { normState, sortCommunities, type Family, type Route, type SessionState } from './types.js';

export interface BirdLine { code: number; text: string }

function lastLineIsFinal(buf: Buffer): number {
  if (buf.length === 0 || buf[buf.length - 1] !== 0x0a) return -1;
  const start = buf.lastIndexOf(0x0a, buf.length - 2) + 1;
  return /^\d{4} /.test(buf.subarray(start, start + 5).toString('latin1')) ? buf.length : -1;
}

export interface ChannelCounters { state: string; imported: number; filtered: number; exported: number }
export interface BirdProtocol {
  name: string;
  /** protocol state column: up, down, start … */
  up: string;
  bgpState: SessionState;
  /** the "since" column as epoch ms (with `timeformat protocol iso long us`) */
  sinceMs: number | undefined;
  channels: Partial<Record<'ipv4' | 'ipv6', ChannelCounters>>;
  raw: string;
}

export class BirdCtl {
  private readonly client: SocketClient;

  constructor(readonly path: string) {
    this.client = new SocketClient(path, lastLineIsFinal, true);
  }

  /** Sends one command; resolves to its reply lines; throws on an error code. */
  async cmd(command: string): Promise<BirdLine[]> {
    const text = await this.client.request(`${command}\n`);
    const lines: BirdLine[] = [];
    let code = 0;
    for (const l of text.split('\n')) {
      if (l === '') continue;
      const m = /^(\d{4})[- ]/.exec(l);
      if (m) { code = Number(m[1]); lines.push({ code, text: l.slice(5) }); } else lines.push({ code, text: l.slice(1) });
    }
    const err = lines.find((x) => x.code >= 8000);
    if (err) throw new Error(`bird (${this.path}): ${command}: ${err.code} ${err.text}`);
    return lines;
  }

  async protocol(name: string): Promise<BirdProtocol> {
    const lines = await this.cmd(`show protocols all ${name}`);
    const p: BirdProtocol = { name, up: '?', bgpState: 'Unknown', sinceMs: undefined, channels: {}, raw: lines.map((l) => l.text).join('\n') };
    let ch: ChannelCounters | undefined;
    for (const { text } of lines) {
      const f = text.trim().split(/\s+/);
      if (f[0] === name && !text.startsWith(' ')) {
        p.up = f[3] ?? '?';
        const m = /(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)/.exec(text);
        if (m) p.sinceMs = new Date(`${m[1]}T${(m[2] ?? '').slice(0, 12)}`).getTime();
        if (p.up === 'down') p.bgpState = 'Idle';
      }
      let m = /BGP state:\s+(\S+)/.exec(text);
      if (m) p.bgpState = normState(m[1]);
      m = /^\s*Channel (ipv4|ipv6)/.exec(text);
      if (m) { ch = { state: '?', imported: 0, filtered: 0, exported: 0 }; p.channels[m[1] as 'ipv4' | 'ipv6'] = ch; }
      m = /^\s*State:\s+(\S+)/.exec(text);
      if (m && ch) ch.state = m[1] ?? '?';
      m = /Routes:\s+(\d+) imported,(?: (\d+) filtered,)? (\d+) exported/.exec(text);
      if (m && ch) { ch.imported = Number(m[1]); ch.filtered = Number(m[2] ?? 0); ch.exported = Number(m[3]); }
    }
    return p;
  }

  /** Routes BIRD holds from protocol `proto` in the family's master table. */
  async routes(proto: string, family: Family): Promise<Route[]> {
    const table = family === 'ipv4-unicast' ? 'master4' : 'master6';
    return parseRoutes(await this.cmd(`show route all table ${table} protocol ${proto}`));
  }

  close(): void { this.client.close(); }
}

/** `show route all` lines -> routes. A route starts with "<prefix> <type> [proto …", attributes follow indented. */
export function parseRoutes(lines: BirdLine[]): Route[] {
  const out: Route[] = [];
  let cur: Route | undefined;
  let lastPrefix = '';
  for (const { text } of lines) {
    const head = /^(\S+)?\s+(unicast|unreachable|blackhole|prohibited)\s+\[/.exec(text);
    if (head && !/^\s+(Type|BGP\.)/.test(text)) {
      if (head[1]) lastPrefix = head[1];
      cur = { prefix: lastPrefix.toLowerCase(), nextHop: '', asPath: [], communities: [], largeCommunities: [] };
      // BGP route info "(pref[-][s]/igp)": 's' marks a stale route (graceful restart / LLGR)
      if (/\]\s*[*!]?\s*\(\d+-?s/.test(text)) cur.stale = true;
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    const m = /^\s*BGP\.(\w+):\s*(.*)$/.exec(text);
    if (!m) continue;
    const [, key, val = ''] = m;
    if (key === 'as_path') cur.asPath = val.replace(/[{}]/g, ' ').split(/\s+/).filter(Boolean).map(Number);
    else if (key === 'next_hop') {
      const [g = '', ll] = val.split(/\s+/);
      cur.nextHop = g;
      if (ll) cur.linkLocalNextHop = ll;
    } else if (key === 'local_pref') cur.localPref = Number(val);
    else if (key === 'med') cur.med = Number(val);
    else if (key === 'community') cur.communities = sortCommunities([...val.matchAll(/\((\d+),\s*(\d+)\)/g)].map((x) => `${x[1]}:${x[2]}`));
    else if (key === 'originator_id') cur.originatorId = val.trim();
    else if (key === 'cluster_list') cur.clusterList = val.trim().split(/\s+/).filter(Boolean);
    else if (key === 'large_community') {
      cur.largeCommunities = sortCommunities([...val.matchAll(/\((\d+),\s*(\d+),\s*(\d+)\)/g)].map((x) => `${x[1]}:${x[2]}:${x[3]}`));
    }
  }
  return out;
}
