/**
 * The lean replay engine: one candidate configuration over a prepared timeline, making exactly
 * the decisions `lvs-analyze simulate` makes on the timeline's trace (test/analyzer/replay proves
 * it per scheduler and option), at a fraction of the cost.
 *
 * What is shared with the Director: the services, dests and schedulers themselves (built by a
 * Director from the candidate's ipvsadm commands, so list order, wrr's build history and the
 * hash tables are the kernel model's), the dest counting and threshold rules (bindEntry /
 * unbindEntry), the TCP transition tables and timeouts (nextTcpState), the template and
 * port-reuse rules. What is not: strings, Maps and objects per connection, the per-packet
 * state machine and the general timer queue. Instead:
 *
 * - every connection has at most four events (arrival = SYN + handshake ACK, keepalive ACKs, FIN
 *   or RST), already in trace order (events.ts); each event applies a transition compiled once
 *   per candidate from the kernel's tables: final state, activity, and the timeouts armed;
 * - entries live in typed arrays indexed by the connection that created them; a port reused by
 *   the same client finds the previous entry through the timeline's tuple chain, and either
 *   replaces it (conn_reuse_mode: TIME_WAIT/CLOSE, and FIN_WAIT with bit 2) or joins it;
 * - entries of non-persistent services expire from FIFOs, one per timeout value: an entry armed
 *   at an event time t for t + Δ lands in FIFO Δ, and event times never decrease, so each FIFO
 *   is sorted. A push is skipped when the entry's next packet comes before the timeout. The
 *   order of expiries within one ms does not matter for these entries (unbinding commutes);
 * - entries of persistent services and their templates use the Director's lazy timer queue
 *   rules on a calendar of milliseconds (exact-queue.ts), armed in the Director's order, because
 *   there the order within one ms does matter: a template whose timer fires in the same ms as
 *   its last connection lives 60 s more or not depending on which was queued first;
 * - lblc/lblcr housekeeping runs on its 60 s period before the first event past each tick.
 */
import type { Endpoint } from '../../common/net/ip.js';
import { formatEndpoint } from '../../common/net/ip.js';
import type { ForwardMethod } from '../../common/ipvs/vocabulary.js';
import { bindEntry, unbindEntry, type Dest } from '../kernel/dest.js';
import { Director, EXPIRE_LATER_MS, FTP_DATA_PORT, FTP_PORT } from '../kernel/director.js';
import type { Packet } from '../kernel/packet.js';
import type { Service } from '../kernel/service.js';
import { maskAddr, foldAddr } from '../kernel/addr.js';
import {
  type Direction,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  TcpState,
  isActiveTcpState,
  nextTcpState,
} from '../kernel/tcp.js';
import { type Candidate, candidateCommands, directorSettings, tcpTimeoutsMs } from './candidate.js';
import { EV_ARRIVAL, EV_CLOSE, EV_KEEPALIVE, type PreparedTimeline } from './events.js';
import { CLOSE_RST, type Timeline } from './timeline.js';
import { ExactQueue } from './exact-queue.js';

export interface ReplayOptions {
  /** Step of the per-server series, ms (default 1000); 0 = no series. */
  readonly stepMs?: number;
  /** Keep the server picked for every connection (default true). */
  readonly picks?: boolean;
  /**
   * Return the series in this thread's scratch memory, which the next replay on the same prepared
   * timeline overwrites (default false): for callers that measure the result and drop it.
   */
  readonly scratchSeries?: boolean;
}

export interface ReplayServer {
  /** Timeline service index. */
  readonly service: number;
  readonly server: Endpoint;
  /** What simulate prints as real_server: the address and the port the connections use. */
  readonly label: string;
  readonly weight: number;
  readonly forward: ForwardMethod;
}

export interface ReplayResult {
  readonly name: string;
  /** Every service's servers, service by service in the candidate's order: the server index. */
  readonly servers: readonly ReplayServer[];
  /** Per connection: the server index its SYN went to, or -1 (dropped: no usable server). */
  readonly picks: Int32Array | null;
  /** Per connection: 1 when its SYN joined an entry left by an earlier connection of the same
   * client port (not scheduled, no simulate row); its pick is that entry's server. */
  readonly joined: Uint8Array | null;
  readonly stepMs: number;
  readonly steps: number;
  /** servers × steps, row per server: time-weighted mean of ActiveConn over each step. */
  readonly active: Float64Array | null;
  /** The same for InActConn (connections lingering in FIN_WAIT/TIME_WAIT/CLOSE). */
  readonly inactive: Float64Array | null;
  /** servers × steps: new connections scheduled to the server in each step. */
  readonly arrivals: Uint32Array | null;
  /**
   * The timeline's held (pooled) connections apart, when it has any and series are kept:
   * servers × steps, the time-weighted mean of them open, and the new ones per step (both also
   * counted in `active` and `arrivals`).
   */
  readonly held: { readonly active: Float64Array; readonly arrivals: Uint32Array } | null;
  /** Per server: new connections (ipvsadm --stats Conns). */
  readonly conns: Float64Array;
  /** Per server: connections served (new and joined) and the sum of their client-side lifetimes, ms. */
  readonly served: Float64Array;
  readonly lifetimeSumMs: Float64Array;
  readonly dropped: number;
  readonly joinedCount: number;
  /** Scheduler calls. */
  readonly decisions: number;
  /** Per server, ActiveConn / InActConn / PersistConn after the last event (as ipvsadm -L shows). */
  readonly endCounters: readonly {
    readonly active: number;
    readonly inactive: number;
    readonly persistent: number;
  }[];
  readonly elapsedMs: number;
}

const K_SYN = 0;
const K_ACK = 1;
const K_FIN = 2;
const K_RST = 3;
const STATES = 11;

/** The packets each event kind sends (direction, flags), as Replay sends them for a trace line. */
function packetsOf(kind: number, noOutput: boolean): [Direction, number][] {
  const input: Direction = noOutput ? 'input-only' : 'input';
  switch (kind) {
    case K_SYN:
      return [[input, TCP_SYN]];
    case K_ACK:
      return [[input, TCP_ACK]];
    case K_FIN:
      // The client's FIN; a NAT director also forwards the server's FIN; the client's last ACK.
      return noOutput
        ? [
            [input, TCP_FIN | TCP_ACK],
            [input, TCP_ACK],
          ]
        : [
            ['input', TCP_FIN | TCP_ACK],
            ['output', TCP_FIN | TCP_ACK],
            ['input', TCP_ACK],
          ];
    default:
      return [[input, TCP_RST]];
  }
}

