/**
 * Streaming summariser for /proc/net/ip_vs_conn (kernel ip_vs_conn_seq_show). A busy director has
 * a million lines, so text is fed in chunks and each line is only scanned, never split: the raw
 * `ToIP TPrt DestIP DPrt State` slice is the aggregation key, and addresses are decoded once per
 * distinct key at the end. Memory is bounded by the number of distinct keys, never by the file.
 */
import { formatMark, parseHex, parseKernelAddress } from './address.js';
import type { ConnTableSummary, ConnTarget } from './model.js';
import type { ParseIssue, Parsed } from './parse-issue.js';
import { TopK } from './top-k.js';

export interface ConnParsed extends Parsed<ConnTableSummary> {
  /** All skipped lines; `issues` keeps only the first few so a garbage file stays cheap. */
  readonly issueCount: number;
}

const MAX_KEPT_ISSUES = 20;
const SPACE = 32;
const TAB = 9;
/** Columns: Pro FromIP FPrt ToIP TPrt DestIP DPrt State Expires [PEName PEData]. */
const REQUIRED_TOKENS = 9;
const TOKEN_NAMES = ['Pro', 'FromIP', 'FPrt', 'ToIP', 'TPrt', 'DestIP', 'DPrt', 'State', 'Expires'];

function isHexRange(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) | 0x20; // folds A-F onto a-f
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** A kernel address token: 8 hex digits, or the 39-character full IPv6 form. */
function isAddressToken(text: string, start: number, end: number): boolean {
  const length = end - start;
  if (length === 8) return isHexRange(text, start, end);
  if (length !== 39) return false;
  for (let group = 0; group < 8; group++) {
    const at = start + group * 5;
    if (!isHexRange(text, at, at + 4) || (group < 7 && text.charCodeAt(at + 4) !== 58)) return false;
  }
  return true;
}

export interface ConnSummaryOptions {
  /** How many top clients to report; 0 turns client counting off. */
  readonly topClients: number;
  /** Distinct clients tracked (bounds memory); counts are exact up to this many clients. */
  readonly clientCapacity?: number;
}

export class ConnTableSummarizer {
  private rest = '';
  private lineNumber = 0;
  private entries = 0;
  private issueCount = 0;
  private readonly issues: ParseIssue[] = [];
  /** proto → `ToIP TPrt DestIP DPrt State` → count, for connection entries. */
  private readonly states = new Map<string, Map<string, number>>();
  /** proto → `ToIP TPrt DestIP DPrt` → count, for persistence templates. */
  private readonly templates = new Map<string, Map<string, number>>();
  private readonly clients: TopK | undefined;
  private readonly starts = new Int32Array(REQUIRED_TOKENS);
  private readonly ends = new Int32Array(REQUIRED_TOKENS);

  constructor(private readonly options: ConnSummaryOptions) {
    this.clients =
      options.topClients > 0
        ? new TopK(options.clientCapacity ?? Math.max(1024, options.topClients * 16))
        : undefined;
  }

