/**
 * The LVS part of keepalived.conf: `virtual_server` blocks, their `real_server`s and the
 * `virtual_server_group`s they name, read from the expanded lines (parse-conf.ts) as keepalived
 * 2.2.7's checker reads them (keepalived/check/check_parser.c, check_data.c) and then programs
 * IPVS: its defaults are applied (wlc, NAT, weight 1, a real server's port from the virtual
 * server's for DR/TUN), and everything `keepalived -t` would complain about in these blocks is an
 * issue, with the file and line of the offending keyword. Health checkers, notify scripts, quorum
 * and sorry servers are not read: they do not change which services and servers IPVS gets.
 */
import type { ForwardMethod, Protocol, SchedulerName, ServiceKey } from '../ipvs/vocabulary.js';
import { isSchedulerName } from '../ipvs/vocabulary.js';
import { type Family, type IpAddr, ipv4Addr, ipv6AddrOfWords, parseIPv4, parseIp } from '../net/ip.js';
import { type ParseIssue, type Parsed, boundedIssue } from '../parse/issue.js';
import { type ConfigLine, type Statement, toStatements } from './parse-conf.js';

export interface ConfRealServer {
  readonly addr: IpAddr;
  /**
   * The port IPVS gets: as configured for NAT (the virtual server's when none is given), the
   * virtual server's for DR and TUN, 0 for firewall-mark services; for a group, as configured (0
   * when none is given).
   */
  readonly port: number;
  /** `weight`, else the virtual server's `weight`, else 1: what keepalived sets before any check runs. */
  readonly weight: number;
  /** The real server's `lvs_method`, else the virtual server's `lb_kind`, else NAT. */
  readonly forward: ForwardMethod;
  /** `uthreshold` / `lthreshold`; 0 = none, as in IPVS. */
  readonly upperThreshold: number;
  readonly lowerThreshold: number;
  /** `inhibit_on_failure` (the real server's, else the virtual server's): kept at weight 0 when down. */
  readonly inhibitOnFailure: boolean;
  readonly file: string;
  readonly line: number;
}

export interface ConfVirtualServer {
  /** What follows `virtual_server`, as written: `192.0.2.10 80`, `fwmark 7`, `group NAME`. */
  readonly label: string;
  /** The `virtual_server_group` it uses, if any. */
  readonly group?: string;
  /** The IPVS services keepalived creates for it: one, or one per group member address and mark. */
  readonly services: readonly ServiceKey[];
  /** `protocol` (UDP when missing, as keepalived defaults it); undefined for firewall marks only. */
  readonly protocol?: Protocol;
  /** `lb_algo` / `lvs_sched`, wlc when missing. */
  readonly scheduler: SchedulerName;
  /** `lb_kind` / `lvs_method`: the real servers' default; undefined when none is given and none needs it. */
  readonly forward?: ForwardMethod;
  /** `persistence_timeout` in seconds; 0 = not persistent. */
  readonly persistenceSeconds: number;
  /** `persistence_granularity`: an IPv4 mask as a 32-bit number or an IPv6 prefix length (when persistent). */
  readonly persistenceNetmask?: number;
  /** `ops`, `flag-1`..`flag-3`, `sh-port`, `sh-fallback`, `mh-port`, `mh-fallback`, as written. */
  readonly flags: readonly string[];
  readonly realServers: readonly ConfRealServer[];
  readonly file: string;
  readonly line: number;
}

/** keepalived's IPVS_SVC_PERSISTENT_TIMEOUT: `persistence_timeout` without a value, or implied. */
export const KEEPALIVED_PERSISTENCE_SECONDS = 360;
const MAX_TIMEOUT_S = 86400 * 31;
const INT32_MAX = 2147483647;
const UINT32_MAX = 0xffffffff;
/** Addresses one group entry may stand for; a bigger range is reported instead of expanded. */
export const MAX_GROUP_ENTRY_ADDRESSES = 4096;

const FORWARD_KEYWORDS: Readonly<Record<string, ForwardMethod>> = { NAT: 'masq', DR: 'route', TUN: 'tunnel' };
const FLAG_KEYWORDS = new Set([
  'ops',
  'flag-1',
  'flag-2',
  'flag-3',
  'sh-port',
  'sh-fallback',
  'mh-port',
  'mh-fallback',
]);

