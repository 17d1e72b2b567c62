/**
 * A candidate director configuration for a timeline: per timeline service its scheduler and
 * flags, persistence, and real servers with weights, forwarding methods and thresholds (the
 * kernel model's own ServiceSettings/ServerSettings), plus timeouts, sysctls, the hash variant
 * and twos' seed. The engine builds its services from the ipvsadm commands below, on the same
 * Director code `simulate` runs, and toTrace writes the same commands as ipvsadm lines.
 */
import {
  type SchedulerName,
  type ServiceKey,
  netmaskLabel,
  serviceFamily,
} from '../../common/ipvs/vocabulary.js';
import { type Endpoint, formatEndpoint, parseEndpoint } from '../../common/net/ip.js';
import type { DirectorCommand, ServerSettings, ServiceSettings } from '../kernel/config.js';
import { DEFAULT_SETTINGS, type DirectorSettings } from '../kernel/director.js';
import { SCHED_FLAG_1, SCHED_FLAG_2, SCHED_FLAG_3 } from '../kernel/schedulers/scheduler.js';
import { DEFAULT_TCP_TIMEOUTS_MS, TcpState } from '../kernel/tcp.js';
import type { Timeline } from './timeline.js';

export interface CandidateServer {
  readonly server: Endpoint;
  readonly settings: ServerSettings;
}

export interface CandidateService {
  readonly settings: ServiceSettings;
  /** In the order `ipvsadm -a` adds them: the kernel's list (and its tie-breaks) is the reverse. */
  readonly servers: readonly CandidateServer[];
}

/** ipvsadm --set, seconds (0 keeps the 6.1 default: 900 120 300). */
export interface Timeouts {
  readonly tcpS: number;
  readonly tcpFinS: number;
  readonly udpS: number;
}

export interface Candidate {
  /** A label for reports. */
  readonly name?: string;
  /** One per timeline service, same index. */
  readonly services: readonly CandidateService[];
  /** Sysctls at the start, hash variant, seed (default: the 6.1 defaults, seed 1). */
  readonly director?: Partial<DirectorSettings>;
  readonly timeouts?: Timeouts;
}

export function directorSettings(c: Candidate): DirectorSettings {
  return { ...DEFAULT_SETTINGS, ...c.director };
}

/** TCP state timeouts (ms) after `ipvsadm --set`, indexed by TcpState. */
export function tcpTimeoutsMs(c: Candidate): number[] {
  const t = [...DEFAULT_TCP_TIMEOUTS_MS];
  if (c.timeouts && c.timeouts.tcpS > 0) t[TcpState.Established] = c.timeouts.tcpS * 1000;
  if (c.timeouts && c.timeouts.tcpFinS > 0) t[TcpState.FinWait] = c.timeouts.tcpFinS * 1000;
  return t;
}

/** A short form for the common case: one scheduler, weights, one forwarding method. */
export interface ServiceSpec {
  readonly scheduler: SchedulerName;
  readonly schedFlags?: number;
  /** Seconds, or null/absent for a non-persistent service. */
  readonly persistenceS?: number | null;
  readonly netmask?: number;
  readonly servers: readonly {
    /** `ip:port` or an Endpoint; DR/TUN servers of an address service take its port. */
    readonly server: string | Endpoint;
    readonly weight: number;
    readonly forward?: ServerSettings['forward'];
    readonly uThreshold?: number;
    readonly lThreshold?: number;
  }[];
}

function endpointOf(text: string | Endpoint): Endpoint {
  if (typeof text !== 'string') return text;
  const ep = parseEndpoint(text);
  if (typeof ep === 'string') throw new Error(`candidate: ${ep}`);
  return { addr: ep.addr, port: ep.port };
}

/** A candidate from short specs, one per timeline service. */
export function candidate(
  t: Pick<Timeline, 'services'>,
  specs: readonly ServiceSpec[],
  extra: Omit<Candidate, 'services'> = {},
): Candidate {
  if (specs.length !== t.services.length) throw new Error('candidate: one spec per timeline service');
  return {
    ...extra,
    services: specs.map((s, i) => {
      const key = (t.services[i] as Timeline['services'][number]).key;
      const family = serviceFamily(key);
      return {
        settings: {
          scheduler: s.scheduler,
          persistenceS: s.persistenceS ?? null,
          netmask: s.netmask ?? (family === 6 ? 128 : 0xffffffff),
          schedFlags: s.schedFlags ?? 0,
          onePacket: false,
        },
        servers: s.servers.map((r) => {
          const forward = r.forward ?? 'route';
          let server = endpointOf(r.server);
          // ipvsadm sends the service's port for DR and TUN servers of address services.
          if (forward !== 'masq' && key.kind === 'addr') server = { addr: server.addr, port: key.port };
          return {
            server,
            settings: {
              forward,
              weight: r.weight,
              uThreshold: r.uThreshold ?? 0,
              lThreshold: r.lThreshold ?? 0,
            },
          };
        }),
      };
    }),
  };
}

