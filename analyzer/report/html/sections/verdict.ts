/** The verdict first: what to do, the one-sentence summary, the expected gains and why. */
import type { Gain, ServiceRecommendation } from '../../../recommend/types.js';
import { gainValue, improvementText } from '../format.js';
import { type Html, markup } from '../html.js';
import { dataTable } from '../table.js';

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function gainCell(g: Gain, v: Gain['baseline']) {
  return v === 'overloaded' ? markup`<span class="overloaded">overloaded</span>` : gainValue(g, v);
}

export function verdictSection(s: ServiceRecommendation): Html {
  const gains = dataTable(
    `Expected gains: now (${s.baseline.name}) → recommended (${s.recommended.name})`,
    [
      { head: 'figure', cell: (g: Gain) => g.figure, prose: true },
      { head: 'now', cell: (g) => gainCell(g, g.baseline), numeric: true },
      { head: 'recommended', cell: (g) => gainCell(g, g.recommended), numeric: true },
      { head: 'change', cell: (g) => improvementText(g.improvement), numeric: true },
    ],
    s.gains,
  );
  return markup`<div class="verdict ${s.verdict}">
      <strong>${s.verdict}</strong>${capitalised(s.summary)}.
    </div>
    ${s.gains.length > 0 && gains}
    ${
      s.explanations.length > 0 &&
      markup`<h3>Why</h3>
        <ul>
          ${s.explanations.map((e) => markup`<li>${e}</li>`)}
        </ul>`
    }`;
}
