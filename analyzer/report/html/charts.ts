/**
 * What each chart of the report draws, as plain JSON the client script hands to chart.js: the
 * numbers are picked and shaped here (typed), the browser only draws them.
 */
import type { ModeCostReport } from '../../cost/index.js';
import { MODE_LABELS } from '../../cost/index.js';
import type {
  CandidateResult,
  DelayMs,
  LoadSeries,
  ServiceRecommendation,
  WhatIfResult,
} from '../../recommend/types.js';

/** How the client formats an axis's ticks and tooltips. */
export type Unit = 'percent' | 'ms' | 'ratio' | 'count' | 'seconds' | 'headroom';

export interface AxisSpec {
  readonly title: string;
  readonly unit: Unit;
  readonly log?: boolean;
  readonly min?: number;
  readonly max?: number;
}

export interface DatasetSpec {
  readonly label: string;
  /** Bar charts: one value per label (null: no bar). Line charts: points on the time axis. */
  readonly data: readonly (number | null)[] | readonly { readonly x: number; readonly y: number | null }[];
  /** One colour, or one per bar. */
  readonly color: string | readonly string[];
  readonly dashed?: boolean;
  readonly axis?: 'value' | 'value2';
  /** The bars stand for this word (`overloaded`), not for their height: tooltips say the word. */
  readonly stands?: string;
}

export interface ChartSpec {
  readonly type: 'bar' | 'line';
  /** Bars along the vertical axis (long category names). */
  readonly horizontal?: boolean;
  /** The datasets' bars share one slot per category, the first drawn in front (p50 over p99). */
  readonly overlap?: boolean;
  /** Bar charts: the categories. */
  readonly labels?: readonly string[];
  /** Line charts: seconds from the start of the timeline. */
  readonly time?: AxisSpec;
  readonly value: AxisSpec;
  readonly value2?: AxisSpec;
  readonly datasets: readonly DatasetSpec[];
  /** CSS pixels. */
  readonly height: number;
}

/** Okabe–Ito: tells servers apart for colour-blind readers too. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];
const NOW = '#8a8a8a';
const NOW_LIGHT = '#c8c8c8';
const RECOMMENDED = '#0072B2';
const RECOMMENDED_LIGHT = '#7fb8dd';
const OVERLOADED = '#c0392b';

export const serverColour = (i: number): string => PALETTE[i % PALETTE.length] as string;

/** Candidates the latency chart shows (all are in the table). */
export const CHARTED_CANDIDATES = 12;

/** Space above the tallest bar where the "overloaded" and "never" markers stand. */
const MARKER_HEADROOM = 1.15;

const finite = (d: DelayMs): number | null => (typeof d === 'number' ? d : null);

function markerHeight(values: readonly (number | null)[], fallback: number): number {
  const top = Math.max(0, ...values.filter((v): v is number => v !== null));
  return top > 0 ? top * MARKER_HEADROOM : fallback;
}

/** Servers of both configurations, in the running configuration's order. */
export function serverNames(s: ServiceRecommendation): string[] {
  const names = s.baseline.outcome.servers.map((x) => x.server);
  for (const x of s.recommended.outcome.servers) if (!names.includes(x.server)) names.push(x.server);
  return names;
}

export function serverLoadChart(s: ServiceRecommendation): ChartSpec {
  const names = serverNames(s);
  const of = (c: CandidateResult, pick: 'meanUtilisation' | 'worstWindowUtilisation') =>
    names.map((n) => c.outcome.servers.find((x) => x.server === n)?.[pick] ?? null);
  return {
    type: 'bar',
    labels: names,
    value: { title: 'utilisation', unit: 'percent' },
    height: 300,
    datasets: [
      { label: `mean, now (${s.baseline.name})`, data: of(s.baseline, 'meanUtilisation'), color: NOW },
      {
        label: `mean, recommended (${s.recommended.name})`,
        data: of(s.recommended, 'meanUtilisation'),
        color: RECOMMENDED,
      },
      {
        label: 'worst window, now',
        data: of(s.baseline, 'worstWindowUtilisation'),
        color: NOW_LIGHT,
      },
      {
        label: 'worst window, recommended',
        data: of(s.recommended, 'worstWindowUtilisation'),
        color: RECOMMENDED_LIGHT,
      },
    ],
  };
}

