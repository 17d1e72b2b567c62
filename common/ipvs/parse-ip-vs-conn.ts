/**
 * Streaming summariser for /proc/net/ip_vs_conn (kernel ip_vs_conn_seq_show). A busy director has
 * a million lines, so the bytes are fed in chunks and each line is only scanned, never decoded or
 * split: IPv4 entries are counted by their numeric fields in a typed-array hash table, IPv6 ones by
 * their raw text, and addresses are decoded once per distinct key at the end. Memory is bounded
 * by the number of distinct (service, real server) pairs, never by the length of the file.
 */
import { SCTP_STATE_NAMES, TCP_STATE_NAMES, UDP_STATE_NAMES } from './conn-states.js';
import { ipv4Addr } from '../net/ip.js';
import type { ParseIssue, Parsed } from '../parse/issue.js';
import { parseHex, parseKernelAddress } from './address.js';
import { QuadCounter, Vocabulary } from './conn-table.js';
import type { ConnSample, ConnTableSummary, ConnTarget, SampledConn } from './model.js';
import { TopK } from './top-k.js';
import { addressLabel, protocolOfLabel, serviceId } from './vocabulary.js';
import { quoted } from '../parse/printable.js';
import { boundedInteger } from '../parse/numbers.js';

export interface ConnParsed extends Parsed<ConnTableSummary> {
  /** The sampled connections, when sampling is on. */
  readonly sample?: ConnSample;
  /** All skipped lines; `issues` keeps only the first few so a garbage file stays cheap. */
  readonly issueCount: number;
}

export interface ConnSummaryOptions {
  /** How many top clients to report; 0 turns client counting off. */
  readonly topClients: number;
  /** Distinct clients tracked (bounds memory); counts are exact up to this many clients. */
  readonly clientCapacity?: number;
  /** Keep one connection in this many, chosen by a hash of client address and port (0 = none). */
  readonly sampleOneIn?: number;
  /** Sampled connections kept per table at most (the rest are counted as dropped). */
  readonly sampleLimit?: number;
}

const DEFAULT_SAMPLE_LIMIT = 10_000;

/**
 * FNV-1a over the client address and port columns: the same connection always hashes the same,
 * so a sampled connection is in every collection while it lives.
 */
function clientHash(line: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ line[i]!, 0x01000193);
  return hash >>> 0;
}

const MAX_KEPT_ISSUES = 20;
const SPACE = 32;
const TAB = 9;
/** Columns: Pro FromIP FPrt ToIP TPrt DestIP DPrt State Expires [PEName PEData]. */
const REQUIRED_TOKENS = 9;
const TOKEN_NAMES = ['Pro', 'FromIP', 'FPrt', 'ToIP', 'TPrt', 'DestIP', 'DPrt', 'State', 'Expires'];
/** Column 0 counts persistence templates, column 1 + i the state with index i. */
const MAX_STATES = 31;
const COLUMNS = MAX_STATES + 1;
/** Longest protocol or state name taken (learned names are kernel words). */
const MAX_NAME_CHARS = 24;
/** Every state name the kernel prints; others are learned as they appear. */
const STATES = [...new Set<string>([...TCP_STATE_NAMES, ...UDP_STATE_NAMES, ...SCTP_STATE_NAMES])];

/** Hex digits line[start, end) as an int32 (wrapping above 0x7FFFFFFF), NaN if not hex. */
function hexInt(line: Uint8Array, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = line[i]!;
    const digit = c <= 57 ? c - 48 : (c | 0x20) - 87;
    if (digit < 0 || digit > 15 || (c > 57 && (c | 0x20) < 97)) return NaN;
    value = (value << 4) | digit;
  }
  return value;
}

/** Token `token` as an int32 if it has exactly `width` hex digits, else NaN. */
function fixedHex(
  line: Uint8Array,
  starts: Int32Array,
  ends: Int32Array,
  token: number,
  width: number,
): number {
  return ends[token]! - starts[token]! === width ? hexInt(line, starts[token]!, ends[token]!) : NaN;
}

function isHexRange(line: Uint8Array, start: number, end: number): boolean {
  const value = hexInt(line, start, end);
  return value === value;
}

/** A kernel address token: 8 hex digits, or the 39-character full IPv6 form. */
function isAddressToken(line: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  if (length === 8) return isHexRange(line, start, end);
  if (length !== 39) return false;
  for (let group = 0; group < 8; group++) {
    const at = start + group * 5;
    if (!isHexRange(line, at, at + 4) || (group < 7 && line[at + 4] !== 58)) return false;
  }
  return true;
}