/** A word fit to quote in an issue: addresses, numbers, names. Anything else is not repeated. */
function shown(word: string | undefined): string {
  return word !== undefined && /^[\w.:/[\]%@+-]{1,80}$/.test(word) ? `"${word}"` : 'the value';
}

function unsigned(word: string | undefined, min: number, max: number): number | undefined {
  if (word === undefined || !/^\d{1,10}$/.test(word)) return undefined;
  const n = Number(word);
  return n >= min && n <= max ? n : undefined;
}

/** keepalived's `true`/`false`/`yes`/`no`/`on`/`off` (check_true_false); a bare keyword is true. */
function flagValue(word: string | undefined): boolean | undefined {
  if (word === undefined) return true;
  const w = word.toLowerCase();
  if (['true', 'yes', 'on'].includes(w)) return true;
  if (['false', 'no', 'off'].includes(w)) return false;
  return undefined;
}

/** keepalived's inet_stosockaddr: a plain address (no brackets), a port 1-65535 or none ("0" is none). */
function sockaddr(ip: string, port: string | undefined): { addr: IpAddr; port: number } | undefined {
  const noPort = port === undefined || /^0+$/.test(port);
  const portNumber = noPort ? 0 : unsigned(port, 1, 65535);
  const addr = parseIp(ip);
  return addr === undefined || portNumber === undefined ? undefined : { addr, port: portNumber };
}

function toBig(addr: IpAddr): bigint {
  return addr.words.reduce((n, w) => (n << 32n) | BigInt(w >>> 0), 0n);
}

function fromBig(n: bigint, family: Family): IpAddr {
  if (family === 4) return ipv4Addr(Number(n));
  const words = [3, 2, 1, 0].map((i) => Number((n >> BigInt(32 * i)) & 0xffffffffn));
  return ipv6AddrOfWords(words);
}

type GroupEntry =
  | { readonly kind: 'addr'; readonly addrs: readonly IpAddr[]; readonly port: number }
  | { readonly kind: 'fwmark'; readonly mark: number; readonly family?: Family };

interface Group {
  readonly name: string;
  readonly entries: readonly GroupEntry[];
}

/**
 * One address entry of a group: `A`, `A-END` (END the last IPv4 octet in decimal or the last IPv6
 * group in hex, or a whole address), `A/PREFIX` (network and broadcast included), then the port.
 */
function addrEntry(
  words: readonly string[],
  at: (message: string) => void,
): { addrs: IpAddr[]; port: number } | undefined {
  const text = words[0] ?? '';
  const cut = text.search(/[-/]/);
  const first = sockaddr(cut < 0 ? text : text.slice(0, cut), words[1]);
  if (!first) {
    at(`invalid virtual server group address ${shown(text)}${words[1] ? ` port ${shown(words[1])}` : ''}`);
    return undefined;
  }
  const family = first.addr.family;
  const bits = family === 4 ? 32 : 128;
  const start = toBig(first.addr);
  let end = start;
  if (cut >= 0 && text[cut] === '/') {
    const prefix = unsigned(text.slice(cut + 1), 1, bits);
    if (prefix === undefined) {
      at(`invalid netmask in ${shown(text)}`);
      return undefined;
    }
    const host = (1n << BigInt(bits - prefix)) - 1n;
    if ((start & host) !== 0n) {
      at(`address mask bits not empty in ${shown(text)}`);
      return undefined;
    }
    end = start | host;
  } else if (cut >= 0) {
    const tail = text.slice(cut + 1);
    if ((family === 4 && tail.includes('.')) || (family === 6 && tail.includes(':'))) {
      const last = parseIp(tail);
      if (!last || last.family !== family) {
        at(`invalid range end in ${shown(text)}`);
        return undefined;
      }
      end = toBig(last);
      if (end < start) {
        at(`address range end is less than address range start in ${shown(text)}`);
        return undefined;
      }
    } else {
      const ok = family === 4 ? /^\d{1,3}$/.test(tail) : /^[0-9a-fA-F]{1,4}$/.test(tail);
      const value = ok ? parseInt(tail, family === 4 ? 10 : 16) : NaN;
      if (!ok || value > (family === 4 ? 255 : 0xffff)) {
        at(
          `virtual server group range ${shown(text)} does not end in a number up to ${family === 4 ? 255 : 'ffff'}`,
        );
        return undefined;
      }
      const low = family === 4 ? 0xffn : 0xffffn;
      if ((start & low) >= BigInt(value)) {
        at(`address range end is not greater than address range start in ${shown(text)}`);
        return undefined;
      }
      end = (start & ~low) | BigInt(value);
    }
  }
  if (end - start + 1n > BigInt(MAX_GROUP_ENTRY_ADDRESSES)) {
    at(
      `${shown(text)} stands for ${end - start + 1n} services, more than the ${MAX_GROUP_ENTRY_ADDRESSES} read`,
    );
    return undefined;
  }
  const addrs: IpAddr[] = [];
  for (let n = start; n <= end; n++) addrs.push(fromBig(n, family));
  return { addrs, port: first.port };
}