/** The ipvsadm commands that set the candidate up, in order (all at time 0). */
export function candidateCommands(t: Pick<Timeline, 'services'>, c: Candidate): DirectorCommand[] {
  if (c.services.length !== t.services.length) throw new Error('candidate: one service per timeline service');
  const out: DirectorCommand[] = [];
  if (c.timeouts) out.push({ op: 'set-timeouts', ...c.timeouts });
  c.services.forEach((s, i) => {
    const service = (t.services[i] as Timeline['services'][number]).key;
    if (s.settings.onePacket) throw new Error('candidate: one-packet scheduling is for UDP services');
    out.push({ op: 'add-service', service, settings: s.settings });
    const seen = new Set<string>();
    for (const r of s.servers) {
      if (r.settings.forward === 'local')
        throw new Error('candidate: ipvsadm has no "local" forwarding method');
      if (r.settings.lThreshold > r.settings.uThreshold)
        throw new Error('candidate: lower threshold is higher than upper threshold');
      if (service.kind === 'addr' && r.settings.forward !== 'masq' && r.server.port !== service.port)
        throw new Error(
          `candidate: a DR/TUN server of ${formatEndpoint(service.addr, service.port)} uses its port`,
        );
      const id = formatEndpoint(r.server.addr, r.server.port);
      if (seen.has(id)) throw new Error(`candidate: server ${id} twice in one service`);
      seen.add(id);
      out.push({ op: 'add-server', service, server: r.server, settings: r.settings });
    }
  });
  return out;
}

function serviceArgs(key: ServiceKey): string {
  if (key.kind === 'fwmark') return `-f ${key.mark}${key.family === 6 ? ' -6' : ''}`;
  return `-t ${formatEndpoint(key.addr, key.port)}`;
}

function flagsText(scheduler: SchedulerName, flags: number): string {
  const names: string[] = [];
  const named = scheduler === 'sh' || scheduler === 'mh';
  if (flags & SCHED_FLAG_1) names.push(named ? `${scheduler}-fallback` : 'flag-1');
  if (flags & SCHED_FLAG_2) names.push(named ? `${scheduler}-port` : 'flag-2');
  if (flags & SCHED_FLAG_3) names.push('flag-3');
  return names.join(',');
}

/** One command as an ipvsadm command line (what the trace parser reads back). */
export function ipvsadmLine(cmd: DirectorCommand): string {
  switch (cmd.op) {
    case 'add-service': {
      const s = cmd.settings;
      const family = serviceFamily(cmd.service);
      const parts = [`ipvsadm -A ${serviceArgs(cmd.service)} -s ${s.scheduler}`];
      if (s.persistenceS !== null) parts.push(`-p ${s.persistenceS}`);
      if (s.netmask !== (family === 6 ? 128 : 0xffffffff))
        parts.push(`-M ${netmaskLabel(s.netmask, family)}`);
      if (s.schedFlags !== 0) parts.push(`-b ${flagsText(s.scheduler, s.schedFlags)}`);
      return parts.join(' ');
    }
    case 'add-server': {
      const s = cmd.settings;
      const fwd = s.forward === 'masq' ? '-m' : s.forward === 'tunnel' ? '-i' : '-g';
      const parts = [
        `ipvsadm -a ${serviceArgs(cmd.service)} -r ${formatEndpoint(cmd.server.addr, cmd.server.port)} ${fwd} -w ${s.weight}`,
      ];
      if (s.uThreshold !== 0) parts.push(`-x ${s.uThreshold}`);
      if (s.lThreshold !== 0) parts.push(`-y ${s.lThreshold}`);
      return parts.join(' ');
    }
    case 'set-timeouts':
      return `ipvsadm --set ${cmd.tcpS} ${cmd.tcpFinS} ${cmd.udpS}`;
    default:
      throw new Error(`candidate: no ipvsadm line for ${cmd.op}`);
  }
}

/** The sysctl lines of the candidate's starting sysctls that differ from the 6.1 defaults. */
export function sysctlLines(c: Candidate): string[] {
  const s = directorSettings(c);
  const d = DEFAULT_SETTINGS;
  const lines: string[] = [];
  if (s.connReuseMode !== d.connReuseMode) lines.push(`net.ipv4.vs.conn_reuse_mode=${s.connReuseMode}`);
  if (s.expireQuiescentTemplate !== d.expireQuiescentTemplate)
    lines.push(`net.ipv4.vs.expire_quiescent_template=${s.expireQuiescentTemplate ? 1 : 0}`);
  if (s.lblcExpirationMs !== d.lblcExpirationMs) {
    if (s.lblcExpirationMs % 1000 !== 0) throw new Error('candidate: lblc expiration in whole seconds');
    lines.push(`net.ipv4.vs.lblc_expiration=${s.lblcExpirationMs / 1000}`);
  }
  if (s.lblcrExpirationMs !== d.lblcrExpirationMs) {
    if (s.lblcrExpirationMs % 1000 !== 0) throw new Error('candidate: lblcr expiration in whole seconds');
    lines.push(`net.ipv4.vs.lblcr_expiration=${s.lblcrExpirationMs / 1000}`);
  }
  return lines.map((l) => `sysctl -w ${l}`);
}

/** The `lvs-analyze simulate` flags for what a trace cannot say: hash variant and seed. */
export function simulateArgs(c: Candidate): string[] {
  const s = directorSettings(c);
  return ['--hash', s.hashVariant, '--seed', String(s.seed)];
}
