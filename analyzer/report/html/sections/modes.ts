/** The forwarding-mode costs (modes-and-capacity.md §4), when the recommendation carries them. */
import { type ModeCost, type ModeCostReport, MODE_LABELS } from '../../../cost/index.js';
import { bitsText, bytesText, coresText, formatHeadroom, ppsText } from '../../../cost/units.js';
import type { ChartSet } from '../chart-slot.js';
import { modeLabel, modesChart } from '../charts.js';
import { num } from '../format.js';
import { type Html, markup } from '../html.js';
import { dataTable } from '../table.js';

const unknown = markup`<span class="unknown">?</span>`;
const orUnknown = (text: string) => (text === '?' ? unknown : text);

function bindsFirst(m: ModeCost) {
  return m.constraints.some((c) => c.ok === false)
    ? markup`<span class="fails">constraint fails</span>`
    : (m.bindingConstraint ?? unknown);
}

function constraintMark(ok: boolean | null) {
  if (ok === null) return markup`<span class="unknown">to confirm</span>`;
  return ok ? 'holds' : markup`<span class="fails">fails</span>`;
}

function modeTable(r: ModeCostReport): Html {
  return dataTable(
    `Forwarding modes, simplest first${r.service !== undefined ? ` (${r.service})` : ''}`,
    [
      { head: 'mode', cell: (m: ModeCost) => modeLabel(r, m.mode) },
      { head: 'pkt/s in', cell: (m) => orUnknown(ppsText(m.packetsPerSecond.in)), numeric: true },
      { head: 'pkt/s out', cell: (m) => orUnknown(ppsText(m.packetsPerSecond.out)), numeric: true },
      { head: 'peak pkt/s', cell: (m) => orUnknown(ppsText(m.packetsPerSecond.peakTotal)), numeric: true },
      { head: 'NIC rx', cell: (m) => orUnknown(bitsText(m.nicBitsPerSecond.rx)), numeric: true },
      { head: 'NIC tx', cell: (m) => orUnknown(bitsText(m.nicBitsPerSecond.tx)), numeric: true },
      {
        head: 'cores mean / peak',
        cell: (m) => `${coresText(m.cores)} / ${coresText(m.peakCores)}`,
        numeric: true,
      },
      { head: 'conn table', cell: (m) => bytesText(m.connTableBytes), numeric: true },
      {
        head: 'headroom at peak',
        cell: (m) => (m.headroom === null ? unknown : formatHeadroom(m.headroom)),
        numeric: true,
      },
      {
        head: 'extra',
        cell: (m) =>
          m.mssClamp !== undefined
            ? `MSS ${m.mssClamp}`
            : m.lipsNeeded !== undefined
              ? `${m.lipsNeeded} LIP`
              : '',
      },
      { head: 'binds first', cell: bindsFirst, prose: true },
    ],
    r.modes,
    {
      rowClass: (m) => (m.mode === r.recommended ? 'recommended' : m.mode === r.current ? 'now' : undefined),
    },
  );
}

interface ConstraintRow {
  readonly mode: string;
  readonly name: string;
  readonly ok: boolean | null;
  readonly detail: string;
}

function constraintTable(r: ModeCostReport): Html | false {
  const rows: ConstraintRow[] = r.modes.flatMap((m) =>
    m.constraints
      .filter((c) => c.ok !== true)
      .map((c) => ({ mode: MODE_LABELS[m.mode], name: c.name, ok: c.ok, detail: c.detail })),
  );
  return (
    rows.length > 0 &&
    dataTable(
      'Constraints not known to hold',
      [
        { head: 'mode', cell: (c: ConstraintRow) => c.mode },
        { head: 'constraint', cell: (c) => c.name },
        { head: 'state', cell: (c) => constraintMark(c.ok) },
        { head: 'detail', cell: (c) => c.detail, prose: true },
      ],
      rows,
    )
  );
}

export function modesSection(r: ModeCostReport, charts: ChartSet, id: string): Html {
  const s = r.shared;
  const fullnat = r.modes.find((m) => m.mode === 'fullnat');
  return markup`<h3 id="${id}-modes">Forwarding-mode costs</h3>
    <div class="verdict"><strong>${MODE_LABELS[r.recommended]}</strong>${r.why}</div>
    <p>
      ${num(s.arrivalsPerSecond.mean)} new connections/s mean, ${num(s.arrivalsPerSecond.peak)}/s peak;
      server→client figures: ${s.outSource}.
    </p>
    ${charts.slot(
      `${id}-modes`,
      modesChart(r),
      `Bar chart on a logarithmic scale: headroom at peak of each forwarding mode for ${r.service ?? 'the service'}; modes whose constraints fail are red; the numbers are in the table below.`,
    )}
    ${modeTable(r)} ${constraintTable(r)}
    ${
      fullnat !== undefined &&
      fullnat.notes.length > 0 &&
      markup`<ul>
        ${fullnat.notes.map((n) => markup`<li>FULLNAT: ${n}</li>`)}
      </ul>`
    }
    <p>
      Connection table: ${num(s.entries.mean)} entries mean, ${num(s.entries.peak)} at peak (linger
      ${num(s.lingerSeconds.value)} s, ${s.lingerSeconds.source}; templates ${num(s.templates.count)},
      ${s.templates.detail}).
    </p>
    ${
      r.unknowns.length > 0 &&
      markup`<p>Unknown:</p>
        <ul>
          ${r.unknowns.map((u) => markup`<li>${u}</li>`)}
        </ul>`
    }
    <details>
      <summary>Cost profile: ${r.profile} (${r.constants.length} constants)</summary>
      ${dataTable(
        'Constants of the cost model',
        [
          { head: 'constant', cell: (c: ModeCostReport['constants'][number]) => c.key },
          { head: 'value', cell: (c) => String(c.value), numeric: true },
          { head: 'source', cell: (c) => c.source, prose: true },
        ],
        r.constants,
      )}
    </details>`;
}
