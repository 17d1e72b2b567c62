import { canonicalIp } from '../net/ip.js';
import type { ParseIssue, Parsed } from '../parse/issue.js';
import type { RealServer, VirtualServer } from './model.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type VsDraft = Mutable<Omit<VirtualServer, 'realServers'>> & { realServers: RealServer[]; line: number };
type RsDraft = Mutable<Partial<RealServer>> & { line: number };

const SECTION = /^-+<\s*(.+?)\s*>-+$/;
const PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP']);

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
    if (fields.address === undefined || fields.alive === undefined || fields.effectiveWeight === undefined) {
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
    const { line, ...fields } = vs;
    if (fields.proto === '' || fields.alive === undefined) {
      issues.push({
        file,
        line,
        field: 'Virtual server',
        message: 'incomplete block (no identity or alive flag)',
      });
    } else servers.push(fields);
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
      const address = canonicalIp(m[1] ?? '');
      if (address === undefined) {
        issues.push({ file, line: lineNo, field: 'VS VIP', message: 'not an IP address' });
        return;
      }
      vs = { proto: '', address, port: Number(m[2]), mark: '', group: '', realServers: [], line: lineNo };
      return;
    }
    if ((m = /^VS FWMARK = (\d+)$/.exec(body))) {
      finishVs();
      const mark = Number(m[1]).toString(16).toUpperCase().padStart(8, '0');
      vs = { proto: 'FWM', address: '', port: 0, mark, group: '', realServers: [], line: lineNo };
      return;
    }
    if ((m = /^VS GROUP = (.+)$/.exec(body))) {
      finishVs();
      vs = {
        proto: 'GROUP',
        address: '',
        port: 0,
        mark: '',
        group: m[1] ?? '',
        realServers: [],
        line: lineNo,
      };
      return;
    }
    if (!vs) return;

    if (rs) {
      if ((m = /^RIP = (.+), RPORT = (\d+), WEIGHT = (-?\d+)/.exec(body))) {
        const address = canonicalIp(m[1] ?? '');
        if (address === undefined)
          issues.push({ file, line: lineNo, field: 'RIP', message: 'not an IP address' });
        else Object.assign(rs, { address, port: Number(m[2]), weight: Number(m[3]) });
      } else if ((m = /^effective weight = (-?\d+)$/.exec(body))) rs.effectiveWeight = Number(m[1]);
      else if ((m = /^alive = ([01])$/.exec(body))) rs.alive = m[1] === '1';
      else if ((m = /^Inhibit on failure is (ON|OFF)$/.exec(body))) rs.inhibitOnFailure = m[1] === 'ON';
      else if ((m = /^num failed checkers = (\d+)$/.exec(body))) rs.failedCheckers = Number(m[1]);
      return;
    }
    if ((m = /^lvs_sched = (\S+)$/.exec(body))) vs.scheduler = m[1];
    else if ((m = /^protocol = (\S+)$/.exec(body))) {
      // FWM services print `protocol = none`: only address services take their protocol from here.
      const proto = (m[1] ?? '').toUpperCase();
      if (vs.proto === '' && PROTOCOLS.has(proto)) vs.proto = proto;
    } else if ((m = /^quorum = (\d+), hysteresis = (\d+)$/.exec(body))) {
      vs.quorum = Number(m[1]);
      vs.hysteresis = Number(m[2]);
    } else if ((m = /^alive = ([01])$/.exec(body))) vs.alive = m[1] === '1';
    else if ((m = /^quorum_state_up = ([01])$/.exec(body))) vs.quorumUp = m[1] === '1';
  });
  finishVs();
  return { value: servers, issues };
}
