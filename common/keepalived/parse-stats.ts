import { type ParseIssue, type Parsed, boundedIssue } from '../parse/issue.js';
import { decimalCounter } from '../parse/numbers.js';
import type { InstanceStats, VrrpStats } from './model.js';
import { MAX_DUMP_LINE_CHARS } from './parse-data.js';

/** (group, key) as printed → field. Groups are the indented `Name:` headers, "" for top level. */
const FIELDS = new Map<string, keyof VrrpStats>([
  ['Advertisements/Received', 'advertRcvd'],
  ['Advertisements/Sent', 'advertSent'],
  ['/Became master', 'becomeMaster'],
  ['/Released master', 'releaseMaster'],
  ['Packet Errors/Length', 'packetLenErr'],
  ['Packet Errors/TTL', 'ipTtlErr'],
  ['Packet Errors/Invalid Type', 'invalidTypeRcvd'],
  ['Packet Errors/Advertisement Interval', 'advertIntervalErr'],
  ['Packet Errors/Address List', 'addrListErr'],
  ['Authentication Errors/Invalid Type', 'invalidAuthtype'],
  ['Authentication Errors/Type Mismatch', 'authtypeMismatch'],
  ['Authentication Errors/Failure', 'authFailure'],
  ['Priority Zero/Received', 'priZeroRcvd'],
  ['Priority Zero/Sent', 'priZeroSent'],
]);
const OPTIONAL = new Set<keyof VrrpStats>(['authtypeMismatch', 'authFailure']);

/**
 * Parses keepalived's text stats dump (`STATS` signal, keepalived.stats), the same layout from
 * 1.3.x to 2.2.x. Returns stats per instance name; an instance missing a counter (torn file)
 * is reported and dropped.
 */
export function parseStatsDump(text: string, file: string): Parsed<InstanceStats[]> {
  const issues: ParseIssue[] = [];
  const result: InstanceStats[] = [];
  let name: string | undefined;
  let startLine = 0;
  let group = '';
  let values: Partial<Record<keyof VrrpStats, number>> = {};

  const finish = (): void => {
    if (name === undefined) return;
    const missing = [...FIELDS.values()].filter((f) => values[f] === undefined && !OPTIONAL.has(f));
    if (missing.length > 0) {
      issues.push({
        file,
        line: startLine,
        field: `VRRP Instance ${name}`,
        message: `incomplete block (${missing.length} counters missing)`,
      });
    } else result.push({ iname: name, stats: values as VrrpStats });
    name = undefined;
  };

  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.length > MAX_DUMP_LINE_CHARS) {
      issues.push({
        file,
        line: index + 1,
        field: 'line',
        message: `longer than ${MAX_DUMP_LINE_CHARS} characters`,
      });
      return;
    }
    if (line.trim() === '') return;
    if (line.startsWith('VRRP Instance:')) {
      finish();
      name = line.slice('VRRP Instance:'.length).trim();
      startLine = index + 1;
      values = {};
      group = '';
      return;
    }
    if (name === undefined) return;
    const indent = line.length - line.trimStart().length;
    // By hand: /^([^:]+):\s*(.*)$/ was quadratic in the spaces before a CR.
    const body = line.trim();
    const colon = body.indexOf(':');
    if (colon <= 0) {
      issues.push({ file, line: index + 1, field: 'line', message: 'expected "Name: value"' });
      return;
    }
    const key = body.slice(0, colon).trim();
    const value = body.slice(colon + 1).trim();
    if (indent <= 2) group = '';
    if (value === '') {
      group = key;
      return;
    }
    const field = FIELDS.get(`${indent <= 2 ? '' : group}/${key}`);
    if (!field) return; // counters newer builds add (auth_ext_*, ...)
    const counter = decimalCounter(value);
    if (counter === undefined) {
      issues.push({
        file,
        line: index + 1,
        field: `${group ? group + ' ' : ''}${key}`,
        message: 'not a counter below 2^64',
      });
      return;
    }
    values[field] = counter;
  });
  finish();
  // Fields name groups and keys from the dump: bounded and escaped.
  return { value: result, issues: issues.map(boundedIssue) };
}
