/**
 * The recommender: per service of the pool, a seeded timeline from the workload model, the
 * running configuration as the baseline, every kernel scheduler (and the sh/mh flag variants) at
 * capacity-proportional weights, then the weight search (search.ts: balancing moves led by each
 * server's measured load, then ±step) for the most promising weighted schedulers, all at once;
 * everything replayed on worker threads (ReplayPool), measured,
 * ranked by the objective, and turned into a verdict with its reasons, warnings and commands.
 */
import { serviceLabels } from '../../common/ipvs/vocabulary.js';
import { type CostProfile, MODE_LABELS } from '../cost/index.js';
import type { Pool } from '../inputs/pools/model.js';
import { paramsFromWorkload } from '../replay/from-workload.js';
import { type GeneratorParams, generateTimeline } from '../replay/generate.js';
import type { CandidateMeasures, MeasureOptions } from '../replay/measures.js';
import { ReplayPool, type ReplayRequest } from '../replay/pool.js';
import { type Timeline, headOf } from '../replay/timeline.js';
import type { ServiceModel, WorkloadModel } from '../workload/model.js';
import { applyCommands } from './apply.js';
import { type Capacities, addressOf, serverCapacities } from './capacity.js';
import {
  WEIGHTED,
  baselineConfig,
  configName,
  schedulerCandidates,
  toCandidate,
  variant,
} from './configs.js';
import { explanations } from './explain.js';
import { type Improvement, gainsOf, primaryImprovement } from './gains.js';
import { score } from './objective.js';
import { costOf, modeChange } from './modes.js';
import { loadSeries, outcomeOf } from './outcome.js';
import {
  type CandidateResult,
  type Configuration,
  type EstimatedFigure,
  type Objective,
  RECOMMENDATION_VERSION,
  type Recommendation,
  type ServiceRecommendation,
  type Warning,
  type WhatIfResult,
  type WhatIfScenario,
} from './types.js';
import { evidenceWarnings, serviceWarnings } from './warnings.js';
import { runWhatIfs } from './whatif.js';
import { searchWeights } from './search.js';
import { proportionalWeights, reduceWeights, searchStart } from './weights.js';

export interface RecommendOptions {
  readonly objective: Objective;
  /** Relative gain below which the verdict is keep (default 0.1). */
  readonly minGain: number;
  readonly seed: number;
  readonly workers: number;
  /** Replays per searched scheduler (default 16). */
  readonly searchBudget: number;
  /** Weighted schedulers whose weights are searched (the best after the first round). */
  readonly searchSchedulers: number;
  /** Timelines longer than this are cut to their first connections (with a warning). */
  readonly maxConnections: number;
  readonly whatif: readonly WhatIfScenario[];
  readonly onProgress?: (done: number, total: number) => void;
  /** The forwarding-mode cost model's constants (`--cost-profile`) and response size (`--response-bytes`). */
  readonly costProfile?: CostProfile;
  readonly responseBytes?: number;
}

export const DEFAULT_OPTIONS: RecommendOptions = {
  objective: 'latency',
  minGain: 0.1,
  seed: 1,
  workers: 2,
  searchBudget: 16,
  searchSchedulers: 3,
  maxConnections: 2_000_000,
  whatif: [],
};

export interface RecommendContext {
  readonly pool?: Pool;
  readonly resolvedHow: string;
  readonly warnings: readonly string[];
}

/** Progress over every replay of the run. */
class Progress {
  private done = 0;
  constructor(
    private total: number,
    private readonly report?: (done: number, total: number) => void,
  ) {}
  grow(n: number): void {
    this.total += n;
  }
  step(n = 1): void {
    this.done += n;
    this.report?.(this.done, Math.max(this.total, this.done));
  }
  get replays(): number {
    return this.done;
  }
}

interface Prepared {
  readonly timeline: Timeline;
  readonly params: GeneratorParams;
  readonly caps: Capacities;
  readonly measures: MeasureOptions;
  readonly stepMs: number;
  readonly notes: readonly string[];
}

/** Connections the generator will draw: Σ rate × window length. */
function expectedConnections(p: GeneratorParams): number {
  return p.services.reduce((sum, s) => {
    const w = [...s.rate].sort((a, b) => a.startMs - b.startMs);
    return (
      sum +
      w.reduce(
        (n, x, i) =>
          n +
          (x.perSecond *
            (Math.min(p.durationMs, w[i + 1]?.startMs ?? p.durationMs) - Math.min(p.durationMs, x.startMs))) /
            1000,
        0,
      )
    );
  }, 0);
}

