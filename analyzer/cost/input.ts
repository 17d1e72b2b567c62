/**
 * What the cost model needs from a service's recording (modes-and-capacity.md §4): arrivals (mean
 * and peak), packets and bytes per connection each way, how long entries occupy the table, the
 * busiest real server's concurrency (FULLNAT's port space), persistence templates, the ports and
 * what the operator says about the network. A quantity the recording cannot show is null with
 * the reason in `unknowns`, never a guessed 0.
 */
import { type Family, parseEndpoint } from '../../common/net/ip.js';
import type { ServiceModel } from '../workload/model.js';
import { type ForwardingMode, MODE_LABELS, modeOfForward } from './modes.js';

export interface CostOptions {
  /** From the service's real servers' forward method (masq → nat, route → dr, tunnel → tun-ipip). */
  readonly currentMode?: ForwardingMode;
  /** Server→client bytes per connection when the recording cannot see them. */
  readonly responseBytes?: number;
  /** Where `responseBytes` comes from (`--response-bytes`, `pools.yml:12`); shown beside the figures. */
  readonly responseBytesFrom?: string;
  /** Client→server bytes per connection, to use instead of the recording's (the pools file's request_bytes_per_conn). */
  readonly requestBytes?: number;
  readonly vportEqualsRport?: boolean;
  readonly l2Adjacent?: boolean;
  readonly clientIpNeeded?: boolean;
  /** The real servers route their replies through the director (NAT's requirement). */
  readonly directorIsGateway?: boolean;
  /** The real servers decapsulate the tunnel type (ipip/gre/fou) with the VIP on the tunnel device. */
  readonly tunnelDecap?: boolean;
}

/** A yes/no the model needs, and why it is what it is (`l2Adjacent` given, derived from the ports, ...). */
export interface Fact {
  readonly value: boolean | null;
  readonly detail: string;
  /** Known only because the current mode needs it to work. */
  readonly fromCurrent?: boolean;
}

export interface PerConnection {
  readonly inPackets: number;
  readonly inBytes: number;
  /** Null: the recording cannot see them (DR/TUN) and no response size was given. */
  readonly outPackets: number | null;
  readonly outBytes: number | null;
  /** Where the outbound figures come from. */
  readonly outSource: string;
}

export interface CostInput {
  readonly service: string;
  readonly family: Family;
  readonly current?: ForwardingMode;
  readonly arrivals: { readonly meanPerSecond: number; readonly peakPerSecond: number };
  readonly perConnection: PerConnection;
  /** Mean time a connection is active (Little's law over the service), s. */
  readonly lifetimeSeconds: number;
  /** Mean time a finished connection stays in the table; undefined: the profile's default. */
  readonly lingerSeconds?: number;
  /** Per real server: peak active + mean lingering entries recorded, and its share of new connections. */
  readonly serverEntries: readonly {
    readonly server: string;
    readonly entries: number;
    readonly share: number;
  }[];
  readonly servers: number;
  /** Persistence templates in the table (mean), and how that figure was obtained. */
  readonly templates: { readonly count: number; readonly detail: string };
  readonly vportEqualsRport: Fact;
  readonly l2Adjacent: Fact;
  readonly clientIpNeeded: Fact;
  readonly directorIsGateway: Fact;
  readonly tunnelDecap: Fact;
  /** Quantities the recording could not show, each with what to supply. */
  readonly unknowns: readonly string[];
}

/** The recording cannot be costed at all (no inbound counters and no request size given). */
export class CostInputError extends Error {
  override name = 'CostInputError';
}

/** Bytes per packet of full-size segments: response bytes become packets at the MTU (§4's rule). */
const FULL_SEGMENT_BYTES = 1500;
/** SYN-ACK, and the server's FIN and its ACK of the client's FIN. */
const SERVER_CONTROL_PACKETS = 3;

/**
 * Server→client packets from bytes only (§4): full-size data segments, one ACK per two of the
 * client's data segments, and the server's handshake and teardown packets.
 */
export function estimateResponsePackets(outBytes: number, inBytes: number): number {
  const dataOut = Math.ceil(outBytes / FULL_SEGMENT_BYTES);
  const dataIn = Math.ceil(inBytes / FULL_SEGMENT_BYTES);
  return dataOut + Math.ceil(dataIn / 2) + SERVER_CONTROL_PACKETS;
}

