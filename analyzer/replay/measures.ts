/**
 * What a replayed candidate means for the real servers: utilisation over time, imbalance across
 * servers (modes-and-capacity.md §6: peak-to-mean, min/max, coefficient of variation, Jain's
 * index, for new-connection shares, time-weighted concurrency and utilisation, over the whole
 * run and in the worst window), time above 80 % and 100 %, and queueing delay from a stated
 * queue model.
 *
 * Definitions:
 * - A server (machine) is a real-server address: its dests in every service are summed. Its
 *   capacity is given by the caller (the workload's evidence or the pool file): a relative speed
 *   and, when known, `workers` (requests it serves at once) and/or `connsPerSecond`.
 * - Utilisation of a step ρ(t): with `workers`, busy workers ÷ workers, where busy = the
 *   time-weighted mean of ActiveConn in the step (a connection is a request in flight: IPVS's
 *   ActiveConn is requests-in-flight for connection-per-request traffic, §10); else, with
 *   `connsPerSecond`, new connections per second ÷ connsPerSecond; else only a relative load,
 *   ActiveConn ÷ relative speed, with no 80 %/100 % figures and no queue model.
 * - Queue model: M/M/c per server and per window (default 60 s), c = workers, arrival rate λ =
 *   the window's new connections to the server. The offered load λ/μ is the concurrency the
 *   replay shows: the window's time-weighted mean ActiveConn (Little's law; so ρ = λ/(cμ) is the
 *   window's utilisation, and a server that wlc hands long connections is loaded by them, not by
 *   a run-wide mean). With `connsPerSecond`, μ = connsPerSecond ÷ workers instead; with
 *   `serviceTimeMs`, μ = 1 ÷ serviceTimeMs. Erlang C gives P(wait) = C(c, λ/μ),
 *   P(wait > t) = C·e^{−(cμ−λ)t};
 *   with only `connsPerSecond`, M/M/1 with μ = connsPerSecond. A window with ρ = λ/(cμ) ≥ 1 is
 *   overloaded: its arrivals are not given a finite wait, and a quantile that falls among them
 *   is reported as 'overloaded', not as a number.
 */
import type { ReplayResult } from './engine.js';
import type { Timeline } from './timeline.js';

export interface ServerCapacity {
  /** Relative speed, the fastest server = 1. */
  readonly relative: number;
  /** Requests (connections) it serves at once at full speed: worker threads or processes. */
  readonly workers?: number;
  /** New connections per second it sustains. */
  readonly connsPerSecond?: number;
  /** Mean service time of one connection on it, ms (default: the recorded lifetimes it got). */
  readonly serviceTimeMs?: number;
}

export interface MeasureOptions {
  /** Capacity per server address (`10.0.0.1`); servers not listed count as relative 1, no workers. */
  readonly capacities: Readonly<Record<string, ServerCapacity>>;
  /** Window of the queue model and of the per-window figures, ms (default 60 000; rounded to steps). */
  readonly windowMs?: number;
  /** Utilisation thresholds (default [0.8, 1]). */
  readonly thresholds?: readonly [number, number];
  /** Keep each server's utilisation series (default false). */
  readonly series?: boolean;
}

export interface Spread {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  /** max ÷ mean (1 = even). */
  readonly peakToMean: number;
  /** min ÷ max (1 = even). */
  readonly minToMax: number;
  /** Population standard deviation ÷ mean. */
  readonly cv: number;
  /** (Σx)² ÷ (n·Σx²) = 1 ÷ (1 + CV²); 1 = even, 1/n = one server takes all. */
  readonly jain: number;
}

export type Quantile = number | 'overloaded';

export interface QueueMeasures {
  /** e.g. `M/M/c (Erlang C), c = 64, per 60 s window`. */
  readonly model: string;
  readonly waitP50Ms: Quantile;
  readonly waitP99Ms: Quantile;
  readonly overloadedWindows: number;
  /** Share of the server's arrivals that fell in overloaded windows. */
  readonly overloadedShare: number;
}

