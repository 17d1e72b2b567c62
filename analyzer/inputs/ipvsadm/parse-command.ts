import { type Endpoint, type Family, parseEndpoint, parseIPv4 } from '../../../common/net/ip.js';
import {
  type ForwardMethod,
  type Protocol,
  SCHEDULER_NAMES,
  type SchedulerName,
  type ServiceKey,
} from '../../../common/ipvs/vocabulary.js';
import type { DirectorCommand } from '../../kernel/config.js';
import { SCHED_FLAG_1, SCHED_FLAG_2, SCHED_FLAG_3 } from '../../kernel/schedulers/scheduler.js';

/** A bad argument: `field` names the option (or word) at fault. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

type Command =
  | 'add-service'
  | 'edit-service'
  | 'delete-service'
  | 'clear'
  | 'list'
  | 'zero'
  | 'add-server'
  | 'edit-server'
  | 'delete-server'
  | 'set'
  | 'save'
  | 'restore'
  | 'help'
  | 'version'
  | 'start-daemon'
  | 'stop-daemon';

type ArgKind = 'none' | 'required' | 'optional';

interface OptionDef {
  readonly long: string;
  readonly short?: string;
  readonly arg: ArgKind;
  /** Set for the words that select the command. */
  readonly command?: Command;
}

/** ipvsadm 1.31's options (popt table), long name first. */
const OPTIONS: readonly OptionDef[] = [
  { long: 'add-service', short: 'A', arg: 'none', command: 'add-service' },
  { long: 'edit-service', short: 'E', arg: 'none', command: 'edit-service' },
  { long: 'delete-service', short: 'D', arg: 'none', command: 'delete-service' },
  { long: 'clear', short: 'C', arg: 'none', command: 'clear' },
  { long: 'list', short: 'L', arg: 'none', command: 'list' },
  { long: 'list', short: 'l', arg: 'none', command: 'list' },
  { long: 'zero', short: 'Z', arg: 'none', command: 'zero' },
  { long: 'add-server', short: 'a', arg: 'none', command: 'add-server' },
  { long: 'edit-server', short: 'e', arg: 'none', command: 'edit-server' },
  { long: 'delete-server', short: 'd', arg: 'none', command: 'delete-server' },
  { long: 'set', arg: 'none', command: 'set' },
  { long: 'help', short: 'h', arg: 'none', command: 'help' },
  { long: 'version', short: 'v', arg: 'none', command: 'version' },
  { long: 'restore', short: 'R', arg: 'none', command: 'restore' },
  { long: 'save', short: 'S', arg: 'none', command: 'save' },
  { long: 'start-daemon', arg: 'required', command: 'start-daemon' },
  { long: 'stop-daemon', arg: 'required', command: 'stop-daemon' },
  { long: 'tcp-service', short: 't', arg: 'required' },
  { long: 'udp-service', short: 'u', arg: 'required' },
  { long: 'sctp-service', arg: 'required' },
  { long: 'fwmark-service', short: 'f', arg: 'required' },
  { long: 'scheduler', short: 's', arg: 'required' },
  { long: 'persistent', short: 'p', arg: 'optional' },
  { long: 'netmask', short: 'M', arg: 'required' },
  { long: 'real-server', short: 'r', arg: 'required' },
  { long: 'masquerading', short: 'm', arg: 'none' },
  { long: 'ipip', short: 'i', arg: 'none' },
  { long: 'gatewaying', short: 'g', arg: 'none' },
  { long: 'weight', short: 'w', arg: 'required' },
  { long: 'u-threshold', short: 'x', arg: 'required' },
  { long: 'l-threshold', short: 'y', arg: 'required' },
  { long: 'numeric', short: 'n', arg: 'none' },
  { long: 'connection', short: 'c', arg: 'none' },
  { long: 'mcast-interface', arg: 'required' },
  { long: 'syncid', arg: 'required' },
  { long: 'timeout', arg: 'none' },
  { long: 'daemon', arg: 'none' },
  { long: 'stats', arg: 'none' },
  { long: 'rate', arg: 'none' },
  { long: 'thresholds', arg: 'none' },
  { long: 'persistent-conn', arg: 'none' },
  { long: 'nosort', arg: 'none' },
  { long: 'sort', arg: 'none' },
  { long: 'exact', short: 'X', arg: 'none' },
  { long: 'ipv6', short: '6', arg: 'none' },
  { long: 'ops', short: 'o', arg: 'none' },
  { long: 'pe', arg: 'required' },
  { long: 'sched-flags', short: 'b', arg: 'required' },
  { long: 'mcast-group', arg: 'required' },
  { long: 'mcast-port', arg: 'required' },
  { long: 'mcast-ttl', arg: 'required' },
  { long: 'sync-maxlen', arg: 'required' },
  { long: 'tun-type', arg: 'required' },
  { long: 'tun-port', arg: 'required' },
  { long: 'tun-nocsum', arg: 'none' },
  { long: 'tun-csum', arg: 'none' },
  { long: 'tun-remcsum', arg: 'none' },
];