function bytesAre(line: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (line[start + i] !== word.charCodeAt(i)) return false;
  return true;
}

const latin1 = (line: Uint8Array, start: number, end: number) =>
  Buffer.from(line.buffer, line.byteOffset + start, end - start).toString('latin1');

export class ConnTableSummarizer {
  private rest: Buffer | undefined;
  private lineNumber = 0;
  private entries = 0;
  private issueCount = 0;
  private readonly issues: ParseIssue[] = [];
  private readonly protos = new Vocabulary(['TCP', 'UDP', 'SCTP', 'IP'], 256);
  private readonly states = new Vocabulary(STATES, MAX_STATES);
  /** IPv4 entries: (virtual address, proto << 16 | virtual port, real address, real port). */
  private readonly ipv4 = new QuadCounter(COLUMNS);
  /** Entries with an IPv6 address, by `proto ToIP TPrt DestIP DPrt`. */
  private readonly ipv6 = new Map<string, Int32Array>();
  private readonly clients: TopK<number | string> | undefined;
  /** Sampled entries as their raw columns, decoded at the end. */
  private readonly sampled: string[][] = [];
  private sampleDropped = 0;
  private readonly starts = new Int32Array(REQUIRED_TOKENS);
  private readonly ends = new Int32Array(REQUIRED_TOKENS);

  constructor(private readonly options: ConnSummaryOptions) {
    this.clients =
      options.topClients > 0
        ? new TopK(options.clientCapacity ?? Math.max(1024, options.topClients * 16))
        : undefined;
  }

  /** Feeds the next chunk (bytes, or text read as latin1); lines may be split across chunks. */
  push(input: Uint8Array | string): void {
    const chunk = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
    let from = 0;
    let newline = chunk.indexOf(10);
    if (this.rest) {
      if (newline < 0) {
        this.rest = Buffer.concat([this.rest, chunk]);
        return;
      }
      const first = Buffer.concat([this.rest, chunk.subarray(0, newline)]);
      this.rest = undefined;
      this.line(first, 0, first.length);
      from = newline + 1;
      newline = chunk.indexOf(10, from);
    }
    for (; newline >= 0; newline = chunk.indexOf(10, from)) {
      this.line(chunk, from, newline);
      from = newline + 1;
    }
    // A copy: the caller may reuse its buffer.
    if (from < chunk.length) this.rest = Buffer.from(chunk.subarray(from));
  }