/** FIFO of (entry, time) on a growable ring buffer. */
class Fifo {
  ids = new Int32Array(1024);
  times = new Float64Array(1024);
  head = 0;
  size = 0;

  push(id: number, at: number): void {
    if (this.size === this.ids.length) this.grow();
    const i = (this.head + this.size) & (this.ids.length - 1);
    this.ids[i] = id;
    this.times[i] = at;
    this.size++;
  }

  private grow(): void {
    const cap = this.ids.length * 2;
    const ids = new Int32Array(cap);
    const times = new Float64Array(cap);
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) & (this.ids.length - 1);
      ids[k] = this.ids[i] as number;
      times[k] = this.times[i] as number;
    }
    this.ids = ids;
    this.times = times;
    this.head = 0;
  }
}

/**
 * Keepalives and closes of connections whose lifetime a server's scale changed at pick time:
 * a binary min-heap on (time, connection << 2 | kind), the order events.ts gives every other
 * packet, so the merged stream is the trace order of the scaled timeline.
 */
class LateQueue {
  times = new Float64Array(256);
  tags = new Int32Array(256);
  size = 0;

  /** The head comes before packet (at, tag) in trace order. */
  precedes(at: number, tag: number): boolean {
    if (this.size === 0) return false;
    const t = this.times[0] as number;
    return t < at || (t === at && (this.tags[0] as number) < tag);
  }

  push(at: number, tag: number): void {
    if (this.size === this.times.length) {
      const times = new Float64Array(this.size * 2);
      times.set(this.times);
      const tags = new Int32Array(this.size * 2);
      tags.set(this.tags);
      this.times = times;
      this.tags = tags;
    }
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = this.times[p] as number;
      if (!(at < pt || (at === pt && tag < (this.tags[p] as number)))) break;
      this.times[i] = pt;
      this.tags[i] = this.tags[p] as number;
      i = p;
    }
    this.times[i] = at;
    this.tags[i] = tag;
  }

  /** Removes the head; its time and tag are read before from times[0], tags[0]. */
  pop(): void {
    const n = --this.size;
    const at = this.times[n] as number;
    const tag = this.tags[n] as number;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n) {
        const a = this.times[c] as number;
        const b = this.times[c + 1] as number;
        if (b < a || (b === a && (this.tags[c + 1] as number) < (this.tags[c] as number))) c++;
      }
      const ct = this.times[c] as number;
      if (!(ct < at || (ct === at && (this.tags[c] as number) < tag))) break;
      this.times[i] = ct;
      this.tags[i] = this.tags[c] as number;
      i = c;
    }
    this.times[i] = at;
    this.tags[i] = tag;
  }
}

/**
 * The packet the schedulers see: a reused object per service. No scheduler reads the client
 * address itself (they hash `sfold`), so it is a getter rather than a write per connection.
 */
class LeanPacket implements Packet {
  readonly family: Packet['family'];
  readonly proto = 'tcp' as const;
  readonly daddr: Packet['daddr'];
  readonly dport: number;
  readonly mark: number;
  readonly dfold: number;
  sport = 0;
  sfold = 0;
  client = 0;

  constructor(
    private readonly clients: readonly Packet['saddr'][],
    target: Endpoint,
    mark: number,
  ) {
    this.family = target.addr.family;
    this.daddr = target.addr;
    this.dport = target.port;
    this.mark = mark;
    this.dfold = foldAddr(target.addr);
  }

  get saddr(): Packet['saddr'] {
    return this.clients[this.client] as Packet['saddr'];
  }
}

/** Finds the Director's Service object of a timeline service. */
function serviceOf(
  director: Director,
  key: PreparedTimeline['timeline']['services'][number]['key'],
): Service {
  for (const svc of director.services.values()) {
    if (key.kind === 'fwmark') {
      if (svc.fwmark === key.mark && svc.family === key.family) return svc;
    } else if (
      svc.fwmark === 0 &&
      svc.proto === key.proto &&
      svc.addr?.text === key.addr.text &&
      svc.port === key.port
    ) {
      return svc;
    }
  }
  throw new Error('replay: a timeline service has no Director service');
}

/**
 * Template key ids per prepared timeline, shared by every candidate replayed on it: the key
 * (family, protocol or IP for fwmark, masked client, virtual address and port) is the kernel's
 * template hash key; equal keys of different services share templates, as in the kernel.
 */
class TemplateKeys {
  private readonly ids = new Map<string, number>();
  /** Per (service, netmask): key id per connection. */
  private readonly perService = new Map<string, Int32Array>();

  constructor(private readonly p: PreparedTimeline) {}

  /** Per connection of service `s`: its template key id (other connections: -1). */
  forConnections(s: number, svc: Service): Int32Array {
    const id = `${s}|${svc.netmask}|${svc.port}|${svc.fwmark}`;
    let keys = this.perService.get(id);
    if (keys === undefined) {
      const t = this.p.timeline;
      const perClient = new Int32Array(t.clients.length).fill(-1);
      keys = new Int32Array(t.count).fill(-1);
      for (let c = 0; c < t.count; c++) {
        if (t.service[c] !== s) continue;
        const ci = t.client[c] as number;
        let k = perClient[ci] as number;
        if (k < 0) {
          k = this.compute(s, svc, ci);
          perClient[ci] = k;
        }
        keys[c] = k;
      }
      this.perService.set(id, keys);
    }
    return keys;
  }

  get size(): number {
    return this.ids.size;
  }

  private compute(s: number, svc: Service, ci: number): number {
    const t = this.p.timeline;
    const target = (t.services[s] as PreparedTimeline['timeline']['services'][number]).target;
    const snet = maskAddr(t.clients[ci] as Packet['saddr'], svc.netmask).text;
    let proto = 'tcp';
    let vaddr = target.addr.text;
    let vport = 0;
    if (target.port === svc.port) {
      if (svc.port !== FTP_PORT) vport = target.port;
    } else if (svc.fwmark !== 0) {
      proto = 'ip';
      vaddr = `fwm:${svc.fwmark}`;
    }
    const text = `${svc.family}|${proto}|${snet}|${vaddr}|${vport}`;
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(text, id);
    }
    return id;
  }
}