/** Client→server packets from bytes only: data segments, an ACK per two response segments, handshake and teardown. */
function estimateRequestPackets(inBytes: number, outBytes: number): number {
  return (
    Math.ceil(inBytes / FULL_SEGMENT_BYTES) + Math.ceil(Math.ceil(outBytes / FULL_SEGMENT_BYTES) / 2) + 4
  );
}

function endpointPort(text: string): { family: Family; port: number } | undefined {
  const parsed = parseEndpoint(text);
  return typeof parsed === 'string' ? undefined : { family: parsed.addr.family, port: parsed.port };
}

function given(value: boolean | undefined, option: string): Fact | undefined {
  return value === undefined ? undefined : { value, detail: `${option} ${value ? 'yes' : 'no'} (given)` };
}

function currentModeOf(service: ServiceModel): ForwardingMode | undefined {
  const modes = new Set(service.servers.map((s) => (s.forward ? modeOfForward(s.forward) : undefined)));
  if (modes.size !== 1) return undefined;
  return [...modes][0];
}

function outbound(
  service: ServiceModel,
  options: CostOptions,
  inBytes: number,
  unknowns: string[],
): PerConnection {
  const t = service.traffic;
  const inPackets = t.inPacketsPerConn ?? 0;
  const from = options.responseBytesFrom ?? '--response-bytes';
  // What the director counted beats a figure given for when it cannot count.
  if (t.visibility === 'both' && t.outBytesPerConn !== undefined && t.outPacketsPerConn !== undefined) {
    const ignored =
      options.responseBytes === undefined
        ? ''
        : ` (${from} ${options.responseBytes} B is for recordings that cannot see replies)`;
    return {
      inPackets,
      inBytes,
      outBytes: t.outBytesPerConn,
      outPackets: t.outPacketsPerConn,
      outSource: `recorded${ignored}`,
    };
  }
  if (options.responseBytes !== undefined) {
    return {
      inPackets,
      inBytes,
      outBytes: options.responseBytes,
      outPackets: estimateResponsePackets(options.responseBytes, inBytes),
      outSource: `${from}; packets estimated from the bytes (MTU-size segments + ACKs)`,
    };
  }
  // No connections: nothing flows either way, whatever the director could see.
  if (service.arrivals.peakPerSecond <= 0)
    return { inPackets, inBytes, outBytes: 0, outPackets: 0, outSource: 'no connections recorded' };
  const why =
    t.visibility === 'both'
      ? 'no server→client counters in the recording'
      : `${t.visibility === 'mixed' ? 'some servers use DR/TUN: ' : ''}DR/TUN replies bypass the director, which sees only inbound`;
  unknowns.push(
    `server→client bytes (${why}): give --response-bytes or response_bytes_per_conn in the pools file`,
  );
  return { inPackets, inBytes, outBytes: null, outPackets: null, outSource: 'unknown' };
}

