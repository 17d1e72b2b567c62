import { type Endpoint, formatEndpoint } from '../../common/net/ip.js';
import type { SchedulerName, ServiceKey } from '../../common/ipvs/vocabulary.js';
import { maskAddr } from './addr.js';
import { createScheduler } from './schedulers/index.js';
import type { HashVariant } from './schedulers/hash.js';
import type { SchedulerSettings } from './schedulers/scheduler.js';
import type { DirectorCommand, ModelledSysctl, ServerSettings, ServiceSettings } from './config.js';
import { Conn } from './conn.js';
import { Dest, bindEntry, unbindEntry } from './dest.js';
import { seededRandom32 } from './random.js';
import type { Packet } from './packet.js';
import { Service } from './service.js';
import type { Direction } from './tcp.js';
import {
  DEFAULT_TCP_TIMEOUTS_MS,
  DEFAULT_UDP_TIMEOUT_MS,
  TCP_RST,
  TCP_SYN,
  TcpState,
  isActiveTcpState,
  nextTcpState,
} from './tcp.js';
import type { Timed } from './timers.js';
import { TimerQueue } from './timers.js';

/**
 * The director's starting configuration: the sysctls' values until a trace line changes them
 * (`setSysctl`), the hash variant and the random seed.
 */
export interface DirectorSettings {
  /** net.ipv4.vs.conn_reuse_mode (default 1): reschedule a SYN that reuses a finished entry. */
  readonly connReuseMode: number;
  /** net.ipv4.vs.expire_quiescent_template (default 0): weight-0 dests invalidate templates. */
  readonly expireQuiescentTemplate: boolean;
  readonly hashVariant: HashVariant;
  /** lblc_expiration / lblcr_expiration sysctls, ms (default 24 h). */
  readonly lblcExpirationMs: number;
  readonly lblcrExpirationMs: number;
  /** Seed for twos' random draws. */
  readonly seed: number;
}

export const DEFAULT_SETTINGS: DirectorSettings = {
  connReuseMode: 1,
  expireQuiescentTemplate: false,
  hashVariant: 'hash32',
  lblcExpirationMs: 86_400_000,
  lblcrExpirationMs: 86_400_000,
  seed: 1,
};

/** What happened to a client packet: the entry it joined or created, if any. */
export interface InboundResult {
  /** The connection the packet was accepted into; null when dropped, refused or ignored. */
  readonly conn: Conn | null;
  /** The packet belonged to an entry that already existed (accepted or dropped). */
  readonly existing: boolean;
  /** Label of the virtual service involved, if any (the entry's, or the one that matched). */
  readonly serviceLabel: string | null;
}

/** A dest in the trash is freed after this long unreferenced (IP_VS_DEST_TRASH_PERIOD). */
const DEST_TRASH_PERIOD_MS = 120_000;
/** A template or connection that still controls others when its timer fires lives 60 s more. */
export const EXPIRE_LATER_MS = 60_000;
export const FTP_PORT = 21;
export const FTP_DATA_PORT = 20;

function serviceKey(spec: ServiceKey): string {
  return spec.kind === 'fwmark'
    ? `fwm|${spec.family}|${spec.mark}`
    : `${spec.proto}|${spec.addr.text}|${spec.port}`;
}

function connKey(pkt: Packet): string {
  return `${pkt.proto}|${pkt.saddr.text}|${pkt.sport}|${pkt.daddr.text}|${pkt.dport}`;
}

/**
 * The IPVS core of one director: services and their dests, the connection and template tables,
 * the dest trash, and every timer, driven by ipvsadm commands and client packets in time order
 * (ip_vs_ctl.c, ip_vs_core.c, ip_vs_conn.c as of Linux 6.1).
 */
export class Director {
  readonly services = new Map<string, Service>();
  private readonly conns = new Map<string, Conn>();
  private readonly templates = new Map<string, Conn>();
  private readonly trash = new Map<string, Dest>();
  private readonly timers = new TimerQueue();
  /** The time the timers are being run up to (exclusive). */
  private until = -Infinity;
  private readonly tcpTimeoutsMs = [...DEFAULT_TCP_TIMEOUTS_MS];
  private udpTimeoutMs = DEFAULT_UDP_TIMEOUT_MS;
  /** conn_reuse_mode and expire_quiescent_template as the kernel stores them (any int). */
  private connReuseMode: number;
  private expireQuiescentTemplate: number;
  /** Shared with every lblc/lblcr scheduler, which read the expirations at each use. */
  private readonly schedulerSettings: { -readonly [K in keyof SchedulerSettings]: SchedulerSettings[K] };
  private readonly trashTimer: Timed;
  private readonly expireConn = (conn: Conn, now: number): void => this.expire(conn, now);

