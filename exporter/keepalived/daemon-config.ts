import os from 'node:os';
import { option, type OptionSpec, type Options, MAX_TIMER_SECONDS } from '../core/options.js';
import { PROCFS } from '../core/paths.js';

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
  /** --path.procfs: where keepalived's /proc/PID files are read. */
  readonly procfs: string;
  readonly wire: WireListenConfig;
  readonly signalTimeoutMs: number;
  readonly binary: string;
  readonly ipBinary: string;
}

const KEEPALIVED_PID_FILE = option({
  name: 'keepalived.pid-file',
  kind: 'string',
  default: '',
  description: "keepalived's parent pid file; set to signal keepalived for fresh dumps on each collection",
});

const KEEPALIVED_DUMP_DIR = option({
  name: 'keepalived.dump-dir',
  kind: 'string',
  default: '',
  description:
    "keepalived's TMPDIR where it writes dumps (empty: TMPDIR from its environment, else /tmp); read through /proc/PID/root",
});

const KEEPALIVED_DUMP_FORMAT = option({
  name: 'keepalived.dump-format',
  kind: 'string',
  default: 'auto',
  choices: ['auto', 'json', 'text'],
  description:
    'dumps to request: json (JSON signal), text (DATA + STATS), auto = json when keepalived has the JSON signal',
});

const KEEPALIVED_JSON_FILE = option({
  name: 'keepalived.json-file',
  kind: 'string',
  default: '',
  description:
    'JSON dump: with a pid file, its name in the dump dir; without, a file written by someone else (read, never signalled)',
});

const KEEPALIVED_DATA_FILE = option({
  name: 'keepalived.data-file',
  kind: 'string',
  default: '',
  description: 'text data dump (keepalived.data), same rules as --keepalived.json-file',
});

const KEEPALIVED_STATS_FILE = option({
  name: 'keepalived.stats-file',
  kind: 'string',
  default: '',
  description: 'text stats dump (keepalived.stats), same rules as --keepalived.json-file',
});

const KEEPALIVED_CHECK_DATA_FILE = option({
  name: 'keepalived.check-data-file',
  kind: 'string',
  default: '',
  description: 'checker dump (keepalived_check.data), same rules as --keepalived.json-file',
});

const KEEPALIVED_CHECKER = option({
  name: 'keepalived.checker',
  kind: 'boolean',
  default: false,
  description: 'with a pid file: also read the LVS checker dump keepalived_check.data (DATA signal)',
});

const KEEPALIVED_NOTIFY_FIFO = option({
  name: 'keepalived.notify-fifo',
  kind: 'string',
  default: '',
  description:
    'vrrp_notify_fifo to read transitions from as they happen (created if missing; must not have another reader)',
});

const KEEPALIVED_CONFIG = option({
  name: 'keepalived.config',
  kind: 'string',
  default: '',
  description: 'keepalived.conf whose vrrp_instance VIPs are checked for presence on this host',
});

const KEEPALIVED_CONFIG_ID = option({
  name: 'keepalived.config-id',
  kind: 'string',
  default: '',
  description:
    'config id for @id conditional lines of keepalived.conf (default: first label of the host name, like keepalived)',
});

const KEEPALIVED_VIPS = option({
  name: 'keepalived.vips',
  kind: 'list',
  default: [],
  description:
    'VIPs to check for presence on this host: ADDR or ADDR@IFACE (in a daemons entry: separated by spaces)',
});

const KEEPALIVED_NETNS = option({
  name: 'keepalived.netns',
  kind: 'string',
  default: '',
  description:
    "network namespace whose addresses are checked for VIP presence (ip -n NAME); empty = the exporter's own",
});

const KEEPALIVED_DAEMON_NAME = option({
  name: 'keepalived.daemon-name',
  kind: 'string',
  default: 'keepalived',
  description: 'value of the daemon label for the daemon configured by the flat --keepalived.* flags',
});

const KEEPALIVED_DAEMONS = option({
  name: 'keepalived.daemons',
  kind: 'list',
  default: [],
  description:
    'more daemons, one entry each: name=NAME;pid-file=...;dump-dir=...;notify-fifo=... (keys as the per-daemon flags)',
});

const KEEPALIVED_SIGNAL_TIMEOUT = option({
  name: 'keepalived.signal-timeout',
  kind: 'number',
  max: MAX_TIMER_SECONDS,
  default: 2,
  description: 'seconds to wait for a fresh dump after signalling (keep below the scrape timeout)',
});

const KEEPALIVED_BINARY = option({
  name: 'keepalived.binary',
  kind: 'string',
  default: 'keepalived',
  description: 'keepalived binary asked for its signal numbers (--signum)',
});

const KEEPALIVED_IP_BINARY = option({
  name: 'keepalived.ip-binary',
  kind: 'string',
  default: 'ip',
  description: "iproute2 ip binary used to list this host's addresses (ip -j addr)",
});