/** The parameters cut to the first part of the history that draws about `max` connections. */
function boundedParams(p: GeneratorParams, max: number): GeneratorParams {
  const expected = expectedConnections(p);
  if (expected <= max) return p;
  // Bisect on the duration: expected connections grow monotonically with it.
  let lo = 0;
  let hi = p.durationMs;
  for (let i = 0; i < 40 && hi - lo > 1000; i++) {
    const mid = (lo + hi) / 2;
    if (expectedConnections({ ...p, durationMs: mid }) > max) hi = mid;
    else lo = mid;
  }
  return { ...p, durationMs: Math.max(1000, Math.floor(lo)) };
}

/** Series step: 1 s, coarser for long histories so a series stays ≤ 20,000 steps (a day: 5 s). */
export const seriesStepMs = (durationMs: number): number =>
  Math.max(1000, Math.ceil(durationMs / 20_000 / 1000) * 1000);

function prepare(
  model: WorkloadModel,
  service: ServiceModel,
  pool: Pool | undefined,
  o: RecommendOptions,
): Prepared {
  const single = { ...model, services: [service] };
  const from = paramsFromWorkload(single, { seed: o.seed });
  const notes = [...from.notes];
  // Memory: generate no more than about maxConnections (a day at 1000/s would be 86 M).
  const params = boundedParams(from.params, o.maxConnections * 1.05);
  if (params.durationMs < from.params.durationMs)
    notes.push(
      `the history would replay as ~${Math.round(expectedConnections(from.params))} connections: replayed its first ${Math.round(params.durationMs / 1000)} s (--max-connections ${o.maxConnections})`,
    );
  let timeline = generateTimeline(params);
  if (timeline.count > o.maxConnections) {
    notes.push(`the timeline had ${timeline.count} connections: replayed its first ${o.maxConnections}`);
    timeline = headOf(timeline, o.maxConnections);
  }
  const caps = serverCapacities(service, pool);
  const stepMs = seriesStepMs(timeline.durationMs);
  return {
    timeline,
    params,
    caps,
    measures: { capacities: caps.byAddress, windowMs: Math.max(60_000, stepMs) },
    stepMs,
    notes,
  };
}

function request(p: Prepared, c: Configuration, seed: number, series = false): ReplayRequest {
  return {
    candidate: toCandidate(p.timeline, c, seed),
    options: { stepMs: p.stepMs, picks: false },
    measures: { ...p.measures, series },
    keep: { picks: false, series: false },
  };
}

async function replay(
  pool: ReplayPool,
  p: Prepared,
  configs: readonly Configuration[],
  o: RecommendOptions,
  progress: Progress,
): Promise<CandidateMeasures[]> {
  const out = await pool.run(configs.map((c) => request(p, c, o.seed)));
  progress.step(configs.length);
  return out.map((r) => {
    if (r.measures === null) throw new Error('recommend: a replay came back without measures');
    return r.measures;
  });
}

interface Scored {
  readonly config: Configuration;
  readonly measures: CandidateMeasures;
  readonly score: number;
  weights: CandidateResult['weights'];
  evaluated: number;
}

/** A searched move must beat the best so far by this much (relative): simpler weights win ties. */
const MIN_SEARCH_GAIN = 0.05;

/** Per server of `c`: its machine's utilisation in its worst window (the search's load). */
function serverLoads(c: Configuration, m: CandidateMeasures): number[] {
  return c.servers.map(
    (s) => m.servers.find((x) => x.server === addressOf(s.server))?.utilisation.worstWindow ?? 0,
  );
}

