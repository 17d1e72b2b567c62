/**
 * Pure parsers for `ipvsadm -Ln` listings (ipvsadm 1.31 print_service_entry/print_dest_entry):
 * --stats and --rate (five numbers per line), --thresholds and --persistent-conn (scheduler line,
 * four numbers per destination). Addresses and marks come out in the same compute form as /proc's
 * hex, so both sources join.
 */
import { type Family, parseIPv4 } from '../net/ip.js';
import { MAX_ISSUE_MESSAGE_CHARS, type ParseIssue, type Parsed } from '../parse/issue.js';
import { boundedCounter, boundedInteger } from '../parse/numbers.js';
import { parseTextEndpoint } from './address.js';
import { fields, orphanDestination, badServiceWords } from './listing.js';
import type {
  IpvsCounters,
  IpvsPersistentConns,
  IpvsRates,
  IpvsThresholds,
  IpvsadmDestination,
  IpvsadmListing,
  IpvsadmService,
  IpvsadmServiceInfo,
  ServiceKey,
} from './model.js';
import { protocolOfLabel, serviceFamily } from './vocabulary.js';
import { printable, quoted } from '../parse/printable.js';

type ValueParser<T> = (tokens: readonly string[], line: number, issues: ParseIssue[]) => T | undefined;

/** Numbers as print_largenum writes them: exact with --exact, else with a K/M/G/T suffix. */
const SUFFIX: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

function parseLargeNumber(text: string): number | undefined {
  const match = /^(\d+)([KMGT]?)$/.exec(text);
  if (!match || (match[1] ?? '').length > 20) return undefined;
  return boundedCounter(Number(match[1]) * SUFFIX[match[2]!]!);
}

function numberColumns(names: readonly string[]) {
  return (tokens: readonly string[], line: number, issues: ParseIssue[]): number[] | undefined => {
    if (tokens.length < names.length) {
      issues.push({ line, field: names[tokens.length]!, message: 'missing' });
      return undefined;
    }
    const values: number[] = [];
    for (const [index, name] of names.entries()) {
      const value = parseLargeNumber(tokens[index]!);
      if (value === undefined) {
        issues.push({ line, field: name, message: `expected a number, got ${quoted(tokens[index] ?? '')}` });
        return undefined;
      }
      values.push(value);
    }
    return values;
  };
}

const statsColumns = numberColumns(['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes']);
const rateColumns = numberColumns(['CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS']);
const thresholdColumns = numberColumns(['Uthreshold', 'Lthreshold', 'ActiveConn', 'InActConn']);
const persistentColumns = numberColumns(['Weight', 'PersistConn', 'ActiveConn', 'InActConn']);

const counters: ValueParser<IpvsCounters> = (tokens, line, issues) => {
  const v = statsColumns(tokens, line, issues);
  return v && { conns: v[0]!, inPackets: v[1]!, outPackets: v[2]!, inBytes: v[3]!, outBytes: v[4]! };
};

const rates: ValueParser<IpvsRates> = (tokens, line, issues) => {
  const v = rateColumns(tokens, line, issues);
  return v && { cps: v[0]!, inPps: v[1]!, outPps: v[2]!, inBps: v[3]!, outBps: v[4]! };
};

const thresholds: ValueParser<IpvsThresholds> = (tokens, line, issues) => {
  const v = thresholdColumns(tokens, line, issues);
  return v && { upper: v[0]!, lower: v[1]!, activeConns: v[2]!, inactiveConns: v[3]! };
};

const persistentConns: ValueParser<IpvsPersistentConns> = (tokens, line, issues) => {
  const v = persistentColumns(tokens, line, issues);
  return v && { weight: v[0]!, persistentConns: v[1]!, activeConns: v[2]!, inactiveConns: v[3]! };
};

/** `wrr`, `sh (sh-fallback,sh-port)`, `rr persistent 300 mask 255.255.255.0`, `sh ops`, ... */
const serviceInfo: ValueParser<RawServiceInfo> = (tokens, line, issues) => {
  const [scheduler, ...rest] = tokens;
  if (scheduler === undefined) {
    issues.push({ line, field: 'Scheduler', message: 'missing' });
    return undefined;
  }
  const flags: string[] = [];
  let timeoutSeconds: number | undefined;
  let netmask: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!;
    if (token === 'persistent' || token === 'mask') {
      const value = rest[++i];
      // ipvsadm prints the timeout as %u seconds.
      const seconds = token === 'persistent' ? boundedInteger(value ?? '', 0, 2 ** 32 - 1) : 0;
      if (value === undefined || seconds === undefined) {
        issues.push({ line, field: token, message: `bad value ${quoted(value ?? '')}` });
        return undefined;
      }
      if (token === 'persistent') timeoutSeconds = seconds;
      else netmask = value;
    } else if (token.startsWith('(') && token.endsWith(')')) {
      flags.push(...token.slice(1, -1).split(','));
    } else {
      flags.push(token);
    }
  }
  const bad = badServiceWords(line, scheduler, flags);
  if (bad) {
    issues.push(bad);
    return undefined;
  }
  if (timeoutSeconds === undefined) return { scheduler, flags };
  // ipvsadm omits the mask when it is the default: all ones (IPv4) or /128 (IPv6). Which one, and
  // how to read a given mask, depends on the family: the caller knows it.
  return { scheduler, flags, persistence: { timeoutSeconds, netmask: netmask ?? '' } };
};

