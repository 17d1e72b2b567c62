/**
 * The linear cost model of modes-and-capacity.md §4, per forwarding mode, for one service:
 *
 *   pps(m)   = λ · (Pin + [NAT/FULLNAT] · Pout)
 *   rx(m)    = 8 · λ · (Bin + [NAT/FULLNAT] · Bout)
 *   tx(m)    = 8 · λ · (Bin + [NAT/FULLNAT] · Bout + [TUN] · Pin · H  + [FULLNAT] · TOA)
 *   cores(m) = k · (pps · t_pkt · f_m + λ · t_conn)            FULLNAT: NAT's × (1 + overhead)
 *   entries  = λ · (L + linger) + templates
 *
 * at the mean and at the peak arrival rate. Headroom is capacity ÷ peak load, the least over the
 * cores, the NIC's line rate (Ethernet framing included) and packet rate, and FULLNAT's port space.
 */
import { type Constraint, type LipSpace, lipSpace, modeConstraints } from './constraints.js';
import type { CostInput } from './input.js';
import { bothWays, type ForwardingMode, innerHeaderBytes, MODES, tunnelHeaderBytes } from './modes.js';
import { type CostProfile, DEFAULT_COST_PROFILE } from './profile.js';
import { recommendMode } from './recommend.js';
import { formatHeadroom } from './units.js';

export interface ModeCost {
  readonly mode: ForwardingMode;
  /** Director packets/s: client→server, server→client (0: replies bypass it), both at the peak rate. */
  readonly packetsPerSecond: {
    readonly in: number;
    readonly out: number | null;
    readonly peakTotal: number | null;
  };
  /** IP bits/s the director's NIC receives and sends, at the mean and at the peak rate. */
  readonly nicBitsPerSecond: {
    readonly rx: number | null;
    readonly tx: number | null;
    readonly peakRx: number | null;
    readonly peakTx: number | null;
  };
  /** Cores busy at the mean rate. */
  readonly cores: number | null;
  readonly peakCores: number | null;
  readonly connTableBytes: number;
  readonly peakConnTableBytes: number;
  /** Capacity ÷ peak load: min over cores and NIC (and FULLNAT's port space). */
  readonly headroom: number | null;
  /** Each resource's headroom; null: its load is unknown (or zero). */
  readonly headroomBy: {
    readonly cores: number | null;
    readonly lineRate: number | null;
    readonly nicPackets: number | null;
    readonly lipPorts?: number | null;
  };
  /** The first constraint that fails, else the resource that runs out first. */
  readonly bindingConstraint?: string;
  /** The resource with the least headroom: `cores`, `NIC line rate`, `NIC packet rate`, `LIP port space`. */
  readonly bindingResource?: string;
  readonly constraints: readonly Constraint[];
  /** Bytes the mode adds to every inbound packet (tunnel headers). */
  readonly headerBytes: number;
  /** TUN: the MSS the real servers should advertise so full segments fit the tunnel. */
  readonly mssClamp?: number;
  /** FULLNAT: local addresses its peak concurrency needs. */
  readonly lipsNeeded?: number;
  /** FULLNAT: its cores ÷ NAT's (= 1 + fullnatOverhead). */
  readonly versusNat?: number;
  readonly notes: readonly string[];
}

export interface ModeCostReport {
  readonly service?: string;
  readonly current?: ForwardingMode;
  /** All six, simplest first (MODES). */
  readonly modes: readonly ModeCost[];
  readonly recommended: ForwardingMode;
  /** One or two sentences with numbers. */
  readonly why: string;
  readonly unknowns: readonly string[];
  /** `built-in defaults` or the profile file. */
  readonly profile: string;
  /** Every constant used, with its source. */
  readonly constants: readonly {
    readonly key: string;
    readonly value: number | boolean;
    readonly source: string;
  }[];
  /** Figures the modes share. */
  readonly shared: {
    readonly arrivalsPerSecond: { readonly mean: number; readonly peak: number };
    readonly entries: { readonly mean: number; readonly peak: number };
    readonly lingerSeconds: { readonly value: number; readonly source: string };
    readonly templates: { readonly count: number; readonly detail: string };
    readonly outSource: string;
  };
}