  constructor(settings: DirectorSettings = DEFAULT_SETTINGS) {
    this.connReuseMode = settings.connReuseMode;
    this.expireQuiescentTemplate = settings.expireQuiescentTemplate ? 1 : 0;
    this.schedulerSettings = {
      hashVariant: settings.hashVariant,
      lblcExpirationMs: settings.lblcExpirationMs,
      lblcrExpirationMs: settings.lblcrExpirationMs,
      random32: seededRandom32(settings.seed),
    };
    this.trashTimer = { expiresAt: Infinity, queuedAt: Infinity, fire: (now) => this.sweepTrash(now) };
  }

  /**
   * `sysctl -w net.ipv4.vs.NAME=VALUE` at `now` (expirations in seconds). Like the kernel, which
   * reads these per packet or per timer run, the new value applies from `now` on, to existing
   * services and entries too; timers due before `now` still ran with the old one.
   */
  setSysctl(now: number, name: ModelledSysctl, value: number): void {
    this.advance(now);
    switch (name) {
      case 'conn_reuse_mode':
        this.connReuseMode = value;
        return;
      case 'expire_quiescent_template':
        this.expireQuiescentTemplate = value;
        return;
      case 'lblc_expiration':
        this.schedulerSettings.lblcExpirationMs = value * 1000;
        return;
      case 'lblcr_expiration':
        this.schedulerSettings.lblcrExpirationMs = value * 1000;
        return;
    }
  }

  /** Runs every timer due before `now`. */
  advance(now: number): void {
    this.until = now;
    this.timers.runUntil(now);
  }

  /** Applies one ipvsadm command; returns the error ipvsadm would print, or null. */
  apply(now: number, cmd: DirectorCommand): string | null {
    this.advance(now);
    switch (cmd.op) {
      case 'add-service':
        return this.addService(now, cmd.service, cmd.settings);
      case 'edit-service':
        return this.editService(now, cmd.service, cmd.settings);
      case 'delete-service': {
        const svc = this.services.get(serviceKey(cmd.service));
        if (!svc) return 'No such service';
        this.deleteService(now, svc);
        return null;
      }
      case 'clear':
        for (const svc of [...this.services.values()]) this.deleteService(now, svc);
        return null;
      case 'add-server':
        return this.addServer(cmd.service, cmd.server, cmd.settings);
      case 'edit-server':
        return this.editServer(cmd.service, cmd.server, cmd.settings);
      case 'delete-server':
        return this.deleteServer(now, cmd.service, cmd.server);
      case 'set-timeouts':
        if (cmd.tcpS > 0) this.tcpTimeoutsMs[TcpState.Established] = cmd.tcpS * 1000;
        if (cmd.tcpFinS > 0) this.tcpTimeoutsMs[TcpState.FinWait] = cmd.tcpFinS * 1000;
        if (cmd.udpS > 0) this.udpTimeoutMs = cmd.udpS * 1000;
        return null;
      case 'zero': {
        const targets =
          cmd.service === null ? [...this.services.values()] : [this.services.get(serviceKey(cmd.service))];
        if (targets[0] === undefined && cmd.service !== null) return 'No such service';
        for (const svc of targets) {
          if (!svc) continue;
          svc.statsConns = 0;
          for (const d of svc.dests) d.statsConns = 0;
        }
        return null;
      }
      case 'read-only':
        return null;
    }
  }

  /**
   * A packet from the client (ip_vs_in): joins its entry, or — for a TCP SYN or any UDP
   * datagram without one — is scheduled to a new entry. `tcpFlags` are TCP_* bits.
   */
  inbound(now: number, pkt: Packet, tcpFlags: number): InboundResult {
    this.advance(now);
    const key = connKey(pkt);
    let conn = this.conns.get(key) ?? null;
    if (conn !== null && pkt.proto === 'tcp' && (tcpFlags & TCP_SYN) !== 0 && conn.control === null) {
      if (this.connReuseMode !== 0 && this.finishedForReuse(conn)) {
        // The old entry is expired on the next timer tick, after this SYN is scheduled anew.
        if (conn.nControl === 0) this.timers.arm(conn, now);
        conn = null;
      }
    }
    // Packets of an entry whose dest was deleted are dropped (expire_nodest_conn = 0).
    if (conn !== null && !conn.dest.available)
      return { conn: null, existing: true, serviceLabel: conn.serviceLabel };
    const existing = conn !== null;
    if (conn === null) {
      if (pkt.proto === 'tcp' && ((tcpFlags & TCP_SYN) === 0 || (tcpFlags & TCP_RST) !== 0)) {
        return { conn: null, existing, serviceLabel: null };
      }
      const service = this.findService(pkt);
      if (service === null) return { conn: null, existing, serviceLabel: null };
      conn = this.schedule(service, pkt, now);
      if (conn === null) return { conn: null, existing, serviceLabel: service.label };
    }
    this.transition(conn, conn.noOutput ? 'input-only' : 'input', tcpFlags);
    this.rearm(conn, now);
    return { conn, existing, serviceLabel: conn.serviceLabel };
  }

