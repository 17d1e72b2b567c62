import { type Protocol, protocolOfLabel } from '../ipvs/vocabulary.js';
import { type IpAddr, parseIp } from '../net/ip.js';
import type { ParseIssue, Parsed } from '../parse/issue.js';
import { boundedInteger, decimalCounter } from '../parse/numbers.js';
import type { RealServer, VirtualServer } from './model.js';
import { MAX_DUMP_LINE_CHARS, sectionName } from './parse-data.js';

/** IPVS weights are ints the kernel keeps non-negative; keepalived prints them signed. */
const weight = (text: string): number | undefined => boundedInteger(text, -(2 ** 31), 2 ** 31 - 1);
const port = (text: string): number | undefined => boundedInteger(text, 0, 65535);
/** `lvs_sched` names a kernel scheduler module: ip_vs_ plus a few letters. */
const MAX_SCHEDULER_CHARS = 16;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type VsDraft = Mutable<Omit<VirtualServer, 'realServers' | 'service'>> & {
  /** `VS VIP = a, VPORT = p` (its protocol comes from a later line), a mark, or a group. */
  identity: { vip: IpAddr; port: number; proto?: Protocol } | { mark: number } | { group: string };
  realServers: RealServer[];
  line: number;
};
type RsDraft = Mutable<Partial<RealServer>> & { line: number };

function serviceOf(identity: VsDraft['identity']): VirtualServer['service'] | 'no protocol' {
  if ('group' in identity) return undefined;
  if ('mark' in identity) return { kind: 'fwmark', mark: identity.mark, family: 4 };
  if (identity.proto === undefined) return 'no protocol';
  return { kind: 'addr', proto: identity.proto, addr: identity.vip, port: identity.port };
}

/**
 * Parses the LVS part of keepalived_check.data (the checker's `DATA` dump): virtual servers with
 * scheduler, protocol, quorum and quorum state, and their real servers with configured and
 * effective weight and whether the checks consider them alive. `Health checkers` and global
 * sections are skipped. A block without its identity line or alive flag is reported and dropped.
 */