export interface ServerMeasures {
  readonly server: string;
  readonly capacity: ServerCapacity;
  readonly utilisationBasis: 'workers' | 'connsPerSecond' | 'relative';
  readonly conns: number;
  readonly connShare: number;
  readonly meanActive: number;
  readonly peakActive: number;
  readonly meanInactive: number;
  readonly serviceTimeMs: number;
  readonly utilisation: {
    readonly mean: number;
    readonly peak: number;
    /** Over time: peak ÷ mean, and σ ÷ mean of the steps. */
    readonly peakToMean: number;
    readonly cv: number;
    /** Highest mean over one window. */
    readonly worstWindow: number;
    /** Time with ρ above the first and second threshold (ms); null for a relative basis. */
    readonly above80Ms: number | null;
    readonly above100Ms: number | null;
  };
  readonly queue: QueueMeasures | null;
  readonly series?: Float64Array;
}

export interface CandidateMeasures {
  readonly name: string;
  readonly stepMs: number;
  readonly windowMs: number;
  readonly servers: readonly ServerMeasures[];
  /** Across servers, over the whole run. */
  readonly newConnections: Spread;
  readonly concurrency: Spread;
  readonly utilisation: Spread;
  /** The window where the utilisation spread is worst (highest peak-to-mean among loaded windows). */
  readonly worstWindow: { readonly startMs: number; readonly utilisation: Spread } | null;
  /** Highest step utilisation of any server, and highest window mean: what sizing looks at. */
  readonly peakUtilisation: number;
  readonly worstWindowUtilisation: number;
  readonly dropped: number;
  readonly connections: number;
}

/** Imbalance figures of a per-server vector (see Spread). An all-zero vector counts as even. */
export function spread(xs: ArrayLike<number>): Spread {
  const n = xs.length;
  let sum = 0;
  let sq = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = xs[i] as number;
    sum += x;
    sq += x * x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (n === 0) return { mean: 0, min: 0, max: 0, peakToMean: 1, minToMax: 1, cv: 0, jain: 1 };
  const mean = sum / n;
  if (max <= 0) return { mean, min, max, peakToMean: 1, minToMax: 1, cv: 0, jain: 1 };
  const variance = Math.max(0, sq / n - mean * mean);
  return {
    mean,
    min,
    max,
    peakToMean: max / mean,
    minToMax: min / max,
    cv: Math.sqrt(variance) / mean,
    jain: (sum * sum) / (n * sq),
  };
}

/**
 * Erlang C: the probability that an arrival waits in an M/M/c queue with `c` servers and offered
 * load `a` = λ/μ (Erlangs); 1 when a ≥ c. Computed through the Erlang B recursion (stable for
 * large c): B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)); C = B / (1 − ρ(1 − B)), ρ = a/c.
 */
export function erlangC(c: number, a: number): number {
  if (!(c >= 1)) throw new Error('erlangC: c ≥ 1');
  if (a <= 0) return 0;
  if (a >= c) return 1;
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  const rho = a / c;
  return b / (1 - rho * (1 - b));
}

/** P(wait > t) in M/M/c (t in the unit of 1/μ); 1 when overloaded. */
export function mmcWaitTail(c: number, lambda: number, mu: number, t: number): number {
  if (lambda <= 0) return 0;
  if (lambda >= c * mu) return 1;
  return erlangC(c, lambda / mu) * Math.exp(-(c * mu - lambda) * t);
}

/** The p-quantile of the wait in M/M/c; Infinity when overloaded. */
export function mmcWaitQuantile(c: number, lambda: number, mu: number, p: number): number {
  if (lambda <= 0) return 0;
  if (lambda >= c * mu) return Infinity;
  const C = erlangC(c, lambda / mu);
  if (1 - p >= C) return 0;
  return -Math.log((1 - p) / C) / (c * mu - lambda);
}

/**
 * The stable windows of one server as a mixture of M/M/c waits, for its quantiles: per window with
 * C > 0, its weight·C and its decay rate cμ − λ (windows with C = 0 never wait). Built once and
 * read by both quantiles; typed arrays so that the tail sum, evaluated ~100 times per quantile,
 * is a tight loop.
 */
interface Mixture {
  readonly weightC: Float64Array;
  readonly rates: Float64Array;
  readonly terms: number;
  /** Σ weight over all stable windows (those with C = 0 too). */
  readonly total: number;
  readonly overloadedShare: number;
}

