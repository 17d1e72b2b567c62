/**
 * Replays many candidates of one timeline in parallel on worker threads (node:worker_threads).
 * The timeline's columns and its prepared event order are copied once into SharedArrayBuffers
 * that every worker reads in place; each candidate is a small message, and each result comes
 * back with its typed arrays transferred, not copied. One candidate, one worker, or no built
 * worker script (running from TypeScript sources) → the same work in process.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Candidate } from './candidate.js';
import { type ReplayOptions, type ReplayResult, replayCandidate } from './engine.js';
import { type PreparedTimeline, prepareTimeline } from './events.js';
import { type CandidateMeasures, type MeasureOptions, measureCandidate } from './measures.js';
import { threadCpuMs } from './thread-cpu.js';
import type { Timeline } from './timeline.js';

export interface ReplayRequest {
  readonly candidate: Candidate;
  readonly options?: ReplayOptions;
  /** Measure in the worker too (the replay then needs its series: stepMs > 0). */
  readonly measures?: MeasureOptions;
  /** What to send back besides the measures (default: everything). */
  readonly keep?: { readonly picks?: boolean; readonly series?: boolean };
}

export interface ReplayOutcome {
  readonly result: ReplayResult;
  readonly measures: CandidateMeasures | null;
  /** CPU time of the thread that replayed and measured it, ms (10 ms resolution); null off Linux. */
  readonly cpuMs?: number | null;
}

/** Replays and measures one request in this thread, dropping what `keep` does not want. */
export function runRequest(p: PreparedTimeline, req: ReplayRequest): ReplayOutcome {
  const cpu0 = threadCpuMs();
  const keepPicks = req.keep?.picks ?? true;
  const keepSeries = req.keep?.series ?? true;
  // What is not kept is only measured: the engine may write it to its scratch memory.
  const result = replayCandidate(p, req.candidate, {
    ...req.options,
    picks: keepPicks && (req.options?.picks ?? true),
    scratchSeries: !keepSeries,
  });
  const measures = req.measures ? measureCandidate(p.timeline, result, req.measures) : null;
  const cpu1 = threadCpuMs();
  return {
    result: {
      ...result,
      picks: keepPicks ? result.picks : null,
      joined: keepPicks ? result.joined : null,
      active: keepSeries ? result.active : null,
      inactive: keepSeries ? result.inactive : null,
      arrivals: keepSeries ? result.arrivals : null,
    },
    measures,
    cpuMs: cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null,
  };
}

type Column = Float64Array | Uint32Array | Uint16Array | Uint8Array | Int32Array;

/** What a worker needs to rebuild the prepared timeline over shared memory. */
export interface SharedTimeline {
  readonly tables: Omit<Timeline, 'startMs' | 'lifetimeMs' | 'client' | 'port' | 'service' | 'close'>;
  readonly columns: Record<
    'startMs' | 'lifetimeMs' | 'client' | 'port' | 'service' | 'close',
    SharedArrayBuffer
  >;
  readonly prepared: Record<
    'events' | 'times' | 'prevSame' | 'nextSame' | 'prevEndMs' | 'sfold',
    SharedArrayBuffer
  >;
}

function share(a: Column): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(a.byteLength);
  new Uint8Array(sab).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return sab;
}

export function shareTimeline(p: PreparedTimeline): SharedTimeline {
  const t = p.timeline;
  const { startMs, lifetimeMs, client, port, service, close, ...tables } = t;
  return {
    tables,
    columns: {
      startMs: share(startMs),
      lifetimeMs: share(lifetimeMs),
      client: share(client),
      port: share(port),
      service: share(service),
      close: share(close),
    },
    prepared: {
      events: share(p.events),
      times: share(p.times),
      prevSame: share(p.prevSame),
      nextSame: share(p.nextSame),
      prevEndMs: share(p.prevEndMs),
      sfold: share(p.sfold),
    },
  };
}