/** The -M mask in compute form: IPv4 dotted as a 32-bit number, IPv6 a prefix length. */
function readMask(text: string, family: Family): number | undefined {
  if (text === '') return family === 6 ? 128 : 0xffffffff;
  if (family === 4) return parseIPv4(text);
  return /^\d{1,3}$/.test(text) && Number(text) <= 128 ? Number(text) : undefined;
}

interface RawServiceInfo extends Omit<IpvsadmServiceInfo, 'persistence'> {
  readonly persistence?: { readonly timeoutSeconds: number; readonly netmask: string };
}

function withMask(
  info: RawServiceInfo,
  family: Family,
  line: number,
  issues: ParseIssue[],
): IpvsadmServiceInfo | undefined {
  if (!info.persistence) return { scheduler: info.scheduler, flags: info.flags };
  const netmask = readMask(info.persistence.netmask, family);
  if (netmask === undefined) {
    issues.push({ line, field: 'mask', message: `bad value ${quoted(info.persistence.netmask)}` });
    return undefined;
  }
  return { ...info, persistence: { timeoutSeconds: info.persistence.timeoutSeconds, netmask } };
}

interface ServiceHead {
  readonly key: ServiceKey;
  /** Tokens after the service identity. */
  readonly rest: readonly string[];
}

/** `TCP  192.0.2.10:80 ...`, `FWM  6 ...` or `FWM  6 IPv6 ...`. */
function parseServiceHead(
  tokens: readonly string[],
  line: number,
  issues: ParseIssue[],
): ServiceHead | undefined {
  const [proto = '', target = ''] = tokens;
  if (proto === 'FWM') {
    if (!/^\d+$/.test(target) || Number(target) > 0xffffffff) {
      issues.push({ line, field: 'FWM mark', message: `expected a decimal mark, got ${quoted(target)}` });
      return undefined;
    }
    const ipv6 = tokens[2] === 'IPv6';
    return {
      key: { kind: 'fwmark', mark: Number(target), family: ipv6 ? 6 : 4 },
      rest: tokens.slice(ipv6 ? 3 : 2),
    };
  }
  const protocol = protocolOfLabel(proto);
  if (protocol === undefined) {
    issues.push({ line, field: 'Prot', message: `unknown protocol ${quoted(proto)}` });
    return undefined;
  }
  const endpoint = parseTextEndpoint(target);
  if (typeof endpoint === 'string') {
    issues.push({ line, field: 'LocalAddress:Port', message: printable(endpoint, MAX_ISSUE_MESSAGE_CHARS) });
    return undefined;
  }
  const key = { kind: 'addr', proto: protocol, addr: endpoint.addr, port: endpoint.port } as const;
  return { key, rest: tokens.slice(2) };
}

type MutableService<S, D> = IpvsadmService<S, D> & { destinations: IpvsadmDestination<D>[] };

function parseListing<R, S, D>(
  text: string,
  serviceValues: ValueParser<R>,
  destinationValues: ValueParser<D>,
  finishService: (values: R, family: Family, line: number, issues: ParseIssue[]) => S | undefined,
): Parsed<IpvsadmListing<S, D>> {
  const issues: ParseIssue[] = [];
  const services: MutableService<S, D>[] = [];
  let current: MutableService<S, D> | undefined;
  let lostServiceLine: number | undefined;
  for (const [index, lineText] of text.split('\n').entries()) {
    const line = index + 1;
    const tokens = fields(lineText);
    if (tokens.length === 0) continue;
    const [first, second] = tokens;
    if (first === 'IP' || first === 'Prot' || second === 'RemoteAddress:Port') continue;
    if (first === '->') {
      if (!current) {
        issues.push(orphanDestination(line, lostServiceLine));
        continue;
      }
      const endpoint = parseTextEndpoint(second ?? '');
      if (typeof endpoint === 'string') {
        issues.push({
          line,
          field: 'RemoteAddress:Port',
          message: printable(endpoint, MAX_ISSUE_MESSAGE_CHARS),
        });
        continue;
      }
      const values = destinationValues(tokens.slice(2), line, issues);
      if (values) current.destinations.push({ addr: endpoint.addr, port: endpoint.port, values });
      continue;
    }
    current = undefined;
    const head = parseServiceHead(tokens, line, issues);
    const raw = head && serviceValues(head.rest, line, issues);
    const values =
      head && raw !== undefined ? finishService(raw, serviceFamily(head.key), line, issues) : undefined;
    if (!head || values === undefined) {
      lostServiceLine = line;
      continue;
    }
    current = { ...head.key, values, destinations: [] };
    services.push(current);
  }
  return { value: { services }, issues };
}

const same = <T>(values: T): T => values;

/** `ipvsadm -Ln --stats --exact` */
export function parseIpvsadmStats(text: string): Parsed<IpvsadmListing<IpvsCounters, IpvsCounters>> {
  return parseListing(text, counters, counters, same);
}

/** `ipvsadm -Ln --rate --exact` */
export function parseIpvsadmRates(text: string): Parsed<IpvsadmListing<IpvsRates, IpvsRates>> {
  return parseListing(text, rates, rates, same);
}

/** `ipvsadm -Ln --thresholds` */
export function parseIpvsadmThresholds(
  text: string,
): Parsed<IpvsadmListing<IpvsadmServiceInfo, IpvsThresholds>> {
  return parseListing(text, serviceInfo, thresholds, withMask);
}

/** `ipvsadm -Ln --persistent-conn` */
export function parseIpvsadmPersistentConns(
  text: string,
): Parsed<IpvsadmListing<IpvsadmServiceInfo, IpvsPersistentConns>> {
  return parseListing(text, serviceInfo, persistentConns, withMask);
}
