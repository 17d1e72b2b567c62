/**
 * The hard constraints of each mode (modes-and-capacity.md §1, §4), in the order they are checked:
 * the first that fails binds. `ok` is true (holds), false (the mode cannot be used as things are)
 * or null (the recording cannot tell, or it holds once the operator does what `detail` says).
 */
import type { CostInput, Fact } from './input.js';
import { type ForwardingMode, innerHeaderBytes, isTunnel, MODE_LABELS } from './modes.js';
import type { CostProfile } from './profile.js';

export interface Constraint {
  readonly name: string;
  readonly ok: boolean | null;
  readonly detail: string;
}

const fromFact = (name: string, fact: Fact): Constraint => ({ name, ok: fact.value, detail: fact.detail });

/** Tunnel MTU: the client's full-size segments no longer fit once the outer header is added. */
export function mtuConstraint(input: CostInput, header: number, profile: CostProfile): Constraint {
  const mtu = profile.mtu.value;
  const clamp = mtu - header - innerHeaderBytes(input.family);
  const p = input.perConnection;
  const meanPacket = p.inPackets > 0 ? p.inBytes / p.inPackets : 0;
  const detail =
    `tunnel MTU ${mtu - header} B (underlay ${mtu} − ${header}): clamp the real servers' advertised MSS to ${clamp} ` +
    `(ip route … advmss ${clamp}) or raise the underlay MTU to ${mtu + header}; mean inbound packet ${Math.round(meanPacket)} B`;
  // Even the average inbound packet does not fit: every large one would be fragmented or bounced.
  return { name: 'MTU/MSS', ok: meanPacket + header > mtu ? false : null, detail };
}

export interface LipSpace {
  readonly needed: number;
  /** The busiest real server's entries at peak, and which server that is. */
  readonly peakEntries: number;
  readonly server?: string;
  readonly headroom: number | null;
}

/**
 * FULLNAT: each (local address, real server) pair holds one source port per entry, lingering
 * ones too. A server's entries at peak: what was recorded, or its share of the service's peak
 * entries, whichever is more.
 */
export function lipSpace(input: CostInput, peakEntries: number, profile: CostProfile): LipSpace {
  let busiest: { server?: string; entries: number } = { entries: 0 };
  for (const s of input.serverEntries) {
    const entries = Math.max(s.entries, s.share * peakEntries);
    if (entries > busiest.entries) busiest = { server: s.server, entries };
  }
  const ports = profile.usablePortsPerLip.value;
  return {
    needed: Math.max(1, Math.ceil(busiest.entries / ports)),
    peakEntries: busiest.entries,
    ...(busiest.server !== undefined && { server: busiest.server }),
    headroom: busiest.entries > 0 ? (profile.lipCount.value * ports) / busiest.entries : null,
  };
}

function lipConstraint(lips: LipSpace, profile: CostProfile): Constraint {
  const count = profile.lipCount.value;
  const at = lips.server ? ` (${lips.server})` : '';
  const entries = Math.round(lips.peakEntries).toLocaleString('en-US');
  const ports = profile.usablePortsPerLip.value.toLocaleString('en-US');
  return {
    name: 'LIP port space',
    ok: lips.needed <= count,
    detail: `${entries} entries at peak on the busiest real server${at} ÷ ${ports} usable ports per local address → ${lips.needed} LIP${lips.needed === 1 ? '' : 's'} needed, ${count} configured`,
  };
}

/** Real servers that decapsulate one tunnel type today need another device for a different one. */
function decapConstraint(mode: ForwardingMode, input: CostInput): Constraint {
  const fact = input.tunnelDecap;
  if (fact.fromCurrent && input.current && input.current !== mode) {
    return {
      name: 'tunnel decapsulation',
      ok: null,
      detail: `the real servers decapsulate ${MODE_LABELS[input.current]} today; ${MODE_LABELS[mode]} needs its own tunnel device with the VIP on it`,
    };
  }
  return fromFact('tunnel decapsulation', fact);
}

export function modeConstraints(
  mode: ForwardingMode,
  input: CostInput,
  profile: CostProfile,
  header: number,
  lips: LipSpace | undefined,
): Constraint[] {
  const vport = fromFact('vport = rport', input.vportEqualsRport);
  if (mode === 'dr') return [fromFact('L2 adjacency', input.l2Adjacent), vport];
  if (isTunnel(mode)) {
    return [vport, decapConstraint(mode, input), mtuConstraint(input, header, profile)];
  }
  const gateway = fromFact('director as gateway', input.directorIsGateway);
  if (mode === 'nat') return [gateway];
  const needClientIp = input.clientIpNeeded.value;
  return [
    {
      name: 'director software',
      ok: input.current === 'fullnat' ? true : null,
      detail:
        input.current === 'fullnat'
          ? 'the director runs FULLNAT today'
          : 'mainline IPVS has no FULLNAT: the director needs DPVS, alibaba/LVS or a patched kernel',
    },
    {
      name: 'client IP visibility',
      ok: needClientIp === null ? null : !needClientIp,
      detail:
        needClientIp === false
          ? 'the application does not need the client address (given)'
          : `FULLNAT shows the real servers the local address: ${needClientIp ? 'the application needs the client address, so ' : ''}every real server needs the TOA (TCP) / UOA (UDP) module or PROXY protocol`,
    },
    ...(lips ? [lipConstraint(lips, profile)] : []),
  ];
}