/** Seconds of each point from `originMs`. */
export function pointSeconds(series: LoadSeries, originMs: number): number[] {
  const first = series.servers[0]?.utilisation.length ?? 0;
  return Array.from({ length: first }, (_, i) => (series.startMs - originMs + i * series.stepMs) / 1000);
}

/** Where both series' time axes start. */
export function seriesOrigin(s: ServiceRecommendation): number {
  return Math.min(s.series.baseline.startMs, s.series.recommended.startMs);
}

function seriesMax(s: ServiceRecommendation): number {
  const all = [s.series.baseline, s.series.recommended].flatMap((x) =>
    x.servers.flatMap((v) => v.utilisation),
  );
  return Math.max(1, Math.ceil(Math.max(0, ...all) * 10) / 10);
}

/** Per-server utilisation over time; both charts share one scale so they compare at a glance. */
export function utilisationSeriesChart(
  s: ServiceRecommendation,
  which: 'baseline' | 'recommended',
): ChartSpec {
  const series = s.series[which];
  const x = pointSeconds(series, seriesOrigin(s));
  const names = serverNames(s);
  return {
    type: 'line',
    time: { title: 'seconds from the start of the replay', unit: 'seconds' },
    value: { title: 'utilisation', unit: 'percent', max: seriesMax(s) },
    height: 280,
    datasets: series.servers.map((v) => ({
      label: v.server,
      data: v.utilisation.map((y, i) => ({ x: x[i] ?? 0, y })),
      color: serverColour(Math.max(0, names.indexOf(v.server))),
    })),
  };
}

/** The busiest server's utilisation ÷ the mean at each point (modes-and-capacity.md §6); null when all idle. */
export function peakToMeanSeries(series: LoadSeries): (number | null)[] {
  const n = series.servers[0]?.utilisation.length ?? 0;
  return Array.from({ length: n }, (_, i) => {
    const u = series.servers.map((v) => v.utilisation[i] ?? 0);
    const mean = u.reduce((a, b) => a + b, 0) / u.length;
    return mean > 0 ? Math.max(...u) / mean : null;
  });
}

export function imbalanceChart(s: ServiceRecommendation): ChartSpec {
  const origin = seriesOrigin(s);
  const line = (series: LoadSeries) => {
    const x = pointSeconds(series, origin);
    return peakToMeanSeries(series).map((y, i) => ({ x: x[i] ?? 0, y }));
  };
  return {
    type: 'line',
    time: { title: 'seconds from the start of the replay', unit: 'seconds' },
    value: { title: 'busiest server ÷ mean utilisation', unit: 'ratio' },
    height: 240,
    datasets: [
      { label: `now (${s.baseline.name})`, data: line(s.series.baseline), color: NOW, dashed: true },
      { label: `recommended (${s.recommended.name})`, data: line(s.series.recommended), color: RECOMMENDED },
    ],
  };
}

/** The best candidates and the running one, as the latency chart and the table mark them. */
export function chartedCandidates(s: ServiceRecommendation): CandidateResult[] {
  const shown = s.candidates.slice(0, CHARTED_CANDIDATES);
  if (!shown.some((c) => c.rank === s.baseline.rank)) shown.push(s.baseline);
  return shown;
}

export function candidateLabel(s: ServiceRecommendation, c: CandidateResult): string {
  const tags = [c.rank === s.baseline.rank ? 'now' : '', c.rank === s.recommended.rank ? 'recommended' : '']
    .filter((t) => t !== '')
    .join(', ');
  return `${c.rank}. ${c.name}${tags ? ` (${tags})` : ''}`;
}