/** The weight search (search.ts) for one scheduler, after equal weights: what weights are worth at all. */
async function searchFor(
  pool: ReplayPool,
  p: Prepared,
  start: Scored,
  o: RecommendOptions,
  progress: Progress,
): Promise<{ best: Scored; others: Scored[] }> {
  let best = start;
  const found: Scored[] = [];
  const scheduler = start.config.scheduler;
  let evaluated = 0;
  const equal = start.config.servers.map(() => 1);
  if (o.searchBudget > 0 && start.config.servers.some((s) => s.weight !== 1)) {
    const config = variant(start.config, scheduler, equal, start.config.flags);
    const [m] = await replay(pool, p, [config], o, progress);
    evaluated++;
    const s = score(m as CandidateMeasures, o.objective, p.timeline.durationMs);
    found.push({ config, measures: m as CandidateMeasures, score: s, weights: 'equal', evaluated: 1 });
    if (s < best.score * (1 - MIN_SEARCH_GAIN)) best = found[0] as Scored;
  }
  const from = best;
  const configOf = (w: readonly number[]) =>
    variant(start.config, scheduler, reduceWeights(w), start.config.flags);
  const searched = await searchWeights(
    { weights: from.config.servers.map((s) => s.weight), value: from, score: from.score },
    searchStart(from.config.servers.map((s) => s.weight)),
    {
      budget: o.searchBudget - evaluated,
      perRound: Math.max(1, o.workers),
      minGain: MIN_SEARCH_GAIN,
      score: (v) => v.score,
      loads: (v) => serverLoads(v.config, v.measures),
      async evaluate(ws) {
        const configs = ws.map(configOf);
        const measured = await replay(pool, p, configs, o, progress);
        return configs.map((config, i): Scored => {
          const m = measured[i] as CandidateMeasures;
          const s = score(m, o.objective, p.timeline.durationMs);
          return { config, measures: m, score: s, weights: 'searched', evaluated: 0 };
        });
      },
    },
  );
  if (searched.best.value !== from) best = searched.best.value;
  // The progress total counted the whole budget: a search that converged sooner says so.
  progress.grow(-(o.searchBudget - evaluated - searched.evaluated));
  return {
    best: { ...best, evaluated: evaluated + searched.evaluated },
    others: found.filter((f) => f !== best),
  };
}

function result(s: Scored, rank: number): CandidateResult {
  return {
    rank,
    name: configName(s.config),
    config: s.config,
    outcome: outcomeOf(s.measures, s.score),
    weights: s.weights,
    evaluated: s.evaluated,
  };
}

const sameConfig = (a: Configuration, b: Configuration) => JSON.stringify(a) === JSON.stringify(b);

