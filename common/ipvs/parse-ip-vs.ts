/**
 * Pure parser for /proc/net/ip_vs (kernel ip_vs_info_seq_show). Parses by whitespace, never by
 * column. Unlike prometheus/procfs it keeps SCTP and any other protocol the kernel names, and one
 * bad line only loses itself (a bad service line also loses its destinations, each reported).
 */
import type { Family } from '../net/ip.js';
import { MAX_ISSUE_MESSAGE_CHARS, type ParseIssue, type Parsed } from '../parse/issue.js';
import { parseHex, parseKernelEndpoint } from './address.js';
import { forEachLine, orphanDestination, tokenize, badServiceWords } from './listing.js';
import type { IpvsDestination, IpvsService, IpvsTable, Persistence } from './model.js';
import { type ServiceKey, forwardOfLabel, protocolOfLabel, ticksToSeconds } from './vocabulary.js';
import { printable, quoted } from '../parse/printable.js';
import { boundedInteger } from '../parse/numbers.js';

export interface IpVsOptions {
  /** Kernel CONFIG_HZ: /proc prints the persistence timeout in ticks. */
  readonly hz: number;
}

/** A service's key is known at its line, except an FWM service's family (from its destinations). */
type DraftKey =
  | Exclude<ServiceKey, { kind: 'fwmark' }>
  | { readonly kind: 'fwmark'; readonly mark: number; readonly family: Family | undefined };

interface ServiceDraft {
  readonly key: DraftKey;
  readonly scheduler: string;
  readonly flags: string[];
  readonly persistence?: { ticks: number; rawMask: number };
  readonly destinations: IpvsDestination[];
}

/**
 * The kernel prints `ntohl(svc->netmask)`: a real mask for IPv4, but for IPv6 the field holds a
 * prefix length, so a little-endian host prints 64 as 40000000 (big-endian hosts print 00000040).
 */
function netmask(rawMask: number, family: Family): number {
  if (family === 4) return rawMask;
  const swapped = rawMask >>> 24;
  return (rawMask & 0x00ffffff) === 0 && swapped <= 128 ? swapped : rawMask;
}

function finishService(draft: ServiceDraft, options: IpVsOptions): IpvsService {
  const { key } = draft;
  const family =
    key.kind === 'fwmark' ? (key.family ?? draft.destinations[0]?.addr.family ?? 4) : key.addr.family;
  const persistence: Persistence | undefined = draft.persistence && {
    timeoutSeconds: ticksToSeconds(draft.persistence.ticks, options.hz),
    netmask: netmask(draft.persistence.rawMask, family),
  };
  return {
    ...(key.kind === 'fwmark' ? { kind: 'fwmark', mark: key.mark, family } : key),
    scheduler: draft.scheduler,
    flags: draft.flags,
    ...(persistence && { persistence }),
    destinations: draft.destinations,
  };
}

/** A decimal integer as the kernel's %d prints it (negative only through a kernel bug). */
/** The kernel prints weights and connection counts as non-negative ints (`%d` of an int). */
const INT_MAX = 2 ** 31 - 1;

/** A count or weight as the kernel prints it: decimal digits up to INT_MAX, else undefined. */
function integer(text: string | undefined): number | undefined {
  if (text === undefined || text === '' || text.length > 10) return undefined;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return value <= INT_MAX ? value : undefined;
}

const COUNT_COLUMNS = ['Weight', 'ActiveConn', 'InActConn'] as const;

function parseDestination(tokens: string[], line: number, issues: ParseIssue[]): IpvsDestination | undefined {
  const endpoint = parseKernelEndpoint(tokens[1] ?? '');
  if (typeof endpoint === 'string') {
    issues.push({ line, field: 'RemoteAddress:Port', message: printable(endpoint, MAX_ISSUE_MESSAGE_CHARS) });
    return undefined;
  }
  const weight = integer(tokens[3]);
  const activeConns = integer(tokens[4]);
  const inactiveConns = integer(tokens[5]);
  if (weight === undefined || activeConns === undefined || inactiveConns === undefined) {
    const bad = weight === undefined ? 0 : activeConns === undefined ? 1 : 2;
    const text = tokens[3 + bad] ?? '';
    issues.push({
      line,
      field: COUNT_COLUMNS[bad],
      message: `expected an integer, got ${quoted(text)}`, // from 0 to INT_MAX
    });
    return undefined;
  }
  const forward = forwardOfLabel(tokens[2] ?? '');
  if (forward === undefined) {
    issues.push({
      line,
      field: 'Forward',
      message: `unknown forwarding method ${quoted(tokens[2] ?? '')}`,
    });
    return undefined;
  }
  return {
    addr: endpoint.addr,
    port: endpoint.port,
    forward,
    weight,
    activeConns,
    inactiveConns,
  };
}

