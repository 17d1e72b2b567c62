/**
 * What-if runs on the same timeline (modes-and-capacity.md §5, §9.3): a server fails and returns,
 * a weight changes, a server joins — each on the kernel model's Director with the ipvsadm
 * commands at their times (director-run.ts) — and a flash crowd, a timeline with more arrivals
 * for a while, replayed by the lean engine. Per configuration: connections moved, time until
 * balanced, what the returning or new server takes in its first minute, the share of clients a
 * hash scheduler remaps, and the peak utilisation and p99 delay over the run.
 */
import { type Endpoint, formatEndpoint, parseEndpoint, parseIp } from '../../common/net/ip.js';
import type { ServerSettings } from '../kernel/config.js';
import { generateTimeline, type GeneratorParams } from '../replay/generate.js';
import { type PreparedTimeline, prepareTimeline } from '../replay/events.js';
import { type CandidateMeasures, type MeasureOptions, measureCandidate } from '../replay/measures.js';
import { replayCandidates } from '../replay/pool.js';
import type { Timeline } from '../replay/timeline.js';
import type { ServiceModel } from '../workload/model.js';
import { addressOf } from './capacity.js';
import { configName, toCandidate, variant } from './configs.js';
import { runOnDirector, type TimedCommand } from './director-run.js';
import { worstQuantile } from './objective.js';
import type {
  CandidateResult,
  Configuration,
  DelayMs,
  WhatIfResult,
  WhatIfRun,
  WhatIfScenario,
} from './types.js';

export interface WhatIfContext {
  readonly timeline: Timeline;
  readonly params: GeneratorParams;
  readonly measures: MeasureOptions;
  readonly stepMs: number;
  readonly seed: number;
  readonly workers: number;
}

/** Balanced: every server's concurrency share within this (relative) of its capacity share, or of its share before the event. */
const BALANCE_TOLERANCE = 0.1;
const HASHED = new Set(['sh', 'dh', 'mh']);

const delayOf = (m: CandidateMeasures): DelayMs => {
  const q = worstQuantile(m, 'waitP99Ms');
  return q === null || q === 'overloaded' ? q : Math.round(q * 1000) / 1000;
};

function findServer(c: Configuration, text: string): number {
  const ep = parseEndpoint(text);
  const want = typeof ep === 'string' ? (parseIp(text)?.text ?? text) : formatEndpoint(ep.addr, ep.port);
  return c.servers.findIndex((s) => s.server === want || addressOf(s.server) === want);
}

function settingsOf(c: Configuration, i: number): ServerSettings {
  const s = c.servers[i];
  if (s === undefined) throw new Error('what-if: no such server');
  return { forward: s.forward, weight: s.weight, uThreshold: s.uThreshold, lThreshold: s.lThreshold };
}

function endpointOf(text: string, port: number): Endpoint {
  const ep = parseEndpoint(text);
  if (typeof ep !== 'string') return { addr: ep.addr, port: ep.port };
  const addr = parseIp(text);
  if (addr === undefined) throw new Error(`what-if: ${text} is not an address`);
  return { addr, port };
}

/** Capacity share per server index of `labels`, from the measure options. */
function capacityShares(
  labels: readonly string[],
  caps: MeasureOptions['capacities'],
  present: readonly boolean[],
): number[] {
  const rel = labels.map((l, g) => (present[g] ? (caps[addressOf(l)]?.relative ?? 1) : 0));
  const sum = rel.reduce((a, b) => a + b, 0);
  return rel.map((r) => (sum > 0 ? r / sum : 0));
}

function deviation(active: Float64Array, steps: number, b: number, shares: readonly number[]): number | null {
  let total = 0;
  for (let g = 0; g < shares.length; g++) total += active[g * steps + b] as number;
  if (total <= 0) return null;
  let worst = 0;
  shares.forEach((c, g) => {
    if (c <= 0) return;
    worst = Math.max(worst, Math.abs((active[g * steps + b] as number) / total / c - 1));
  });
  return worst;
}

interface RunFigures {
  readonly secondsUntilBalanced: number | null;
  readonly worstPeakToMean: number;
}

