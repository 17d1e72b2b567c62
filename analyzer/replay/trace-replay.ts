import { forwardLabel } from '../../common/ipvs/vocabulary.js';
import { formatEndpoint } from '../../common/net/ip.js';
import type { DirectorSettings, InboundResult } from '../kernel/director.js';
import { DEFAULT_SETTINGS, Director } from '../kernel/director.js';
import { Packet } from '../kernel/packet.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../kernel/tcp.js';
import type { TraceEvent, TraceLine } from '../inputs/trace/types.js';

/** One row of `simulate` output: a connection attempt and the real server the kernel picks. */
export interface ConnectionRow {
  readonly timeMs: number;
  readonly proto: string;
  readonly client: string;
  readonly service: string;
  /** `ip:port`, or `-` when no entry was created (no dest available, or nothing matched). */
  readonly realServer: string;
}

export interface DestinationCounters {
  readonly realServer: string;
  /** As the kernel prints it: Masq, Route, Tunnel (Local). */
  readonly forward: string;
  readonly weight: number;
  readonly activeConns: number;
  readonly inactiveConns: number;
  readonly persistentConns: number;
  /** Connections scheduled to it (ipvsadm --stats Conns). */
  readonly conns: number;
}

export interface ServiceCounters {
  readonly service: string;
  readonly protocol: string;
  readonly scheduler: string;
  readonly persistentTimeoutS: number | null;
  readonly conns: number;
  /** In kernel order (`ipvsadm -Ln --nosort`): the most recently added first. */
  readonly destinations: readonly DestinationCounters[];
}

/**
 * An ipvsadm line the kernel (or ipvsadm) would reject, or a sysctl the model does not honour;
 * the replay goes on without it.
 */
export interface ReplayWarning {
  readonly line: number;
  readonly message: string;
}

/**
 * Replays parsed trace lines on a Director. The trace only has client-side events; the replay
 * adds what the director would see of the real server for the same close in NAT mode (the
 * server's FIN), since NAT directors see replies and DR/TUN directors do not.
 *
 * Rows: every `syn` or `udp` that does not belong to an existing entry — it creates one (the
 * real server is printed), or nothing takes it (`-`: no service, no usable dest). A SYN that
 * replaces a finished entry (conn_reuse_mode) is new; one that follows a live entry is not.
 * One-packet services (-o) create an entry, and so a row, for every datagram.
 */
export class Replay {
  readonly director: Director;
  readonly warnings: ReplayWarning[] = [];

  constructor(settings: DirectorSettings = DEFAULT_SETTINGS) {
    this.director = new Director(settings);
  }

  feed(line: TraceLine): ConnectionRow | null {
    const item = line.item;
    if (item.type === 'ipvsadm') {
      const error = this.director.apply(line.timeMs, item.command);
      if (error !== null)
        this.warnings.push({ line: line.line, message: `ipvsadm ${item.command.op}: ${error}` });
      return null;
    }
    if (item.type === 'sysctl') {
      for (const s of item.settings) {
        if (s.modelled) this.director.setSysctl(line.timeMs, s.name, s.value);
        else
          this.warnings.push({
            line: line.line,
            message: `sysctl net.ipv4.vs.${s.name}: not modelled, ignored (simulate keeps the 6.1 default)`,
          });
      }
      return null;
    }
    return this.event(line.timeMs, item.event);
  }

  private event(now: number, ev: TraceEvent): ConnectionRow | null {
    const pkt = new Packet(
      ev.proto,
      ev.client.addr,
      ev.client.port,
      ev.target.addr,
      ev.target.port,
      ev.fwmark,
    );
    const d = this.director;
    switch (ev.kind) {
      case 'syn': {
        const r = d.inbound(now, pkt, TCP_SYN);
        return r.existing ? null : this.row(now, ev, r);
      }
      case 'est':
        d.inbound(now, pkt, TCP_ACK);
        return null;
      case 'fin': {
        const r = d.inbound(now, pkt, TCP_FIN | TCP_ACK);
        if (r.conn === null) return null;
        if (!r.conn.noOutput) d.outbound(now, r.conn, TCP_FIN | TCP_ACK);
        d.inbound(now, pkt, TCP_ACK);
        return null;
      }
      case 'rst':
        d.inbound(now, pkt, TCP_RST);
        return null;
      case 'udp': {
        const r = d.inbound(now, pkt, 0);
        return r.existing ? null : this.row(now, ev, r);
      }
    }
  }

  private row(now: number, ev: TraceEvent, r: InboundResult): ConnectionRow {
    return {
      timeMs: now,
      proto: ev.proto,
      client: formatEndpoint(ev.client.addr, ev.client.port),
      service: r.serviceLabel ?? formatEndpoint(ev.target.addr, ev.target.port),
      realServer: r.conn?.destLabel ?? '-',
    };
  }

  /** Every service and dest with its counters as of the last line fed. */
  counters(): ServiceCounters[] {
    return [...this.director.services.values()].map((svc) => ({
      service: svc.label,
      protocol: svc.proto ?? 'fwm',
      scheduler: svc.schedulerName,
      persistentTimeoutS: svc.persistent ? svc.timeoutMs / 1000 : null,
      conns: svc.statsConns,
      destinations: svc.dests.map((dest) => ({
        realServer: dest.label,
        forward: forwardLabel(dest.forward),
        weight: dest.weight,
        activeConns: dest.activeConns,
        inactiveConns: dest.inactConns,
        persistentConns: dest.persistConns,
        conns: dest.statsConns,
      })),
    }));
  }
}