const templateKeysOf = new WeakMap<PreparedTimeline, TemplateKeys>();
function templateKeys(p: PreparedTimeline): TemplateKeys {
  let k = templateKeysOf.get(p);
  if (k === undefined) {
    k = new TemplateKeys(p);
    templateKeysOf.set(p, k);
  }
  return k;
}

/**
 * Per-connection scratch arrays, reused by every candidate replayed on the same prepared
 * timeline in this thread (each slot is written before it is read, so nothing is cleared).
 */
class Workspace {
  readonly entDest: Int32Array;
  readonly entState: Uint8Array;
  readonly entInactive: Uint8Array;
  readonly entAlive: Uint8Array;
  readonly entControl: Int32Array;
  readonly entExpiry: Float64Array;
  readonly tupleEntry: Int32Array;

  constructor(readonly n: number) {
    this.entDest = new Int32Array(n);
    this.entState = new Uint8Array(n);
    this.entInactive = new Uint8Array(n);
    this.entAlive = new Uint8Array(n);
    this.entControl = new Int32Array(n);
    this.entExpiry = new Float64Array(n);
    this.tupleEntry = new Int32Array(n);
  }
  private persist: {
    entItem: Int32Array;
    tDest: Int32Array;
    tNControl: Int32Array;
    tTimeout: Float64Array;
    tKey: Int32Array;
    tItem: Int32Array;
  } | null = null;

  persistence(): NonNullable<Workspace['persist']> {
    const n = this.n;
    this.persist ??= {
      entItem: new Int32Array(n),
      tDest: new Int32Array(n),
      tNControl: new Int32Array(n),
      tTimeout: new Float64Array(n),
      tKey: new Int32Array(n),
      tItem: new Int32Array(n),
    };
    return this.persist;
  }

  private ser = new Float64Array(0);
  private arr = new Uint32Array(0);
  private scratchPicks: { picks: Int32Array; joined: Uint8Array } | null = null;
  private exact: ExactQueue | null = null;
  private out: { active: Float64Array; inactive: Float64Array } | null = null;

  /** The timer queue of persistent services, emptied: grown once, not per candidate. */
  exactQueue(): ExactQueue {
    this.exact ??= new ExactQueue();
    return this.exact.reset();
  }

  /** Picks and joined flags nobody keeps (written, never read back). */
  picks(): { picks: Int32Array; joined: Uint8Array } {
    this.scratchPicks ??= { picks: new Int32Array(this.n), joined: new Uint8Array(this.n) };
    return this.scratchPicks;
  }

  /** Output series of `size` cells (every cell is written by result()). */
  output(size: number): { active: Float64Array; inactive: Float64Array } {
    if (this.out === null || this.out.active.length !== size)
      this.out = { active: new Float64Array(size), inactive: new Float64Array(size) };
    return this.out;
  }

  /** A zeroed series scratch array of `size`. */
  series(size: number): Float64Array {
    if (this.ser.length !== size) this.ser = new Float64Array(size);
    else this.ser.fill(0);
    return this.ser;
  }

  arrivals(size: number): Uint32Array {
    if (this.arr.length !== size) this.arr = new Uint32Array(size);
    else this.arr.fill(0);
    return this.arr;
  }
}

const workspaces = new WeakMap<PreparedTimeline, Workspace>();

/** Replays one candidate; see the file comment. */
export function replayCandidate(
  prepared: PreparedTimeline,
  cand: Candidate,
  options: ReplayOptions = {},
): ReplayResult {
  return new Run(prepared, cand, options).run();
}

class Run {
  private readonly t: PreparedTimeline['timeline'];
  private readonly startMs: Float64Array;
  /** Lifetimes as drawn, and as the picked servers hold them (the same array without scales). */
  private readonly lifetimeMs: Float64Array;
  private readonly life: Float64Array;
  /** Per server: its lifetime scale; null when every scale is 1 (the trace's own closes). */
  private readonly scale: Float64Array | null = null;
  /** Per connection: its keepalives and close moved to `late` by its server's scale. */
  private readonly moved: Uint8Array | null = null;
  private readonly late: LateQueue | null = null;
  private advanced = -Infinity;
  private readonly client: Uint32Array;
  private readonly port: Uint16Array;
  private readonly service: Uint16Array;
  private readonly closeKind: Uint8Array;
  private readonly prevSame: Int32Array;
  private readonly prevEnd: Float64Array;
  /** The longest TCP timeout: no entry outlives its tuple's last packet by more. */
  private maxTimeout = 0;
  private readonly keepaliveMs: number;
  /** Per server: its service is persistent (entries on the exact queue). */
  private readonly destExact: Uint8Array;
  private readonly n: number;
  private readonly svcs: Service[] = [];
  private readonly pkts: LeanPacket[] = [];
  private readonly svcPersistent: Uint8Array;
  private readonly dests: Dest[] = [];
  private readonly destNoOut: Uint8Array;
  readonly servers: ReplayServer[] = [];
  private readonly connReuseMode: number;
  private readonly expireQuiescent: boolean;
  /** Per connection: the folded client address the hashes read. */
  private readonly sfold: Uint32Array;
  /** Per service: kernel list position → server index. */
  private readonly kernelToServer: Int32Array[] = [];

  // Compiled transitions, index ((noOutput·4 + kind)·11 + state).
  private readonly trFinal = new Uint8Array(2 * 4 * STATES);
  private readonly trInactive = new Uint8Array(2 * 4 * STATES);
  /** The state a SYN gives a new entry, for DR/TUN (1) and NAT (0). */
  private readonly synFinal = new Uint8Array(2);
  private readonly trLast = new Float64Array(2 * 4 * STATES);
  private readonly trFifo = new Int32Array(2 * 4 * STATES);
  /** The timeouts each transition arms, in order: trArmDelay[trArmFrom[i] .. trArmFrom[i + 1]). */
  private readonly trArmFrom = new Int32Array(2 * 4 * STATES + 1);
  private trArmDelay = new Float64Array(0);
  private readonly fifos: Fifo[] = [];
  /** No FIFO entry is due before this time. */
  private leanDue = Infinity;