const SERVICE_OPTIONS = new Set(['tcp-service', 'udp-service', 'sctp-service', 'fwmark-service']);
const FORWARD_OPTIONS = new Set(['masquerading', 'ipip', 'gatewaying']);
const TUNNEL_OPTIONS = new Set(['tun-type', 'tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum']);
const LIST_OPTIONS = new Set([
  'numeric',
  'connection',
  'timeout',
  'daemon',
  'stats',
  'rate',
  'thresholds',
  'persistent-conn',
  'nosort',
  'sort',
  'exact',
]);

/** Options each configuration command accepts besides the service (ipvsadm's legality table). */
const ALLOWED: Partial<Record<Command, ReadonlySet<string>>> = {
  'add-service': new Set(['scheduler', 'persistent', 'netmask', 'sched-flags', 'ops', 'pe', 'ipv6']),
  'edit-service': new Set(['scheduler', 'persistent', 'netmask', 'sched-flags', 'ops', 'pe', 'ipv6']),
  'delete-service': new Set(['ipv6']),
  clear: new Set(),
  zero: new Set(['ipv6']),
  'add-server': new Set([
    'real-server',
    'weight',
    'u-threshold',
    'l-threshold',
    'ipv6',
    'forward',
    ...TUNNEL_OPTIONS,
  ]),
  'edit-server': new Set([
    'real-server',
    'weight',
    'u-threshold',
    'l-threshold',
    'ipv6',
    'forward',
    ...TUNNEL_OPTIONS,
  ]),
  'delete-server': new Set(['real-server', 'ipv6']),
  set: new Set(),
};

const MAX_TIMEOUT_S = 86400 * 31;
const INT_MAX = 2147483647;

interface Parsed {
  command: Command | null;
  values: Map<string, string | null>;
  positional: string[];
}

function findLong(name: string): OptionDef {
  const def = OPTIONS.find((o) => o.long === name);
  if (!def) throw new FieldError(`--${name}`, 'unknown ipvsadm option');
  return def;
}

function findShort(ch: string): OptionDef {
  const def = OPTIONS.find((o) => o.short === ch);
  if (!def) throw new FieldError(`-${ch}`, 'unknown ipvsadm option');
  return def;
}

/** popt-style scan: bundled short flags, attached or separate arguments, --long[=value]. */
function scan(args: readonly string[]): Parsed {
  const parsed: Parsed = { command: null, values: new Map(), positional: [] };
  const record = (def: OptionDef, value: string | null, shown: string): void => {
    if (def.command !== undefined) {
      if (parsed.command !== null) throw new FieldError(shown, 'multiple commands specified');
      parsed.command = def.command;
      return;
    }
    const key = SERVICE_OPTIONS.has(def.long)
      ? 'service'
      : FORWARD_OPTIONS.has(def.long)
        ? 'forward'
        : def.long;
    if (parsed.values.has(key)) throw new FieldError(shown, `multiple '${key}' options specified`);
    parsed.values.set(key, FORWARD_OPTIONS.has(def.long) ? def.long : value);
    if (SERVICE_OPTIONS.has(def.long)) parsed.values.set('service-kind', def.long);
  };
  for (let i = 0; i < args.length; i++) {
    const word = args[i] ?? '';
    const takeValue = (def: OptionDef, attached: string | null, shown: string): string | null => {
      if (def.arg === 'none') {
        if (attached !== null) throw new FieldError(shown, 'takes no argument');
        return null;
      }
      if (attached !== null) return attached;
      const next = args[i + 1];
      if (def.arg === 'optional') {
        if (next === undefined || next.startsWith('-')) return null;
      } else if (next === undefined) {
        throw new FieldError(shown, 'needs an argument');
      }
      i++;
      return next ?? null;
    };
    if (word.startsWith('--') && word.length > 2) {
      const eq = word.indexOf('=');
      const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
      const def = findLong(name);
      record(def, takeValue(def, eq < 0 ? null : word.slice(eq + 1), `--${name}`), `--${name}`);
    } else if (word.startsWith('-') && word.length > 1) {
      for (let j = 1; j < word.length; j++) {
        const def = findShort(word[j] ?? '');
        const rest = word.slice(j + 1);
        if (def.arg !== 'none') {
          record(def, takeValue(def, rest === '' ? null : rest, `-${def.short}`), `-${def.short}`);
          break;
        }
        record(def, null, `-${def.short}`);
      }
    } else {
      parsed.positional.push(word);
    }
  }
  return parsed;
}