/**
 * p50 over p99 per candidate; an overloaded candidate gets a red bar past the others with the
 * word on it (it has no delay to draw). Undefined without a queue model.
 */
export function latencyChart(s: ServiceRecommendation): ChartSpec | undefined {
  const shown = chartedCandidates(s);
  if (shown.every((c) => c.outcome.delayP99Ms === null)) return undefined;
  const p50 = shown.map((c) => finite(c.outcome.delayP50Ms));
  const p99 = shown.map((c) => finite(c.outcome.delayP99Ms));
  const marker = markerHeight([...p50, ...p99], 1);
  const datasets: DatasetSpec[] = [
    { label: 'p50 queueing delay', data: p50, color: RECOMMENDED_LIGHT },
    { label: 'p99 queueing delay', data: p99, color: RECOMMENDED },
  ];
  if (shown.some((c) => c.outcome.delayP99Ms === 'overloaded'))
    datasets.push({
      label: 'overloaded (the queue grows without bound)',
      data: shown.map((c) => (c.outcome.delayP99Ms === 'overloaded' ? marker : null)),
      color: OVERLOADED,
      stands: 'overloaded',
    });
  return {
    type: 'bar',
    horizontal: true,
    overlap: true,
    labels: shown.map((c) => candidateLabel(s, c)),
    value: { title: 'queueing delay of the worst server', unit: 'ms' },
    height: 90 + shown.length * 26,
    datasets,
  };
}

/** Headroom at peak per mode, on a log scale (1.5× and 1,400× on one chart); red where a constraint fails. */
export function modesChart(m: ModeCostReport): ChartSpec {
  const colour = (ok: boolean) => (ok ? RECOMMENDED : OVERLOADED);
  const known = m.modes.map((x) => x.headroom).filter((h): h is number => h !== null && h > 0);
  // Bars grow from 1× (exactly at capacity), or from the decade below a mode already past it.
  const min = Math.min(1, 10 ** Math.floor(Math.log10(Math.min(1, ...known))));
  return {
    type: 'bar',
    labels: m.modes.map((x) => modeLabel(m, x.mode)),
    value: { title: 'headroom at peak (capacity ÷ peak load)', unit: 'headroom', log: true, min },
    height: 280,
    datasets: [
      {
        label: 'headroom at peak (red: a constraint fails)',
        data: m.modes.map((x) => x.headroom),
        color: m.modes.map((x) => colour(!x.constraints.some((c) => c.ok === false))),
      },
    ],
  };
}

export function modeLabel(m: ModeCostReport, mode: ModeCostReport['recommended']): string {
  const tags = [mode === m.current ? 'current' : '', mode === m.recommended ? 'recommended' : '']
    .filter((t) => t !== '')
    .join(', ');
  return `${MODE_LABELS[mode]}${tags ? ` (${tags})` : ''}`;
}

/** Time to rebalance and connections moved per configuration; "never" stands past the others. */
export function whatIfChart(w: WhatIfResult): ChartSpec {
  const until = w.runs.map((r) => r.secondsUntilBalanced);
  const marker = markerHeight(until, 1);
  const datasets: DatasetSpec[] = [
    { label: 'seconds until balanced', data: until, color: RECOMMENDED },
    {
      label: 'connections moved',
      data: w.runs.map((r) => r.connectionsMoved),
      color: PALETTE[1] as string,
      axis: 'value2',
    },
  ];
  if (until.some((u) => u === null))
    datasets.splice(1, 0, {
      label: 'not balanced within the timeline',
      data: until.map((u) => (u === null ? marker : null)),
      color: OVERLOADED,
      stands: 'never',
    });
  return {
    type: 'bar',
    labels: w.runs.map((r) => r.name),
    value: { title: 'seconds until balanced', unit: 'seconds' },
    value2: { title: 'connections moved', unit: 'count' },
    height: 260,
    datasets,
  };
}
