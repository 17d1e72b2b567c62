/**
 * Decodes one captured frame into a VRRP advertisement: link layer (pcap link types EN10MB with
 * VLAN tags, LINUX_SLL, LINUX_SLL2, RAW), the IPv4 or IPv6 header, then VRRPv2 (RFC 3768) or
 * VRRPv3 (RFC 5798), checked as a router would: hop limit 255, type 1 (ADVERTISEMENT), VRID
 * 1-255, length matching the address count, checksum (v3 with the IP pseudo-header).
 *
 * The VRRPv2 authentication data (for auth type 1 the plain-text password) is summed into the
 * checksum and otherwise never read: nothing of it reaches the result or an error message.
 */
import { formatIPv4, formatIPv6 } from '../net/ip.js';

export const LINKTYPE = { EN10MB: 1, RAW: 101, LINUX_SLL: 113, LINUX_SLL2: 276 } as const;

const PROTO_VRRP = 112;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);
const V2_AUTH_DATA = 8;

export interface VrrpAdvert {
  readonly version: 2 | 3;
  readonly addressFamily: 'ipv4' | 'ipv6';
  readonly source: string;
  readonly destination: string;
  readonly vrid: number;
  /** 0: the master is resigning (RFC 3768 5.3.4); 255: the address owner. */
  readonly priority: number;
  readonly addressCount: number;
  /** v2: Adver Int (whole seconds); v3: Max Adver Int (centiseconds) / 100. */
  readonly advertIntervalSeconds: number;
  /** v2 only: 0 none, 1 simple text password, 2 IP AH. */
  readonly authType?: number;
  readonly addresses: readonly string[];
}

export type VrrpDecode = { readonly advert: VrrpAdvert } | { readonly error: string };

const fail = (error: string): VrrpDecode => ({ error });

/** The IP packet inside a frame of the given link type, or why there is none. */
export function ipPacket(linkType: number, frame: Buffer): Buffer | string {
  let offset: number;
  let etherType: number;
  switch (linkType) {
    case LINKTYPE.EN10MB:
      offset = 12;
      if (frame.length < 14) return 'truncated Ethernet header';
      etherType = frame.readUInt16BE(offset);
      while (VLAN_TAGS.has(etherType) && frame.length >= offset + 6) {
        offset += 4;
        etherType = frame.readUInt16BE(offset);
      }
      offset += 2;
      break;
    case LINKTYPE.LINUX_SLL:
      if (frame.length < 16) return 'truncated LINUX_SLL header';
      etherType = frame.readUInt16BE(14);
      offset = 16;
      break;
    case LINKTYPE.LINUX_SLL2:
      if (frame.length < 20) return 'truncated LINUX_SLL2 header';
      etherType = frame.readUInt16BE(0);
      offset = 20;
      break;
    case LINKTYPE.RAW:
      return frame;
    default:
      return `link type ${linkType} is not supported`;
  }
  if (etherType !== ETHERTYPE_IPV4 && etherType !== ETHERTYPE_IPV6)
    return `ethertype 0x${etherType.toString(16).padStart(4, '0')} is not IP`;
  return frame.subarray(offset);
}

