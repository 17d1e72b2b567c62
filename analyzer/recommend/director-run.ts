/**
 * One configuration over a timeline on the kernel model's Director itself (the code `simulate`
 * runs), with ipvsadm commands at given times: the what-if runs, which the lean engine cannot do
 * (it sets a candidate up once at time 0). Clients of a server that fails reconnect at once
 * (same client address, a fresh source port from 61000 up, outside Linux's default
 * ip_local_port_range) for the rest of their lifetime; their old entries stay in the table, as
 * the kernel keeps them (expire_nodest_conn = 0). Per-server ActiveConn/InActConn are sampled at
 * each step's end, so the result feeds the same measures as the lean engine's.
 */
import type { ServiceKey } from '../../common/ipvs/vocabulary.js';
import { type Endpoint, formatEndpoint } from '../../common/net/ip.js';
import type { DirectorCommand } from '../kernel/config.js';
import { Director } from '../kernel/director.js';
import { Packet } from '../kernel/packet.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../kernel/tcp.js';
import { type Candidate, candidateCommands, directorSettings } from '../replay/candidate.js';
import { type ReplayResult, type ReplayServer, heldSeries } from '../replay/engine.js';
import { EV_ARRIVAL, EV_CLOSE, EV_KEEPALIVE, type PreparedTimeline } from '../replay/events.js';
import { CLOSE_RST } from '../replay/timeline.js';

export interface TimedCommand {
  readonly atMs: number;
  readonly command: DirectorCommand;
  /** A delete-server for a failure: the server's open connections reconnect elsewhere. */
  readonly failure?: boolean;
}

export interface DirectorRun {
  readonly result: ReplayResult;
  /** Per timeline connection: the server index its SYN went to, or -1. */
  readonly picks: Int32Array;
  /** Connections (and reconnections) whose server failed while they were open. */
  readonly moved: number;
}

