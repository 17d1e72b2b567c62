/**
 * Pure parsers for /proc/net/ip_vs_stats and /proc/net/ip_vs_stats_percpu. Every number is hex of
 * any width (32-bit and 64-bit kernels, and 2.4's two concatenated 32-bit halves, all parse alike);
 * rows are recognised by their shape rather than by position, header words are never hex-only.
 */
import type { ParseIssue, Parsed } from '../parse/issue.js';
import { parseHex } from './address.js';
import { fields } from './listing.js';
import type { IpvsCounters, IpvsGlobalStats, IpvsPerCpuStats, IpvsRates } from './model.js';
import { quoted } from '../parse/printable.js';

const COLUMNS = ['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'] as const;

function hexRow(tokens: readonly string[]): number[] | undefined {
  const values = tokens.map(parseHex);
  return values.every((value) => value !== undefined) ? values : undefined;
}

function counters([conns, inPackets, outPackets, inBytes, outBytes]: number[]): IpvsCounters {
  return {
    conns: conns!,
    inPackets: inPackets!,
    outPackets: outPackets!,
    inBytes: inBytes!,
    outBytes: outBytes!,
  };
}

function rates([cps, inPps, outPps, inBps, outBps]: number[]): IpvsRates {
  return { cps: cps!, inPps: inPps!, outPps: outPps!, inBps: inBps!, outBps: outBps! };
}

/** Header rows start with one of the kernel's column titles; anything else must be data. */
const HEADER_STARTS = new Set(['Total', 'Conns', 'Conns/s', 'CPU']);

function isHeader(tokens: readonly string[]): boolean {
  return HEADER_STARTS.has(tokens[0] ?? '');
}

function badRow(line: number, tokens: readonly string[], expected: number): ParseIssue {
  const bad = tokens.findIndex((token) => parseHex(token) === undefined);
  return bad >= 0 && tokens.length === expected
    ? {
        line,
        field: COLUMNS[bad - (expected - COLUMNS.length)] ?? 'CPU',
        message: `${quoted(tokens[bad] ?? '')} is not hex`,
      }
    : { line, field: 'row', message: `expected ${expected} hex columns, got ${tokens.length}` };
}

/** /proc/net/ip_vs_stats: the totals row, then (after a blank line and headers) the rate row. */
export function parseIpVsStats(text: string): Parsed<IpvsGlobalStats | undefined> {
  const issues: ParseIssue[] = [];
  const rows: number[][] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const tokens = fields(raw);
    if (tokens.length === 0 || isHeader(tokens)) continue;
    const row = tokens.length === 5 ? hexRow(tokens) : undefined;
    if (row) rows.push(row);
    else issues.push(badRow(index + 1, tokens, 5));
  }
  const [totals, rateRow] = rows;
  if (!totals || !rateRow) {
    issues.push({
      line: 0,
      field: 'file',
      message: `expected a totals row and a rate row, found ${rows.length}`,
    });
    return { value: undefined, issues };
  }
  return { value: { totals: counters(totals), rates: rates(rateRow) }, issues };
}

/** /proc/net/ip_vs_stats_percpu: one `%3X` CPU row each, a `~` sum row, then the global rates. */
export function parseIpVsStatsPerCpu(text: string): Parsed<IpvsPerCpuStats> {
  const issues: ParseIssue[] = [];
  const cpus: { cpu: string; totals: IpvsCounters }[] = [];
  let sumSeen = false;
  for (const [index, raw] of text.split('\n').entries()) {
    const tokens = fields(raw);
    if (tokens.length === 0 || isHeader(tokens)) continue;
    // The `~` row repeats ip_vs_stats' totals and the rows after it its rates: read those there.
    if (tokens[0] === '~') sumSeen = true;
    if (sumSeen) continue;
    const cpu = parseHex(tokens[0] ?? '');
    const row = tokens.length === 6 ? hexRow(tokens.slice(1)) : undefined;
    if (cpu === undefined || !row) {
      issues.push(badRow(index + 1, tokens, 6));
      continue;
    }
    cpus.push({ cpu: String(cpu), totals: counters(row) });
  }
  return { value: { cpus }, issues };
}