function readGroup(block: Statement, issues: ParseIssue[]): Group | undefined {
  const name = block.words[1] ?? '';
  const entries: GroupEntry[] = [];
  for (const entry of block.children ?? []) {
    const at = (message: string) =>
      issues.push({
        file: entry.file,
        line: entry.line,
        field: 'virtual_server_group',
        message: `${name}: ${message} - skipped`,
      });
    const { words } = entry;
    if (words[0] === 'fwmark') {
      const mark = unsigned(words[1], 0, UINT32_MAX);
      const familyWord = words[2];
      const family = familyWord === 'inet' ? 4 : familyWord === 'inet6' ? 6 : undefined;
      if (mark === undefined) at(`fwmark ${shown(words[1])} is not a number from 0 to ${UINT32_MAX}`);
      else if (familyWord !== undefined && family === undefined)
        at(`fwmark family ${shown(familyWord)} unknown`);
      else entries.push(family === undefined ? { kind: 'fwmark', mark } : { kind: 'fwmark', mark, family });
      continue;
    }
    const range = addrEntry(words, at);
    if (range) entries.push({ kind: 'addr', ...range });
  }
  if (entries.length === 0) {
    issues.push({
      file: block.file,
      line: block.line,
      field: 'virtual_server_group',
      message: `${name} has no entries - removed`,
    });
    return undefined;
  }
  return { name, entries };
}

/** Where an issue is: a statement, or a real server's block. */
interface Where {
  readonly file: string;
  readonly line: number;
}

interface RsDraft {
  addr: IpAddr;
  port: number;
  weight?: number;
  forward?: ForwardMethod;
  upperThreshold: number;
  lowerThreshold: number;
  inhibit?: boolean;
  file: string;
  line: number;
}

function readRealServer(
  st: Statement,
  vsForward: ForwardMethod | undefined,
  issue: (at: Where, field: string, message: string) => void,
): RsDraft | undefined {
  const at = sockaddr(st.words[1] ?? '', st.words[2]);
  if (!at) {
    issue(
      st,
      'real_server',
      `invalid real server address/port ${shown(st.words[1])} ${shown(st.words[2])} - skipped`,
    );
    return undefined;
  }
  const rs: RsDraft = { ...at, upperThreshold: 0, lowerThreshold: 0, file: st.file, line: st.line };
  for (const child of st.children ?? []) {
    const [key, value] = child.words;
    switch (key) {
      case 'weight': {
        const weight = unsigned(value, 0, INT32_MAX);
        if (weight === undefined)
          issue(child, 'real_server weight', `${shown(value)} is outside 0-${INT32_MAX}`);
        else rs.weight = weight;
        break;
      }
      case 'lvs_method': {
        const forward = FORWARD_KEYWORDS[value ?? ''];
        if (forward === undefined)
          issue(child, 'real_server lvs_method', `unknown routing method ${shown(value)}`);
        else rs.forward = forward;
        break;
      }
      case 'uthreshold':
      case 'lthreshold': {
        const threshold = unsigned(value, 0, UINT32_MAX);
        if (threshold === undefined) issue(child, `real_server ${key}`, `invalid ${shown(value)} - ignored`);
        else if (key === 'uthreshold') rs.upperThreshold = threshold;
        else rs.lowerThreshold = threshold;
        break;
      }
      case 'inhibit_on_failure': {
        const on = flagValue(value);
        if (on === undefined) issue(child, 'real_server inhibit_on_failure', `invalid ${shown(value)}`);
        else rs.inhibit = on;
        break;
      }
    }
  }
  // The forwarding method known when the block ends decides whether families must match (rs_end_handler).
  rs.forward ??= vsForward;
  return rs;
}

