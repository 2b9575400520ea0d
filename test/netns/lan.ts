// A shared underlay LAN for many namespaces: one "switch" namespace holding a
// Linux bridge, one veth per member (port pN on the bridge, `ifname` in the
// member with its addresses). Members reach each other directly (one hop, TTL
// 255 preserved for GTSM), nothing is routed and no route is added.
import type { Lab } from './lab.js';

export interface LanMember {
  /** full namespace name (from lab.namespace) */
  ns: string;
  /** CIDRs on the member's interface, underlay only (checked by the lab) */
  addresses: string[];
  /** interface name in the member (default eth0) */
  ifname?: string;
}

/** Builds the switch namespace `<short>` with bridge br0 and connects every member; returns the switch namespace. */
export async function buildLan(lab: Lab, short: string, members: LanMember[]): Promise<string> {
  const sw = await lab.namespace(short);
  await lab.exec(sw, ['ip', 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
  await lab.exec(sw, ['ip', 'link', 'set', 'br0', 'up']);
  await addLanMembers(lab, sw, members, 0);
  return sw;
}

/** Connects more members to an existing switch namespace; ports are numbered from `firstPort`. */
export async function addLanMembers(lab: Lab, sw: string, members: LanMember[], firstPort: number): Promise<void> {
  for (const [i, m] of members.entries()) {
    const port = `p${firstPort + i}`;
    await lab.veth({ ns: sw, ifname: port }, { ns: m.ns, ifname: m.ifname ?? 'eth0', addresses: m.addresses });
    await lab.exec(sw, ['ip', 'link', 'set', port, 'master', 'br0']);
  }
}