function parseServiceTail(
  tokens: string[],
  line: number,
  issues: ParseIssue[],
): Omit<ServiceDraft, 'key' | 'destinations'> | undefined {
  const scheduler = tokens[2];
  if (scheduler === undefined) {
    issues.push({ line, field: 'Scheduler', message: 'missing' });
    return undefined;
  }
  const flags: string[] = [];
  let persistence: ServiceDraft['persistence'];
  for (let i = 3; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token !== 'persistent') {
      flags.push(token);
      continue;
    }
    const ticks = tokens[i + 1];
    const rawMask = parseHex(tokens[i + 2] ?? '');
    // `persistent %d %08X`: a 32-bit timeout in ticks and a 32-bit mask.
    const tickCount = boundedInteger(ticks ?? '', 0, 2 ** 32 - 1);
    if (tickCount === undefined || rawMask === undefined || rawMask >= 2 ** 32) {
      issues.push({ line, field: 'persistent', message: `expected "persistent TICKS HEXMASK"` });
      return undefined;
    }
    persistence = { ticks: tickCount, rawMask };
    i += 2;
  }
  const bad = badServiceWords(line, scheduler, flags);
  if (bad) {
    issues.push(bad);
    return undefined;
  }
  return { scheduler, flags, ...(persistence && { persistence }) };
}

function parseService(tokens: string[], line: number, issues: ParseIssue[]): ServiceDraft | undefined {
  const [proto = '', target = ''] = tokens;
  if (proto === 'FWM') {
    if (target.length !== 8 || parseHex(target) === undefined) {
      issues.push({ line, field: 'FWM mark', message: `expected 8 hex digits, got ${quoted(target)}` });
      return undefined;
    }
    const tail = parseServiceTail(tokens, line, issues);
    if (!tail) return undefined;
    const mark = parseHex(target) ?? 0;
    return { key: { kind: 'fwmark', mark, family: undefined }, ...tail, destinations: [] };
  }
  const protocol = protocolOfLabel(proto);
  if (protocol === undefined) {
    issues.push({ line, field: 'Prot', message: `unknown protocol ${quoted(proto)}` });
    return undefined;
  }
  const endpoint = parseKernelEndpoint(target);
  if (typeof endpoint === 'string') {
    issues.push({ line, field: 'LocalAddress:Port', message: printable(endpoint, MAX_ISSUE_MESSAGE_CHARS) });
    return undefined;
  }
  const tail = parseServiceTail(tokens, line, issues);
  if (!tail) return undefined;
  return {
    key: { kind: 'addr', proto: protocol, addr: endpoint.addr, port: endpoint.port },
    ...tail,
    destinations: [],
  };
}

export function parseIpVs(text: string, options: IpVsOptions): Parsed<IpvsTable> {
  const issues: ParseIssue[] = [];
  const services: IpvsService[] = [];
  let connTableSize: number | undefined;
  let current: ServiceDraft | undefined;
  /** Line of the service that could not be parsed, whose destinations are therefore lost. */
  let lostServiceLine: number | undefined;

  const tokens: string[] = [];
  forEachLine(text, (start, end, line) => {
    tokenize(text, start, end, tokens);
    if (tokens.length === 0) return;
    const [first, second] = tokens;
    if (first === 'IP') {
      const size = /\(size=(\d+)\)/.exec(text.slice(start, end));
      // IP_VS_CONN_TAB_SIZE is at most 2^20 (conn_tab_bits 8-20); 2^31 leaves room, not Infinity.
      if (size) connTableSize = boundedInteger(size[1] ?? '', 0, 2 ** 31 - 1);
      return;
    }
    if (first === 'Prot' || second === 'RemoteAddress:Port') return;
    if (first === '->') {
      if (!current) {
        issues.push(orphanDestination(line, lostServiceLine));
        return;
      }
      const destination = parseDestination(tokens, line, issues);
      if (destination) current.destinations.push(destination);
      return;
    }
    if (current) services.push(finishService(current, options));
    current = parseService(tokens, line, issues);
    lostServiceLine = current ? undefined : line;
  });
  if (current) services.push(finishService(current, options));
  return { value: { ...(connTableSize !== undefined && { connTableSize }), services }, issues };
}