export function parseCheckData(text: string, file: string): Parsed<VirtualServer[]> {
  const issues: ParseIssue[] = [];
  const servers: VirtualServer[] = [];
  let topSection = '';
  let vs: VsDraft | undefined;
  let rs: RsDraft | undefined;

  const finishRs = (): void => {
    if (!rs || !vs) return;
    const { line, ...fields } = rs;
    if (fields.addr === undefined || fields.alive === undefined || fields.effectiveWeight === undefined) {
      issues.push({
        file,
        line,
        field: 'Real server',
        message: 'incomplete block (no RIP, alive or effective weight)',
      });
    } else {
      vs.realServers.push({
        inhibitOnFailure: false,
        weight: fields.effectiveWeight,
        port: 0,
        ...fields,
      } as RealServer);
    }
    rs = undefined;
  };
  const finishVs = (): void => {
    finishRs();
    if (!vs) return;
    const { line, identity, ...fields } = vs;
    const service = serviceOf(identity);
    if (service === 'no protocol' || fields.alive === undefined) {
      issues.push({
        file,
        line,
        field: 'Virtual server',
        message: 'incomplete block (no identity or alive flag)',
      });
    } else servers.push(service ? { service, ...fields } : fields);
    vs = undefined;
  };

  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const lineNo = index + 1;
    if (line.length > MAX_DUMP_LINE_CHARS) {
      issues.push({
        file,
        line: lineNo,
        field: 'line',
        message: `longer than ${MAX_DUMP_LINE_CHARS} characters`,
      });
      return;
    }
    const body = line.trim();
    if (body === '') return;
    const name = body.startsWith('-') ? sectionName(body) : undefined;
    if (name !== undefined) {
      if (line.startsWith('-')) {
        finishVs();
        topSection = name;
      } else if (name === 'Virtual server') finishVs();
      else if (name === 'Real server') {
        finishRs();
        if (vs) rs = { line: lineNo };
      }
      return;
    }
    if (topSection !== 'LVS Topology') return;

    let m: RegExpExecArray | null;
    if ((m = /^VS VIP = ([^,]+), VPORT = (\d+)$/.exec(body))) {
      finishVs();
      const vip = parseIp(m[1] ?? '');
      const vport = port(m[2] ?? '');
      if (vip === undefined || vport === undefined) {
        const field = vip === undefined ? 'VS VIP' : 'VPORT';
        issues.push({
          file,
          line: lineNo,
          field,
          message: vip === undefined ? 'not an IP address' : 'not a port (0-65535)',
        });
        return;
      }
      vs = { identity: { vip, port: vport }, group: '', realServers: [], line: lineNo };
      return;
    }
    if ((m = /^VS FWMARK = (\d+)$/.exec(body))) {
      finishVs();
      const mark = boundedInteger(m[1] ?? '', 0, 2 ** 32 - 1);
      if (mark === undefined) {
        issues.push({ file, line: lineNo, field: 'VS FWMARK', message: 'not a 32-bit mark' });
        return;
      }
      vs = { identity: { mark }, group: '', realServers: [], line: lineNo };
      return;
    }
    if ((m = /^VS GROUP = (.+)$/.exec(body))) {
      finishVs();
      const group = m[1] ?? '';
      vs = { identity: { group }, group, realServers: [], line: lineNo };
      return;
    }
    if (!vs) return;

    if (rs) {
      const bad = (field: string, message: string): void => {
        issues.push({ file, line: lineNo, field, message });
      };
      if ((m = /^RIP = ([^,]+), RPORT = (\d+), WEIGHT = (-?\d+)/.exec(body))) {
        const addr = parseIp(m[1] ?? '');
        const rport = port(m[2] ?? '');
        const w = weight(m[3] ?? '');
        if (addr === undefined) bad('RIP', 'not an IP address');
        else if (rport === undefined) bad('RPORT', 'not a port (0-65535)');
        else if (w === undefined) bad('WEIGHT', 'not a 32-bit weight');
        else Object.assign(rs, { addr, port: rport, weight: w });
      } else if ((m = /^effective weight = (-?\d+)$/.exec(body))) {
        const w = weight(m[1] ?? '');
        if (w === undefined) bad('effective weight', 'not a 32-bit weight');
        else rs.effectiveWeight = w;
      } else if ((m = /^alive = ([01])$/.exec(body))) rs.alive = m[1] === '1';
      else if ((m = /^Inhibit on failure is (ON|OFF)$/.exec(body))) rs.inhibitOnFailure = m[1] === 'ON';
      else if ((m = /^num failed checkers = (\d+)$/.exec(body))) {
        const n = decimalCounter(m[1] ?? '');
        if (n === undefined) bad('num failed checkers', 'not a count below 2^64');
        else rs.failedCheckers = n;
      }
      return;
    }
    if ((m = /^lvs_sched = (\S+)$/.exec(body))) {
      if ((m[1] ?? '').length > MAX_SCHEDULER_CHARS)
        issues.push({
          file,
          line: lineNo,
          field: 'lvs_sched',
          message: `longer than ${MAX_SCHEDULER_CHARS} characters`,
        });
      else vs.scheduler = m[1];
    } else if ((m = /^protocol = (\S+)$/.exec(body))) {
      // FWM services print `protocol = none`: only address services take their protocol from here.
      const proto = protocolOfLabel(m[1] ?? '');
      if ('vip' in vs.identity && vs.identity.proto === undefined && proto) vs.identity.proto = proto;
    } else if ((m = /^quorum = (\d+), hysteresis = (\d+)$/.exec(body))) {
      const quorum = boundedInteger(m[1] ?? '', 0, 2 ** 32 - 1);
      const hysteresis = boundedInteger(m[2] ?? '', 0, 2 ** 32 - 1);
      if (quorum === undefined || hysteresis === undefined)
        issues.push({ file, line: lineNo, field: 'quorum', message: 'not a 32-bit quorum and hysteresis' });
      else Object.assign(vs, { quorum, hysteresis });
    } else if ((m = /^alive = ([01])$/.exec(body))) vs.alive = m[1] === '1';
    else if ((m = /^quorum_state_up = ([01])$/.exec(body))) vs.quorumUp = m[1] === '1';
  });
  finishVs();
  return { value: servers, issues };
}