/** p-quantile (ms) of the wait over a mixture of stable windows; 'overloaded' if it falls beyond. */
function mixtureQuantile(mix: Mixture, p: number): Quantile {
  const { weightC, rates, terms, total, overloadedShare } = mix;
  if (overloadedShare > 1 - p + 1e-12) return 'overloaded';
  if (total <= 0) return 0;
  const stable = 1 - overloadedShare;
  // P(W > t) over all arrivals (overloaded ones never wait ≤ t).
  const tail = (t: number): number => {
    let s = 0;
    for (let i = 0; i < terms; i++) s += (weightC[i] as number) * Math.exp(-(rates[i] as number) * t);
    return (s / total) * stable + overloadedShare;
  };
  if (tail(0) <= 1 - p) return 0;
  let hi = 1;
  while (tail(hi) > 1 - p && hi < 1e12) hi *= 2;
  let lo = 0;
  for (let i = 0; i < 100 && hi - lo > Math.max(1e-4, 1e-9 * hi); i++) {
    const mid = (lo + hi) / 2;
    if (tail(mid) > 1 - p) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Measures one replayed candidate (see the file comment). `result` needs its series. */
export function measureCandidate(
  t: Timeline,
  result: ReplayResult,
  options: MeasureOptions,
): CandidateMeasures {
  const { steps, stepMs } = result;
  if (result.active === null || result.arrivals === null || result.inactive === null)
    throw new Error('measures: the replay kept no series (stepMs 0)');
  const active = result.active;
  const inactive = result.inactive;
  const arrivals = result.arrivals;
  const [th1, th2] = options.thresholds ?? [0.8, 1];
  if (!(th1 <= th2)) throw new Error('measures: thresholds in increasing order');
  const stepsPerWindow = Math.max(1, Math.round((options.windowMs ?? 60_000) / stepMs));
  const windowMs = stepsPerWindow * stepMs;
  const windows = Math.ceil(steps / stepsPerWindow);
  const horizon = t.durationMs;

  // Machines: result servers grouped by address.
  const names: string[] = [];
  const G = result.servers.length;
  const machineOf = new Int32Array(G);
  for (let g = 0; g < G; g++) {
    const name = (result.servers[g] as ReplayResult['servers'][number]).server.addr.text;
    let m = names.indexOf(name);
    if (m < 0) {
      m = names.length;
      names.push(name);
    }
    machineOf[g] = m;
  }
  const M = names.length;
  // Recorded service time per machine: mean lifetime of the connections it got.
  const lifeSum = new Float64Array(M);
  const lifeCount = new Float64Array(M);
  const conns = new Float64Array(M);
  for (let g = 0; g < G; g++) {
    const m = machineOf[g] as number;
    lifeSum[m] = (lifeSum[m] as number) + (result.lifetimeSumMs[g] as number);
    lifeCount[m] = (lifeCount[m] as number) + (result.served[g] as number);
    conns[m] = (conns[m] as number) + (result.conns[g] as number);
  }
  const totalConns = conns.reduce((s, x) => s + x, 0);

  /** Per-step utilisation, kept only for the series option. */
  const util = options.series ? new Float64Array(M * steps) : null;
  const winUtil = new Float64Array(M * windows);
  const servers: ServerMeasures[] = [];
  let peakUtilisation = 0;
  let worstWindowUtilisation = 0;
  /** Per (server, window): time-weighted mean ActiveConn, and new connections. */
  const winActive = new Float64Array(M * windows);
  const winArrivals = new Float64Array(M * windows);
  /** The same for held (pooled) connections, when the timeline has any. */
  const held = result.held;
  const winHeld = held ? new Float64Array(M * windows) : null;
  const winHeldArrivals = held ? new Float64Array(M * windows) : null;
  for (let m = 0; m < M; m++) {
    const name = names[m] as string;
    // The machine's series are the sums of its dests' rows, added step by step in server order
    // (not materialised: fresh arrays of servers × steps cost more in page faults than the sums).
    const rows = Int32Array.from(result.servers.flatMap((_, g) => (machineOf[g] === m ? [g * steps] : [])));
    const R = rows.length;
    const cap = options.capacities[name] ?? { relative: 1 };
    const basis =
      cap.workers !== undefined
        ? 'workers'
        : cap.connsPerSecond !== undefined
          ? 'connsPerSecond'
          : 'relative';
    let sumU = 0;
    let sumU2 = 0;
    let peakU = 0;
    let sumA = 0;
    let peakA = 0;
    let sumI = 0;
    let above1 = 0;
    let above2 = 0;
    // ρ = active·scaleA + arrivals per second·scaleR (one of the two is 0).
    const scaleA =
      basis === 'workers' ? 1 / (cap.workers as number) : basis === 'relative' ? 1 / cap.relative : 0;
    const scaleR = basis === 'connsPerSecond' ? 1000 / (cap.connsPerSecond as number) : 0;
    const row = m * steps;
    for (let b = 0; b < steps; b++) {
      const len = b === steps - 1 ? horizon - b * stepMs : stepMs;
      let a = 0;
      let ia = 0;
      let n = 0;
      for (let r = 0; r < R; r++) {
        const k = (rows[r] as number) + b;
        a += active[k] as number;
        ia += inactive[k] as number;
        n += arrivals[k] as number;
      }
      const u = a * scaleA + (n * scaleR) / len;
      if (util !== null) util[row + b] = u;
      const ul = u * len;
      sumU += ul;
      sumU2 += u * ul;
      if (u > peakU) peakU = u;
      sumA += a * len;
      if (a > peakA) peakA = a;
      sumI += ia * len;
      if (u > th1) {
        above1 += len;
        if (u > th2) above2 += len;
      }
      const w = m * windows + ((b / stepsPerWindow) | 0);
      winUtil[w] = (winUtil[w] as number) + ul;
      winActive[w] = (winActive[w] as number) + a * len;
      winArrivals[w] = (winArrivals[w] as number) + n;
      if (held && winHeld && winHeldArrivals) {
        for (let r = 0; r < R; r++) {
          const k = (rows[r] as number) + b;
          winHeld[w] = (winHeld[w] as number) + (held.active[k] as number) * len;
          winHeldArrivals[w] = (winHeldArrivals[w] as number) + (held.arrivals[k] as number);
        }
      }
    }
    let worstW = 0;
    for (let w = 0; w < windows; w++) {
      const len = Math.min(windowMs, horizon - w * windowMs);
      const v = (winUtil[m * windows + w] as number) / len;
      winUtil[m * windows + w] = v;
      winActive[m * windows + w] = (winActive[m * windows + w] as number) / len;
      if (winHeld) winHeld[m * windows + w] = (winHeld[m * windows + w] as number) / len;
      if (v > worstW) worstW = v;
    }
    const meanU = horizon > 0 ? sumU / horizon : 0;
    const varU = horizon > 0 ? Math.max(0, sumU2 / horizon - meanU * meanU) : 0;
    const serviceTimeMs =
      cap.serviceTimeMs ??
      ((lifeCount[m] as number) > 0 ? (lifeSum[m] as number) / (lifeCount[m] as number) : 0);
    if (basis !== 'relative') {
      peakUtilisation = Math.max(peakUtilisation, peakU);
      worstWindowUtilisation = Math.max(worstWindowUtilisation, worstW);
    }
    servers.push({
      server: name,
      capacity: cap,
      utilisationBasis: basis,
      conns: conns[m] as number,
      connShare: totalConns > 0 ? (conns[m] as number) / totalConns : 0,
      meanActive: horizon > 0 ? sumA / horizon : 0,
      peakActive: peakA,
      meanInactive: horizon > 0 ? sumI / horizon : 0,
      serviceTimeMs,
      utilisation: {
        mean: meanU,
        peak: peakU,
        peakToMean: meanU > 0 ? peakU / meanU : 1,
        cv: meanU > 0 ? Math.sqrt(varU) / meanU : 0,
        worstWindow: worstW,
        above80Ms: basis === 'relative' ? null : above1,
        above100Ms: basis === 'relative' ? null : above2,
      },
      queue: queueOf(
        cap,
        { arrivals: winArrivals, active: winActive, held: winHeld, heldArrivals: winHeldArrivals },
        m,
        windows,
        stepsPerWindow,
        windowMs,
        horizon,
        stepMs,
      ),
      ...(util !== null ? { series: util.slice(m * steps, (m + 1) * steps) } : {}),
    });
  }

  // Across servers, whole run and worst window.
  let worstWindow: CandidateMeasures['worstWindow'] = null;
  const xs = new Float64Array(M);
  for (let w = 0; w < windows; w++) {
    for (let m = 0; m < M; m++) xs[m] = winUtil[m * windows + w] as number;
    const s = spread(xs);
    if (s.max > 0 && (worstWindow === null || s.peakToMean > worstWindow.utilisation.peakToMean))
      worstWindow = { startMs: w * windowMs, utilisation: s };
  }
  return {
    name: result.name,
    stepMs,
    windowMs,
    servers,
    newConnections: spread(conns),
    concurrency: spread(servers.map((s) => s.meanActive)),
    utilisation: spread(servers.map((s) => s.utilisation.mean)),
    worstWindow,
    peakUtilisation,
    worstWindowUtilisation,
    dropped: result.dropped,
    connections: t.count,
  };
}

/** Per (server, window): new connections and mean ActiveConn, and the held ones' part of each. */
interface WindowSeries {
  readonly arrivals: Float64Array;
  readonly active: Float64Array;
  readonly held: Float64Array | null;
  readonly heldArrivals: Float64Array | null;
}

/**
 * The queue model of one server. Held (pooled) connections are no requests: each holds a worker
 * for as long as it is open (a thread per connection), so the requests of a window queue for
 * the workers the held ones leave (c less their window mean, rounded), and
 * its arrivals and offered load are the short connections' alone.
 */
function queueOf(
  cap: ServerCapacity,
  win: WindowSeries,
  m: number,
  windows: number,
  stepsPerWindow: number,
  windowMs: number,
  horizon: number,
  stepMs: number,
): QueueMeasures | null {
  let c: number;
  /** Service rate per ms, or null: per window, from its arrivals and its mean ActiveConn. */
  let mu: number | null;
  let model: string;
  const windowText = `per ${windowMs / 1000} s window`;
  if (cap.workers !== undefined) {
    c = Math.max(1, Math.round(cap.workers));
    if (cap.connsPerSecond !== undefined) mu = cap.connsPerSecond / 1000 / c;
    else if (cap.serviceTimeMs !== undefined) mu = 1 / cap.serviceTimeMs;
    else mu = null;
    model =
      mu === null
        ? `M/M/c (Erlang C), c = ${c}, offered load = the window's mean ActiveConn, ${windowText}`
        : `M/M/c (Erlang C), c = ${c}, μ = 1 ÷ ${fmtMs(1 / mu)} ms, ${windowText}`;
    if (win.held) model += ', less the workers pooled connections hold';
  } else if (cap.connsPerSecond !== undefined) {
    c = 1;
    mu = cap.connsPerSecond / 1000;
    model = `M/M/1, μ = ${cap.connsPerSecond}/s, ${windowText}`;
  } else {
    return null;
  }
  const weightC = new Float64Array(windows);
  const rates = new Float64Array(windows);
  let terms = 0;
  let stableTotal = 0;
  let over = 0;
  let overArrivals = 0;
  let total = 0;
  for (let w = 0; w < windows; w++) {
    const w0 = w * stepsPerWindow;
    const at = m * windows + w;
    const heldOpen = win.held?.[at] ?? 0;
    const n = (win.arrivals[at] as number) - (win.heldArrivals?.[at] ?? 0);
    if (n <= 0) continue;
    const len = Math.min(windowMs, horizon - w0 * stepMs);
    const lambda = n / len;
    total += n;
    // Workers left to requests once the pooled connections hold theirs.
    const free = c - Math.round(heldOpen);
    let muW = mu;
    if (muW === null) {
      // Little: the offered load λ/μ is the concurrency the replay shows in the window.
      const load = Math.max(0, (win.active[at] as number) - heldOpen);
      muW = load > 0 ? lambda / load : Infinity;
    }
    if (free < 1 || lambda >= free * muW) {
      over++;
      overArrivals += n;
      continue;
    }
    stableTotal += n;
    const C = muW === Infinity ? 0 : erlangC(free, lambda / muW);
    if (C > 0) {
      weightC[terms] = n * C;
      rates[terms] = free * muW - lambda;
      terms++;
    }
  }
  const overloadedShare = total > 0 ? overArrivals / total : 0;
  const mix: Mixture = { weightC, rates, terms, total: stableTotal, overloadedShare };
  return {
    model,
    waitP50Ms: mixtureQuantile(mix, 0.5),
    waitP99Ms: mixtureQuantile(mix, 0.99),
    overloadedWindows: over,
    overloadedShare,
  };
}

function fmtMs(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toPrecision(3);
}
