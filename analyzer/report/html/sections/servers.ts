/** Per-server load now vs recommended, and the imbalance over the replayed timeline. */
import type { LoadSeries, ServerOutcome, ServiceRecommendation } from '../../../recommend/types.js';
import { addressOf } from '../../../recommend/capacity.js';
import type { ChartSet } from '../chart-slot.js';
import {
  imbalanceChart,
  peakToMeanSeries,
  pointSeconds,
  serverLoadChart,
  serverNames,
  seriesOrigin,
  utilisationSeriesChart,
} from '../charts.js';
import { num, percent, seconds } from '../format.js';
import { type Html, type Part, markup } from '../html.js';
import { type Column, dataTable, delayCell } from '../table.js';

interface ServerRow {
  readonly server: string;
  readonly now?: ServerOutcome;
  readonly recommended?: ServerOutcome;
  readonly weightNow?: number;
  readonly weightRecommended?: number;
}

const BASIS: Readonly<Record<ServerOutcome['utilisationBasis'], string>> = {
  workers: 'busy workers ÷ workers',
  connsPerSecond: 'new connections/s ÷ the server’s connections/s capacity',
  relative: 'load relative to capacity share (no absolute capacity known)',
};

function weightOf(s: ServiceRecommendation, which: 'baseline' | 'recommended', server: string) {
  return s[which].config.servers.find((c) => addressOf(c.server) === server || c.server === server)?.weight;
}

function rows(s: ServiceRecommendation): ServerRow[] {
  return serverNames(s).map((server) => ({
    server,
    now: s.baseline.outcome.servers.find((x) => x.server === server),
    recommended: s.recommended.outcome.servers.find((x) => x.server === server),
    weightNow: weightOf(s, 'baseline', server),
    weightRecommended: weightOf(s, 'recommended', server),
  }));
}

/** `25 % → 18 %`. */
function pair<V>(a: V | undefined, b: V | undefined, f: (v: V) => Part): Part {
  const side = (v: V | undefined) => (v === undefined ? '–' : f(v));
  return [side(a), ' → ', side(b)];
}

function serverTable(s: ServiceRecommendation): Html {
  const columns: Column<ServerRow>[] = [
    { head: 'server', cell: (r) => r.server },
    { head: 'capacity', cell: (r) => num((r.now ?? r.recommended)?.capacity), numeric: true },
    { head: 'weight', cell: (r) => pair(r.weightNow, r.weightRecommended, (w) => num(w)), numeric: true },
    {
      head: 'connections',
      cell: (r) => pair(r.now?.connections, r.recommended?.connections, (v) => num(v)),
      numeric: true,
    },
    {
      head: 'share',
      cell: (r) => pair(r.now?.connectionShare, r.recommended?.connectionShare, percent),
      numeric: true,
    },
    {
      head: 'mean active',
      cell: (r) => pair(r.now?.meanActive, r.recommended?.meanActive, (v) => num(v)),
      numeric: true,
    },
    {
      head: 'mean util.',
      cell: (r) => pair(r.now?.meanUtilisation, r.recommended?.meanUtilisation, percent),
      numeric: true,
    },
    {
      head: 'worst window',
      cell: (r) => pair(r.now?.worstWindowUtilisation, r.recommended?.worstWindowUtilisation, percent),
      numeric: true,
    },
    {
      head: 'peak',
      cell: (r) => pair(r.now?.peakUtilisation, r.recommended?.peakUtilisation, percent),
      numeric: true,
    },
    {
      head: 'time > 100 %',
      cell: (r) => pair(r.now?.above100Seconds, r.recommended?.above100Seconds, seconds),
      numeric: true,
    },
    {
      head: 'p99 delay',
      cell: (r) => pair(r.now?.delayP99Ms, r.recommended?.delayP99Ms, delayCell),
      numeric: true,
    },
  ];
  return dataTable(
    `Per server: now (${s.baseline.name}) → recommended (${s.recommended.name})`,
    columns,
    rows(s),
  );
}

function basisNote(s: ServiceRecommendation): Html {
  const bases = [...new Set(s.baseline.outcome.servers.map((x) => x.utilisationBasis))];
  const model = s.baseline.outcome.queueModel;
  return markup`<p class="meta">
    Utilisation: ${bases.map((b) => BASIS[b]).join('; ')}.${model !== null && markup` Delays: ${model}.`}
  </p>`;
}