const KEEPALIVED_VRRP_LISTEN = option({
  name: 'keepalived.vrrp-listen',
  kind: 'list',
  default: [],
  description:
    'interfaces to capture VRRP adverts on (IP protocol 112, with tcpdump) to see every router advertising each VRID; needs CAP_NET_RAW',
});

const KEEPALIVED_TCPDUMP_PATH = option({
  name: 'keepalived.tcpdump-path',
  kind: 'string',
  default: 'tcpdump',
  description: 'tcpdump binary used by --keepalived.vrrp-listen',
});

const KEEPALIVED_VRRP_LISTEN_NETNS = option({
  name: 'keepalived.vrrp-listen-netns',
  kind: 'string',
  default: '',
  description: "network namespace to capture in (ip netns exec NAME tcpdump ...); empty = the exporter's own",
});

const KEEPALIVED_VRRP_LISTEN_MAX_ADVERTISERS = option({
  name: 'keepalived.vrrp-listen-max-advertisers',
  kind: 'number',
  default: 1024,
  description:
    'advertisers tracked per listened interface; adverts from further routers are counted as dropped',
});

/** Per-daemon settings: a flag `--keepalived.<key>` and a key of a `--keepalived.daemons` entry. */
const PER_DAEMON: readonly OptionSpec<'string' | 'boolean' | 'list'>[] = [
  KEEPALIVED_PID_FILE,
  KEEPALIVED_DUMP_DIR,
  KEEPALIVED_DUMP_FORMAT,
  KEEPALIVED_JSON_FILE,
  KEEPALIVED_DATA_FILE,
  KEEPALIVED_STATS_FILE,
  KEEPALIVED_CHECK_DATA_FILE,
  KEEPALIVED_CHECKER,
  KEEPALIVED_NOTIFY_FIFO,
  KEEPALIVED_CONFIG,
  KEEPALIVED_CONFIG_ID,
  KEEPALIVED_VIPS,
  KEEPALIVED_NETNS,
];

export const keepalivedOptions: readonly OptionSpec[] = [
  KEEPALIVED_DAEMON_NAME,
  ...PER_DAEMON,
  KEEPALIVED_DAEMONS,
  KEEPALIVED_SIGNAL_TIMEOUT,
  KEEPALIVED_BINARY,
  KEEPALIVED_IP_BINARY,
  KEEPALIVED_VRRP_LISTEN,
  KEEPALIVED_TCPDUMP_PATH,
  KEEPALIVED_VRRP_LISTEN_NETNS,
  KEEPALIVED_VRRP_LISTEN_MAX_ADVERTISERS,
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
    flat.set(key, options.get(spec));
  }
  const daemons: DaemonConfig[] = [];
  const first = daemonFrom(options.get(KEEPALIVED_DAEMON_NAME), flat);
  if (hasInput(first)) daemons.push(first);
  for (const entry of options.get(KEEPALIVED_DAEMONS)) daemons.push(parseDaemonEntry(entry));
  const names = new Set<string>();
  for (const d of daemons) {
    if (names.has(d.name)) throw new Error(`keepalived daemon name "${d.name}" is used twice`);
    names.add(d.name);
    if (!hasInput(d))
      throw new Error(
        `keepalived daemon "${d.name}" has no input (pid-file, a dump file, notify-fifo, config or vips)`,
      );
  }
  const timeout = options.get(KEEPALIVED_SIGNAL_TIMEOUT);
  if (!(timeout > 0)) throw new Error('--keepalived.signal-timeout must be a positive number of seconds');
  const interfaces = options.get(KEEPALIVED_VRRP_LISTEN);
  for (const intf of interfaces)
    if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(intf))
      throw new Error(`--keepalived.vrrp-listen: "${intf}" is not an interface name`);
  const netns = options.get(KEEPALIVED_VRRP_LISTEN_NETNS);
  if (netns !== '' && !/^[A-Za-z0-9_.-]+$/.test(netns))
    throw new Error(`--keepalived.vrrp-listen-netns: "${netns}" is not a namespace name`);
  const maxAdvertisers = options.get(KEEPALIVED_VRRP_LISTEN_MAX_ADVERTISERS);
  if (!Number.isInteger(maxAdvertisers) || maxAdvertisers < 1)
    throw new Error('--keepalived.vrrp-listen-max-advertisers must be a positive integer');
  return {
    daemons,
    wire: {
      interfaces: [...new Set(interfaces)],
      tcpdump: options.get(KEEPALIVED_TCPDUMP_PATH),
      netns,
      maxAdvertisers,
    },
    signalTimeoutMs: timeout * 1000,
    procfs: options.get(PROCFS),
    binary: options.get(KEEPALIVED_BINARY),
    ipBinary: options.get(KEEPALIVED_IP_BINARY),
  };
}
