import { type ParseIssue, type Parsed, boundedIssue } from '../parse/issue.js';
import type { Vip, VrrpInstance, VrrpScript } from './model.js';
import { stateNumber } from './states.js';
import { boundedDecimal, boundedInteger } from '../parse/numbers.js';
import { quoted } from '../parse/printable.js';
import { parseVip } from './vip.js';

export interface TextData {
  readonly instances: readonly VrrpInstance[];
  readonly scripts: readonly VrrpScript[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type InstanceDraft = Mutable<Partial<VrrpInstance>> & { vips: Vip[]; excludedVips: Vip[]; line: number };
type ScriptDraft = Mutable<VrrpScript>;

/** Keys a 1.3.x dump prints for a tracked script nested inside its instance block. */
const NESTED_SCRIPT_KEYS = new Set([
  'Command',
  'Interval',
  'Timeout',
  'Weight',
  'Rise',
  'Fall',
  'Full',
  'Insecure',
  'Status',
  'Script uid:gid',
  'Interface weight',
]);

const indentOf = (line: string): number => line.length - line.trimStart().length;

/**
 * The longest dump line read: keepalived prints short `key = value` lines (a script command is
 * the longest, and keepalived's own MAXBUF bounds it to 1024). Longer lines are reported and
 * skipped, so no line costs more than this whatever the parsing does with it.
 */
export const MAX_DUMP_LINE_CHARS = 4096;

/**
 * `------< Name >------` (leading indent allowed): the name, else undefined. By hand rather than
 * /^\s*-+<\s*(.+?)\s*>-+\s*$/, which backtracks quadratically on a line of tabs.
 */
export function sectionName(line: string): string | undefined {
  const body = line.trim();
  if (body[0] !== '-' || body[body.length - 1] !== '-') return undefined;
  let start = 0;
  while (body[start] === '-') start++;
  let end = body.length;
  while (end > start && body[end - 1] === '-') end--;
  if (body[start] !== '<' || body[end - 1] !== '>' || end - 1 <= start) return undefined;
  const name = body.slice(start + 1, end - 1).trim();
  return name === '' ? undefined : name;
}

/**
 * `key = value` or `key: value`; a bare `key :` / `key (N):` is a list header. By hand: the
 * regular expression this replaces was cubic in the spaces of a line without a colon.
 */
function splitKeyValue(text: string): { key: string; value: string } | undefined {
  const eq = text.indexOf(' = ');
  if (eq !== -1) return { key: text.slice(0, eq).trim(), value: text.slice(eq + 3).trim() };
  if (text.endsWith(' =')) return { key: text.slice(0, -2).trim(), value: '' };
  const colon = text.indexOf(':');
  if (colon > 0) {
    let key = text.slice(0, colon).trimEnd();
    // `Virtual IP (2):` counts its entries: the count is not part of the key.
    const open = key.lastIndexOf('(');
    if (open > 0 && key.endsWith(')') && /^\d+$/.test(key.slice(open + 1, -1))) {
      key = key.slice(0, open).trimEnd();
    }
    if (key !== '') return { key, value: text.slice(colon + 1).trim() };
  }
  for (const words of ['Interface weight', 'Multicast address']) {
    if (text.startsWith(words) && /^\s/.test(text.slice(words.length, words.length + 1))) {
      return { key: words, value: text.slice(words.length).trim() };
    }
  }
  return undefined;
}

/** Seconds from `1 sec`, `100 milli-sec`, `1000000 usec` or a bare number; undefined otherwise. */
function seconds(value: string): number | undefined {
  const space = value.indexOf(' ');
  const number = space === -1 ? value : value.slice(0, space);
  const unit = space === -1 ? '' : value.slice(space + 1).trim();
  // An advert interval is at most 40.95 s (VRRPv3's 12 bits of centiseconds), 255 s in v2.
  const n = boundedDecimal(number, 0, 1e9);
  if (n === undefined) return undefined;
  if (unit === 'milli-sec') return n / 1000;
  if (unit === 'usec') return n / 1e6;
  return unit === '' || unit === 'sec' ? n : undefined;
}

/** keepalived prints priorities 0-255 and small counts; anything else is not from it. */
const priority = (value: string): number | undefined => boundedInteger(value, 0, 255);
const version = (value: string): number | undefined => boundedInteger(value, 2, 3);

/**
 * Parses keepalived's text data dump (`DATA` signal, keepalived.data) in every layout from 1.3.x
 * to 2.2.x: instances from `VRRP Topology`, scripts from `VRRP Scripts` (and the tracked scripts
 * 1.3.x printed inside an instance). `Password = ...` lines are skipped unread. An instance
 * without state, interface or VRID (a torn or damaged block) is reported and dropped.
 */
export function parseDataDump(text: string, file: string): Parsed<TextData> {
  const issues: ParseIssue[] = [];
  const instances: VrrpInstance[] = [];
  const scripts: VrrpScript[] = [];
  let section = 'VRRP Topology';
  let instance: InstanceDraft | undefined;
  let script: ScriptDraft | undefined;
  let nestedScript = false;
  let list: 'vips' | 'excludedVips' | 'other' | undefined;

  const finishInstance = (): void => {
    if (!instance) return;
    const missing = (['state', 'intf', 'vrid'] as const).filter((k) => instance?.[k] === undefined);
    if (missing.length > 0) {
      issues.push({
        file,
        line: instance.line,
        field: `VRRP Instance ${instance.iname ?? ''}`.trim(),
        message: `incomplete block (no ${missing.map((k) => ({ state: 'State', intf: 'Interface', vrid: 'Virtual Router ID' })[k]).join(', ')})`,
      });
    } else {
      const { line, ...complete } = instance;
      void line;
      instances.push(complete as VrrpInstance);
    }
    instance = undefined;
  };
  const finishScript = (): void => {
    if (script) scripts.push(script);
    script = undefined;
  };

  const lines = text.split('\n');
  lines.forEach((rawLine, index) => {
    const lineNo = index + 1;
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.length > MAX_DUMP_LINE_CHARS) {
      issues.push({
        file,
        line: lineNo,
        field: 'line',
        message: `longer than ${MAX_DUMP_LINE_CHARS} characters`,
      });
      return;
    }
    if (line.trim() === '') return;
    const header = sectionName(line);
    if (header !== undefined && indentOf(line) === 0) {
      finishInstance();
      finishScript();
      section = header;
      list = undefined;
      nestedScript = false;
      return;
    }
    const indent = indentOf(line);
    const body = line.trim();
    const issue = (field: string, message: string): void => {
      issues.push({ file, line: lineNo, field, message });
    };
    /** A numeric field of the instance; a value keepalived cannot print is an issue, not data. */
    const setNumber = (
      field:
        | 'version'
        | 'basePriority'
        | 'effectivePriority'
        | 'masterPriority'
        | 'advertIntervalSeconds'
        | 'garpDelay',
      key: string,
      value: string,
      read: (value: string) => number | undefined,
    ): void => {
      if (!instance) return;
      const n = read(value);
      if (n === undefined) issue(key, `${quoted(value, 24)} is out of range or not a number`);
      else instance[field] = n;
    };

    if (section === 'VRRP Scripts') {
      if (indent === 1 && body.startsWith('VRRP Script = ')) {
        finishScript();
        script = { name: body.slice('VRRP Script = '.length).trim() };
        return;
      }
      if (!script || indent !== 3) return;
      const kv = splitKeyValue(body);
      if (kv?.key === 'Status') script.status = kv.value;
      else if (kv?.key === 'State') script.state = kv.value;
      return;
    }
    if (section !== 'VRRP Topology') return;

    if (indent === 1) {
      if (body.startsWith('VRRP Instance = ')) {
        finishInstance();
        finishScript();
        nestedScript = false;
        list = undefined;
        instance = {
          iname: body.slice('VRRP Instance = '.length).trim(),
          vips: [],
          excludedVips: [],
          line: lineNo,
        };
        return;
      }
      if (body.startsWith('VRRP Script = ') && instance) {
        // 1.3.x: a tracked script's details interrupt the instance block.
        finishScript();
        script = { name: body.slice('VRRP Script = '.length).trim() };
        nestedScript = true;
        list = undefined;
        return;
      }
      if (body.startsWith('VRRP Version = ') && instance) {
        setNumber('version', 'VRRP Version', body.slice('VRRP Version = '.length).trim(), version);
        return;
      }
      finishInstance();
      return;
    }
    if (!instance) return;

    if (indent >= 5 && list) {
      if (list === 'other') return;
      const vip = parseVip(body);
      if (vip) instance[list].push(vip);
      else issue(list === 'vips' ? 'Virtual IP' : 'Virtual IP Excluded', 'not an address line');
      return;
    }
    if (indent !== 3) return;
    const kv = splitKeyValue(body);
    if (!kv) {
      list = undefined;
      return;
    }
    const { key, value } = kv;
    if (nestedScript) {
      if (NESTED_SCRIPT_KEYS.has(key)) {
        if (key === 'Status' && script) script.status = value;
        return;
      }
      finishScript();
      nestedScript = false;
    }
    list = undefined;
    switch (key) {
      case 'Password':
        return; // the VRRP password: never read
      case 'Virtual IP':
        list = 'vips';
        return;
      case 'Virtual IP Excluded':
        list = 'excludedVips';
        return;
      case 'State':
      case 'Wantstate': {
        const n = stateNumber(value);
        if (n === undefined) issue(key, `unknown state ${quoted(value, 24)}`);
        else if (key === 'State') instance.state = n;
        else instance.wantState = n;
        return;
      }
      case 'Interface':
      case 'Listening device':
        instance.intf = value;
        return;
      case 'Virtual Router ID': {
        const n = boundedInteger(value, 1, 255);
        if (n === undefined) issue(key, 'not a VRID (1-255)');
        else instance.vrid = n;
        return;
      }
      case 'VRRP Version':
        setNumber('version', key, value, version);
        return;
      case 'Priority':
        setNumber('basePriority', key, value, priority);
        return;
      case 'Effective priority':
        setNumber('effectivePriority', key, value, priority);
        return;
      case 'Master priority':
        setNumber('masterPriority', key, value, priority);
        return;
      case 'Last transition': {
        // An epoch with microseconds; before 1970 or past year 5000 is not a clock.
        const n = boundedDecimal(value.split(' ')[0] ?? '', 0, 1e11);
        if (n !== undefined) instance.lastTransition = n;
        else issue(key, 'not an epoch timestamp');
        return;
      }
      case 'Advert interval':
        setNumber('advertIntervalSeconds', key, value, seconds);
        return;
      case 'Preempt':
        instance.nopreempt = value === 'disabled';
        return;
      case 'Gratuitous ARP delay':
        setNumber('garpDelay', key, value, (v) => boundedInteger(v, 0, 2 ** 31 - 1));
        return;
      default:
        // Other lists (Unicast Peer, Tracked scripts, ...) have indented items to skip.
        if (value === '' || /^\d{1,9}$/.test(value)) list = 'other';
    }
  });
  finishInstance();
  finishScript();
  // A 1.3.x tracked script may also be listed on its own: keep one entry per name, the last.
  const byName = new Map(scripts.map((s) => [s.name, s]));
  // Fields name instances by their names from the dump: bounded and escaped.
  return { value: { instances, scripts: [...byName.values()] }, issues: issues.map(boundedIssue) };
}
