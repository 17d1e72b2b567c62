import os from 'node:os';
import { option, type OptionSpec, type Options } from '../core/options.js';

/** Everything the sources need to know about one keepalived daemon. */
export interface DaemonConfig {
  readonly name: string;
  readonly pidFile: string;
  readonly dumpDir: string;
  readonly dumpFormat: 'auto' | 'json' | 'text';
  readonly jsonFile: string;
  readonly dataFile: string;
  readonly statsFile: string;
  readonly checkDataFile: string;
  readonly checker: boolean;
  readonly notifyFifo: string;
  readonly config: string;
  readonly configId: string;
  readonly vips: readonly string[];
  readonly netns: string;
}

/** The passive VRRP listener: interfaces to capture on, independent of any keepalived daemon. */
export interface WireListenConfig {
  readonly interfaces: readonly string[];
  readonly tcpdump: string;
  readonly netns: string;
  readonly maxAdvertisers: number;
}

export interface KeepalivedConfig {
  readonly daemons: readonly DaemonConfig[];
  readonly wire: WireListenConfig;
  readonly signalTimeoutMs: number;
  readonly binary: string;
  readonly ipBinary: string;
}

/** Per-daemon settings: a flag `--keepalived.<key>` and a key of a `--keepalived.daemons` entry. */
const PER_DAEMON: readonly OptionSpec[] = [
  option({
    name: 'keepalived.pid-file',
    kind: 'string',
    default: '',
    description: "keepalived's parent pid file; set to signal keepalived for fresh dumps on each collection",
  }),
  option({
    name: 'keepalived.dump-dir',
    kind: 'string',
    default: '',
    description:
      "keepalived's TMPDIR where it writes dumps (empty: TMPDIR from its environment, else /tmp); read through /proc/PID/root",
  }),
  option({
    name: 'keepalived.dump-format',
    kind: 'string',
    default: 'auto',
    choices: ['auto', 'json', 'text'],
    description:
      'dumps to request: json (JSON signal), text (DATA + STATS), auto = json when keepalived has the JSON signal',
  }),
  option({
    name: 'keepalived.json-file',
    kind: 'string',
    default: '',
    description:
      'JSON dump: with a pid file, its name in the dump dir; without, a file written by someone else (read, never signalled)',
  }),
  option({
    name: 'keepalived.data-file',
    kind: 'string',
    default: '',
    description: 'text data dump (keepalived.data), same rules as --keepalived.json-file',
  }),
  option({
    name: 'keepalived.stats-file',
    kind: 'string',
    default: '',
    description: 'text stats dump (keepalived.stats), same rules as --keepalived.json-file',
  }),
  option({
    name: 'keepalived.check-data-file',
    kind: 'string',
    default: '',
    description: 'checker dump (keepalived_check.data), same rules as --keepalived.json-file',
  }),
  option({
    name: 'keepalived.checker',
    kind: 'boolean',
    default: false,
    description: 'with a pid file: also read the LVS checker dump keepalived_check.data (DATA signal)',
  }),
  option({
    name: 'keepalived.notify-fifo',
    kind: 'string',
    default: '',
    description:
      'vrrp_notify_fifo to read transitions from as they happen (created if missing; must not have another reader)',
  }),
  option({
    name: 'keepalived.config',
    kind: 'string',
    default: '',
    description: 'keepalived.conf whose vrrp_instance VIPs are checked for presence on this host',
  }),
  option({
    name: 'keepalived.config-id',
    kind: 'string',
    default: '',
    description:
      'config id for @id conditional lines of keepalived.conf (default: first label of the host name, like keepalived)',
  }),
  option({
    name: 'keepalived.vips',
    kind: 'list',
    default: [],
    description:
      'VIPs to check for presence on this host: ADDR or ADDR@IFACE (in a daemons entry: separated by spaces)',
  }),
  option({
    name: 'keepalived.netns',
    kind: 'string',
    default: '',
    description:
      "network namespace whose addresses are checked for VIP presence (ip -n NAME); empty = the exporter's own",
  }),
];

export const keepalivedOptions: readonly OptionSpec[] = [
  option({
    name: 'keepalived.daemon-name',
    kind: 'string',
    default: 'keepalived',
    description: 'value of the daemon label for the daemon configured by the flat --keepalived.* flags',
  }),
  ...PER_DAEMON,
  option({
    name: 'keepalived.daemons',
    kind: 'list',
    default: [],
    description:
      'more daemons, one entry each: name=NAME;pid-file=...;dump-dir=...;notify-fifo=... (keys as the per-daemon flags)',
  }),
  option({
    name: 'keepalived.signal-timeout',
    kind: 'number',
    default: 2,
    description: 'seconds to wait for a fresh dump after signalling (keep below the scrape timeout)',
  }),
  option({
    name: 'keepalived.binary',
    kind: 'string',
    default: 'keepalived',
    description: 'keepalived binary asked for its signal numbers (--signum)',
  }),
  option({
    name: 'keepalived.ip-binary',
    kind: 'string',
    default: 'ip',
    description: "iproute2 ip binary used to list this host's addresses (ip -j addr)",
  }),
  option({
    name: 'keepalived.vrrp-listen',
    kind: 'list',
    default: [],
    description:
      'interfaces to capture VRRP adverts on (IP protocol 112, with tcpdump) to see every router advertising each VRID; needs CAP_NET_RAW',
  }),
  option({
    name: 'keepalived.tcpdump-path',
    kind: 'string',
    default: 'tcpdump',
    description: 'tcpdump binary used by --keepalived.vrrp-listen',
  }),
  option({
    name: 'keepalived.vrrp-listen-netns',
    kind: 'string',
    default: '',
    description:
      "network namespace to capture in (ip netns exec NAME tcpdump ...); empty = the exporter's own",
  }),
  option({
    name: 'keepalived.vrrp-listen-max-advertisers',
    kind: 'number',
    default: 1024,
    description:
      'advertisers tracked per listened interface; adverts from further routers are counted as dropped',
  }),
];