export function serverLoadSection(s: ServiceRecommendation, charts: ChartSet, id: string): Html {
  return markup`<h3 id="${id}-load">Per-server load: now vs recommended</h3>
    ${charts.slot(
      `${id}-load`,
      serverLoadChart(s),
      `Bar chart: mean and worst-window utilisation of each real server of ${s.service}, now (${s.baseline.name}) and recommended (${s.recommended.name}); the numbers are in the table below.`,
    )}
    ${serverTable(s)} ${basisNote(s)}`;
}

interface SeriesStats {
  readonly server: string;
  readonly now?: readonly number[];
  readonly recommended?: readonly number[];
}

const mean = (v: readonly number[]) => (v.length === 0 ? undefined : v.reduce((a, b) => a + b, 0) / v.length);
const max = (v: readonly number[]) => (v.length === 0 ? undefined : Math.max(...v));

function seriesOf(series: LoadSeries, server: string) {
  return series.servers.find((x) => x.server === server)?.utilisation;
}

function finiteOnly(v: readonly (number | null)[]): number[] {
  return v.filter((x): x is number => x !== null);
}

function seriesSummary(s: ServiceRecommendation): Html {
  const rows: SeriesStats[] = serverNames(s).map((server) => ({
    server,
    now: seriesOf(s.series.baseline, server),
    recommended: seriesOf(s.series.recommended, server),
  }));
  const ptmNow = finiteOnly(peakToMeanSeries(s.series.baseline));
  const ptmRec = finiteOnly(peakToMeanSeries(s.series.recommended));
  return markup`${dataTable(
    'Utilisation over the timeline, per server: now → recommended',
    [
      { head: 'server', cell: (r: SeriesStats) => r.server },
      { head: 'mean', cell: (r) => pair(r.now, r.recommended, (v) => percent(mean(v))), numeric: true },
      {
        head: 'highest point',
        cell: (r) => pair(r.now, r.recommended, (v) => percent(max(v))),
        numeric: true,
      },
    ],
    rows,
  )}
    <p>
      Busiest server ÷ mean utilisation over time: now mean ${num(mean(ptmNow))}, worst ${num(max(ptmNow))};
      recommended mean ${num(mean(ptmRec))}, worst ${num(max(ptmRec))}.
    </p>`;
}

/** Every point, for readers without script and for copying into a spreadsheet. */
function seriesTable(s: ServiceRecommendation): Html {
  const origin = seriesOrigin(s);
  const names = serverNames(s);
  const x = pointSeconds(s.series.baseline, origin);
  const xr = pointSeconds(s.series.recommended, origin);
  const length = Math.max(x.length, xr.length);
  const columns: Column<number>[] = [
    { head: 'seconds', cell: (i) => num(x[i] ?? xr[i]), numeric: true },
    ...names.map((n) => ({
      head: `${n} now`,
      cell: (i: number) => percent(seriesOf(s.series.baseline, n)?.[i]),
      numeric: true,
    })),
    ...names.map((n) => ({
      head: `${n} recommended`,
      cell: (i: number) => percent(seriesOf(s.series.recommended, n)?.[i]),
      numeric: true,
    })),
  ];
  const step = s.series.baseline.stepMs / 1000;
  return markup`<details>
    <summary>All ${length} points (one every ${num(step)} s)</summary>
    ${dataTable(
      'Utilisation per server at each point of the timeline',
      columns,
      Array.from({ length }, (_, i) => i),
    )}
  </details>`;
}

export function imbalanceSection(s: ServiceRecommendation, charts: ChartSet, id: string): Html {
  const describe = (which: string, name: string) =>
    `Line chart: utilisation of each real server of ${s.service} over the replayed timeline, ${which} (${name}).`;
  return markup`<h3 id="${id}-imbalance">Imbalance over time</h3>
    <div class="pair">
      <figure>
        <figcaption>Now (${s.baseline.name})</figcaption>
        ${charts.slot(`${id}-series-now`, utilisationSeriesChart(s, 'baseline'), describe('now', s.baseline.name))}
      </figure>
      <figure>
        <figcaption>Recommended (${s.recommended.name})</figcaption>
        ${charts.slot(
          `${id}-series-recommended`,
          utilisationSeriesChart(s, 'recommended'),
          describe('recommended', s.recommended.name),
        )}
      </figure>
    </div>
    <figure>
      <figcaption>Busiest server ÷ mean utilisation (1 = perfectly balanced)</figcaption>
      ${charts.slot(
        `${id}-peak-to-mean`,
        imbalanceChart(s),
        `Line chart: the busiest server's utilisation divided by the mean across servers of ${s.service}, over time, now and recommended.`,
      )}
    </figure>
    ${seriesSummary(s)} ${seriesTable(s)}`;
}
