import type { ParseIssue, Parsed } from '../parse/issue.js';
import type { Vip, VrrpInstance, VrrpScript } from './model.js';
import { stateNumber } from './states.js';
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

const SECTION = /^\s*-+<\s*(.+?)\s*>-+\s*$/;
const indentOf = (line: string): number => line.length - line.trimStart().length;

/** `key = value` or `key: value`; a bare `key :` / `key (N):` is a list header. */
function splitKeyValue(text: string): { key: string; value: string } | undefined {
  const eq = text.indexOf(' = ');
  if (eq !== -1) return { key: text.slice(0, eq).trim(), value: text.slice(eq + 3).trim() };
  if (text.endsWith(' =')) return { key: text.slice(0, -2).trim(), value: '' };
  const colon = /^([^:]+?)\s*(\(\d+\))?\s*:\s*(.*)$/.exec(text);
  if (colon) return { key: colon[1] ?? '', value: colon[3] ?? '' };
  const words = /^(Interface weight|Multicast address)\s+(.*)$/.exec(text);
  return words ? { key: words[1] ?? '', value: words[2] ?? '' } : undefined;
}

function seconds(value: string): number | undefined {
  const m = /^([\d.]+)\s*(sec|milli-sec|usec)?/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === 'milli-sec' ? n / 1000 : m[2] === 'usec' ? n / 1e6 : n;
}

const integer = (value: string): number | undefined => (/^-?\d+$/.test(value) ? Number(value) : undefined);

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
    const line = rawLine.replace(/\r$/, '');
    if (line.trim() === '') return;
    const header = SECTION.exec(line);
    if (header && indentOf(line) === 0) {
      finishInstance();
      finishScript();
      section = header[1] ?? '';
      list = undefined;
      nestedScript = false;
      return;
    }
    const indent = indentOf(line);
    const body = line.trim();
    const issue = (field: string, message: string): void => {
      issues.push({ file, line: lineNo, field, message });
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
        instance.version = integer(body.slice('VRRP Version = '.length).trim());
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
        if (n === undefined) issue(key, `unknown state "${value.slice(0, 24)}"`);
        else if (key === 'State') instance.state = n;
        else instance.wantState = n;
        return;
      }
      case 'Interface':
      case 'Listening device':
        instance.intf = value;
        return;
      case 'Virtual Router ID': {
        const n = integer(value);
        if (n === undefined || n < 1 || n > 255) issue(key, 'not a VRID (1-255)');
        else instance.vrid = n;
        return;
      }
      case 'VRRP Version':
        instance.version = integer(value);
        return;
      case 'Priority':
        instance.basePriority = integer(value);
        return;
      case 'Effective priority':
        instance.effectivePriority = integer(value);
        return;
      case 'Master priority':
        instance.masterPriority = integer(value);
        return;
      case 'Last transition': {
        const n = Number(value.split(/\s/)[0]);
        if (Number.isFinite(n)) instance.lastTransition = n;
        else issue(key, 'not an epoch timestamp');
        return;
      }
      case 'Advert interval':
        instance.advertIntervalSeconds = seconds(value);
        return;
      case 'Preempt':
        instance.nopreempt = value === 'disabled';
        return;
      case 'Gratuitous ARP delay':
        instance.garpDelay = integer(value);
        return;
      default:
        // Other lists (Unicast Peer, Tracked scripts, ...) have indented items to skip.
        if (value === '' || /^\d+$/.test(value)) list = 'other';
    }
  });
  finishInstance();
  finishScript();
  // A 1.3.x tracked script may also be listed on its own: keep one entry per name, the last.
  const byName = new Map(scripts.map((s) => [s.name, s]));
  return { value: { instances, scripts: [...byName.values()] }, issues };
}