  finish(): ConnParsed {
    if (this.rest) this.line(this.rest, 0, this.rest.length);
    this.rest = undefined;
    const byState: { target: ConnTarget; state: string; count: number }[] = [];
    const templates: { target: ConnTarget; count: number }[] = [];
    const columns = this.states.words.length + 1;
    const record = (target: ConnTarget, counts: Int32Array, offset: number) => {
      if (counts[offset]! > 0) templates.push({ target, count: counts[offset]! });
      for (let column = 1; column < columns; column++) {
        const count = counts[offset + column]!;
        if (count > 0) byState.push({ target, state: this.states.words[column - 1]!, count });
      }
    };
    // Numeric IPv4 keys decode one-to-one, except that an IPv4 and an IPv6 firewall-mark template
    // of one mark look alike: those, and the IPv6 entries, go through `merged`.
    const merged = new Map<string, { target: ConnTarget; counts: Int32Array }>();
    const mergeInto = (target: ConnTarget, counts: Int32Array, offset: number) => {
      const id = targetId(target);
      const seen = merged.get(id);
      if (!seen) merged.set(id, { target, counts: counts.slice(offset, offset + COLUMNS) });
      else for (let column = 0; column < columns; column++) seen.counts[column]! += counts[offset + column]!;
    };
    const decodeFailures: ParseIssue[] = [];
    const unknownProtocols = new Set<string>();
    this.ipv4.forEach((vaddr, protoPort, daddr, dport, counts, offset) => {
      const word = this.protos.words[protoPort >>> 16]!;
      const remote = { remote: ipv4Addr(daddr), remotePort: dport };
      if (word === 'IP') {
        mergeInto({ service: { kind: 'fwmark', mark: vaddr >>> 0, family: 4 }, ...remote }, counts, offset);
        return;
      }
      const proto = protocolOfLabel(word);
      if (proto === undefined) unknownProtocols.add(word);
      else {
        const service = { kind: 'addr', proto, addr: ipv4Addr(vaddr), port: protoPort & 0xffff } as const;
        record({ service, ...remote }, counts, offset);
      }
    });
    for (const [key, counts] of this.ipv6) {
      const target = decodeTarget(key);
      if (typeof target !== 'string') mergeInto(target, counts, 0);
      else if (target === 'protocol') unknownProtocols.add(key.split(' ')[0] ?? '');
      else decodeFailures.push({ line: 0, field: 'ToIP', message: `undecodable ${quoted(key)}` });
    }
    for (const word of unknownProtocols) {
      decodeFailures.push({
        line: 0,
        field: 'Pro',
        message: `entries of unknown protocol ${quoted(word)}`,
      });
    }
    for (const { target, counts } of merged.values()) record(target, counts, 0);
    // Ties are broken by address, so the same table always reports the same clients.
    const topClients = (this.clients?.top(Number.MAX_SAFE_INTEGER) ?? [])
      .flatMap(({ key, count, overcount }) => {
        const addr = typeof key === 'number' ? ipv4Addr(key) : parseKernelAddress(key);
        return addr ? [{ addr, label: addressLabel(addr), count, overcount }] : [];
      })
      .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label))
      .map(({ addr, count, overcount }) => ({ addr, count, overcount }))
      .slice(0, this.options.topClients);
    const oneIn = this.options.sampleOneIn ?? 0;
    const sample: ConnSample | undefined =
      oneIn > 0
        ? {
            oneIn,
            conns: this.sampled.flatMap((columns) => decodeSampled(columns) ?? []),
            dropped: this.sampleDropped,
          }
        : undefined;
    return {
      value: {
        entries: this.entries,
        byState,
        templates,
        topClients,
      },
      ...(sample && { sample }),
      issues: [...this.issues, ...decodeFailures],
      issueCount: this.issueCount + decodeFailures.length,
    };
  }

  private reject(field: string, message: string): void {
    this.issueCount++;
    if (this.issues.length < MAX_KEPT_ISSUES) this.issues.push({ line: this.lineNumber, field, message });
  }

  private line(line: Uint8Array, start: number, end: number): void {
    this.lineNumber++;
    if (end > start && line[end - 1] === 13) end--;
    const { starts, ends } = this;
    let count = 0;
    for (let i = start; i < end && count < REQUIRED_TOKENS;) {
      while (i < end && (line[i] === SPACE || line[i] === TAB)) i++;
      if (i >= end) break;
      starts[count] = i;
      while (i < end && line[i] !== SPACE && line[i] !== TAB) i++;
      ends[count++] = i;
    }
    if (count === 0) return;
    if (
      count > 1 &&
      bytesAre(line, starts[0]!, ends[0]!, 'Pro') &&
      bytesAre(line, starts[1]!, ends[1]!, 'FromIP')
    )
      return;
    if (count < REQUIRED_TOKENS) {
      return this.reject(TOKEN_NAMES[count]!, `missing (${count} of ${REQUIRED_TOKENS} columns)`);
    }
    const cport = fixedHex(line, starts, ends, 2, 4);
    const vport = fixedHex(line, starts, ends, 4, 4);
    const dport = fixedHex(line, starts, ends, 6, 4);
    if (cport !== cport) return this.reject('FPrt', 'not a 4-digit hex port');
    if (vport !== vport) return this.reject('TPrt', 'not a 4-digit hex port');
    if (dport !== dport) return this.reject('DPrt', 'not a 4-digit hex port');
    const vaddr = fixedHex(line, starts, ends, 3, 8);
    const daddr = fixedHex(line, starts, ends, 5, 8);
    if (vaddr !== vaddr && !isAddressToken(line, starts[3]!, ends[3]!))
      return this.reject('ToIP', 'not a kernel address');
    if (daddr !== daddr && !isAddressToken(line, starts[5]!, ends[5]!))
      return this.reject('DestIP', 'not a kernel address');
    // Learned names are kernel words (the longest the kernel prints, SHUTDOWN_RECEIVED, is 17):
    // a longer token is no name, and it would pass into the summary and every sink.
    if (ends[0]! - starts[0]! > MAX_NAME_CHARS)
      return this.reject('Pro', `over ${MAX_NAME_CHARS} characters`);
    if (ends[7]! - starts[7]! > MAX_NAME_CHARS)
      return this.reject('State', `over ${MAX_NAME_CHARS} characters`);
    const proto = this.protos.index(line, starts[0]!, ends[0]!);
    if (proto < 0) return this.reject('Pro', 'more than 256 distinct protocols');
    // Templates (IP_VS_CONN_F_TEMPLATE) print NONE/ASSURED and always have client port 0.
    const template =
      cport === 0 &&
      (bytesAre(line, starts[7]!, ends[7]!, 'ASSURED') || bytesAre(line, starts[7]!, ends[7]!, 'NONE'));
    const column = template ? 0 : 1 + this.states.index(line, starts[7]!, ends[7]!);
    if (column === 0 && !template) return this.reject('State', `more than ${MAX_STATES} distinct states`);
    this.entries++;
    if (vaddr === vaddr && daddr === daddr) {
      this.ipv4.add(vaddr, (proto << 16) | vport, daddr, dport, column);
    } else {
      const key = `${this.protos.words[proto]} ${latin1(line, starts[3]!, ends[6]!)}`;
      let counts = this.ipv6.get(key);
      if (!counts) this.ipv6.set(key, (counts = new Int32Array(COLUMNS)));
      counts[column]!++;
    }
    const oneIn = this.options.sampleOneIn ?? 0;
    if (oneIn > 0 && !template && clientHash(line, starts[1]!, ends[2]!) % oneIn === 0) {
      if (this.sampled.length < (this.options.sampleLimit ?? DEFAULT_SAMPLE_LIMIT)) {
        this.sampled.push(
          Array.from({ length: REQUIRED_TOKENS }, (_, i) => latin1(line, starts[i]!, ends[i]!)),
        );
      } else this.sampleDropped++;
    }
    if (this.clients && !template) {
      const client = fixedHex(line, starts, ends, 1, 8);
      if (client === client) this.clients.add(client);
      else if (isAddressToken(line, starts[1]!, ends[1]!))
        this.clients.add(latin1(line, starts[1]!, ends[1]!));
      else this.reject('FromIP', 'not a kernel address');
    }
  }
}

