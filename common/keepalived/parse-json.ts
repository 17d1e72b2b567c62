import { type ParseIssue, type Parsed, boundedIssue } from '../parse/issue.js';
import { MAX_COUNTER } from '../parse/numbers.js';
import type { TrackedProcess, Vip, VrrpInstance, VrrpStats } from './model.js';
import { parseVip } from './vip.js';

export interface JsonDump {
  readonly instances: readonly VrrpInstance[];
  readonly trackedProcesses: readonly TrackedProcess[];
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
/** An integer within [min, max]: keepalived prints no other (a priority of 1e308 is not data). */
const int = (value: unknown, min: number, max: number): number | undefined =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
const priority = (value: unknown): number | undefined => int(value, 0, 255);
const upTo = (value: unknown, max: number): number | undefined => {
  const n = num(value);
  return n !== undefined && n >= 0 && n <= max ? n : undefined;
};
/** Names keepalived took from its config lines (MAXBUF 1024); a longer one is not from it. */
const MAX_NAME_CHARS = 1024;
const name = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length <= MAX_NAME_CHARS ? value : undefined;
const bool = (value: unknown): boolean | undefined =>
  typeof value === 'boolean' ? value : typeof value === 'number' ? value !== 0 : undefined;

const STATS_KEYS: ReadonlyArray<readonly [keyof VrrpStats, string, boolean]> = [
  ['advertRcvd', 'advert_rcvd', true],
  ['advertSent', 'advert_sent', true],
  ['becomeMaster', 'become_master', true],
  ['releaseMaster', 'release_master', true],
  ['packetLenErr', 'packet_len_err', true],
  ['advertIntervalErr', 'advert_interval_err', true],
  ['ipTtlErr', 'ip_ttl_err', true],
  ['invalidTypeRcvd', 'invalid_type_rcvd', true],
  ['addrListErr', 'addr_list_err', true],
  ['invalidAuthtype', 'invalid_authtype', true],
  // Only in builds with VRRP authentication (_WITH_VRRP_AUTH_).
  ['authtypeMismatch', 'authtype_mismatch', false],
  ['authFailure', 'auth_failure', false],
  ['priZeroRcvd', 'pri_zero_rcvd', true],
  ['priZeroSent', 'pri_zero_sent', true],
];

/** Line number of a character offset, for JSON.parse errors. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Parses keepalived's JSON dump: `json_version 1` (a top-level array of `{data, stats}`) or
 * `json_version 2` (`{"vrrp": [...], "track_process": [...]}`). `auth_type`/`auth_data` are
 * never read. A malformed instance is reported and skipped; the others are kept.
 */
export function parseJsonDump(text: string, file: string): Parsed<JsonDump> {
  const issues: ParseIssue[] = [];
  const issue = (field: string, message: string, line = 0): void => {
    issues.push({ file, line, field, message });
  };
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    // V8 reports "... at position N"; the message itself never quotes the file's content.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '');
    const line = position ? lineAt(text, Number(position[1])) : 0;
    issue('json', text.trim() === '' ? 'empty file' : 'not valid JSON (truncated or corrupt)', line);
    return { value: { instances: [], trackedProcesses: [] }, issues };
  }
  let list: unknown;
  let processes: unknown;
  if (Array.isArray(root)) list = root;
  else if (isObject(root) && Array.isArray(root.vrrp)) {
    list = root.vrrp;
    processes = root.track_process;
  } else {
    issue('json', 'expected an array (json_version 1) or an object with "vrrp" (json_version 2)');
    return { value: { instances: [], trackedProcesses: [] }, issues };
  }
  const instances: VrrpInstance[] = [];
  (list as unknown[]).forEach((entry, index) => {
    const parsed = parseEntry(entry, index, issue);
    if (parsed) instances.push(parsed);
  });
  // Fields name instances by their names from the dump: bounded and escaped.
  const trackedProcesses = parseProcesses(processes, issue);
  return { value: { instances, trackedProcesses }, issues: issues.map(boundedIssue) };
}

function parseVips(value: unknown, field: string, issue: (field: string, message: string) => void): Vip[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issue(field, 'expected an array of strings');
    return [];
  }
  const vips: Vip[] = [];
  value.forEach((item, i) => {
    const vip = typeof item === 'string' ? parseVip(item) : undefined;
    if (vip) vips.push(vip);
    else issue(`${field}[${i}]`, 'not an address line');
  });
  return vips;
}

function parseStats(value: unknown, where: string, issue: (field: string, message: string) => void) {
  if (!isObject(value)) {
    if (value !== undefined) issue(`${where}.stats`, 'expected an object');
    return undefined;
  }
  const stats: Partial<Record<keyof VrrpStats, number>> = {};
  for (const [key, jsonKey, required] of STATS_KEYS) {
    const n = int(value[jsonKey], 0, MAX_COUNTER);
    if (n !== undefined) stats[key] = n;
    else if (required) {
      issue(`${where}.stats.${jsonKey}`, 'missing or not a counter below 2^64');
      return undefined;
    }
  }
  return stats as VrrpStats;
}

function parseEntry(
  entry: unknown,
  index: number,
  issue: (field: string, message: string) => void,
): VrrpInstance | undefined {
  const where = `[${index}]`;
  if (!isObject(entry) || !isObject(entry.data)) {
    issue(`${where}.data`, 'missing instance data');
    return undefined;
  }
  const data = entry.data;
  const iname = name(data.iname);
  const vrid = int(data.vrid, 1, 255);
  const state = int(data.state, 0, 255);
  if (iname === undefined || vrid === undefined || state === undefined) {
    const missing = [
      iname === undefined && 'iname',
      vrid === undefined && 'vrid',
      state === undefined && 'state',
    ];
    issue(`${where}.data`, `missing ${missing.filter(Boolean).join(', ')}`);
    return undefined;
  }
  const label = `${where}(${iname}).data`;
  const stats = parseStats(entry.stats, `${where}(${iname})`, issue);
  return {
    iname,
    intf: name(data.ifp_ifname) ?? '',
    vrid,
    state,
    wantState: int(data.wantstate, 0, 255),
    basePriority: priority(data.base_priority),
    effectivePriority: priority(data.effective_priority),
    masterPriority: priority(data.master_priority),
    lastTransition: upTo(data.last_transition, 1e11),
    // VRRPv2 allows 255 s, v3 40.95 s.
    advertIntervalSeconds: upTo(data.adver_int, 255),
    version: int(data.version, 2, 3),
    nopreempt: bool(data.nopreempt),
    garpDelay: int(data.garp_delay, 0, 2 ** 31 - 1),
    vips: parseVips(data.vips, `${label}.vips`, issue),
    excludedVips: parseVips(data.evips, `${label}.evips`, issue),
    ...(stats ? { stats } : {}),
  };
}

function parseProcesses(value: unknown, issue: (field: string, message: string) => void): TrackedProcess[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issue('track_process', 'expected an array');
    return [];
  }
  const processes: TrackedProcess[] = [];
  value.forEach((item, i) => {
    const processName = isObject(item) ? name(item.process) : undefined;
    if (!isObject(item) || processName === undefined) {
      issue(`track_process[${i}]`, 'missing process name');
      return;
    }
    processes.push({
      name: processName,
      currentProcesses: int(item.current_processes, 0, 2 ** 32),
      haveQuorum: bool(item.have_quorum),
    });
  });
  return processes;
}
