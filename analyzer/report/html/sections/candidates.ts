/** Every candidate replayed, with its latency percentiles: a chart of the best, a table of all. */
import type { CandidateResult, ServiceRecommendation } from '../../../recommend/types.js';
import type { ChartSet } from '../chart-slot.js';
import { CHARTED_CANDIDATES, latencyChart } from '../charts.js';
import { num, percent, seconds } from '../format.js';
import { type Html, markup } from '../html.js';
import { dataTable, delayCell } from '../table.js';

const WEIGHTS: Readonly<Record<CandidateResult['weights'], string>> = {
  current: 'running',
  'capacity-proportional': 'from capacity',
  searched: 'searched',
  equal: 'equal',
};

function candidateTable(s: ServiceRecommendation, objective: string): Html {
  return dataTable(
    `All ${s.candidates.length} candidates, best first (objective: ${objective}; lower score is better)`,
    [
      { head: 'rank', cell: (c: CandidateResult) => c.rank, numeric: true },
      { head: 'candidate', cell: (c) => c.name },
      { head: 'weights', cell: (c) => WEIGHTS[c.weights] },
      { head: 'p50 delay', cell: (c) => delayCell(c.outcome.delayP50Ms), numeric: true },
      { head: 'p99 delay', cell: (c) => delayCell(c.outcome.delayP99Ms), numeric: true },
      { head: 'peak util.', cell: (c) => percent(c.outcome.peakUtilisation), numeric: true },
      { head: 'worst window', cell: (c) => percent(c.outcome.worstWindowUtilisation), numeric: true },
      { head: '> 80 %', cell: (c) => seconds(c.outcome.above80Seconds), numeric: true },
      { head: '> 100 %', cell: (c) => seconds(c.outcome.above100Seconds), numeric: true },
      { head: 'peak ÷ mean', cell: (c) => num(c.outcome.utilisation.peakToMean), numeric: true },
      { head: 'Jain', cell: (c) => c.outcome.utilisation.jain.toFixed(3), numeric: true },
      { head: 'dropped', cell: (c) => num(c.outcome.dropped), numeric: true },
      { head: 'score', cell: (c) => num(c.outcome.score), numeric: true },
      { head: 'replays', cell: (c) => num(c.evaluated), numeric: true },
    ],
    s.candidates,
    {
      rowClass: (c) =>
        c.rank === s.recommended.rank ? 'recommended' : c.rank === s.baseline.rank ? 'now' : undefined,
    },
  );
}

export function candidatesSection(
  s: ServiceRecommendation,
  objective: string,
  charts: ChartSet,
  id: string,
): Html {
  const chart = latencyChart(s);
  const model = s.baseline.outcome.queueModel;
  return markup`<h3 id="${id}-candidates">Latency percentiles per candidate</h3>
    ${
      chart
        ? markup`<p class="meta">
              The worst server's queueing delay${model !== null && markup` (${model})`}; the
              ${Math.min(CHARTED_CANDIDATES, s.candidates.length)} best candidates and the running one. A red
              bar marks an overloaded candidate: its queue grows without bound, so it has no delay figure.
            </p>
            ${charts.slot(
              `${id}-latency`,
              chart,
              `Horizontal bar chart: p50 and p99 queueing delay per candidate configuration of ${s.service}; overloaded candidates are marked as overloaded; the numbers are in the table below.`,
            )}`
        : markup`<p class="meta">No queue model: the candidates carry no delay figures.</p>`
    }
    ${candidateTable(s, objective)}`;
}