  // Entries, by the connection that created them.
  private readonly entDest: Int32Array;
  private readonly entState: Uint8Array;
  private readonly entInactive: Uint8Array;
  private readonly entAlive: Uint8Array;
  private readonly entControl: Int32Array;
  private readonly entExpiry: Float64Array;
  /** Per connection: the entry its tuple's table slot holds after its arrival (-1: none). */
  private readonly tupleEntry: Int32Array;

  // Persistence: templates, template key ids, the exact queue.
  private readonly exact: ExactQueue | null;
  private tDest: Int32Array = new Int32Array(0);
  private tNControl: Int32Array = new Int32Array(0);
  private tTimeout: Float64Array = new Float64Array(0);
  private tKey: Int32Array = new Int32Array(0);
  private tItem: Int32Array = new Int32Array(0);
  /** Per entry of a persistent service: its exact-queue item. */
  private readonly entItem: Int32Array;
  private tCount = 0;
  private tmplOfKey = new Int32Array(0);
  private readonly keys: TemplateKeys;
  private readonly clientKey: (Int32Array | null)[] = [];

  // Housekeeping of lblc/lblcr.
  private readonly tickSvcs: number[] = [];
  private readonly nextTick: number[] = [];
  private tickDue = Infinity;

  // Output.
  private readonly picks: Int32Array;
  private readonly joined: Uint8Array;
  private readonly stepMs: number;
  private readonly perStep: number;
  private readonly steps: number;
  private readonly horizon: number;
  /**
   * Series while replaying, per dest a row of steps + 1 cells [active part, inactive part,
   * active carry, inactive carry] (see change()); event times never decrease, so each row is
   * written near one moving point, and result() reads the rows in order.
   */
  private readonly ser: Float64Array | null;
  /** New connections per (dest, step): the arrivals series itself. */
  private readonly arrT: Uint32Array | null;

  private readonly conns: Float64Array;
  private readonly served: Float64Array;
  private readonly lifeSum: Float64Array;
  private dropped = 0;
  private joinedCount = 0;
  private decisions = 0;
  private readonly name: string;
  private readonly keepPicks: boolean;
  private readonly scratchSeries: boolean;
  private readonly ws: Workspace;
  /** The last stepOf argument and result: an arrival asks twice for the same time. */
  private lastStepTime = NaN;
  private lastStep = 0;

  constructor(
    private readonly p: PreparedTimeline,
    cand: Candidate,
    options: ReplayOptions,
  ) {
    const t = p.timeline;
    this.t = t;
    this.startMs = t.startMs;
    this.lifetimeMs = t.lifetimeMs;
    this.life = t.lifetimeMs;
    this.client = t.client;
    this.port = t.port;
    this.service = t.service;
    this.closeKind = t.close;
    this.prevSame = p.prevSame;
    this.prevEnd = p.prevEndMs;
    this.keepaliveMs = t.keepaliveMs;
    this.sfold = p.sfold;
    const n = t.count;
    this.n = n;
    this.name = cand.name ?? 'candidate';
    const settings = directorSettings(cand);
    this.connReuseMode = settings.connReuseMode;
    this.expireQuiescent = settings.expireQuiescentTemplate;
    const director = new Director(settings);
    for (const cmd of candidateCommands(t, cand)) {
      const error = director.apply(0, cmd);
      if (error !== null) throw new Error(`replay: ipvsadm ${cmd.op}: ${error}`);
    }
    const noOut: number[] = [];
    t.services.forEach((ts, s) => {
      const svc = serviceOf(director, ts.key);
      this.svcs.push(svc);
      const target = ts.target;
      this.pkts.push(new LeanPacket(t.clients, target, ts.key.kind === 'fwmark' ? ts.key.mark : 0));
      for (const r of (cand.services[s] as Candidate['services'][number]).servers) {
        const d = svc.dests.find((x) => x.port === r.server.port && x.addr.text === r.server.addr.text);
        if (d === undefined) throw new Error('replay: a candidate server is not in its service');
        this.dests.push(d);
        noOut.push(d.forward !== 'masq' ? 1 : 0);
        const dport = svc.persistent
          ? target.port === svc.port && d.port !== 0
            ? d.port
            : target.port
          : d.port !== 0
            ? d.port
            : target.port;
        this.servers.push({
          service: s,
          server: r.server,
          label: formatEndpoint(d.addr, dport),
          weight: r.settings.weight,
          forward: r.settings.forward,
        });
      }
      this.kernelToServer.push(
        Int32Array.from(svc.dests, (d) =>
          this.dests.findIndex((x, g) => x === d && this.servers[g]?.service === s),
        ),
      );
      const sch = svc.scheduler;
      if (sch.periodMs !== undefined && sch.tick !== undefined) {
        this.tickSvcs.push(s);
        this.nextTick.push(sch.periodMs);
        this.tickDue = Math.min(this.tickDue, sch.periodMs);
      }
      this.clientKey.push(null);
    });
    this.destNoOut = Uint8Array.from(noOut);
    const scale = Float64Array.from(
      this.servers,
      (r) =>
        t.lifetimeScales?.find(
          (ls) =>
            ls.service === r.service &&
            ls.server.port === r.server.port &&
            ls.server.addr.text === r.server.addr.text,
        )?.scale ?? 1,
    );
    if (scale.some((x) => x !== 1)) {
      this.scale = scale;
      this.life = Float64Array.from(t.lifetimeMs);
      this.moved = new Uint8Array(n);
      this.late = new LateQueue();
    }
    this.svcPersistent = Uint8Array.from(this.svcs, (s) => (s.persistent ? 1 : 0));
    this.destExact = Uint8Array.from(this.servers, (r) => this.svcPersistent[r.service] as number);
    this.keys = templateKeys(p);
    const timeouts = tcpTimeoutsMs(cand);
    this.maxTimeout = Math.max(...timeouts);
    this.compile(timeouts);

    let ws = workspaces.get(p);
    if (ws === undefined) {
      ws = new Workspace(n);
      workspaces.set(p, ws);
    }
    this.entDest = ws.entDest;
    this.entState = ws.entState;
    this.entInactive = ws.entInactive;
    this.entAlive = ws.entAlive;
    this.entControl = ws.entControl;
    this.entExpiry = ws.entExpiry;
    this.tupleEntry = ws.tupleEntry;
    const anyPersistent = this.svcPersistent.some((x) => x === 1);
    this.exact = anyPersistent ? ws.exactQueue() : null;
    if (anyPersistent) {
      const pw = ws.persistence();
      this.entItem = pw.entItem;
      this.tDest = pw.tDest;
      this.tNControl = pw.tNControl;
      this.tTimeout = pw.tTimeout;
      this.tKey = pw.tKey;
      this.tItem = pw.tItem;
    } else {
      this.entItem = new Int32Array(0);
    }

    this.keepPicks = options.picks ?? true;
    const scratch = this.keepPicks ? null : ws.picks();
    this.picks = scratch?.picks ?? new Int32Array(n);
    this.joined = scratch?.joined ?? new Uint8Array(n);
    this.scratchSeries = options.scratchSeries ?? false;
    this.ws = ws;
    this.stepMs = options.stepMs ?? 1000;
    this.horizon = t.durationMs;
    this.steps = this.stepMs > 0 ? Math.ceil(this.horizon / this.stepMs) : 0;
    this.perStep = this.stepMs > 0 ? 1 / this.stepMs : 0;

    const cells = this.dests.length * this.steps;
    this.ser = cells > 0 ? ws.series((this.steps + 1) * this.dests.length * 4) : null;
    this.arrT = cells > 0 ? ws.arrivals(cells) : null;

    this.conns = new Float64Array(this.dests.length);
    this.served = new Float64Array(this.dests.length);
    this.lifeSum = new Float64Array(this.dests.length);
  }