/** TOA option the director adds to one packet per connection: IPv4 8 B, IPv6 20 B (DPVS's layout). */
const TOA_BYTES = { 4: 8, 6: 20 } as const;

const mul = (a: number | null, b: number) => (a === null ? null : a * b);
const add = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);
const ratio = (capacity: number, load: number | null) =>
  load === null || load <= 0 ? null : capacity / load;

function modeFactor(mode: ForwardingMode, profile: CostProfile): number {
  switch (mode) {
    case 'dr':
      return profile.modeFactorDr.value;
    case 'tun-ipip':
      return profile.modeFactorTunIpip.value;
    case 'tun-gre':
      return profile.modeFactorTunGre.value;
    case 'tun-gue':
      return profile.modeFactorTunGue.value;
    case 'nat':
    case 'fullnat':
      return profile.modeFactorNat.value;
  }
}

interface Shared {
  readonly linger: { value: number; source: string };
  readonly entries: { mean: number; peak: number };
}

function sharedFigures(input: CostInput, profile: CostProfile): Shared {
  const linger =
    input.lingerSeconds !== undefined
      ? { value: input.lingerSeconds, source: "recorded (inactive entries ÷ arrivals, Little's law)" }
      : { value: profile.lingerSeconds.value, source: profile.lingerSeconds.source };
  const occupancy = input.lifetimeSeconds + linger.value;
  return {
    linger,
    entries: {
      mean: input.arrivals.meanPerSecond * occupancy + input.templates.count,
      peak: input.arrivals.peakPerSecond * occupancy + input.templates.count,
    },
  };
}

function costMode(mode: ForwardingMode, input: CostInput, profile: CostProfile, shared: Shared): ModeCost {
  const { meanPerSecond: mean, peakPerSecond: peak } = input.arrivals;
  const p = input.perConnection;
  const header = tunnelHeaderBytes(mode, input.family, {
    greChecksum: profile.greChecksum.value,
    gueRemoteChecksum: profile.gueRemoteChecksum.value,
  });
  const both = bothWays(mode);
  const outPackets = both ? p.outPackets : 0;
  const outBytes = both ? p.outBytes : 0;
  const toa = mode === 'fullnat' ? TOA_BYTES[input.family] : 0;
  // Per connection: packets through the director, IP bytes received and sent.
  const packets = add(p.inPackets, outPackets);
  const rxBytes = add(p.inBytes, outBytes);
  const txBytes = add(p.inBytes + p.inPackets * header + toa, outBytes);

  const overhead = mode === 'fullnat' ? 1 + profile.fullnatOverhead.value : 1;
  const k = profile.kernelFactor.value;
  const perPacket = profile.tPktMicroseconds.value * 1e-6 * k * modeFactor(mode, profile) * overhead;
  const perConn = profile.tConnMicroseconds.value * 1e-6 * k * overhead;
  const coresAt = (rate: number) => (packets === null ? null : rate * (packets * perPacket + perConn));
  const peakCores = coresAt(peak);

  // The line rate carries frames: IP bytes plus Ethernet framing for each packet, either way.
  const peakWire =
    packets === null || rxBytes === null || txBytes === null
      ? null
      : 8 * peak * (Math.max(rxBytes, txBytes) + packets * profile.ethernetOverheadBytes.value);
  const lips: LipSpace | undefined =
    mode === 'fullnat' ? lipSpace(input, shared.entries.peak, profile) : undefined;
  const headroomBy = {
    cores: ratio(profile.coresAvailable.value, peakCores),
    lineRate: ratio(profile.lineRateGbps.value * 1e9, peakWire),
    nicPackets: ratio(profile.nicPpsLimit.value, mul(packets, peak)),
    ...(lips && { lipPorts: lips.headroom }),
  };
  const resources: [string, number | null][] = [
    ['cores', headroomBy.cores],
    ['NIC line rate', headroomBy.lineRate],
    ['NIC packet rate', headroomBy.nicPackets],
    ...(lips ? [['LIP port space', lips.headroom] as [string, number | null]] : []),
  ];
  const known = resources.filter((r): r is [string, number] => r[1] !== null);
  const loadKnown = packets !== null && peak > 0;
  const headroom = loadKnown && known.length > 0 ? Math.min(...known.map((r) => r[1])) : null;
  const constraints = modeConstraints(mode, input, profile, header, lips);
  const failing = constraints.find((c) => c.ok === false);
  const tightest = known.reduce<[string, number] | undefined>(
    (a, r) => (a === undefined || r[1] < a[1] ? r : a),
    undefined,
  );
  const bindingResource = tightest && loadKnown ? tightest[0] : undefined;
  const bindingConstraint = failing
    ? `${failing.name}: ${failing.detail}`
    : tightest && bindingResource
      ? `${bindingResource}: headroom ${formatHeadroom(tightest[1])} at peak`
      : undefined;

  const notes = modeNotes(mode, input, profile, header);
  const bytesPerEntry = profile.bytesPerEntry.value;
  return {
    mode,
    packetsPerSecond: { in: mean * p.inPackets, out: mul(outPackets, mean), peakTotal: mul(packets, peak) },
    nicBitsPerSecond: {
      rx: mul(rxBytes, 8 * mean),
      tx: mul(txBytes, 8 * mean),
      peakRx: mul(rxBytes, 8 * peak),
      peakTx: mul(txBytes, 8 * peak),
    },
    cores: coresAt(mean),
    peakCores,
    connTableBytes: shared.entries.mean * bytesPerEntry,
    peakConnTableBytes: shared.entries.peak * bytesPerEntry,
    headroom,
    headroomBy,
    ...(bindingConstraint && { bindingConstraint }),
    ...(bindingResource && { bindingResource }),
    constraints,
    headerBytes: header,
    ...(header > 0 && { mssClamp: profile.mtu.value - header - innerHeaderBytes(input.family) }),
    ...(lips && { lipsNeeded: lips.needed }),
    ...(mode === 'fullnat' && { versusNat: overhead }),
    notes,
  };
}