/**
 * The virtual servers of an expanded keepalived.conf (expandConfig's lines), in file order, with
 * their groups resolved; a virtual server keepalived would drop (no real servers, unknown group,
 * bad address) is reported and left out.
 */
export function virtualServersFromConfig(lines: readonly ConfigLine[]): Parsed<ConfVirtualServer[]> {
  const issues: ParseIssue[] = [];
  const statements = toStatements(lines, issues);
  const groups = new Map<string, Group>();
  for (const block of statements) {
    if (block.words[0] !== 'virtual_server_group' || !block.children) continue;
    const group = readGroup(block, issues);
    // keepalived looks groups up by name and takes the first one defined.
    if (group && !groups.has(group.name)) groups.set(group.name, group);
  }
  const servers: ConfVirtualServer[] = [];
  for (const block of statements) {
    if (block.words[0] !== 'virtual_server' || !block.children) continue;
    const vs = readVirtualServer(block, groups, issues);
    if (vs) servers.push(vs);
  }
  // Fields and messages quote words of the file: bounded and escaped.
  return { value: servers, issues: issues.map(boundedIssue) };
}

function readVirtualServer(
  block: Statement,
  groups: ReadonlyMap<string, Group>,
  issues: ParseIssue[],
): ConfVirtualServer | undefined {
  const [, p1 = '', p2] = block.words;
  const label = block.words.slice(1).join(' ');
  const name = block.words
    .slice(1)
    .map((w) => (shown(w) === 'the value' ? '?' : w))
    .join(' ');
  const issue = (at: Where, field: string, message: string) =>
    issues.push({ file: at.file, line: at.line, field, message: `virtual_server ${name}: ${message}` });

  type Target =
    | { kind: 'group'; name: string }
    | { kind: 'fwmark'; mark: number }
    | { kind: 'addr'; addr: IpAddr; port: number };
  let target: Target;
  let family: Family | undefined;
  if (p1 === 'group') {
    target = { kind: 'group', name: p2 ?? '' };
  } else if (p1 === 'fwmark') {
    const mark = unsigned(p2, 0, UINT32_MAX);
    if (mark === undefined) {
      issue(block, 'virtual_server', `fwmark ${shown(p2)} must be in [0, ${UINT32_MAX}] - ignored`);
      return undefined;
    }
    target = { kind: 'fwmark', mark };
  } else {
    const at = sockaddr(p1, p2);
    if (!at) {
      issue(block, 'virtual_server', 'invalid virtual server address/port - skipped');
      return undefined;
    }
    target = { kind: 'addr', ...at };
    family = at.addr.family;
  }

  let protocol: Protocol | undefined;
  let scheduler: SchedulerName | undefined;
  let forward: ForwardMethod | undefined;
  let persistenceSeconds = 0;
  let netmask: number | undefined;
  let defaultWeight = 1;
  let inhibit = false;
  const flags: string[] = [];
  const drafts: RsDraft[] = [];
  let protocolAt: Where | undefined;
  let opsAt: Where | undefined;

  for (const st of block.children ?? []) {
    const [key = '', value] = st.words;
    if (FLAG_KEYWORDS.has(key)) {
      const owner = /^(sh|mh)-/.exec(key)?.[1];
      if (owner !== undefined && scheduler !== owner) {
        issue(st, key, `only applies to the ${owner} scheduler (set lb_algo ${owner} before it) - ignored`);
      } else if (!flags.includes(key)) {
        flags.push(key);
        if (key === 'ops') opsAt = st;
      }
      continue;
    }
    switch (key) {
      case 'ip_family': {
        const af = value === 'inet' ? 4 : value === 'inet6' ? 6 : undefined;
        if (af === undefined) issue(st, key, `unknown address family ${shown(value)}`);
        else if (family !== undefined && family !== af) issue(st, key, 'conflicts with the servers’ family');
        else family = af;
        break;
      }
      case 'lb_algo':
      case 'lvs_sched':
        if (value !== undefined && isSchedulerName(value)) scheduler = value;
        else issue(st, key, `invalid lvs_scheduler ${shown(value)} - ignored`);
        break;
      case 'lb_kind':
      case 'lvs_method': {
        const method = FORWARD_KEYWORDS[value ?? ''];
        if (method === undefined) issue(st, key, `unknown routing method ${shown(value)} - ignored`);
        else forward = method;
        break;
      }
      case 'persistence_timeout': {
        if (value === undefined) {
          persistenceSeconds = KEEPALIVED_PERSISTENCE_SECONDS;
          break;
        }
        const seconds = unsigned(value, 1, MAX_TIMEOUT_S);
        if (seconds === undefined)
          issue(st, key, `${shown(value)} is not a number of seconds from 1 to ${MAX_TIMEOUT_S}`);
        else persistenceSeconds = seconds;
        break;
      }
      case 'persistence_granularity': {
        const af = family ?? (value?.includes('.') ? 4 : 6);
        const mask = af === 6 ? unsigned(value, 1, 128) : value === undefined ? undefined : parseIPv4(value);
        if (mask === undefined) {
          issue(st, key, `invalid IPv${af} persistence_granularity ${shown(value)}`);
          break;
        }
        netmask = mask;
        family ??= af;
        if (persistenceSeconds === 0) persistenceSeconds = KEEPALIVED_PERSISTENCE_SECONDS;
        break;
      }
      case 'protocol': {
        const proto = value?.toLowerCase();
        if (proto === 'tcp' || proto === 'udp' || proto === 'sctp') {
          protocol = proto;
          protocolAt = st;
        } else issue(st, key, `unknown protocol ${shown(value)} - ignored`);
        break;
      }
      case 'weight': {
        const weight = unsigned(value, 1, INT32_MAX);
        if (weight === undefined)
          issue(st, key, `virtual server weight ${shown(value)} is outside 1-${INT32_MAX}`);
        else defaultWeight = weight;
        break;
      }
      case 'inhibit_on_failure': {
        const on = flagValue(value);
        if (on === undefined) issue(st, key, `invalid ${shown(value)}`);
        else inhibit = on;
        break;
      }
      case 'real_server': {
        const rs = readRealServer(st, forward, issue);
        if (!rs) break;
        if (rs.forward !== 'tunnel') {
          if (family === undefined) family = rs.addr.family;
          else if (family !== rs.addr.family) {
            issue(st, key, `address family of ${rs.addr.text} does not match the virtual server's - skipped`);
            break;
          }
        }
        drafts.push(rs);
        break;
      }
    }
  }

  const group = target.kind === 'group' ? groups.get(target.name) : undefined;
  if (target.kind === 'group' && !group) {
    issue(block, 'virtual_server', `virtual server group ${shown(target.name)} is not configured - ignored`);
    return undefined;
  }
  if (drafts.length === 0) {
    issue(block, 'virtual_server', 'has no real servers - ignored');
    return undefined;
  }
  if (family === undefined && target.kind !== 'group') {
    // Only tunnelled real servers: their family if they all agree, else IPv4 (vs_end_handler).
    const families = new Set(drafts.map((rs) => rs.addr.family));
    family = families.size === 1 ? drafts[0]?.addr.family : 4;
  }

  const hasAddresses = target.kind === 'addr' || group?.entries.some((e) => e.kind === 'addr') === true;
  if (hasAddresses && protocol === undefined) {
    issue(block, 'protocol', 'no protocol set - keepalived defaults to UDP');
    protocol = 'udp';
  }
  if (!hasAddresses && protocol !== undefined) {
    issue(protocolAt ?? block, 'protocol', 'protocol given for a firewall mark - ignored');
    protocol = undefined;
  }
  if (opsAt && hasAddresses && protocol !== 'udp') {
    issue(opsAt, 'ops', 'one-packet scheduling needs UDP - cleared');
    flags.splice(flags.indexOf('ops'), 1);
  }
  const zeroPort =
    target.kind === 'addr'
      ? target.port === 0
      : (group?.entries.some((e) => e.kind === 'addr' && e.port === 0) ?? false);
  if (zeroPort && persistenceSeconds === 0) {
    issue(block, 'virtual_server', 'zero port is only valid for persistent services - persistence set');
    persistenceSeconds = KEEPALIVED_PERSISTENCE_SECONDS;
  }
  if (scheduler === undefined) {
    issue(block, 'lb_algo', 'no scheduler set - keepalived defaults to wlc');
    scheduler = 'wlc';
  }
  if (forward === undefined && drafts.some((rs) => rs.forward === undefined)) {
    issue(block, 'lb_kind', 'no forwarding method set - keepalived defaults to NAT');
    forward = 'masq';
  }

  const services: ServiceKey[] = [];
  const vsFamily: Family = family ?? 4;
  if (target.kind === 'addr') {
    services.push({ kind: 'addr', proto: protocol ?? 'udp', addr: target.addr, port: target.port });
  } else if (target.kind === 'fwmark') {
    services.push({ kind: 'fwmark', mark: target.mark, family: vsFamily });
  } else {
    const groupFamilies = new Set(
      group?.entries.flatMap((e) => (e.kind === 'addr' && e.addrs[0] ? [e.addrs[0].family] : [])),
    );
    const markFamily: Family = family ?? (groupFamilies.size === 1 ? ([...groupFamilies][0] ?? 4) : 4);
    for (const entry of group?.entries ?? []) {
      if (entry.kind === 'fwmark') {
        services.push({ kind: 'fwmark', mark: entry.mark, family: entry.family ?? markFamily });
      } else {
        for (const addr of entry.addrs) {
          services.push({ kind: 'addr', proto: protocol ?? 'udp', addr, port: entry.port });
        }
      }
    }
  }

  const realServers: ConfRealServer[] = [];
  const seen = new Set<string>();
  for (const rs of drafts) {
    const where = rs;
    const id = `${rs.addr.text} ${rs.port}`;
    if (seen.has(id)) {
      issue(where, 'real_server', `real server ${rs.addr.text} ${rs.port} is duplicated - second removed`);
      continue;
    }
    seen.add(id);
    const rsForward = rs.forward ?? forward ?? 'masq';
    let port = rs.port;
    if (target.kind === 'addr') {
      if (rsForward === 'masq') {
        if (port === 0) port = target.port;
      } else if (port === 0) port = target.port;
      else if (port !== target.port) {
        issue(where, 'real_server', `port ${port} does not match the virtual server's (DR/TUN) - reset`);
        port = target.port;
      }
    } else if (target.kind === 'fwmark') {
      if (rsForward !== 'masq' && port !== 0) {
        issue(where, 'real_server', `fwmark virtual server: real server port ${port} cleared (DR/TUN)`);
        port = 0;
      }
    } else if (rsForward !== 'masq' && port !== 0) {
      if (group?.entries.some((e) => e.kind === 'fwmark')) {
        issue(where, 'real_server', `fwmark group member: real server port ${port} is ignored (DR/TUN)`);
      }
      for (const entry of group?.entries ?? []) {
        if (entry.kind === 'addr' && entry.port !== port) {
          issue(where, 'real_server', `port ${port} does not match group member port ${entry.port} (DR/TUN)`);
        }
      }
    }
    realServers.push({
      addr: rs.addr,
      port,
      weight: rs.weight ?? defaultWeight,
      forward: rsForward,
      upperThreshold: rs.upperThreshold,
      lowerThreshold: rs.lowerThreshold,
      inhibitOnFailure: rs.inhibit ?? inhibit,
      file: rs.file,
      line: rs.line,
    });
  }

  const persistent = persistenceSeconds > 0;
  return {
    label,
    ...(group ? { group: group.name } : {}),
    services,
    ...(protocol !== undefined ? { protocol } : {}),
    scheduler,
    ...(forward !== undefined ? { forward } : {}),
    persistenceSeconds,
    ...(persistent ? { persistenceNetmask: netmask ?? (vsFamily === 6 ? 128 : UINT32_MAX) } : {}),
    flags,
    realServers,
    file: block.file,
    line: block.line,
  };
}