  /** The transitions of each event kind from each state, for DR/TUN and NAT entries. */
  private compile(timeouts: readonly number[]): void {
    const fifoOf = new Map<number, number>();
    const fifo = (delay: number): number => {
      let i = fifoOf.get(delay);
      if (i === undefined) {
        i = this.fifos.length;
        this.fifos.push(new Fifo());
        fifoOf.set(delay, i);
      }
      return i;
    };
    fifo(0); // FIFO 0: entries expired "now" by port reuse
    const all: number[] = [];
    for (let no = 0; no < 2; no++) {
      for (let kind = 0; kind < 4; kind++) {
        for (let st = 0; st < STATES; st++) {
          const i = (no * 4 + kind) * STATES + st;
          let state = st as TcpState;
          const arms: number[] = [];
          for (const [dir, flags] of packetsOf(kind, no === 1)) {
            state = nextTcpState(dir, state, flags);
            arms.push(timeouts[state] ?? 0);
          }
          this.trFinal[i] = state;
          this.trInactive[i] = isActiveTcpState(state) ? 0 : 1;
          const last = arms[arms.length - 1] ?? 0;
          this.trLast[i] = last;
          this.trFifo[i] = fifo(last);
          this.trArmFrom[i] = all.length;
          all.push(...arms);
        }
      }
    }
    this.trArmFrom[2 * 4 * STATES] = all.length;
    for (let no = 0; no < 2; no++)
      this.synFinal[no] = this.trFinal[(no * 4 + K_SYN) * STATES + TcpState.None] as number;
    this.trArmDelay = Float64Array.from(all);
  }

  run(): ReplayResult {
    const started = performance.now();
    const p = this.p;
    const events = p.events;
    const times = p.times;
    const count = events.length;
    if (this.late === null) {
      let advanced = -Infinity;
      for (let i = 0; i < count; i++) {
        const at = times[i] as number;
        if (at > advanced) {
          if (at > this.leanDue || at > this.tickDue || (this.exact !== null && this.exact.due() < at))
            this.advance(at);
          advanced = at;
        }
        const e = events[i] as number;
        const c = e >> 2;
        const kind = e & 3;
        if (kind === EV_ARRIVAL) this.arrival(c, at);
        else if (kind === EV_KEEPALIVE) this.keepalive(c, at);
        else this.close(c, at);
      }
      this.advanced = advanced;
    } else this.runScaled();
    const endCounters = this.dests.map((d) => ({
      active: d.activeConns,
      inactive: d.inactConns,
      persistent: d.persistConns,
    }));
    if (this.horizon > this.advanced) this.advance(this.horizon);
    return this.result(performance.now() - started, endCounters);
  }

  /** run() with lifetime scales: the prepared events merged with the moved ones, in trace order. */
  private runScaled(): void {
    const { events, times } = this.p;
    const late = this.late as LateQueue;
    const moved = this.moved as Uint8Array;
    for (let i = 0; i <= events.length; i++) {
      const last = i === events.length;
      const at = last ? Infinity : (times[i] as number);
      const e = last ? 0 : (events[i] as number);
      while (late.precedes(at, e)) {
        const lt = late.times[0] as number;
        const tag = late.tags[0] as number;
        late.pop();
        this.event(lt, tag >> 2, tag & 3);
      }
      // A moved connection's own keepalives and close are in `late`.
      if (last || ((e & 3) !== EV_ARRIVAL && moved[e >> 2] === 1)) continue;
      this.event(at, e >> 2, e & 3);
    }
  }

  /** One packet of the merged stream: the timers due before it, then the packet. */
  private event(at: number, c: number, kind: number): void {
    if (at > this.advanced) {
      if (at > this.leanDue || at > this.tickDue || (this.exact !== null && this.exact.due() < at))
        this.advance(at);
      this.advanced = at;
    }
    if (kind === EV_ARRIVAL) this.arrival(c, at);
    else if (kind === EV_KEEPALIVE) this.keepalive(c, at);
    else this.close(c, at);
  }