  /** A reply from the real server that the director forwards (NAT only, ip_vs_out). */
  outbound(now: number, conn: Conn, tcpFlags: number): void {
    this.advance(now);
    conn.noOutput = false;
    this.transition(conn, 'output', tcpFlags);
    this.rearm(conn, now);
  }

  /** TCP entries a new SYN may replace (is_new_conn_expected). */
  private finishedForReuse(conn: Conn): boolean {
    if (conn.proto !== 'tcp') return false;
    if (conn.state === TcpState.TimeWait || conn.state === TcpState.Close) return true;
    return (this.connReuseMode & 2) !== 0 && conn.state === TcpState.FinWait && conn.noOutput;
  }

  /** ip_vs_service_find: fwmark first, then exact, then an FTP service for data ports, then port 0. */
  private findService(pkt: Packet): Service | null {
    if (pkt.mark !== 0) {
      const svc = this.services.get(`fwm|${pkt.family}|${pkt.mark}`);
      if (svc) return svc;
    }
    const prefix = `${pkt.proto}|${pkt.daddr.text}|`;
    const exact = this.services.get(prefix + pkt.dport);
    if (exact) return exact;
    if (pkt.proto === 'tcp' && (pkt.dport === FTP_DATA_PORT || pkt.dport >= 1024)) {
      const ftp = this.services.get(prefix + FTP_PORT);
      if (ftp) return ftp;
    }
    return this.services.get(`${prefix}0`) ?? null;
  }

  /** ip_vs_schedule: persistence first, then the scheduler; creates and binds the entry. */
  private schedule(svc: Service, pkt: Packet, now: number): Conn | null {
    if (pkt.sport === FTP_DATA_PORT) return null; // never schedules active FTP data
    if (svc.persistent) return this.schedulePersistent(svc, pkt, now);
    if (svc.fwmark === 0 && pkt.dport !== svc.port) return null; // port-0 service without -p
    const dest = svc.scheduler.schedule(svc, pkt, now);
    if (dest === null) return null;
    return this.newConn(svc, pkt, dest, dest.port !== 0 ? dest.port : pkt.dport);
  }

  /** ip_vs_sched_persist: a valid template for the client network bypasses the scheduler. */
  private schedulePersistent(svc: Service, pkt: Packet, now: number): Conn | null {
    const snet = maskAddr(pkt.saddr, svc.netmask);
    let proto: string = pkt.proto;
    let vaddr = pkt.daddr.text;
    let vport = 0;
    if (pkt.dport === svc.port) {
      if (svc.port !== FTP_PORT) vport = pkt.dport;
    } else if (svc.fwmark !== 0) {
      proto = 'ip';
      vaddr = `fwm:${svc.fwmark}`;
    }
    const tkey = `${svc.family}|${proto}|${snet.text}|${vaddr}|${vport}`;
    let ct = this.templates.get(tkey) ?? null;
    if (ct === null || !this.checkTemplate(ct)) {
      const dest = svc.scheduler.schedule(svc, pkt, now);
      if (dest === null) return null;
      ct = new Conn(tkey, pkt.proto, true, dest, dest.label, svc.label, false, this.expireConn);
      ct.timeoutMs = svc.timeoutMs;
      this.bind(ct);
      this.templates.set(tkey, ct);
    }
    const dest = ct.dest;
    const dport = pkt.dport === svc.port && dest.port !== 0 ? dest.port : pkt.dport;
    const conn = this.newConn(svc, pkt, dest, dport);
    conn.control = ct;
    ct.nControl++;
    this.rearm(ct, now);
    return conn;
  }

  /** ip_vs_check_template: a template to a removed (or, optionally, quiesced) dest is dropped. */
  private checkTemplate(ct: Conn): boolean {
    const d = ct.dest;
    if (d.available && !(this.expireQuiescentTemplate !== 0 && d.weight === 0)) return true;
    // Invalidated: unhashed now, it lives on (still counted) until its timer fires.
    if (this.templates.get(ct.key) === ct) this.templates.delete(ct.key);
    return false;
  }