export function costInputFromWorkload(service: ServiceModel, options: CostOptions): CostInput {
  const unknowns: string[] = [];
  const current = options.currentMode ?? currentModeOf(service);
  const t = service.traffic;
  const meanRate = service.arrivals.meanPerSecond;
  const peakRate = Math.max(service.arrivals.peakPerSecond, meanRate);
  const recordedInBytes = t.inBytesPerConn ?? 0;
  const inBytes = options.requestBytes ?? recordedInBytes;
  let perConnection = outbound(service, options, inBytes, unknowns);
  // A TCP or UDP connection sends at least one packet: none counted means no packet counters.
  const inboundCounted = (t.inPacketsPerConn ?? 0) > 0;
  if (!inboundCounted && meanRate > 0) {
    if (inBytes <= 0) {
      throw new CostInputError(
        `${service.service}: the recording has connections but no client→server packet or byte counters, so no mode can be costed: give request_bytes_per_conn in the pools file`,
      );
    }
    perConnection = {
      ...perConnection,
      inPackets: estimateRequestPackets(inBytes, perConnection.outBytes ?? 0),
    };
    unknowns.push(
      `client→server packets (not in the recording): estimated from ${inBytes} B per connection as MTU-size segments + ACKs`,
    );
  }

  const active = service.servers.reduce((sum, s) => sum + s.concurrency.meanActive, 0);
  const inactive = service.servers.reduce((sum, s) => sum + s.concurrency.meanInactive, 0);
  const lifetimeSeconds = meanRate > 0 ? active / meanRate : 0;
  // Little's law on the lingering entries; none at all with arrivals means none were recorded.
  const lingerSeconds = meanRate > 0 && inactive > 0 ? inactive / meanRate : undefined;

  const serverEntries = service.servers.map((s) => ({
    server: s.server,
    entries: s.concurrency.peakActive + s.concurrency.meanInactive,
    share: s.arrivals.share,
  }));

  const vip = endpointPort(service.service);
  const rports = service.servers.map((s) => endpointPort(s.server)?.port);
  const vportEqualsRport =
    given(options.vportEqualsRport, 'vportEqualsRport') ?? portsFact(vip?.port, rports, service.service);
  const isCurrent = (modes: readonly ForwardingMode[], what: string): Fact | undefined =>
    current && modes.includes(current)
      ? { value: true, detail: `${what} (the current mode, ${MODE_LABELS[current]})`, fromCurrent: true }
      : undefined;
  const l2Adjacent = given(options.l2Adjacent, 'l2Adjacent') ??
    isCurrent(['dr'], "the real servers share the director's L2 segment") ?? {
      value: null,
      detail:
        "not known from the recording: are the real servers on the director's L2 segment? (give l2Adjacent)",
    };
  const clientIpNeeded = given(options.clientIpNeeded, 'clientIpNeeded') ?? {
    value: null,
    detail: 'not known: does the application need the client address? (give clientIpNeeded)',
  };
  const directorIsGateway = given(options.directorIsGateway, 'directorIsGateway') ??
    isCurrent(['nat', 'fullnat'], 'replies already come back through the director') ?? {
      value: null,
      detail: 'not known: the real servers would need the director as their default (or policy) route',
    };
  const tunnelDecap = given(options.tunnelDecap, 'tunnelDecap') ??
    isCurrent(['tun-ipip', 'tun-gre', 'tun-gue'], 'the real servers decapsulate already') ?? {
      value: null,
      detail: 'not known: every real server needs the tunnel device with the VIP on it and rp_filter relaxed',
    };

  const templates = templateCount(service, peakRate);
  return {
    service: service.service,
    family: vip?.family ?? 4,
    ...(current && { current }),
    arrivals: { meanPerSecond: meanRate, peakPerSecond: peakRate },
    perConnection,
    lifetimeSeconds,
    ...(lingerSeconds !== undefined && { lingerSeconds }),
    serverEntries,
    servers: service.servers.length,
    templates,
    vportEqualsRport,
    l2Adjacent,
    clientIpNeeded,
    directorIsGateway,
    tunnelDecap,
    unknowns,
  };
}

function portsFact(
  vport: number | undefined,
  rports: readonly (number | undefined)[],
  service: string,
): Fact {
  if (vport === undefined) {
    return {
      value: null,
      detail: `${service} is a firewall-mark service: its ports are not known (give vportEqualsRport)`,
    };
  }
  const differ = [...new Set(rports.filter((p) => p !== undefined && p !== vport))];
  if (differ.length > 0)
    return { value: false, detail: `virtual port ${vport}, real servers on port ${differ.join(', ')}` };
  if (rports.length === 0 || rports.some((p) => p === undefined))
    return { value: null, detail: `virtual port ${vport}; the real servers' ports are not known` };
  return { value: true, detail: `virtual and real port ${vport}` };
}

function templateCount(service: ServiceModel, peakRate: number): { count: number; detail: string } {
  if (service.persistenceSeconds <= 0) return { count: 0, detail: 'not persistent' };
  const measured = service.persistence?.meanTemplates;
  if (measured !== undefined && measured > 0) return { count: measured, detail: 'recorded mean' };
  const clients = service.clients?.distinct;
  if (clients !== undefined && clients > 0)
    return { count: clients, detail: `one per distinct client (${clients} seen)` };
  // Every connection from a new client: the most a timeout of p seconds can hold.
  return {
    count: peakRate * service.persistenceSeconds,
    detail: `at most one per connection in ${service.persistenceSeconds} s (client count unknown)`,
  };
}