  /**
   * Connection `c`, given to server `g` at `at`, lasts its drawn lifetime × the server's scale:
   * its keepalives and close leave the prepared order for `late`.
   */
  private rescale(c: number, g: number, at: number): void {
    const scale = this.scale;
    if (scale === null || scale[g] === 1) return;
    const life = Math.round((this.lifetimeMs[c] as number) * (scale[g] as number));
    this.life[c] = life;
    (this.moved as Uint8Array)[c] = 1;
    const late = this.late as LateQueue;
    const ka = this.keepaliveMs;
    if (ka > 0 && ka < life) late.push(at + ka, (c << 2) | EV_KEEPALIVE);
    late.push(at + life, (c << 2) | EV_CLOSE);
  }

  private result(elapsedMs: number, endCounters: ReplayResult['endCounters']): ReplayResult {
    const steps = this.steps;
    const step = this.stepMs;
    let active: Float64Array | null = null;
    let inactive: Float64Array | null = null;
    let arrivals: Uint32Array | null = null;
    const ser = this.ser;
    const arrT = this.arrT;
    if (ser !== null && arrT !== null) {
      const D = this.dests.length;
      const out = this.scratchSeries ? this.ws.output(D * steps) : null;
      active = out?.active ?? new Float64Array(D * steps);
      inactive = out?.inactive ?? new Float64Array(D * steps);
      arrivals = this.scratchSeries ? arrT : arrT.slice();
      for (let d = 0; d < D; d++) {
        let a = 0;
        let ia = 0;
        const row = d * (steps + 1) * 4;
        for (let b = 0; b < steps; b++) {
          const len = Math.min(step, this.horizon - b * step);
          const k = row + b * 4;
          a += ser[k + 2] as number;
          ia += ser[k + 3] as number;
          active[d * steps + b] = (a * len + (ser[k] as number)) / len;
          inactive[d * steps + b] = (ia * len + (ser[k + 1] as number)) / len;
        }
      }
    }
    return {
      name: this.name,
      servers: this.servers,
      held: heldSeries(this.t, this.picks, this.life, this.dests.length, steps, step),
      picks: this.keepPicks ? this.picks : null,
      joined: this.keepPicks ? this.joined : null,
      stepMs: step,
      steps,
      active,
      inactive,
      arrivals,
      conns: this.conns,
      served: this.served,
      lifetimeSumMs: this.lifeSum,
      dropped: this.dropped,
      joinedCount: this.joinedCount,
      decisions: this.decisions,
      endCounters,
      elapsedMs,
    };
  }

  /** floor(time / stepMs), by a multiplication and an exact correction. */
  private stepOf(time: number): number {
    if (time === this.lastStepTime) return this.lastStep;
    const step = this.stepMs;
    let b = Math.floor(time * this.perStep);
    if (b * step > time) b--;
    else if ((b + 1) * step <= time) b++;
    this.lastStepTime = time;
    this.lastStep = b;
    return b;
  }

  /**
   * Series: dest `d`'s ActiveConn and InActConn change by `da`, `di` at `time`. Kept as
   * difference arrays (the change's share of its own step, and a carry into every later step),
   * so changes may be recorded in any order; result() integrates them.
   */
  private change(d: number, da: number, di: number, time: number): void {
    const ser = this.ser;
    if (ser === null || !(time < this.horizon)) return;
    const b = this.stepOf(time);
    const end = b + 1 === this.steps ? this.horizon : (b + 1) * this.stepMs;
    const left = end - time;
    const k = (d * (this.steps + 1) + b) * 4;
    ser[k] = (ser[k] as number) + da * left;
    ser[k + 1] = (ser[k + 1] as number) + di * left;
    const c = k + 4;
    ser[c + 2] = (ser[c + 2] as number) + da;
    ser[c + 3] = (ser[c + 3] as number) + di;
  }

  /**
   * Every timer due strictly before `now` (kernel timers never run early). Lean entries expire in
   * any order among themselves (unbinding commutes, and the series are difference arrays), so
   * each FIFO is drained on its own.
   */
  private advance(now: number): void {
    const q = this.exact;
    if (q !== null && q.due() < now)
      for (let item = q.next(now); item >= 0; item = q.next(now)) this.fireExact(item, q.at);
    if (this.leanDue < now) {
      let due = Infinity;
      const fifos = this.fifos;
      for (let f = 0; f < fifos.length; f++) {
        const q = fifos[f] as Fifo;
        while (q.size > 0) {
          const at = q.times[q.head] as number;
          if (at >= now) {
            if (at < due) due = at;
            break;
          }
          const id = q.ids[q.head] as number;
          q.head = (q.head + 1) & (q.ids.length - 1);
          q.size--;
          if (this.entAlive[id] === 1 && this.entExpiry[id] === at) this.expireLean(id, at);
        }
      }
      this.leanDue = due;
    }
    this.tick(now);
  }

  /** lblc/lblcr housekeeping due before `now`. */
  private tick(now: number): void {
    if (this.tickDue >= now) return;
    let due = Infinity;
    for (let k = 0; k < this.tickSvcs.length; k++) {
      const svc = this.svcs[this.tickSvcs[k] as number] as Service;
      const period = svc.scheduler.periodMs as number;
      const skipIdle = (next: number) => svc.scheduler.nextTick?.(next, now) ?? next;
      let at = skipIdle(this.nextTick[k] as number);
      for (; at < now; at = skipIdle(at + period)) svc.scheduler.tick?.(at);
      this.nextTick[k] = at;
      if (at < due) due = at;
    }
    this.tickDue = due;
  }

  private expireLean(id: number, at: number): void {
    this.entAlive[id] = 0;
    const d = this.entDest[id] as number;
    const inactive = this.entInactive[id] === 1;
    this.change(d, inactive ? 0 : -1, inactive ? -1 : 0, at);
    unbindEntry(this.dests[d] as Dest, false, inactive);
  }

  /** ip_vs_conn_expire for entries of persistent services and their templates. */
  private fireExact(item: number, at: number): void {
    const q = this.exact as ExactQueue;
    const id = q.owner[item] as number;
    if (id >= 0) {
      this.entAlive[id] = 0;
      const ct = this.entControl[id] as number;
      if (ct >= 0) this.tNControl[ct] = (this.tNControl[ct] as number) - 1;
      const d = this.entDest[id] as number;
      const inactive = this.entInactive[id] === 1;
      this.change(d, inactive ? 0 : -1, inactive ? -1 : 0, at);
      unbindEntry(this.dests[d] as Dest, false, inactive);
      return;
    }
    const k = -1 - id;
    if ((this.tNControl[k] as number) > 0) {
      this.tTimeout[k] = EXPIRE_LATER_MS;
      q.arm(item, at + EXPIRE_LATER_MS);
      return;
    }
    const key = this.tKey[k] as number;
    if (this.tmplOfKey[key] === k) this.tmplOfKey[key] = -1;
    unbindEntry(this.dests[this.tDest[k] as number] as Dest, true, false);
  }