  private newConn(svc: Service, pkt: Packet, dest: Dest, dport: number): Conn {
    const onePacket = svc.onePacket && pkt.proto === 'udp';
    const conn = new Conn(
      connKey(pkt),
      pkt.proto,
      false,
      dest,
      formatEndpoint(dest.addr, dport),
      svc.label,
      onePacket,
      this.expireConn,
    );
    this.bind(conn);
    // One-packet entries are never hashed: nothing can find them again.
    if (!onePacket) this.conns.set(conn.key, conn);
    dest.statsConns++;
    svc.statsConns++;
    return conn;
  }

  /** ip_vs_bind_dest: count the entry, then raise OVERLOAD at the upper threshold. */
  private bind(conn: Conn): void {
    bindEntry(conn.dest, conn.template);
  }

  /** ip_vs_unbind_dest: uncount, then clear OVERLOAD by the lower threshold (or ¾ of the upper). */
  private unbind(conn: Conn): void {
    unbindEntry(conn.dest, conn.template, conn.inactive);
  }

  /** State transition of a packet; moves the entry between active and inactive counters. */
  private transition(conn: Conn, direction: Direction, tcpFlags: number): void {
    if (conn.proto !== 'tcp') {
      conn.timeoutMs = this.udpTimeoutMs;
      return;
    }
    const next = nextTcpState(direction, conn.state, tcpFlags);
    if (next !== conn.state) {
      const d = conn.dest;
      const active = isActiveTcpState(next);
      if (!conn.inactive && !active) {
        d.activeConns--;
        d.inactConns++;
        conn.inactive = true;
      } else if (conn.inactive && active) {
        d.inactConns--;
        d.activeConns++;
        conn.inactive = false;
      }
    }
    conn.state = next;
    conn.timeoutMs = this.tcpTimeoutsMs[next] ?? 0;
  }

  /** ip_vs_conn_put: the timer restarts with the current timeout (one-packet entries: now). */
  private rearm(conn: Conn, now: number): void {
    this.timers.arm(conn, conn.onePacket ? now : now + conn.timeoutMs);
  }

  /** ip_vs_conn_expire. */
  private expire(conn: Conn, now: number): void {
    if (conn.nControl > 0) {
      conn.timeoutMs = EXPIRE_LATER_MS;
      this.timers.arm(conn, now + EXPIRE_LATER_MS);
      return;
    }
    const table = conn.template ? this.templates : this.conns;
    if (table.get(conn.key) === conn) table.delete(conn.key);
    if (conn.control !== null) conn.control.nControl--;
    this.unbind(conn);
  }

  private addService(now: number, spec: ServiceKey, settings: ServiceSettings): string | null {
    const key = serviceKey(spec);
    if (this.services.has(key)) return 'Service already exists';
    const scheduler = createScheduler(
      settings.scheduler,
      { dests: [], schedFlags: 0 },
      this.schedulerSettings,
    );
    const svc =
      spec.kind === 'fwmark'
        ? new Service(
            key,
            `fwm:${spec.mark}`,
            spec.family,
            null,
            null,
            0,
            spec.mark,
            settings.scheduler,
            scheduler,
          )
        : new Service(
            key,
            formatEndpoint(spec.addr, spec.port),
            spec.addr.family,
            spec.proto,
            spec.addr,
            spec.port,
            0,
            settings.scheduler,
            scheduler,
          );
    this.configure(svc, settings);
    this.startHousekeeping(svc, now);
    this.services.set(key, svc);
    return null;
  }

  private editService(now: number, spec: ServiceKey, settings: ServiceSettings): string | null {
    const svc = this.services.get(serviceKey(spec));
    if (!svc) return 'No such service';
    // The same scheduler module is kept as it is; another one is bound afresh.
    if (settings.scheduler !== svc.schedulerName) this.rebindScheduler(svc, settings.scheduler, now);
    this.configure(svc, settings);
    return null;
  }

  private configure(svc: Service, settings: ServiceSettings): void {
    svc.persistent = settings.persistenceS !== null;
    svc.timeoutMs = (settings.persistenceS ?? 0) * 1000;
    svc.netmask = settings.netmask;
    svc.schedFlags = settings.schedFlags;
    svc.onePacket = settings.onePacket;
  }

  private rebindScheduler(svc: Service, name: SchedulerName, now: number): void {
    this.stopHousekeeping(svc);
    svc.scheduler.release?.();
    svc.schedulerName = name;
    svc.scheduler = createScheduler(name, svc, this.schedulerSettings);
    this.startHousekeeping(svc, now);
  }

