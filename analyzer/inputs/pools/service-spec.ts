/**
 * A virtual service written as one word, in pools files and `--pool`: `tcp:ADDR:PORT`,
 * `udp:ADDR:PORT`, `sctp:ADDR:PORT` (IPv6 as `tcp:[2001:db8::1]:80`), `fwm:MARK` for an IPv4
 * firewall-mark service and `fwm6:MARK` for an IPv6 one (the kernel keys marks by family, as
 * ipvsadm's `-f MARK` and `-f MARK -6`). Lower case only, as the JSON schema's pattern says.
 */
import { PROTOCOLS, type Protocol, type ServiceKey } from '../../../common/ipvs/vocabulary.js';
import { formatEndpoint, parseEndpoint } from '../../../common/net/ip.js';
import { quoted } from '../../../common/parse/printable.js';
import type { Pool } from './model.js';

/** The forms, for error messages and the JSON schema's description. */
export const SERVICE_SPEC_FORMS =
  'tcp:ADDR:PORT, udp:ADDR:PORT, sctp:ADDR:PORT (IPv6: tcp:[ADDR]:PORT), fwm:MARK, fwm6:MARK';

/** The shape only (the parser says what is wrong inside): for editors, via the JSON schema. */
export const SERVICE_SPEC_PATTERN = /^((tcp|udp|sctp):\S+|fwm6?:\d+)$/;

const MAX_MARK = 0xffffffff;

/** The service, or why the text is not one. */
export function parseServiceSpec(text: string): ServiceKey | string {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? '' : text.slice(0, colon);
  const rest = text.slice(colon + 1);
  if (kind === 'fwm' || kind === 'fwm6') {
    if (!/^\d{1,10}$/.test(rest) || Number(rest) < 1 || Number(rest) > MAX_MARK) {
      return `${quoted(text)}: the firewall mark must be a decimal number from 1 to ${MAX_MARK}`;
    }
    return { kind: 'fwmark', mark: Number(rest), family: kind === 'fwm6' ? 6 : 4 };
  }
  if (!(PROTOCOLS as readonly string[]).includes(kind)) {
    return `${quoted(text)} is not a service: write ${SERVICE_SPEC_FORMS}`;
  }
  const endpoint = parseEndpoint(rest);
  if (typeof endpoint === 'string') return `${quoted(text)}: ${endpoint}`;
  return { kind: 'addr', proto: kind as Protocol, addr: endpoint.addr, port: endpoint.port };
}

/**
 * The canonical spec of a service (lower case, RFC 5952 IPv6): one text per service, so it also
 * serves as an exact identity (unlike serviceId, it tells an IPv4 mark from an IPv6 one).
 */
export function serviceSpec(key: ServiceKey): string {
  if (key.kind === 'fwmark') return `${key.family === 6 ? 'fwm6' : 'fwm'}:${key.mark}`;
  return `${key.proto}:${formatEndpoint(key.addr, key.port)}`;
}

/**
 * The name other sources give the pool of one service: its address as the analyzer prints it
 * (`192.0.2.1:80`, `[2001:db8::1]:80`), `fwm:3` for an IPv4 mark, `fwm6:3` for an IPv6 one.
 * An address name leaves out the protocol: a TCP and a UDP service on one port share it, and
 * `--pool` then reports the two rather than choosing.
 */
export function servicePoolName(key: ServiceKey): string {
  return key.kind === 'fwmark' ? serviceSpec(key) : formatEndpoint(key.addr, key.port);
}

/** A pool of just this service (`--pool tcp:...`, or a service found on a well-known port). */
export function servicePool(key: ServiceKey, origin: string, name = serviceSpec(key)): Pool {
  return { name, aliases: [], services: [key], origin, origins: [origin], sources: ['flag'] };
}