export function unshareTimeline(s: SharedTimeline): PreparedTimeline {
  const c = s.columns;
  const timeline: Timeline = {
    ...s.tables,
    startMs: new Float64Array(c.startMs),
    lifetimeMs: new Float64Array(c.lifetimeMs),
    client: new Uint32Array(c.client),
    port: new Uint16Array(c.port),
    service: new Uint16Array(c.service),
    close: new Uint8Array(c.close),
  };
  return {
    timeline,
    events: new Int32Array(s.prepared.events),
    times: new Float64Array(s.prepared.times),
    prevSame: new Int32Array(s.prepared.prevSame),
    nextSame: new Int32Array(s.prepared.nextSame),
    prevEndMs: new Float64Array(s.prepared.prevEndMs),
    sfold: new Uint32Array(s.prepared.sfold),
  };
}

/** Messages between the pool and its workers. */
export type ToWorker = { readonly id: number; readonly request: ReplayRequest };
export type FromWorker =
  { readonly id: number; readonly outcome: ReplayOutcome } | { readonly id: number; readonly error: string };

/** The typed arrays of an outcome, to transfer instead of copying. */
export function transferList(o: ReplayOutcome): ArrayBuffer[] {
  const r = o.result;
  const list = [r.picks, r.joined, r.active, r.inactive, r.arrivals, r.conns, r.served, r.lifetimeSumMs]
    .filter((a): a is NonNullable<typeof a> => a !== null)
    .map((a) => a.buffer)
    .filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
  for (const s of o.measures?.servers ?? []) if (s.series) list.push(s.series.buffer as ArrayBuffer);
  return [...new Set(list)];
}

const WORKER_SCRIPT = new URL('./worker.js', import.meta.url);

export interface PoolOptions {
  /** Worker threads (default: available parallelism, at most the candidates run at once). */
  readonly workers?: number;
}

/** A set of workers over one shared timeline. */
export class ReplayPool {
  readonly mode: 'workers' | 'in-process';
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly pending = new Map<
    number,
    { resolve: (o: ReplayOutcome) => void; reject: (e: Error) => void }
  >();
  private readonly queue: ToWorker[] = [];
  private nextId = 0;

  private constructor(
    readonly prepared: PreparedTimeline,
    workers: number,
  ) {
    const script = fileURLToPath(WORKER_SCRIPT);
    this.mode = workers > 1 && existsSync(script) ? 'workers' : 'in-process';
    if (this.mode === 'in-process') return;
    const shared = shareTimeline(prepared);
    for (let i = 0; i < workers; i++) {
      const w = new Worker(WORKER_SCRIPT, { workerData: shared });
      w.on('message', (msg: FromWorker) => this.settle(w, msg));
      w.on('error', (e) => this.failAll(e instanceof Error ? e : new Error(String(e))));
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  /** Prepares the timeline (once) and starts the workers. */
  static open(timeline: Timeline | PreparedTimeline, options: PoolOptions = {}): ReplayPool {
    const prepared = 'events' in timeline ? timeline : prepareTimeline(timeline);
    return new ReplayPool(prepared, options.workers ?? availableParallelism());
  }

  /** Replays every request; results in request order. */
  async run(requests: readonly ReplayRequest[]): Promise<ReplayOutcome[]> {
    // One request goes to a worker too: this thread stays free to feed the others.
    if (this.mode === 'in-process') return requests.map((r) => runRequest(this.prepared, r));
    return Promise.all(requests.map((request) => this.submit(request)));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
    this.idle.length = 0;
  }

  private submit(request: ReplayRequest): Promise<ReplayOutcome> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.queue.push({ id, request });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop() as Worker;
      w.postMessage(this.queue.shift());
    }
  }

  private settle(w: Worker, msg: FromWorker): void {
    const p = this.pending.get(msg.id);
    this.pending.delete(msg.id);
    this.idle.push(w);
    if (p) {
      if ('error' in msg) p.reject(new Error(msg.error));
      else p.resolve(msg.outcome);
    }
    this.pump();
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

/** One-shot: open a pool, replay the requests, close it. */
export async function replayCandidates(
  timeline: Timeline | PreparedTimeline,
  requests: readonly ReplayRequest[],
  options: PoolOptions = {},
): Promise<ReplayOutcome[]> {
  const workers = Math.min(options.workers ?? availableParallelism(), requests.length);
  const pool = ReplayPool.open(timeline, { workers });
  try {
    return await pool.run(requests);
  } finally {
    await pool.close();
  }
}