  private startHousekeeping(svc: Service, now: number): void {
    const period = svc.scheduler.periodMs;
    const scheduler = svc.scheduler;
    if (period === undefined || scheduler.tick === undefined) return;
    const timer: Timed = {
      expiresAt: Infinity,
      queuedAt: Infinity,
      fire: (at) => {
        scheduler.tick?.(at);
        // Ticks before `until` that would change nothing are counted, not queued one by one.
        const next = at + period;
        this.timers.arm(timer, scheduler.nextTick?.(next, this.until) ?? next);
      },
    };
    svc.housekeeping = timer;
    this.timers.arm(timer, now + period);
  }

  private stopHousekeeping(svc: Service): void {
    if (svc.housekeeping !== null) this.timers.cancel(svc.housekeeping);
    svc.housekeeping = null;
  }

  private deleteService(now: number, svc: Service): void {
    this.stopHousekeeping(svc);
    svc.scheduler.release?.();
    for (const d of svc.dests) this.toTrash(now, d);
    svc.dests.length = 0;
    this.services.delete(svc.key);
  }

  private findDest(svc: Service, server: Endpoint): Dest | undefined {
    return svc.dests.find((d) => d.port === server.port && d.addr.text === server.addr.text);
  }

  private addServer(spec: ServiceKey, server: Endpoint, settings: ServerSettings): string | null {
    const svc = this.services.get(serviceKey(spec));
    if (!svc) return 'Service not defined';
    if (settings.lThreshold > settings.uThreshold) return 'lower threshold is higher than upper threshold';
    if (this.findDest(svc, server)) return 'Destination already exists';
    const trashKey = `${svc.key}#${server.addr.text}|${server.port}`;
    // A dest deleted recently is revived with its counters and flags (ip_vs_trash_get_dest).
    let dest = this.trash.get(trashKey);
    if (dest) {
      this.trash.delete(trashKey);
      dest.idleSince = null;
    } else {
      dest = new Dest(server.addr, server.port, formatEndpoint(server.addr, server.port), svc.key);
    }
    this.update(dest, settings, true);
    svc.dests.unshift(dest);
    svc.scheduler.onUpdate(svc, 'add', dest, 0);
    return null;
  }

  private editServer(spec: ServiceKey, server: Endpoint, settings: ServerSettings): string | null {
    const svc = this.services.get(serviceKey(spec));
    if (!svc) return 'Service not defined';
    if (settings.lThreshold > settings.uThreshold) return 'lower threshold is higher than upper threshold';
    const dest = this.findDest(svc, server);
    if (!dest) return 'No such destination';
    this.update(dest, settings, false);
    svc.scheduler.onUpdate(svc, 'edit', dest, svc.dests.indexOf(dest));
    return null;
  }

  /** __ip_vs_update_dest. */
  private update(dest: Dest, settings: ServerSettings, add: boolean): void {
    if (add || settings.weight !== 0) dest.lastWeight = settings.weight;
    dest.weight = settings.weight;
    dest.forward = settings.forward;
    dest.available = true;
    if (settings.uThreshold === 0 || settings.uThreshold > dest.uThreshold) dest.overloaded = false;
    dest.uThreshold = settings.uThreshold;
    dest.lThreshold = settings.lThreshold;
  }

  private deleteServer(now: number, spec: ServiceKey, server: Endpoint): string | null {
    const svc = this.services.get(serviceKey(spec));
    if (!svc) return 'Service not defined';
    const dest = this.findDest(svc, server);
    if (!dest) return 'No such destination';
    const index = svc.dests.indexOf(dest);
    svc.dests.splice(index, 1);
    dest.available = false;
    svc.scheduler.onUpdate(svc, 'delete', dest, index);
    this.toTrash(now, dest);
    return null;
  }

  private toTrash(now: number, dest: Dest): void {
    dest.available = false;
    dest.idleSince = null;
    if (this.trash.size === 0) this.timers.arm(this.trashTimer, now + DEST_TRASH_PERIOD_MS / 2);
    this.trash.set(`${dest.serviceKey}#${dest.addr.text}|${dest.port}`, dest);
  }

  /** ip_vs_dest_trash_expire: free dests unreferenced for a whole period. */
  private sweepTrash(now: number): void {
    for (const [key, dest] of this.trash) {
      if (dest.refs > 0) continue;
      if (dest.idleSince === null) dest.idleSince = now;
      else if (now >= dest.idleSince + DEST_TRASH_PERIOD_MS) this.trash.delete(key);
    }
    if (this.trash.size > 0) this.timers.arm(this.trashTimer, now + DEST_TRASH_PERIOD_MS / 2);
  }
}
