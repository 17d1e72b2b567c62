import { type Protocol, protocolOfLabel } from '../ipvs/vocabulary.js';
import { type IpAddr, parseIp } from '../net/ip.js';
import type { ParseIssue, Parsed } from '../parse/issue.js';
import type { RealServer, VirtualServer } from './model.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type VsDraft = Mutable<Omit<VirtualServer, 'realServers' | 'service'>> & {
  /** `VS VIP = a, VPORT = p` (its protocol comes from a later line), a mark, or a group. */
  identity: { vip: IpAddr; port: number; proto?: Protocol } | { mark: number } | { group: string };
  realServers: RealServer[];
  line: number;
};
type RsDraft = Mutable<Partial<RealServer>> & { line: number };

const SECTION = /^-+<\s*(.+?)\s*>-+$/;

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
    const line = rawLine.replace(/\r$/, '');
    const body = line.trim();
    if (body === '') return;
    const lineNo = index + 1;
    const header = SECTION.exec(body);
    if (header) {
      const name = header[1] ?? '';
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
    if ((m = /^VS VIP = (.+), VPORT = (\d+)$/.exec(body))) {
      finishVs();
      const vip = parseIp(m[1] ?? '');
      if (vip === undefined) {
        issues.push({ file, line: lineNo, field: 'VS VIP', message: 'not an IP address' });
        return;
      }
      vs = { identity: { vip, port: Number(m[2]) }, group: '', realServers: [], line: lineNo };
      return;
    }
    if ((m = /^VS FWMARK = (\d+)$/.exec(body))) {
      finishVs();
      vs = { identity: { mark: Number(m[1]) }, group: '', realServers: [], line: lineNo };
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
      if ((m = /^RIP = (.+), RPORT = (\d+), WEIGHT = (-?\d+)/.exec(body))) {
        const addr = parseIp(m[1] ?? '');
        if (addr === undefined)
          issues.push({ file, line: lineNo, field: 'RIP', message: 'not an IP address' });
        else Object.assign(rs, { addr, port: Number(m[2]), weight: Number(m[3]) });
      } else if ((m = /^effective weight = (-?\d+)$/.exec(body))) rs.effectiveWeight = Number(m[1]);
      else if ((m = /^alive = ([01])$/.exec(body))) rs.alive = m[1] === '1';
      else if ((m = /^Inhibit on failure is (ON|OFF)$/.exec(body))) rs.inhibitOnFailure = m[1] === 'ON';
      else if ((m = /^num failed checkers = (\d+)$/.exec(body))) rs.failedCheckers = Number(m[1]);
      return;
    }
    if ((m = /^lvs_sched = (\S+)$/.exec(body))) vs.scheduler = m[1];
    else if ((m = /^protocol = (\S+)$/.exec(body))) {
      // FWM services print `protocol = none`: only address services take their protocol from here.
      const proto = protocolOfLabel(m[1] ?? '');
      if ('vip' in vs.identity && vs.identity.proto === undefined && proto) vs.identity.proto = proto;
    } else if ((m = /^quorum = (\d+), hysteresis = (\d+)$/.exec(body))) {
      vs.quorum = Number(m[1]);
      vs.hysteresis = Number(m[2]);
    } else if ((m = /^alive = ([01])$/.exec(body))) vs.alive = m[1] === '1';
    else if ((m = /^quorum_state_up = ([01])$/.exec(body))) vs.quorumUp = m[1] === '1';
  });
  finishVs();
  return { value: servers, issues };
}