  /** Feeds the next chunk of text; lines may be split across chunks. */
  push(chunk: string): void {
    const text = this.rest === '' ? chunk : this.rest + chunk;
    let from = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', from)) {
      this.line(text, from, newline);
      from = newline + 1;
    }
    this.rest = text.slice(from);
  }

  finish(): ConnParsed {
    if (this.rest !== '') this.line(this.rest, 0, this.rest.length);
    this.rest = '';
    const decodeFailures: ParseIssue[] = [];
    // Raw keys that decode alike (hex case, IPv4 and IPv6 FWM templates of one mark) are merged.
    const byState = new Map<string, { target: ConnTarget; state: string; count: number }>();
    for (const [proto, counts] of this.states) {
      for (const [key, count] of counts) {
        const lastSpace = key.lastIndexOf(' ');
        const target = decodeTarget(proto, key.slice(0, lastSpace));
        const state = key.slice(lastSpace + 1);
        if (!target) {
          decodeFailures.push({
            line: 0,
            field: 'ToIP',
            message: `${count} lines with undecodable "${key}"`,
          });
          continue;
        }
        const id = `${targetId(target)} ${state}`;
        const seen = byState.get(id);
        if (seen) seen.count += count;
        else byState.set(id, { target, state, count });
      }
    }
    const templates = new Map<string, { target: ConnTarget; count: number }>();
    for (const [proto, counts] of this.templates) {
      for (const [key, count] of counts) {
        const target = decodeTarget(proto, key);
        if (!target) {
          decodeFailures.push({
            line: 0,
            field: 'ToIP',
            message: `${count} templates with undecodable "${key}"`,
          });
          continue;
        }
        const id = targetId(target);
        const seen = templates.get(id);
        if (seen) seen.count += count;
        else templates.set(id, { target, count });
      }
    }
    const topClients = (this.clients?.top(this.options.topClients) ?? []).map(
      ({ key, count, overcount }) => ({
        address: parseKernelAddress(key)?.address ?? key,
        count,
        overcount,
      }),
    );
    return {
      value: {
        entries: this.entries,
        byState: [...byState.values()],
        templates: [...templates.values()],
        topClients,
      },
      issues: [...this.issues, ...decodeFailures],
      issueCount: this.issueCount + decodeFailures.length,
    };
  }

  private reject(field: string, message: string): void {
    this.issueCount++;
    if (this.issues.length < MAX_KEPT_ISSUES) this.issues.push({ line: this.lineNumber, field, message });
  }

  private line(text: string, start: number, end: number): void {
    this.lineNumber++;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    const { starts, ends } = this;
    let count = 0;
    for (let i = start; i < end && count < REQUIRED_TOKENS;) {
      let c = text.charCodeAt(i);
      while ((c === SPACE || c === TAB) && i < end) c = text.charCodeAt(++i);
      if (i >= end) break;
      starts[count] = i;
      while (c !== SPACE && c !== TAB && i < end) c = text.charCodeAt(++i);
      ends[count++] = i;
    }
    if (count === 0) return;
    if (text.startsWith('Pro ', starts[0]) && text.startsWith('FromIP', starts[1])) return;
    if (count < REQUIRED_TOKENS) {
      this.reject(TOKEN_NAMES[count]!, `missing (${count} of ${REQUIRED_TOKENS} columns)`);
      return;
    }
    if (!isAddressToken(text, starts[3]!, ends[3]!)) return this.reject('ToIP', 'not a kernel address');
    if (!isAddressToken(text, starts[5]!, ends[5]!)) return this.reject('DestIP', 'not a kernel address');
    for (const [index, name] of [
      [2, 'FPrt'],
      [4, 'TPrt'],
      [6, 'DPrt'],
    ] as const) {
      if (ends[index]! - starts[index]! !== 4 || !isHexRange(text, starts[index]!, ends[index]!)) {
        return this.reject(name, 'not a 4-digit hex port');
      }
    }
    this.entries++;
    const proto = text.slice(starts[0], ends[0]);
    const stateStart = starts[7]!;
    const stateLength = ends[7]! - stateStart;
    const clientPortZero = text.startsWith('0000', starts[2]);
    // Templates (IP_VS_CONN_F_TEMPLATE) print NONE/ASSURED and always have client port 0.
    const template =
      clientPortZero &&
      ((stateLength === 7 && text.startsWith('ASSURED', stateStart)) ||
        (stateLength === 4 && text.startsWith('NONE', stateStart)));
    if (template) {
      bump(this.templates, proto, text.slice(starts[3], ends[6]));
      return;
    }
    bump(this.states, proto, text.slice(starts[3], ends[7]));
    if (this.clients) {
      if (isAddressToken(text, starts[1]!, ends[1]!)) this.clients.add(text.slice(starts[1], ends[1]));
      else this.reject('FromIP', 'not a kernel address');
    }
  }
}

function targetId(t: ConnTarget): string {
  return `${t.proto} ${t.address} ${t.port} ${t.mark} ${t.remoteAddress} ${t.remotePort}`;
}

function bump(maps: Map<string, Map<string, number>>, proto: string, key: string): void {
  let counts = maps.get(proto);
  if (!counts) maps.set(proto, (counts = new Map<string, number>()));
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/**
 * `ToIP TPrt DestIP DPrt` back to labels. Firewall-mark templates have protocol IP and carry the
 * mark where the virtual address would be (first 32 bits of it for IPv6 services).
 */
function decodeTarget(proto: string, key: string): ConnTarget | undefined {
  const [vaddr = '', vport = '', daddr = '', dport = ''] = key.split(' ');
  const remote = parseKernelAddress(daddr);
  const remotePort = parseHex(dport);
  const port = parseHex(vport);
  if (!remote || remotePort === undefined || port === undefined) return undefined;
  if (proto === 'IP') {
    const mark = parseHex(vaddr.length === 8 ? vaddr : vaddr.slice(0, 4) + vaddr.slice(5, 9));
    if (mark === undefined) return undefined;
    return {
      proto: 'FWM',
      address: '',
      port: 0,
      mark: formatMark(mark),
      remoteAddress: remote.address,
      remotePort,
    };
  }
  const local = parseKernelAddress(vaddr);
  if (!local) return undefined;
  return { proto, address: local.address, port, mark: '', remoteAddress: remote.address, remotePort };
}
