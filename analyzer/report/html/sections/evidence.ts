/** What the recommendation rests on, and what to be careful about. */
import type { EstimatedFigure, Evidence, Warning } from '../../../recommend/types.js';
import { num, when } from '../format.js';
import { type Html, markup } from '../html.js';
import { dataTable } from '../table.js';

export function warningList(warnings: readonly Warning[]): Html {
  return markup`<ul class="warnings">
    ${warnings.map(
      (w) =>
        markup`<li><strong class="kind">[${w.kind}]</strong> ${w.message}${
          w.alternative !== undefined && markup`<span class="instead">Instead: ${w.alternative}</span>`
        }
        </li>`,
    )}
  </ul>`;
}

function list(title: string, items: readonly string[]): Html | false {
  return (
    items.length > 0 &&
    markup`<h3>${title}</h3>
      <ul>
        ${items.map((x) => markup`<li>${x}</li>`)}
      </ul>`
  );
}

export function evidenceSection(e: Evidence): Html {
  const t = e.timeline;
  return markup`<h2 id="evidence">Evidence</h2>
    <dl>
      <dt>History</dt>
      <dd>${e.source}</dd>
      <dt>Pool resolved</dt>
      <dd>${e.resolvedHow}</dd>
      <dt>Directors</dt>
      <dd>${e.directors.length > 0 ? e.directors.join(', ') : '–'}</dd>
      <dt>Window</dt>
      <dd>${when(e.start)} → ${when(e.end)} (${num(e.windowSeconds)} s)</dd>
      <dt>Records</dt>
      <dd>${num(e.records)}, one every ${num(e.intervalSeconds)} s</dd>
      <dt>New connections</dt>
      <dd>${num(e.connections)}</dd>
      <dt>Replayed timeline</dt>
      <dd>
        ${t.kind}, seed ${t.seed}: ${num(t.connections)} connections from ${num(t.clients)} clients over
        ${num(t.durationSeconds)} s
      </dd>
      <dt>Replays</dt>
      <dd>${num(e.replays)} in ${num(e.elapsedMs / 1000)} s</dd>
    </dl>
    ${
      e.estimated.length > 0 &&
      dataTable(
        'Estimated, not measured',
        [
          { head: 'quantity', cell: (x: EstimatedFigure) => x.quantity },
          { head: 'value', cell: (x) => x.value, prose: true },
          { head: 'from', cell: (x) => x.from, prose: true },
        ],
        e.estimated,
      )
    }
    ${list('Notes', e.notes)} ${list('Not known', e.unknown)}`;
}
