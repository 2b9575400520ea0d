// The benchmark topology, built fresh for every measured run:
//
//   ns inj                    ns dut                               ns obs
//   BIRD injector  to-dut ─── to-inj   DUT   to-obs ─── to-dut     BIRD observer
//   198.18.1.1/24  AS65001    198.18.1.2      198.18.2.1  AS65000  198.18.2.2  AS65002
//
// Router IDs 198.18.0.1-3. The injector holds N static /32s from 100.64.0.0
// (static protocol `bulk`, parsed before the measurement starts) and exports
// them over a session to the DUT configured disabled; the observer imports
// all and exports nothing. DUT configs are plain: accept all from the
// injector, export all to the observer, no kernel install. As in the
// reference harness, BIRD (and our bgpd) export nothing back to the
// injector, FRR and GoBGP run without an outbound policy towards it.
import { BirdSpeaker, BgpdSpeaker, FrrSpeaker, GobgpSpeaker, type NeighborSpec, type SpeakerSpec } from '../peers/index.js';
import type { Lab } from '../netns/index.js';

export type DutKind = 'ours' | 'bird' | 'gobgp' | 'frr';
export const DUT_KINDS: DutKind[] = ['ours', 'bird', 'gobgp', 'frr'];

export const AS = { inj: 65001, dut: 65000, obs: 65002 };
export const IP = { injDut: '198.18.1.1', dutInj: '198.18.1.2', dutObs: '198.18.2.1', obsDut: '198.18.2.2' };
const HOLD = 90; // long: a DUT busy with 1M routes must not lose its sessions

export type Dut = BirdSpeaker | FrrSpeaker | GobgpSpeaker | BgpdSpeaker;

export interface Topology {
  inj: BirdSpeaker;
  obs: BirdSpeaker;
  dut: Dut;
  /** DUT process PIDs measured for CPU and memory (main process first) */
  dutPids: () => Record<string, number>;
}

function dutSpec(kind: DutKind): SpeakerSpec {
  const backToInjector = kind === 'bird' || kind === 'ours' ? 'none' : 'all';
  const neighbors: NeighborSpec[] = [
    { name: 'inj', address: IP.injDut, asn: AS.inj, localAddress: IP.dutInj, holdTime: HOLD, import: 'all', export: backToInjector },
    { name: 'obs', address: IP.obsDut, asn: AS.obs, localAddress: IP.dutObs, holdTime: HOLD, import: 'all', export: 'all' },
  ];
  return { name: `dut-${kind}`, routerId: '198.18.0.2', asn: AS.dut, neighbors };
}

export async function buildTopology(lab: Lab, kind: DutKind, n: number, bulkDir: string): Promise<Topology> {
  const [nsInj, nsDut, nsObs] = [await lab.namespace('inj'), await lab.namespace('dut'), await lab.namespace('obs')];
  await lab.veth({ ns: nsInj, ifname: 'to-dut', addresses: [`${IP.injDut}/24`] }, { ns: nsDut, ifname: 'to-inj', addresses: [`${IP.dutInj}/24`] });
  await lab.veth({ ns: nsDut, ifname: 'to-obs', addresses: [`${IP.dutObs}/24`] }, { ns: nsObs, ifname: 'to-dut', addresses: [`${IP.obsDut}/24`] });
  const inj = new BirdSpeaker(lab, nsInj, {
    name: 'inj', routerId: '198.18.0.1', asn: AS.inj,
    neighbors: [{ name: 'dut', address: IP.dutInj, asn: AS.dut, localAddress: IP.injDut, holdTime: HOLD, disabled: true, import: 'none', export: 'all' }],
  }, { bulkRoutes: n, bulkDir });
  const obs = new BirdSpeaker(lab, nsObs, {
    name: 'obs', routerId: '198.18.0.3', asn: AS.obs,
    neighbors: [{ name: 'dut', address: IP.dutObs, asn: AS.dut, localAddress: IP.obsDut, holdTime: HOLD, import: 'all', export: 'none' }],
  });
  const spec = dutSpec(kind);
  const dut: Dut = kind === 'bird' ? new BirdSpeaker(lab, nsDut, spec)
    : kind === 'frr' ? new FrrSpeaker(lab, nsDut, spec)
      : kind === 'gobgp' ? new GobgpSpeaker(lab, nsDut, spec)
        : new BgpdSpeaker(lab, nsDut, spec);
  return { inj, obs, dut, dutPids: () => dut.pids() };
}
