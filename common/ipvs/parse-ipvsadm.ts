/**
 * Pure parsers for `ipvsadm -Ln` listings (ipvsadm 1.31 print_service_entry/print_dest_entry):
 * --stats and --rate (five numbers per line), --thresholds and --persistent-conn (scheduler line,
 * four numbers per destination). Addresses come out in the same label form as /proc's hex, FWM
 * marks (printed in decimal here) as the kernel's 8 hex digits, so both sources join.
 */
import type { ParseIssue, Parsed } from '../parse/issue.js';
import { formatMark, parseTextEndpoint } from './address.js';
import { fields, orphanDestination } from './listing.js';
import type {
  AddressFamily,
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

type ValueParser<T> = (tokens: readonly string[], line: number, issues: ParseIssue[]) => T | undefined;

/** Numbers as print_largenum writes them: exact with --exact, else with a K/M/G/T suffix. */
const SUFFIX: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

function parseLargeNumber(text: string): number | undefined {
  const match = /^(\d+)([KMGT]?)$/.exec(text);
  return match ? Number(match[1]) * SUFFIX[match[2]!]! : undefined;
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
        issues.push({ line, field: name, message: `expected a number, got "${tokens[index]}"` });
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
const serviceInfo: ValueParser<IpvsadmServiceInfo> = (tokens, line, issues) => {
  const [scheduler, ...rest] = tokens;
  if (scheduler === undefined) {
    issues.push({ line, field: 'Scheduler', message: 'missing' });
    return undefined;
  }
  const flags: string[] = [];
  let timeoutSeconds: number | undefined;
  let netmask = '';
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!;
    if (token === 'persistent' || token === 'mask') {
      const value = rest[++i];
      if (value === undefined || (token === 'persistent' && !/^\d+$/.test(value))) {
        issues.push({ line, field: token, message: `bad value "${value ?? ''}"` });
        return undefined;
      }
      if (token === 'persistent') timeoutSeconds = Number(value);
      else netmask = value;
    } else if (token.startsWith('(') && token.endsWith(')')) {
      flags.push(...token.slice(1, -1).split(','));
    } else {
      flags.push(token);
    }
  }
  if (timeoutSeconds === undefined) return { scheduler, flags };
  // ipvsadm omits the mask when it is the default: all ones (IPv4) or /128 (IPv6); the caller
  // knows the family, so it is filled in there.
  return { scheduler, flags, persistence: { timeoutSeconds, netmask } };
};

function defaultMask(info: IpvsadmServiceInfo, family: AddressFamily): IpvsadmServiceInfo {
  if (!info.persistence || info.persistence.netmask !== '') return info;
  const netmask = family === 'ipv6' ? '128' : '255.255.255.255';
  return { ...info, persistence: { ...info.persistence, netmask } };
}

interface ServiceHead extends ServiceKey {
  readonly family: AddressFamily;
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
      issues.push({ line, field: 'FWM mark', message: `expected a decimal mark, got "${target}"` });
      return undefined;
    }
    const ipv6 = tokens[2] === 'IPv6';
    return {
      proto,
      address: '',
      port: 0,
      mark: formatMark(Number(target)),
      family: ipv6 ? 'ipv6' : 'ipv4',
      rest: tokens.slice(ipv6 ? 3 : 2),
    };
  }
  const endpoint = parseTextEndpoint(target);
  if (typeof endpoint === 'string') {
    issues.push({ line, field: 'LocalAddress:Port', message: endpoint });
    return undefined;
  }
  return {
    proto,
    address: endpoint.address,
    port: endpoint.port,
    mark: '',
    family: endpoint.family,
    rest: tokens.slice(2),
  };
}

interface MutableService<S, D> extends Omit<IpvsadmService<S, D>, 'destinations'> {
  destinations: IpvsadmDestination<D>[];
}

function parseListing<S, D>(
  text: string,
  serviceValues: ValueParser<S>,
  destinationValues: ValueParser<D>,
  finishService: (values: S, family: AddressFamily) => S = (values) => values,
): Parsed<IpvsadmListing<S, D>> {
  const issues: ParseIssue[] = [];
  const services: MutableService<S, D>[] = [];
  let current: MutableService<S, D> | undefined;
  let lostServiceLine: number | undefined;
  for (const [index, raw] of text.split('\n').entries()) {
    const line = index + 1;
    const tokens = fields(raw);
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
        issues.push({ line, field: 'RemoteAddress:Port', message: endpoint });
        continue;
      }
      const values = destinationValues(tokens.slice(2), line, issues);
      if (values) current.destinations.push({ address: endpoint.address, port: endpoint.port, values });
      continue;
    }
    current = undefined;
    const head = parseServiceHead(tokens, line, issues);
    const values = head && serviceValues(head.rest, line, issues);
    if (!head || values === undefined) {
      lostServiceLine = line;
      continue;
    }
    const { proto, address, port, mark, family } = head;
    current = { proto, address, port, mark, family, values: finishService(values, family), destinations: [] };
    services.push(current);
  }
  return { value: { services }, issues };
}

/** `ipvsadm -Ln --stats --exact` */
export function parseIpvsadmStats(text: string): Parsed<IpvsadmListing<IpvsCounters, IpvsCounters>> {
  return parseListing(text, counters, counters);
}

/** `ipvsadm -Ln --rate --exact` */
export function parseIpvsadmRates(text: string): Parsed<IpvsadmListing<IpvsRates, IpvsRates>> {
  return parseListing(text, rates, rates);
}

/** `ipvsadm -Ln --thresholds` */
export function parseIpvsadmThresholds(
  text: string,
): Parsed<IpvsadmListing<IpvsadmServiceInfo, IpvsThresholds>> {
  return parseListing(text, serviceInfo, thresholds, defaultMask);
}

/** `ipvsadm -Ln --persistent-conn` */
export function parseIpvsadmPersistentConns(
  text: string,
): Parsed<IpvsadmListing<IpvsadmServiceInfo, IpvsPersistentConns>> {
  return parseListing(text, serviceInfo, persistentConns, defaultMask);
}