const KEYS = new Map(PER_DAEMON.map((spec) => [spec.name.slice('keepalived.'.length), spec]));

function defaultConfigId(): string {
  return os.hostname().split('.')[0] ?? '';
}

function hasInput(d: DaemonConfig): boolean {
  return (
    [d.pidFile, d.jsonFile, d.dataFile, d.statsFile, d.checkDataFile, d.notifyFifo, d.config].some(
      (v) => v !== '',
    ) || d.vips.length > 0
  );
}

type Values = Map<string, string | boolean | readonly string[]>;

function daemonFrom(name: string, values: Values): DaemonConfig {
  const str = (key: string): string => (values.get(key) as string | undefined) ?? '';
  const format = str('dump-format') || 'auto';
  if (format !== 'auto' && format !== 'json' && format !== 'text') {
    throw new Error(`keepalived daemon "${name}": dump-format must be auto, json or text, got "${format}"`);
  }
  return {
    name,
    pidFile: str('pid-file'),
    dumpDir: str('dump-dir'),
    dumpFormat: format,
    jsonFile: str('json-file'),
    dataFile: str('data-file'),
    statsFile: str('stats-file'),
    checkDataFile: str('check-data-file'),
    checker: values.get('checker') === true,
    notifyFifo: str('notify-fifo'),
    config: str('config'),
    configId: str('config-id') || defaultConfigId(),
    vips: (values.get('vips') as readonly string[] | undefined) ?? [],
    netns: str('netns'),
  };
}

/** Parses one `--keepalived.daemons` entry: `name=lb2;pid-file=/run/k2.pid;vips=10.0.0.1 10.0.0.2`. */
function parseDaemonEntry(entry: string): DaemonConfig {
  const values: Values = new Map();
  let name = '';
  for (const part of entry
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    const key = eq === -1 ? part : part.slice(0, eq).trim();
    const value = eq === -1 ? '' : part.slice(eq + 1).trim();
    if (key === 'name') {
      name = value;
      continue;
    }
    const spec = KEYS.get(key);
    if (!spec)
      throw new Error(
        `--keepalived.daemons entry "${entry}": unknown key "${key}" (known: name, ${[...KEYS.keys()].join(', ')})`,
      );
    if (spec.kind === 'boolean') {
      if (!/^(true|false|1|0|)$/.test(value))
        throw new Error(`--keepalived.daemons entry "${entry}": ${key} wants true or false`);
      values.set(key, value === '' || value === 'true' || value === '1');
    } else if (spec.kind === 'list')
      values.set(
        key,
        value.split(/\s+/).filter((v) => v !== ''),
      );
    else values.set(key, value);
  }
  if (!/^[A-Za-z0-9_.:-]+$/.test(name))
    throw new Error(`--keepalived.daemons entry "${entry}": needs name=NAME (letters, digits, _.:-)`);
  return daemonFrom(name, values);
}

/** The daemons to watch: the flat flags (if any input is set) plus every `--keepalived.daemons` entry. */
export function resolveKeepalivedConfig(options: Options): KeepalivedConfig {
  const flat: Values = new Map();
  for (const [key, spec] of KEYS) {
    const value =
      spec.kind === 'boolean'
        ? options.boolean(spec.name)
        : spec.kind === 'list'
          ? options.list(spec.name)
          : options.string(spec.name);
    flat.set(key, value);
  }
  const daemons: DaemonConfig[] = [];
  const first = daemonFrom(options.string('keepalived.daemon-name'), flat);
  if (hasInput(first)) daemons.push(first);
  for (const entry of options.list('keepalived.daemons')) daemons.push(parseDaemonEntry(entry));
  const names = new Set<string>();
  for (const d of daemons) {
    if (names.has(d.name)) throw new Error(`keepalived daemon name "${d.name}" is used twice`);
    names.add(d.name);
    if (!hasInput(d))
      throw new Error(
        `keepalived daemon "${d.name}" has no input (pid-file, a dump file, notify-fifo, config or vips)`,
      );
  }
  const timeout = options.number('keepalived.signal-timeout');
  if (!(timeout > 0)) throw new Error('--keepalived.signal-timeout must be a positive number of seconds');
  const interfaces = options.list('keepalived.vrrp-listen');
  for (const intf of interfaces)
    if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(intf))
      throw new Error(`--keepalived.vrrp-listen: "${intf}" is not an interface name`);
  const netns = options.string('keepalived.vrrp-listen-netns');
  if (netns !== '' && !/^[A-Za-z0-9_.-]+$/.test(netns))
    throw new Error(`--keepalived.vrrp-listen-netns: "${netns}" is not a namespace name`);
  const maxAdvertisers = options.number('keepalived.vrrp-listen-max-advertisers');
  if (!Number.isInteger(maxAdvertisers) || maxAdvertisers < 1)
    throw new Error('--keepalived.vrrp-listen-max-advertisers must be a positive integer');
  return {
    daemons,
    wire: {
      interfaces: [...new Set(interfaces)],
      tcpdump: options.string('keepalived.tcpdump-path'),
      netns,
      maxAdvertisers,
    },
    signalTimeoutMs: timeout * 1000,
    binary: options.string('keepalived.binary'),
    ipBinary: options.string('keepalived.ip-binary'),
  };
}