function parseInteger(field: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new FieldError(field, `"${text}" is not an integer from ${min} to ${max}`);
  }
  return Number(text);
}

function parseService(parsed: Parsed, ipv6Flag: boolean): ServiceKey {
  const kind = parsed.values.get('service-kind');
  const text = parsed.values.get('service') ?? '';
  if (kind === 'fwmark-service') {
    if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 0xffffffff) {
      throw new FieldError('-f', `illegal virtual server firewall-mark "${text}"`);
    }
    return { kind: 'fwmark', mark: Number(text), family: ipv6Flag ? 6 : 4 };
  }
  const proto: Protocol = kind === 'udp-service' ? 'udp' : kind === 'sctp-service' ? 'sctp' : 'tcp';
  const field = kind === 'sctp-service' ? '--sctp-service' : kind === 'udp-service' ? '-u' : '-t';
  const ep = endpoint(field, text);
  return { kind: 'addr', proto, addr: ep.addr, port: ep.port };
}

function endpoint(field: string, text: string): Endpoint & { hasPort: boolean } {
  const parsed = parseEndpoint(text, true);
  if (typeof parsed !== 'string') return parsed;
  // Letters beyond hex digits mean a host or service name, which ipvsadm -S prints without -n.
  const hint = /[g-z]/i.test(text) ? ' (host and port names are not resolved: use ipvsadm -S -n)' : '';
  throw new FieldError(field, parsed + hint);
}

function parseSchedFlags(text: string, scheduler: SchedulerName): number {
  let flags = 0;
  for (const flag of text.split(',')) {
    const bit: Record<string, number> = {
      'flag-1': SCHED_FLAG_1,
      'flag-2': SCHED_FLAG_2,
      'flag-3': SCHED_FLAG_3,
      'sh-fallback': SCHED_FLAG_1,
      'sh-port': SCHED_FLAG_2,
      'mh-fallback': SCHED_FLAG_1,
      'mh-port': SCHED_FLAG_2,
    };
    const value = bit[flag];
    if (value === undefined) throw new FieldError('-b', `invalid scheduler flag '${flag}'`);
    const owner = flag.startsWith('sh-') ? 'sh' : flag.startsWith('mh-') ? 'mh' : scheduler;
    if (owner !== scheduler)
      throw new FieldError('-b', `incompatible scheduler flag '${flag}' for scheduler ${scheduler}`);
    flags |= value;
  }
  return flags;
}

function forwardOf(parsed: Parsed): ForwardMethod {
  switch (parsed.values.get('forward')) {
    case 'masquerading':
      return 'masq';
    case 'ipip':
      return 'tunnel';
    default:
      return 'route';
  }
}

function serviceCommand(
  op: 'add-service' | 'edit-service',
  parsed: Parsed,
  service: ServiceKey,
): DirectorCommand {
  const v = parsed.values;
  const schedText = v.get('scheduler') ?? 'wlc';
  const scheduler = SCHEDULER_NAMES.find((s) => s === schedText);
  if (scheduler === undefined) {
    throw new FieldError('-s', `unknown scheduler "${schedText}" (known: ${SCHEDULER_NAMES.join(' ')})`);
  }
  const persistent = v.has('persistent');
  const pText = v.get('persistent');
  const persistenceS = !persistent ? null : pText ? parseInteger('-p', pText, 1, MAX_TIMEOUT_S) : 300;
  const family: Family = service.kind === 'fwmark' ? service.family : service.addr.family;
  let netmask = family === 6 ? 128 : 0xffffffff;
  const mText = v.get('netmask');
  if (mText) {
    if (family === 6) netmask = parseInteger('-M', mText, 1, 128);
    else {
      const mask = parseIPv4(mText);
      if (mask === undefined) throw new FieldError('-M', `illegal virtual server persistent mask "${mText}"`);
      netmask = mask;
    }
  }
  if (v.has('pe')) {
    throw new FieldError(
      '--pe',
      'persistence engines need packet payloads (SIP Call-ID) that traces do not carry',
    );
  }
  const onePacket = v.has('ops');
  if (service.kind === 'addr' && service.port === 0 && !persistent) {
    throw new FieldError('-t', 'Zero port specified for non-persistent service');
  }
  if (onePacket && service.kind === 'addr' && service.proto !== 'udp') {
    throw new FieldError('-o', 'One-Packet Scheduling is only for UDP virtual services');
  }
  const flagsText = v.get('sched-flags');
  const schedFlags = flagsText ? parseSchedFlags(flagsText, scheduler) : 0;
  return { op, service, settings: { scheduler, persistenceS, netmask, schedFlags, onePacket } };
}