/** A small binary heap of synthetic events: [time, kind, reconnection]. */
class EventHeap {
  private readonly items: [number, number, number][] = [];
  get size(): number {
    return this.items.length;
  }
  peekTime(): number {
    return this.items[0]?.[0] ?? Infinity;
  }
  push(item: [number, number, number]): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if ((a[up] as [number, number, number])[0] <= item[0]) break;
      a[i] = a[up] as [number, number, number];
      i = up;
    }
    a[i] = item;
  }
  pop(): [number, number, number] {
    const a = this.items;
    const top = a[0] as [number, number, number];
    const last = a.pop() as [number, number, number];
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c =
          r < a.length && (a[r] as [number, number, number])[0] < (a[l] as [number, number, number])[0]
            ? r
            : l;
        if ((a[c] as [number, number, number])[0] >= last[0]) break;
        a[i] = a[c] as [number, number, number];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

const RECONNECT_PORT_BASE = 61_000;
const RECONNECT_PORTS = 65_535 - RECONNECT_PORT_BASE;

export function runOnDirector(
  p: PreparedTimeline,
  cand: Candidate,
  timed: readonly TimedCommand[],
  stepMs: number,
  extraServers: readonly Endpoint[] = [],
): DirectorRun {
  const t = p.timeline;
  if (t.services.length !== 1) throw new Error('what-if: one service per timeline');
  const svcInfo = t.services[0] as (typeof t.services)[number];
  const key: ServiceKey = svcInfo.key;
  const mark = key.kind === 'fwmark' ? key.mark : 0;
  const director = new Director(directorSettings(cand));
  for (const cmd of candidateCommands(t, cand)) {
    const error = director.apply(0, cmd);
    if (error !== null) throw new Error(`what-if: ${error}`);
  }
  // Servers: the candidate's, then any the scenario adds.
  const endpoints: Endpoint[] = [...(cand.services[0]?.servers.map((s) => s.server) ?? []), ...extraServers];
  const labels = endpoints.map((e) => formatEndpoint(e.addr, e.port));
  const index = new Map(labels.map((l, i) => [l, i]));
  const S = endpoints.length;
  const steps = Math.max(1, Math.ceil(t.durationMs / stepMs));
  const active = new Float64Array(S * steps);
  const inactive = new Float64Array(S * steps);
  const arrivals = new Uint32Array(S * steps);
  const conns = new Float64Array(S);
  const served = new Float64Array(S);
  const lifetimeSumMs = new Float64Array(S);
  const picks = new Int32Array(t.count).fill(-1);
  const moved = new Uint8Array(t.count);
  const reconnects: { client: number; atMs: number; server: number; endMs: number; port: number }[] = [];
  const heap = new EventHeap();
  const perClientPort = new Map<number, number>();
  let dropped = 0;
  let movedAgain = 0;
  let decisions = 0;

  const packet = (client: number, port: number) =>
    new Packet(
      'tcp',
      t.clients[client] as (typeof t.clients)[number],
      port,
      svcInfo.target.addr,
      svcInfo.target.port,
      mark,
    );
  const schedule = (now: number, pkt: Packet, lifetime: number): number => {
    const r = director.inbound(now, pkt, TCP_SYN);
    if (!r.existing) decisions++;
    if (r.conn === null) {
      dropped++;
      return -1;
    }
    director.inbound(now, pkt, TCP_ACK);
    const g =
      index.get(r.conn.destLabel) ?? index.get(formatEndpoint(r.conn.dest.addr, r.conn.dest.port)) ?? -1;
    if (g >= 0) {
      served[g] = (served[g] as number) + 1;
      lifetimeSumMs[g] = (lifetimeSumMs[g] as number) + lifetime;
      if (!r.existing) {
        conns[g] = (conns[g] as number) + 1;
        const b = Math.min(steps - 1, Math.floor(now / stepMs));
        arrivals[g * steps + b] = (arrivals[g * steps + b] as number) + 1;
      }
    }
    return g;
  };
  const close = (now: number, pkt: Packet, rst: boolean) => {
    if (rst) {
      director.inbound(now, pkt, TCP_RST);
      return;
    }
    const r = director.inbound(now, pkt, TCP_FIN | TCP_ACK);
    if (r.conn === null) return;
    if (!r.conn.noOutput) director.outbound(now, r.conn, TCP_FIN | TCP_ACK);
    director.inbound(now, pkt, TCP_ACK);
  };
  const sample = (b: number) => {
    director.advance((b + 1) * stepMs);
    for (const svc of director.services.values())
      for (const d of svc.dests) {
        const g = index.get(d.label);
        if (g === undefined) continue;
        active[g * steps + b] = d.activeConns;
        inactive[g * steps + b] = d.inactConns;
      }
  };
  const fail = (now: number, server: number) => {
    for (let c = 0; c < t.count; c++) {
      if (picks[c] !== server || moved[c] === 1) continue;
      const start = t.startMs[c] as number;
      const end = start + (t.lifetimeMs[c] as number);
      if (start > now || end <= now) continue;
      moved[c] = 1;
      const client = t.client[c] as number;
      const k = perClientPort.get(client) ?? 0;
      perClientPort.set(client, k + 1);
      reconnects.push({
        client,
        atMs: now,
        server: -1,
        endMs: end,
        port: RECONNECT_PORT_BASE + (k % RECONNECT_PORTS),
      });
      heap.push([now, EV_ARRIVAL, reconnects.length - 1]);
    }
    // Reconnections already moved once may have to move again.
    // forEach does not visit the reconnections pushed while it runs.
    reconnects.forEach((r) => {
      if (r.server === server && r.endMs > now && r.atMs < now) {
        movedAgain++;
        const k = perClientPort.get(r.client) ?? 0;
        perClientPort.set(r.client, k + 1);
        reconnects.push({
          client: r.client,
          atMs: now,
          server: -1,
          endMs: r.endMs,
          port: RECONNECT_PORT_BASE + (k % RECONNECT_PORTS),
        });
        heap.push([now, EV_ARRIVAL, reconnects.length - 1]);
        r.endMs = now;
      }
    });
  };

  const commands = [...timed].sort((a, b) => a.atMs - b.atMs);
  let nextCommand = 0;
  let bucket = 0;
  let i = 0;
  const ev = p.events;
  for (;;) {
    const tEvent = i < ev.length ? (p.times[i] as number) : Infinity;
    const tSynthetic = heap.peekTime();
    const tCommand = commands[nextCommand]?.atMs ?? Infinity;
    const now = Math.min(tEvent, tSynthetic, tCommand);
    if (now === Infinity) break;
    while (bucket < steps && now >= (bucket + 1) * stepMs) sample(bucket++);
    if (tCommand === now) {
      const c = commands[nextCommand++] as TimedCommand;
      if (c.failure && c.command.op === 'delete-server') {
        const label = formatEndpoint(c.command.server.addr, c.command.server.port);
        director.apply(now, c.command);
        fail(now, index.get(label) ?? -1);
      } else director.apply(now, c.command);
      continue;
    }
    if (tSynthetic === now && tSynthetic <= tEvent) {
      const [, kind, r] = heap.pop();
      const rc = reconnects[r] as (typeof reconnects)[number];
      const pkt = packet(rc.client, rc.port);
      if (kind === EV_ARRIVAL) {
        rc.server = schedule(now, pkt, rc.endMs - now);
        if (t.keepaliveMs > 0 && now + t.keepaliveMs < rc.endMs)
          heap.push([now + t.keepaliveMs, EV_KEEPALIVE, r]);
        else heap.push([rc.endMs, EV_CLOSE, r]);
      } else if (rc.endMs < now) {
        // Moved again: its entry was left on the failed server.
      } else if (kind === EV_KEEPALIVE) {
        director.inbound(now, pkt, TCP_ACK);
        const next = now + t.keepaliveMs;
        heap.push(next < rc.endMs ? [next, EV_KEEPALIVE, r] : [rc.endMs, EV_CLOSE, r]);
      } else close(now, pkt, false);
      continue;
    }
    const e = ev[i] as number;
    i++;
    const c = e >> 2;
    if (moved[c] === 1) continue;
    const kind = e & 3;
    const pkt = packet(t.client[c] as number, t.port[c] as number);
    if (kind === EV_ARRIVAL) picks[c] = schedule(now, pkt, t.lifetimeMs[c] as number);
    else if (kind === EV_KEEPALIVE) director.inbound(now, pkt, TCP_ACK);
    else close(now, pkt, t.close[c] === CLOSE_RST);
  }
  while (bucket < steps) sample(bucket++);

  const forward = cand.services[0]?.servers[0]?.settings.forward ?? 'route';
  const servers: ReplayServer[] = endpoints.map((server, g) => ({
    service: 0,
    server,
    label: labels[g] as string,
    weight: cand.services[0]?.servers[g]?.settings.weight ?? 0,
    forward,
  }));
  return {
    result: {
      name: cand.name ?? 'what-if',
      servers,
      held: heldSeries(t, picks, t.lifetimeMs, endpoints.length, steps, stepMs),
      picks: null,
      joined: null,
      stepMs,
      steps,
      active,
      inactive,
      arrivals,
      conns,
      served,
      lifetimeSumMs,
      dropped,
      joinedCount: 0,
      decisions,
      endCounters: [],
      elapsedMs: 0,
    },
    picks,
    moved: moved.reduce((n, x) => n + x, 0) + movedAgain,
  };
}
