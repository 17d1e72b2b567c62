import { FieldError } from '../ipvsadm/parse-command.js';
import type { ModelledSysctl, SysctlSetting } from '../../kernel/config.js';
import { quoted } from '../../../common/parse/printable.js';

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
/** proc_dointvec_jiffies limit: INT_MAX / HZ seconds, with Debian's HZ = 250. */
const JIFFIES_MAX_S = Math.trunc(INT_MAX / 250);

/** The knobs the model honours and the values Linux 6.1 accepts for them. */
const MODELLED: Readonly<Record<ModelledSysctl, { readonly min: number; readonly max: number }>> = {
  conn_reuse_mode: { min: INT_MIN, max: INT_MAX },
  expire_quiescent_template: { min: INT_MIN, max: INT_MAX },
  lblc_expiration: { min: -JIFFIES_MAX_S, max: JIFFIES_MAX_S },
  lblcr_expiration: { min: -JIFFIES_MAX_S, max: JIFFIES_MAX_S },
};

/** The other net.ipv4.vs knobs of Linux 6.1 (/proc/sys/net/ipv4/vs/ with every scheduler loaded). */
const UNMODELLED: ReadonlySet<string> = new Set([
  'am_droprate',
  'amemthresh',
  'backup_only',
  'cache_bypass',
  'conntrack',
  'drop_entry',
  'drop_packet',
  'expire_nodest_conn',
  'ignore_tunneled',
  'nat_icmp_send',
  'pmtu_disc',
  'run_estimation',
  'schedule_icmp',
  'secure_tcp',
  'sloppy_sctp',
  'sloppy_tcp',
  'snat_reroute',
  'sync_persist_mode',
  'sync_ports',
  'sync_qlen_max',
  'sync_refresh_period',
  'sync_retries',
  'sync_sock_size',
  'sync_threshold',
  'sync_version',
]);

function isModelled(name: string): name is ModelledSysctl {
  return Object.hasOwn(MODELLED, name);
}

function setting(word: string): SysctlSetting {
  const eq = word.indexOf('=');
  if (eq < 0) {
    throw new FieldError(word || 'sysctl', 'expected net.ipv4.vs.NAME=VALUE (a trace only sets sysctls)');
  }
  const key = word.slice(0, eq);
  // The key names the field; `=1` has none, so the field says what is missing.
  if (key === '') throw new FieldError('sysctl key', `${quoted(word)}: no NAME before "="`);
  const text = word.slice(eq + 1);
  // sysctl reads a key with slashes as a /proc/sys path.
  const dotted = key.includes('/') ? key.replaceAll('/', '.') : key;
  const m = /^net\.ipv4\.vs\.([a-z0-9_]+)$/.exec(dotted);
  if (!m) throw new FieldError(key, 'only net.ipv4.vs.* sysctls (IPVS) belong in a trace');
  const name = m[1] ?? '';
  if (!isModelled(name)) {
    if (!UNMODELLED.has(name)) throw new FieldError(key, 'not an IPVS sysctl of Linux 6.1');
    if (text === '') throw new FieldError(key, 'no value after "="');
    return { modelled: false, name, value: text };
  }
  const { min, max } = MODELLED[name];
  // Decimal only: the kernel reads 0x… as hex and a leading 0 as octal.
  if (!/^-?(0|[1-9]\d*)$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new FieldError(key, `${quoted(text)} is not a decimal integer from ${min} to ${max}`);
  }
  return { modelled: true, name, value: Number(text) };
}

/**
 * Parses the arguments of a `sysctl [-w] KEY=VALUE…` line (without the program name): each KEY
 * is `net.ipv4.vs.NAME` or `net/ipv4/vs/NAME`. Throws FieldError naming the word at fault.
 */
export function parseSysctl(args: readonly string[]): SysctlSetting[] {
  const settings: SysctlSetting[] = [];
  for (const word of args) {
    if (word === '-w' || word === '--write') continue;
    if (word.startsWith('-')) {
      throw new FieldError(`sysctl ${word}`, 'only -w is accepted in a trace');
    }
    settings.push(setting(word));
  }
  if (settings.length === 0) throw new FieldError('sysctl', 'no net.ipv4.vs.NAME=VALUE given');
  return settings;
}