async function recommendService(
  model: WorkloadModel,
  service: ServiceModel,
  context: RecommendContext,
  o: RecommendOptions,
  progress: Progress,
  estimated: EstimatedFigure[],
  notes: string[],
): Promise<{ rec: ServiceRecommendation; timeline: Timeline } | null> {
  const warnings: Warning[] = [];
  const base = baselineConfig(service, context.pool, warnings);
  const modes = costOf(service, base, context.pool, o, warnings);
  const newMode = modeChange(modes);
  const p = prepare(model, service, context.pool, o);
  notes.push(...p.notes);
  // The generator leaves out what it cannot address (a firewall-mark service without a target): said in the notes.
  if (p.timeline.services.length === 0) return null;
  estimated.push(...p.caps.estimated);
  if (p.caps.assumed)
    warnings.push({
      kind: 'no-capacity',
      message:
        'no absolute server capacity is known: utilisation and delays are relative to an assumed size (see the evidence), good for comparing configurations, not for sizing',
      alternative: 'give capacity.workers or capacity.conns_per_second per server in a --pools file',
    });
  const relative = base.servers.map((s) => p.caps.byAddress[addressOf(s.server)]?.relative ?? 1);
  const proportional = proportionalWeights(relative);
  // ovf's weight is a connection limit: the server's workers, not a ratio.
  const ovfWeights = base.servers.map((s, i) =>
    Math.min(
      65_535,
      Math.max(1, Math.round(p.caps.byAddress[addressOf(s.server)]?.workers ?? (proportional[i] as number))),
    ),
  );
  const round1 = [
    base,
    ...schedulerCandidates(base, proportional, ovfWeights).filter((c) => !sameConfig(c, base)),
  ];
  const equalServers = relative.every((r) => Math.abs(r - (relative[0] as number)) < 1e-9);
  progress.grow(round1.length + o.searchBudget * o.searchSchedulers + 2 + o.whatif.length * 4);

  const pool = ReplayPool.open(p.timeline, { workers: o.workers });
  try {
    const measured = await replay(pool, p, round1, o, progress);
    const scored: Scored[] = round1.map((config, i) => ({
      config,
      measures: measured[i] as CandidateMeasures,
      score: score(measured[i] as CandidateMeasures, o.objective, p.timeline.durationMs),
      weights: i === 0 ? 'current' : equalServers ? 'equal' : 'capacity-proportional',
      evaluated: 1,
    }));
    const baseline = scored[0] as Scored;
    // Search the weights of the best weighted schedulers (flags as found best), when there is more than one server.
    const bestPer = new Map<string, Scored>();
    for (const s of scored.slice(1)) {
      if (!WEIGHTED.has(s.config.scheduler)) continue;
      const prev = bestPer.get(s.config.scheduler);
      if (!prev || s.score < prev.score) bestPer.set(s.config.scheduler, s);
    }
    const toSearch =
      base.servers.length > 1
        ? [...bestPer.values()].sort((a, b) => a.score - b.score).slice(0, o.searchSchedulers)
        : [];
    progress.grow(-o.searchBudget * (o.searchSchedulers - toSearch.length));
    // The searches at once: their rounds share the workers.
    const searches = await Promise.all(toSearch.map((start) => searchFor(pool, p, start, o, progress)));
    for (const [i, start] of toSearch.entries()) {
      const { best, others } = searches[i] as Awaited<ReturnType<typeof searchFor>>;
      if (best.config !== start.config) scored.push(best);
      else start.evaluated += best.evaluated;
      scored.push(...others);
    }
    const ranked = [...scored].sort((a, b) => a.score - b.score);
    const candidates = ranked.map((s, i) => result(s, i + 1));
    const baselineResult = candidates.find((c) => c.config === baseline.config) as CandidateResult;
    const top = candidates[0] as CandidateResult;
    const gain = primaryImprovement(baselineResult, top, o.objective);
    const verdict = top !== baselineResult && gain.gain >= o.minGain ? 'change' : 'keep';
    const recommended = verdict === 'change' ? top : baselineResult;

    // The series of the baseline and the recommendation, for charts.
    const seriesRuns = await pool.run([
      request(p, baseline.config, o.seed, true),
      request(p, recommended.config, o.seed, true),
    ]);
    progress.step(2);
    const origin = p.timeline.originMs ?? model.start;
    const series = {
      baseline: loadSeries(seriesRuns[0]?.measures as CandidateMeasures, origin),
      recommended: loadSeries(seriesRuns[1]?.measures as CandidateMeasures, origin),
    };
    const bestUnhashed = candidates.find((c) => !['sh', 'dh', 'mh'].includes(c.config.scheduler));
    warnings.push(...serviceWarnings(service, baselineResult, top, bestUnhashed));
    const whys = explanations(candidates, baselineResult, equalServers, service.persistenceSeconds > 0);
    if (modes)
      whys.push(
        `forwarding mode: ${modes.why}${newMode ? ' (the scheduling figures above were replayed in the running mode)' : ''}`,
      );
    const gains = gainsOf(baselineResult.outcome, top.outcome);
    const whatif: WhatIfResult[] =
      o.whatif.length > 0
        ? await runWhatIfs(
            {
              timeline: p.timeline,
              params: p.params,
              measures: p.measures,
              stepMs: p.stepMs,
              seed: o.seed,
              workers: o.workers,
            },
            [baselineResult, ...(recommended !== baselineResult ? [recommended] : [])],
            o.whatif,
            service,
            (n) => progress.step(n),
          )
        : [];
    const mss = modes?.modes.find((m) => m.mode === newMode)?.mssClamp;
    const key = p.timeline.services[0]?.key;
    if (key === undefined)
      throw new Error(`recommend: ${service.service} is not an address or firewall-mark service`);
    return {
      timeline: p.timeline,
      rec: {
        service: service.service,
        labels: serviceLabels(key),
        peakConnectionsPerSecond: service.arrivals.peakPerSecond,
        verdict,
        summary: `${summaryOf(verdict, baselineResult, top, gain, o)}${
          newMode && modes?.current
            ? `; change the forwarding mode from ${MODE_LABELS[modes.current]} to ${MODE_LABELS[newMode]} (see the forwarding modes)`
            : ''
        }`,
        baseline: baselineResult,
        recommended,
        candidates,
        gains,
        explanations: whys,
        warnings,
        series,
        whatif,
        apply: applyCommands(
          key,
          baselineResult.config,
          recommended.config,
          newMode && { to: newMode, ...(mss !== undefined && { mss }) },
        ),
        ...(modes && { modes }),
      },
    };
  } finally {
    await pool.close();
  }
}

