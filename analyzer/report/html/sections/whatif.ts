/** The what-if runs: how each configuration takes a failure, a weight edit, a crowd or a new server. */
import type { WhatIfResult, WhatIfRun } from '../../../recommend/types.js';
import type { ChartSet } from '../chart-slot.js';
import { whatIfChart } from '../charts.js';
import { num, percent } from '../format.js';
import { type Html, markup } from '../html.js';
import { dataTable, delayCell } from '../table.js';

function runTable(w: WhatIfResult): Html {
  return dataTable(
    `${w.scenario.description}: per configuration`,
    [
      { head: 'configuration', cell: (r: WhatIfRun) => r.name },
      { head: 'scheduler', cell: (r) => r.scheduler },
      { head: 'connections moved', cell: (r) => num(r.connectionsMoved), numeric: true },
      {
        head: 'until balanced',
        cell: (r) =>
          r.secondsUntilBalanced === null
            ? markup`<span class="fails">never (within the timeline)</span>`
            : `${num(r.secondsUntilBalanced)} s`,
        numeric: true,
      },
      { head: 'first minute', cell: (r) => num(r.firstMinuteConnections), numeric: true },
      {
        head: 'clients remapped',
        cell: (r) => (r.remappedShare === undefined ? '–' : percent(r.remappedShare)),
        numeric: true,
      },
      { head: 'peak utilisation', cell: (r) => percent(r.peakUtilisation), numeric: true },
      { head: 'p99 delay', cell: (r) => delayCell(r.delayP99Ms), numeric: true },
      { head: 'worst peak ÷ mean', cell: (r) => num(r.worstPeakToMean), numeric: true },
      { head: 'dropped', cell: (r) => num(r.dropped), numeric: true },
    ],
    w.runs,
  );
}

export function whatIfSection(whatif: readonly WhatIfResult[], charts: ChartSet, id: string): Html {
  return markup`<h3 id="${id}-whatif">What if: disruption</h3>
    <p class="meta">
      Connections moved: those whose server went away and reconnected elsewhere. Until balanced: seconds from
      the change until every server's share of concurrency is within 10 % of its capacity share. First minute:
      new connections the returning or added server took in its first 60 s.
    </p>
    ${whatif.map(
      (w, i) =>
        markup`<h4>${w.scenario.description}</h4>
          ${charts.slot(
            `${id}-whatif-${i}`,
            whatIfChart(w),
            `Bar chart: seconds until balanced and connections moved per configuration after "${w.scenario.description}"; configurations never balanced are marked; the numbers are in the table below.`,
          )}
          ${runTable(w)}
          ${
            w.findings.length > 0 &&
            markup`<ul>
              ${w.findings.map((f) => markup`<li>${f}</li>`)}
            </ul>`
          }`,
    )}`;
}