function balanceFigures(
  active: Float64Array,
  steps: number,
  stepMs: number,
  labels: readonly string[],
  caps: MeasureOptions['capacities'],
  beforeMs: number,
  changeMs: number,
  presentBefore: readonly boolean[],
): RunFigures {
  const before = capacityShares(labels, caps, presentBefore);
  const after = capacityShares(
    labels,
    caps,
    labels.map(() => true),
  );
  let sum = 0;
  let n = 0;
  for (let b = 0; b < Math.min(steps, Math.floor(beforeMs / stepMs)); b++) {
    const d = deviation(active, steps, b, before);
    if (d !== null) {
      sum += d;
      n++;
    }
  }
  const threshold = Math.max(BALANCE_TOLERANCE, (n > 0 ? sum / n : 0) + BALANCE_TOLERANCE / 2);
  let balanced: number | null = null;
  let worst = 1;
  for (let b = Math.floor(changeMs / stepMs); b < steps; b++) {
    const d = deviation(active, steps, b, after);
    if (d === null) continue;
    worst = Math.max(worst, 1 + d);
    if (balanced === null && d <= threshold) balanced = Math.max(0, ((b + 1) * stepMs - changeMs) / 1000);
  }
  return { secondsUntilBalanced: balanced, worstPeakToMean: Math.round(worst * 1000) / 1000 };
}

/** Share of clients seen before `fromMs` and again in [fromMs, toMs) whose server changed. */
function remapped(t: Timeline, picks: Int32Array, fromMs: number, toMs: number): number | undefined {
  const before = new Map<number, number>();
  const changed = new Map<number, boolean>();
  for (let c = 0; c < t.count; c++) {
    const start = t.startMs[c] as number;
    const g = picks[c] as number;
    if (g < 0 || start >= toMs) continue;
    const client = t.client[c] as number;
    if (start < fromMs) before.set(client, g);
    else if (before.has(client) && !changed.has(client)) changed.set(client, before.get(client) !== g);
  }
  if (changed.size === 0) return undefined;
  let n = 0;
  for (const v of changed.values()) if (v) n++;
  return Math.round((n / changed.size) * 1000) / 1000;
}

function firstMinute(
  arrivals: Uint32Array,
  steps: number,
  stepMs: number,
  g: number,
  fromMs: number,
): number {
  let n = 0;
  const b0 = Math.floor(fromMs / stepMs);
  for (let b = b0; b < Math.min(steps, b0 + Math.max(1, Math.round(60_000 / stepMs))); b++)
    n += arrivals[g * steps + b] as number;
  return n;
}