  /** One event (SYN, ACK, FIN, RST) on entry `x` at `at`; `next`: when its tuple's next packet comes. */
  private apply(x: number, kind: number, at: number, next: number): void {
    const d = this.entDest[x] as number;
    const tr = ((this.destNoOut[d] as number) * 4 + kind) * STATES + (this.entState[x] as number);
    const inactive = this.trInactive[tr] as number;
    if (inactive !== this.entInactive[x]) {
      const dest = this.dests[d] as Dest;
      if (inactive === 1) {
        this.change(d, -1, 1, at);
        dest.activeConns--;
        dest.inactConns++;
      } else {
        this.change(d, 1, -1, at);
        dest.inactConns--;
        dest.activeConns++;
      }
      this.entInactive[x] = inactive;
    }
    this.entState[x] = this.trFinal[tr] as number;
    if (this.destExact[d] === 1) {
      const q = this.exact as ExactQueue;
      const item = this.entItem[x] as number;
      const from = this.trArmFrom[tr] as number;
      const to = this.trArmFrom[tr + 1] as number;
      for (let k = from; k < to; k++) q.arm(item, at + (this.trArmDelay[k] as number));
    } else {
      const exp = at + (this.trLast[tr] as number);
      this.entExpiry[x] = exp;
      if (!(next <= exp)) {
        (this.fifos[this.trFifo[tr] as number] as Fifo).push(x, exp);
        if (exp < this.leanDue) this.leanDue = exp;
      }
    }
  }

  /** When connection `c`'s first packet after its arrival comes (keepalive or close). */
  private afterArrival(c: number, start: number): number {
    const end = start + (this.life[c] as number);
    const ka = this.keepaliveMs;
    return ka > 0 && start + ka < end ? start + ka : end;
  }

  private arrival(c: number, at: number): void {
    const prev = this.prevSame[c] as number;
    // The tuple's last packet was the previous connection's close: an entry cannot outlive it by
    // more than the longest timeout, so most SYNs need not look.
    const prevEnd =
      this.moved === null || prev < 0
        ? (this.prevEnd[c] as number)
        : (this.startMs[prev] as number) + (this.life[prev] as number);
    let e = prev >= 0 && at <= prevEnd + this.maxTimeout ? (this.tupleEntry[prev] as number) : -1;
    if (e >= 0 && this.entAlive[e] === 0) e = -1;
    const old = e;
    // A SYN on a finished, uncontrolled entry: the old entry expires on the next tick and the
    // SYN is scheduled afresh (conn_reuse_mode; connections of templates never are).
    if (
      e >= 0 &&
      (this.entControl[e] as number) < 0 &&
      this.connReuseMode !== 0 &&
      this.finishedForReuse(e)
    ) {
      this.entExpiry[e] = at;
      (this.fifos[0] as Fifo).push(e, at);
      if (at < this.leanDue) this.leanDue = at;
      e = -1;
    }
    if (e >= 0) {
      this.joinedCount++;
      this.joined[c] = 1;
      const g = this.entDest[e] as number;
      this.rescale(c, g, at);
      const next = this.afterArrival(c, at);
      this.picks[c] = g;
      this.served[g] = (this.served[g] as number) + 1;
      this.lifeSum[g] = (this.lifeSum[g] as number) + (this.life[c] as number);
      this.tupleEntry[c] = e;
      this.apply(e, K_SYN, at, at);
      this.apply(e, K_ACK, at, next);
      return;
    }
    const s = this.service[c] as number;
    const svc = this.svcs[s] as Service;
    const sport = this.port[c] as number;
    let g = -1;
    if (sport !== FTP_DATA_PORT) {
      const pkt = this.pkts[s] as LeanPacket;
      const ci = this.client[c] as number;
      pkt.client = ci;
      pkt.sport = sport;
      pkt.sfold = this.sfold[c] as number;
      g =
        this.svcPersistent[s] === 1
          ? this.schedulePersistent(c, s, svc, pkt, at)
          : this.schedule(c, s, svc, pkt, at);
    }
    if (g < 0) {
      this.dropped++;
      this.picks[c] = -1;
      this.tupleEntry[c] = old;
      // The handshake ACK goes to the old entry if the table still holds it.
      if (old >= 0) this.apply(old, K_ACK, at, this.afterArrival(c, at));
      return;
    }
    const next = this.afterArrival(c, at);
    this.tupleEntry[c] = c;
    if (this.destExact[g] === 1) {
      this.change(g, 0, 1, at);
      this.apply(c, K_SYN, at, at);
      this.apply(c, K_ACK, at, next);
      return;
    }
    // SYN and handshake ACK on the new entry in one step (the same transitions, one arm that
    // counts: the ACK's; the SYN's is overwritten in the same ms).
    const tr =
      ((this.destNoOut[g] as number) * 4 + K_ACK) * STATES +
      (this.synFinal[this.destNoOut[g] as number] as number);
    const inactive = this.trInactive[tr] as number;
    this.entInactive[c] = inactive;
    this.entState[c] = this.trFinal[tr] as number;
    if (inactive === 0) {
      const dest = this.dests[g] as Dest;
      dest.inactConns--;
      dest.activeConns++;
      this.change(g, 1, 0, at);
    } else {
      this.change(g, 0, 1, at);
    }
    const exp = at + (this.trLast[tr] as number);
    this.entExpiry[c] = exp;
    if (!(next <= exp)) {
      (this.fifos[this.trFifo[tr] as number] as Fifo).push(c, exp);
      if (exp < this.leanDue) this.leanDue = exp;
    }
  }

