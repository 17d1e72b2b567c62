/** Data tables and chart slots: every number is in a table; a chart only draws some of them again. */
import type { DelayMs } from '../../recommend/types.js';
import { delayText } from './format.js';
import { type Html, type Part, markup, trusted } from './html.js';

export interface Column<T> {
  readonly head: string;
  readonly cell: (row: T) => Part;
  /** Figures: right-aligned, tabular digits. */
  readonly numeric?: boolean;
  /** Sentences: may wrap (other cells stay on one line, so a figure never breaks). */
  readonly prose?: boolean;
}

export interface TableOptions<T> {
  /** `now`, `recommended`: rows to highlight. */
  readonly rowClass?: (row: T) => string | undefined;
}

const NUMERIC = trusted(' class="n"');
const PROSE = trusted(' class="prose"');

function cellClass<T>(c: Column<T>): Html | false {
  return c.numeric === true ? NUMERIC : c.prose === true && PROSE;
}

/** The first column heads each row (`<th scope="row">`), so screen readers name the cells. */
export function dataTable<T>(
  caption: string,
  columns: readonly Column<T>[],
  rows: readonly T[],
  options: TableOptions<T> = {},
): Html {
  const head = columns.map((c) => markup`<th scope="col"${cellClass(c)}>${c.head}</th>`);
  const body = rows.map((r) => {
    const rowClass = options.rowClass?.(r);
    const cells = columns.map((c, i) =>
      i === 0
        ? markup`<th scope="row"${cellClass(c)}>${c.cell(r)}</th>`
        : markup`<td${cellClass(c)}>${c.cell(r)}</td>`,
    );
    return markup`<tr${rowClass !== undefined && markup` class="${rowClass}"`}>${cells}</tr>`;
  });
  return markup`<div class="scroll"><table>
<caption>${caption}</caption>
<thead><tr>${head}</tr></thead>
<tbody>
${body.map((b) => markup`${b}\n`)}</tbody>
</table></div>`;
}

/** A delay as the tables show it: 'overloaded' marked as such, never as a number. */
export function delayCell(d: DelayMs): Part {
  return d === 'overloaded' ? markup`<span class="overloaded">overloaded</span>` : delayText(d);
}