function directorScenario(
  ctx: WhatIfContext,
  prepared: PreparedTimeline,
  s: WhatIfScenario,
  c: Configuration,
): WhatIfRun {
  const t = ctx.timeline;
  const key = t.services[0]?.key;
  if (key === undefined) throw new Error('what-if: an empty timeline');
  const atMs = s.atSeconds * 1000;
  const timed: TimedCommand[] = [];
  const extra: Endpoint[] = [];
  let capacities = ctx.measures.capacities;
  let target: number;
  let changeMs = atMs;
  const labels = c.servers.map((x) => x.server);
  let presentBefore = labels.map(() => true);
  if (s.kind === 'fail-return' || s.kind === 'weight-change') {
    target = findServer(c, s.server ?? '');
    if (target < 0)
      throw new Error(`--whatif: ${s.server} is not a server of the pool (${labels.join(', ')})`);
    const server = endpointOf(c.servers[target]?.server ?? '', 0);
    if (s.kind === 'fail-return') {
      timed.push({ atMs, command: { op: 'delete-server', service: key, server }, failure: true });
      const untilMs = (s.untilSeconds ?? s.atSeconds) * 1000;
      timed.push({
        atMs: untilMs,
        command: { op: 'add-server', service: key, server, settings: settingsOf(c, target) },
      });
      changeMs = untilMs;
    } else {
      timed.push({
        atMs,
        command: {
          op: 'edit-server',
          service: key,
          server,
          settings: { ...settingsOf(c, target), weight: s.weight ?? 0 },
        },
      });
    }
  } else {
    const port = key.kind === 'addr' ? key.port : 0;
    const server = endpointOf(s.server ?? '', port);
    const label = formatEndpoint(server.addr, server.port);
    if (labels.some((l) => addressOf(l) === server.addr.text))
      throw new Error(`--whatif add:${s.server}: already a server of the pool`);
    extra.push(server);
    labels.push(label);
    presentBefore = [...presentBefore, false];
    // Its size: the pool's workers per unit of relative capacity, times its capacity.
    const known = Object.values(ctx.measures.capacities);
    const perUnit = known.reduce((m, k) => Math.max(m, (k.workers ?? 0) / k.relative), 0);
    const top = Math.max(...known.map((k) => k.relative), 1);
    const relative = (s.capacity ?? 1) / top;
    capacities = {
      ...capacities,
      [server.addr.text]: {
        relative,
        ...(perUnit > 0 && { workers: Math.max(1, Math.round(perUnit * relative)) }),
      },
    };
    const maxWeight = Math.max(...c.servers.map((x) => x.weight), 1);
    const weight = Math.max(1, Math.round(maxWeight * relative));
    const forward = c.servers[0]?.forward ?? 'route';
    timed.push({
      atMs,
      command: {
        op: 'add-server',
        service: key,
        server,
        settings: { forward, weight, uThreshold: 0, lThreshold: 0 },
      },
    });
    target = labels.length - 1;
  }
  const run = runOnDirector(prepared, toCandidate(t, c, ctx.seed), timed, ctx.stepMs, extra);
  const m = measureCandidate(t, run.result, { ...ctx.measures, capacities });
  const active = run.result.active as Float64Array;
  const figures = balanceFigures(
    active,
    run.result.steps,
    ctx.stepMs,
    labels,
    capacities,
    atMs,
    changeMs,
    presentBefore,
  );
  const hashed = HASHED.has(c.scheduler);
  const untilMs = s.kind === 'fail-return' ? (s.untilSeconds ?? s.atSeconds) * 1000 : t.durationMs;
  const share = hashed ? remapped(t, run.picks, atMs, untilMs) : undefined;
  return {
    name: configName(c),
    scheduler: c.scheduler,
    connectionsMoved: run.moved,
    secondsUntilBalanced: figures.secondsUntilBalanced,
    ...(s.kind !== 'weight-change' && {
      firstMinuteConnections: firstMinute(
        run.result.arrivals as Uint32Array,
        run.result.steps,
        ctx.stepMs,
        target,
        changeMs,
      ),
    }),
    ...(share !== undefined && { remappedShare: share }),
    peakUtilisation: Math.round(m.peakUtilisation * 1e4) / 1e4,
    delayP99Ms: delayOf(m),
    worstPeakToMean: figures.worstPeakToMean,
    dropped: run.result.dropped,
  };
}

/** The generator's parameters with the arrival rate × factor in [fromMs, toMs). */
export function crowdParams(
  p: GeneratorParams,
  factor: number,
  fromMs: number,
  toMs: number,
): GeneratorParams {
  return {
    ...p,
    services: p.services.map((s) => {
      const windows = [...s.rate].sort((a, b) => a.startMs - b.startMs);
      const rateAt = (ms: number) =>
        windows.filter((w) => w.startMs <= ms).pop()?.perSecond ?? windows[0]?.perSecond ?? 0;
      const cuts = [...new Set([0, ...windows.map((w) => w.startMs), fromMs, toMs])].sort((a, b) => a - b);
      return {
        ...s,
        rate: cuts.map((startMs) => ({
          startMs,
          perSecond: rateAt(startMs) * (startMs >= fromMs && startMs < toMs ? factor : 1),
        })),
      };
    }),
  };
}