function modeNotes(mode: ForwardingMode, input: CostInput, profile: CostProfile, header: number): string[] {
  const notes: string[] = [];
  if (!bothWays(mode)) {
    notes.push(
      input.perConnection.outBytes === null
        ? 'replies go straight from the real servers to the clients (their size is unknown)'
        : 'replies go straight from the real servers to the clients',
    );
  }
  if (mode === 'dr') notes.push('real servers: VIP on lo, arp_ignore=1, arp_announce=2');
  if (header > 0) notes.push(`${header} B of tunnel header on every inbound packet`);
  if (mode === 'tun-gre') notes.push('--tun-type gre needs Linux ≥ 5.3 on the director');
  if (mode === 'tun-gue')
    notes.push('--tun-type gue needs Linux ≥ 5.2 on the director and a fou/gue port on every real server');
  if (mode === 'nat') notes.push('conntrack entries (ipvs conntrack=1) are not counted in the table memory');
  if (mode === 'fullnat') {
    const o = profile.fullnatOverhead.value;
    notes.push(
      `cores = NAT's × ${(1 + o).toFixed(2)} (fullnat_overhead ${o}: ${profile.fullnatOverhead.source}); +${TOA_BYTES[input.family]} B TOA per connection`,
    );
  }
  return notes;
}

export function costModes(input: CostInput, profile: CostProfile = DEFAULT_COST_PROFILE): ModeCostReport {
  const shared = sharedFigures(input, profile);
  const modes = MODES.map((m) => costMode(m, input, profile, shared));
  const { recommended, why, conditions } = recommendMode(input, modes, profile);
  const constants = Object.entries(profile)
    .filter((e): e is [string, { value: number | boolean; source: string }] => e[0] !== 'origin')
    .map(([key, c]) => ({ key, value: c.value, source: c.source }));
  return {
    service: input.service,
    ...(input.current && { current: input.current }),
    modes,
    recommended,
    why,
    unknowns: [...input.unknowns, ...conditions],
    profile: profile.origin,
    constants,
    shared: {
      arrivalsPerSecond: { mean: input.arrivals.meanPerSecond, peak: input.arrivals.peakPerSecond },
      entries: shared.entries,
      lingerSeconds: shared.linger,
      templates: input.templates,
      outSource: input.perConnection.outSource,
    },
  };
}