const pct = (x: number) => `${Math.round(x * 100)} %`;

function delayText(d: number | 'overloaded' | null): string {
  if (d === null) return '–';
  if (d === 'overloaded') return 'overloaded';
  return d < 10 ? `${d.toFixed(2)} ms` : `${Math.round(d)} ms`;
}

function summaryOf(
  verdict: 'change' | 'keep',
  base: CandidateResult,
  top: CandidateResult,
  gain: Improvement,
  o: RecommendOptions,
): string {
  // The delay is left out when neither side has a measurable one.
  const measurable = (d: number | 'overloaded' | null) =>
    d === 'overloaded' || (typeof d === 'number' && d >= 0.005);
  const withDelay = measurable(base.outcome.delayP99Ms) || measurable(top.outcome.delayP99Ms);
  const figures = (c: CandidateResult) =>
    `${withDelay ? `p99 delay ${delayText(c.outcome.delayP99Ms)}, ` : ''}peak utilisation ${pct(c.outcome.peakUtilisation)}`;
  if (verdict === 'keep')
    return top === base
      ? `keep ${base.name}: it is already the best for ${o.objective} among the candidates replayed (${figures(base)})`
      : `keep ${base.name}: the best candidate, ${top.name}, gains ${pct(Math.max(0, gain.gain))} on ${gain.figure} (objective ${o.objective}), under the ${pct(o.minGain)} worth a change (${figures(base)} now)`;
  const pairs = [
    ...(withDelay
      ? [`p99 delay ${delayText(base.outcome.delayP99Ms)} → ${delayText(top.outcome.delayP99Ms)}`]
      : []),
    `peak utilisation ${pct(base.outcome.peakUtilisation)} → ${pct(top.outcome.peakUtilisation)}`,
  ];
  return `change ${base.name} to ${top.name}: ${pairs.join(', ')} (${pct(gain.gain)} better on ${gain.figure}; objective ${o.objective})`;
}

/** The whole recommendation for a pool's workload model. */
export async function recommend(
  model: WorkloadModel,
  context: RecommendContext,
  options: Partial<RecommendOptions> = {},
): Promise<Recommendation> {
  const o: RecommendOptions = { ...DEFAULT_OPTIONS, ...options };
  const started = performance.now();
  const progress = new Progress(0, o.onProgress);
  const estimated: EstimatedFigure[] = [];
  const notes: string[] = [...context.warnings, ...model.evidence.map((e) => `${e.topic}: ${e.message}`)];
  const services: ServiceRecommendation[] = [];
  let timeline: Timeline | undefined;
  for (const service of model.services) {
    if (service.servers.length === 0) {
      notes.push(`${service.service}: no real servers in the history, nothing to recommend`);
      continue;
    }
    const r = await recommendService(model, service, context, o, progress, estimated, notes);
    if (r === null) continue;
    services.push(r.rec);
    timeline ??= r.timeline;
  }
  return {
    version: RECOMMENDATION_VERSION,
    generatedAt: new Date().toISOString(),
    pool: model.pool,
    objective: o.objective,
    minGain: o.minGain,
    evidence: {
      source: model.source,
      resolvedHow: context.resolvedHow,
      directors: model.directors,
      start: model.start,
      end: model.end,
      windowSeconds: Math.round((model.end - model.start) / 1000),
      records: model.observations,
      intervalSeconds: model.intervalSeconds,
      connections: model.services.reduce((n, s) => n + s.arrivals.connections, 0),
      timeline: {
        kind: 'generated',
        seed: o.seed,
        connections: timeline?.count ?? 0,
        durationSeconds: Math.round((timeline?.durationMs ?? 0) / 1000),
        clients: timeline?.clients.length ?? 0,
      },
      estimated,
      notes,
      unknown: model.unknown.map((e) => `${e.topic}: ${e.message}`),
      replays: progress.replays,
      elapsedMs: Math.round(performance.now() - started),
    },
    services,
    warnings: evidenceWarnings(model),
  };
}