function targetId(t: ConnTarget): string {
  return `${serviceId(t.service)} ${addressLabel(t.remote)} ${t.remotePort}`;
}

/**
 * `proto ToIP TPrt DestIP DPrt` back to labels. Firewall-mark templates have protocol IP and carry
 * the mark where the virtual address would be (first 32 bits of it for IPv6 services).
 */
function decodeTarget(key: string): ConnTarget | 'undecodable' | 'protocol' {
  const [word = '', vaddr = '', vport = '', daddr = '', dport = ''] = key.split(' ');
  const remote = parseKernelAddress(daddr);
  const remotePort = parseHex(dport);
  const port = parseHex(vport);
  if (!remote || remotePort === undefined || port === undefined) return 'undecodable';
  if (word === 'IP') {
    const mark = parseHex(vaddr.length === 8 ? vaddr : vaddr.slice(0, 4) + vaddr.slice(5, 9));
    if (mark === undefined) return 'undecodable';
    return { service: { kind: 'fwmark', mark, family: vaddr.length === 8 ? 4 : 6 }, remote, remotePort };
  }
  const proto = protocolOfLabel(word);
  if (proto === undefined) return 'protocol';
  const addr = parseKernelAddress(vaddr);
  if (!addr) return 'undecodable';
  return { service: { kind: 'addr', proto, addr, port }, remote, remotePort };
}

/** One sampled line's columns (Pro FromIP FPrt ToIP TPrt DestIP DPrt State Expires), decoded. */
function decodeSampled(columns: readonly string[]): SampledConn | undefined {
  const [
    pro = '',
    from = '',
    fport = '',
    to = '',
    tport = '',
    dest = '',
    dport = '',
    state = '',
    expires = '',
  ] = columns;
  const proto = protocolOfLabel(pro);
  const client = parseKernelAddress(from);
  const virtual = parseKernelAddress(to);
  const remote = parseKernelAddress(dest);
  const clientPort = parseHex(fport);
  const virtualPort = parseHex(tport);
  const remotePort = parseHex(dport);
  if (!proto || !client || !virtual || !remote || clientPort === undefined || virtualPort === undefined)
    return undefined;
  // Expires is seconds left on a timer (31 days at most); 2^32 s is no timer.
  const expiresSeconds = boundedInteger(expires, 0, 2 ** 32 - 1);
  if (remotePort === undefined || expiresSeconds === undefined) return undefined;
  return {
    proto,
    client,
    clientPort,
    virtual,
    virtualPort,
    remote,
    remotePort,
    state,
    expiresSeconds,
  };
}