  /** TCP entries a new SYN may replace (is_new_conn_expected). */
  private finishedForReuse(e: number): boolean {
    const st = this.entState[e] as TcpState;
    if (st === TcpState.TimeWait || st === TcpState.Close) return true;
    return (
      (this.connReuseMode & 2) !== 0 &&
      st === TcpState.FinWait &&
      this.destNoOut[this.entDest[e] as number] === 1
    );
  }

  private schedule(c: number, s: number, svc: Service, pkt: LeanPacket, at: number): number {
    this.decisions++;
    const d = svc.scheduler.schedule(svc, pkt, at);
    if (d === null) return -1;
    const g = this.destIndex(s, d);
    this.newEntry(c, g, at);
    return g;
  }

  /** The server index of a Dest of service `s`: its position in the kernel list, mapped. */
  private destIndex(s: number, d: Dest): number {
    const list = (this.svcs[s] as Service).dests;
    let i = 0;
    while (list[i] !== d) i++;
    return (this.kernelToServer[s] as Int32Array)[i] as number;
  }

  private newEntry(c: number, g: number, at: number): void {
    this.rescale(c, g, at);
    this.entDest[c] = g;
    this.entState[c] = TcpState.None;
    this.entInactive[c] = 1;
    this.entAlive[c] = 1;
    this.entControl[c] = -1;
    this.entExpiry[c] = Infinity;
    const dest = this.dests[g] as Dest;
    bindEntry(dest, false);
    dest.statsConns++;
    (this.svcs[this.service[c] as number] as Service).statsConns++;
    this.picks[c] = g;
    this.conns[g] = (this.conns[g] as number) + 1;
    this.served[g] = (this.served[g] as number) + 1;
    this.lifeSum[g] = (this.lifeSum[g] as number) + (this.life[c] as number);
    const arrT = this.arrT;
    if (arrT !== null && at < this.horizon) {
      const k = g * this.steps + this.stepOf(at);
      arrT[k] = (arrT[k] as number) + 1;
    }
  }

  /** The template key id of connection `c` of service `s` (ip_vs_sched_persist's lookup key). */
  private templateKey(s: number, svc: Service, c: number): number {
    let keys = this.clientKey[s] ?? null;
    if (keys === null) {
      keys = this.keys.forConnections(s, svc);
      this.clientKey[s] = keys;
      if (this.tmplOfKey.length < this.keys.size) {
        const grown = new Int32Array(this.keys.size).fill(-1);
        grown.set(this.tmplOfKey);
        this.tmplOfKey = grown;
      }
    }
    return keys[c] as number;
  }

  /** ip_vs_sched_persist: a valid template for the client network bypasses the scheduler. */
  private schedulePersistent(c: number, s: number, svc: Service, pkt: LeanPacket, at: number): number {
    const key = this.templateKey(s, svc, c);
    let k = this.tmplOfKey[key] as number;
    if (k >= 0) {
      const d = this.dests[this.tDest[k] as number] as Dest;
      if (!(d.available && !(this.expireQuiescent && d.weight === 0))) {
        // Invalidated: unhashed now, it lives on (still counted) until its timer fires.
        this.tmplOfKey[key] = -1;
        k = -1;
      }
    }
    if (k < 0) {
      this.decisions++;
      const d = svc.scheduler.schedule(svc, pkt, at);
      if (d === null) return -1;
      k = this.tCount++;
      this.tDest[k] = this.destIndex(s, d);
      this.tNControl[k] = 0;
      this.tTimeout[k] = svc.timeoutMs;
      this.tKey[k] = key;
      this.tItem[k] = (this.exact as ExactQueue).add(-1 - k);
      bindEntry(d, true);
      this.tmplOfKey[key] = k;
    }
    const g = this.tDest[k] as number;
    this.newEntry(c, g, at);
    this.entItem[c] = (this.exact as ExactQueue).add(c);
    this.entControl[c] = k;
    this.tNControl[k] = (this.tNControl[k] as number) + 1;
    (this.exact as ExactQueue).arm(this.tItem[k] as number, at + (this.tTimeout[k] as number));
    return g;
  }

  private keepalive(c: number, at: number): void {
    const end = (this.startMs[c] as number) + (this.life[c] as number);
    const ka = this.keepaliveMs;
    const next = at + ka < end ? at + ka : end;
    // A moved connection's keepalives are queued one at a time.
    if (this.moved !== null && this.moved[c] === 1 && at + ka < end)
      (this.late as LateQueue).push(at + ka, (c << 2) | EV_KEEPALIVE);
    const x = this.tupleEntry[c] as number;
    if (x < 0 || this.entAlive[x] === 0) return;
    this.apply(x, K_ACK, at, next);
  }

  private close(c: number, at: number): void {
    const x = this.tupleEntry[c] as number;
    if (x < 0 || this.entAlive[x] === 0) return;
    // The lingering entry's timer is always queued (its tuple's next SYN is rarely that close).
    this.apply(x, this.closeKind[c] === CLOSE_RST ? K_RST : K_FIN, at, Infinity);
  }
}

/**
 * The held connections' series (ReplayResult.held), from where each was picked and how long it
 * was held (`lifetimes`: as replayed, scaled by its server): null when the timeline has none.
 */
export function heldSeries(
  t: Timeline,
  picks: Int32Array,
  lifetimes: Float64Array,
  servers: number,
  steps: number,
  stepMs: number,
): ReplayResult['held'] {
  if (t.held === undefined || steps === 0) return null;
  const active = new Float64Array(servers * steps);
  const arrivals = new Uint32Array(servers * steps);
  for (let c = 0; c < t.count; c++) {
    const g = picks[c] as number;
    const from = t.startMs[c] as number;
    if (t.held[c] !== 1 || g < 0 || !(from < t.durationMs)) continue;
    const to = Math.min(t.durationMs, from + (lifetimes[c] as number));
    arrivals[g * steps + Math.min(steps - 1, Math.floor(from / stepMs))]! += 1;
    for (let b = Math.floor(from / stepMs); b < steps && b * stepMs < to; b++) {
      const len = Math.min(stepMs, t.durationMs - b * stepMs);
      active[g * steps + b]! += (Math.min(to, (b + 1) * stepMs) - Math.max(from, b * stepMs)) / len;
    }
  }
  return { active, arrivals };
}