async function crowdScenario(
  ctx: WhatIfContext,
  s: WhatIfScenario,
  configs: readonly Configuration[],
): Promise<WhatIfRun[]> {
  const fromMs = s.atSeconds * 1000;
  const toMs = (s.untilSeconds ?? s.atSeconds) * 1000;
  const t = generateTimeline(crowdParams(ctx.params, s.factor ?? 1, fromMs, toMs));
  const out = await replayCandidates(
    t,
    configs.map((c) => ({
      candidate: toCandidate(t, c, ctx.seed),
      options: { stepMs: ctx.stepMs, picks: false },
      measures: ctx.measures,
      keep: { picks: false, series: true },
    })),
    { workers: ctx.workers },
  );
  return out.map((o, i) => {
    const c = configs[i] as Configuration;
    const m = o.measures as CandidateMeasures;
    const labels = c.servers.map((x) => x.server);
    const figures = balanceFigures(
      o.result.active as Float64Array,
      o.result.steps,
      ctx.stepMs,
      labels,
      ctx.measures.capacities,
      fromMs,
      toMs,
      labels.map(() => true),
    );
    return {
      name: configName(c),
      scheduler: c.scheduler,
      connectionsMoved: 0,
      secondsUntilBalanced: figures.secondsUntilBalanced,
      peakUtilisation: Math.round(m.peakUtilisation * 1e4) / 1e4,
      delayP99Ms: delayOf(m),
      worstPeakToMean: figures.worstPeakToMean,
      dropped: o.result.dropped,
    };
  });
}

const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

function findings(s: WhatIfScenario, runs: readonly WhatIfRun[], service: ServiceModel): string[] {
  const out: string[] = [];
  for (const r of runs) {
    const balanced =
      r.secondsUntilBalanced === null
        ? 'never balanced again within the replay'
        : `balanced ${Math.round(r.secondsUntilBalanced)} s after the change`;
    const first =
      r.firstMinuteConnections !== undefined
        ? `, the ${s.kind === 'add-server' ? 'new' : 'returning'} server took ${count(r.firstMinuteConnections, 'new connection')} in its first minute`
        : '';
    const moved = s.kind === 'fail-return' ? `${count(r.connectionsMoved, 'connection')} moved, ` : '';
    out.push(`${r.name}: ${moved}${balanced}${first}; peak utilisation ${pct(r.peakUtilisation)}`);
    if (r.remappedShare !== undefined) {
      const server = service.servers.find(
        (x) => s.server !== undefined && (x.server === s.server || addressOf(x.server) === s.server),
      );
      const ideal =
        s.kind === 'fail-return'
          ? (server?.arrivals.share ?? 0)
          : s.kind === 'add-server'
            ? 1 / (service.servers.length + 1)
            : undefined;
      out.push(
        `${r.name}: ${pct(r.remappedShare)} of the clients seen before ${s.kind === 'fail-return' ? 'the failure changed server while it was down' : 'the change changed server after it'}${ideal !== undefined ? ` (the least possible: about ${pct(ideal)})` : ''}`,
      );
    }
  }
  const never = runs.filter(
    (r) => r.secondsUntilBalanced === null && (r.scheduler === 'rr' || r.scheduler === 'wrr'),
  );
  if (s.kind === 'fail-return' && never.length > 0)
    out.push(
      `${never.map((r) => r.name).join(', ')}: only new connections are scheduled, and rr/wrr give the returning server only its turn of them, so long-lived connections stay where the failure put them; a least-connection scheduler (lc/wlc) fills it first`,
    );
  return out;
}

/** Every scenario for the given candidates (and, after a failure, wrr and wlc for contrast). */
export async function runWhatIfs(
  ctx: WhatIfContext,
  candidates: readonly CandidateResult[],
  scenarios: readonly WhatIfScenario[],
  service: ServiceModel,
  onRun: (n: number) => void,
): Promise<WhatIfResult[]> {
  const prepared = prepareTimeline(ctx.timeline);
  const out: WhatIfResult[] = [];
  for (const s of scenarios) {
    const configs = candidates.map((c) => c.config);
    if (s.kind === 'fail-return') {
      const base = candidates[0]?.config;
      if (base)
        for (const scheduler of ['wrr', 'wlc'] as const) {
          const v = variant(
            base,
            scheduler,
            base.servers.map((x) => x.weight),
          );
          if (!configs.some((c) => configName(c) === configName(v))) configs.push(v);
        }
    }
    let runs: WhatIfRun[];
    if (s.kind === 'flash-crowd') runs = await crowdScenario(ctx, s, configs);
    else runs = configs.map((c) => directorScenario(ctx, prepared, s, c));
    onRun(configs.length);
    out.push({ scenario: s, runs, findings: findings(s, runs, service) });
  }
  return out;
}