/** Internet checksum (RFC 1071) over the given parts; 0 when the data holds a valid checksum. */
function checksum(parts: readonly Buffer[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const part of parts) {
    for (const byte of part) {
      if (odd === undefined) odd = byte;
      else {
        sum += (odd << 8) | byte;
        odd = undefined;
      }
    }
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ipv6Text(bytes: Buffer, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(bytes.readUInt16BE(at + 2 * i));
  return formatIPv6(groups);
}

interface IpHeader {
  readonly family: 'ipv4' | 'ipv6';
  readonly source: string;
  readonly destination: string;
  readonly payload: Buffer;
  readonly pseudoHeader: Buffer;
}

function ipHeader(packet: Buffer): IpHeader | string {
  if (packet.length < 1) return 'empty IP packet';
  const version = packet[0]! >> 4;
  if (version === 4) {
    const headerLength = (packet[0]! & 0x0f) * 4;
    if (headerLength < 20 || packet.length < headerLength) return 'truncated IPv4 header';
    const total = packet.readUInt16BE(2);
    if (total < headerLength || total > packet.length)
      return `IPv4 total length ${total} does not fit the capture`;
    if (packet[9] !== PROTO_VRRP) return `IP protocol ${packet[9]} is not VRRP`;
    if ((packet.readUInt16BE(6) & 0x3fff) !== 0) return 'fragmented IPv4 packet';
    if (packet[8] !== 255) return `TTL ${packet[8]} is not 255`;
    const payload = packet.subarray(headerLength, total);
    const pseudoHeader = Buffer.alloc(12);
    packet.copy(pseudoHeader, 0, 12, 20);
    pseudoHeader[9] = PROTO_VRRP;
    pseudoHeader.writeUInt16BE(payload.length, 10);
    return {
      family: 'ipv4',
      source: formatIPv4(packet.readUInt32BE(12)),
      destination: formatIPv4(packet.readUInt32BE(16)),
      payload,
      pseudoHeader,
    };
  }
  if (version === 6) {
    if (packet.length < 40) return 'truncated IPv6 header';
    const payloadLength = packet.readUInt16BE(4);
    if (40 + payloadLength > packet.length)
      return `IPv6 payload length ${payloadLength} does not fit the capture`;
    if (packet[6] !== PROTO_VRRP) return `IPv6 next header ${packet[6]} is not VRRP`;
    if (packet[7] !== 255) return `hop limit ${packet[7]} is not 255`;
    const payload = packet.subarray(40, 40 + payloadLength);
    const pseudoHeader = Buffer.alloc(40);
    packet.copy(pseudoHeader, 0, 8, 40);
    pseudoHeader.writeUInt32BE(payload.length, 32);
    pseudoHeader[39] = PROTO_VRRP;
    return {
      family: 'ipv6',
      source: ipv6Text(packet, 8),
      destination: ipv6Text(packet, 24),
      payload,
      pseudoHeader,
    };
  }
  return `IP version ${version}`;
}

/** Decodes the IP packet of one frame as a VRRP advertisement. */
export function parseVrrpPacket(packet: Buffer): VrrpDecode {
  const ip = ipHeader(packet);
  if (typeof ip === 'string') return fail(ip);
  const vrrp = ip.payload;
  if (vrrp.length < 8) return fail(`VRRP message of ${vrrp.length} bytes is shorter than its header`);
  const version = vrrp[0]! >> 4;
  const type = vrrp[0]! & 0x0f;
  if (version !== 2 && version !== 3) return fail(`VRRP version ${version} is not 2 or 3`);
  if (type !== 1) return fail(`VRRP type ${type} is not ADVERTISEMENT`);
  if (version === 2 && ip.family === 'ipv6') return fail('VRRPv2 over IPv6');
  const vrid = vrrp[1]!;
  if (vrid === 0) return fail('VRID 0');
  const priority = vrrp[2]!;
  const addressCount = vrrp[3]!;
  const addressSize = ip.family === 'ipv4' ? 4 : 16;
  const expected = 8 + addressCount * addressSize + (version === 2 ? V2_AUTH_DATA : 0);
  if (vrrp.length < expected)
    return fail(
      `VRRP message of ${vrrp.length} bytes is shorter than ${expected} for ${addressCount} addresses`,
    );
  // Over the whole IP payload, as the sender computed it (the pseudo-header carries its length).
  const sum = version === 2 ? checksum([vrrp]) : checksum([ip.pseudoHeader, vrrp]);
  if (sum !== 0) return fail(`VRRPv${version} checksum mismatch`);
  const addresses: string[] = [];
  for (let i = 0; i < addressCount; i++) {
    const at = 8 + i * addressSize;
    addresses.push(addressSize === 4 ? formatIPv4(vrrp.readUInt32BE(at)) : ipv6Text(vrrp, at));
  }
  const common = {
    addressFamily: ip.family,
    source: ip.source,
    destination: ip.destination,
    vrid,
    priority,
    addressCount,
    addresses,
  };
  if (version === 2)
    return { advert: { ...common, version: 2, authType: vrrp[4]!, advertIntervalSeconds: vrrp[5]! } };
  return { advert: { ...common, version: 3, advertIntervalSeconds: (vrrp.readUInt16BE(4) & 0x0fff) / 100 } };
}