function serverCommand(
  op: 'add-server' | 'edit-server',
  parsed: Parsed,
  service: ServiceKey,
): DirectorCommand {
  const v = parsed.values;
  const forward = forwardOf(parsed);
  const server = serverEndpoint(parsed, service, forward !== 'masq');
  const serviceFamily = service.kind === 'addr' ? service.addr.family : service.family;
  if (server.addr.family !== serviceFamily && forward !== 'tunnel') {
    throw new FieldError('-r', 'mixed address families for service and real server need tunnelling (-i)');
  }
  const wText = v.get('weight');
  const xText = v.get('u-threshold');
  const yText = v.get('l-threshold');
  const weight = wText ? parseInteger('-w', wText, 0, INT_MAX) : 1;
  const uThreshold = xText ? parseInteger('-x', xText, 0, INT_MAX) : 0;
  const lThreshold = yText ? parseInteger('-y', yText, 0, INT_MAX) : 0;
  const tunType = v.get('tun-type');
  if (tunType && !['ipip', 'gue', 'gre'].includes(tunType)) {
    throw new FieldError('--tun-type', `"${tunType}" is not one of ipip, gue, gre`);
  }
  const tunPort = v.get('tun-port');
  if (tunPort) parseInteger('--tun-port', tunPort, 1, 65535);
  return { op, service, server, settings: { forward, weight, uThreshold, lThreshold } };
}

/**
 * The -r endpoint: without a port it gets the service's; for DR and TUN (`forcePort`) ipvsadm
 * always sends the service's port, since those methods cannot translate ports.
 */
function serverEndpoint(parsed: Parsed, service: ServiceKey, forcePort: boolean): Endpoint {
  const ep = endpoint('-r', parsed.values.get('real-server') ?? '');
  const servicePort = service.kind === 'addr' ? service.port : 0;
  const port = ep.hasPort && !(forcePort && service.kind === 'addr') ? ep.port : servicePort;
  return { addr: ep.addr, port };
}

/** Parses the arguments of one ipvsadm invocation (without the program name). */
export function parseIpvsadm(args: readonly string[]): DirectorCommand {
  const parsed = scan(args);
  const command = parsed.command;
  if (command === null)
    throw new FieldError('ipvsadm', 'no command given (-A, -E, -D, -C, -a, -e, -d, --set, -Z)');
  if (command === 'list' || command === 'save') return { op: 'read-only' };
  const allowed = ALLOWED[command];
  if (allowed === undefined)
    throw new FieldError(`ipvsadm --${command}`, 'not a configuration command a trace can replay');
  for (const key of parsed.values.keys()) {
    if (key === 'service' || key === 'service-kind' || allowed.has(key)) continue;
    const hint = LIST_OPTIONS.has(key) ? ' (a listing option)' : '';
    throw new FieldError(`--${key}`, `illegal '${key}' option with the '${command}' command${hint}`);
  }
  if (command === 'set') {
    if (parsed.positional.length !== 3)
      throw new FieldError('--set', 'needs 3 timeout values: tcp tcpfin udp');
    const [tcp, fin, udp] = parsed.positional.map((p, i) =>
      parseInteger(`--set ${['tcp', 'tcpfin', 'udp'][i] ?? ''}`, p, 0, MAX_TIMEOUT_S),
    );
    return { op: 'set-timeouts', tcpS: tcp ?? 0, tcpFinS: fin ?? 0, udpS: udp ?? 0 };
  }
  if (parsed.positional.length > 0) {
    throw new FieldError(parsed.positional[0] ?? '', 'unexpected argument');
  }
  if (command === 'clear') return { op: 'clear' };
  const hasService = parsed.values.has('service');
  if (command === 'zero')
    return { op: 'zero', service: hasService ? parseService(parsed, parsed.values.has('ipv6')) : null };
  if (!hasService)
    throw new FieldError('ipvsadm', 'a virtual service (-t, -u, --sctp-service or -f) is required');
  const service = parseService(parsed, parsed.values.has('ipv6'));
  switch (command) {
    case 'add-service':
    case 'edit-service':
      return serviceCommand(command, parsed, service);
    case 'delete-service':
      return { op: 'delete-service', service };
    case 'add-server':
    case 'edit-server':
    case 'delete-server':
      if (!parsed.values.has('real-server')) throw new FieldError('-r', 'a real server (-r) is required');
      if (command === 'delete-server')
        return { op: command, service, server: serverEndpoint(parsed, service, false) };
      return serverCommand(command, parsed, service);
  }
  throw new FieldError('ipvsadm', `command ${command} is not supported in traces`);
}
