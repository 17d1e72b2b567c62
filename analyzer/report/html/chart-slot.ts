/** The charts of one report: each section asks for a slot, the document embeds the specs. */
import type { ChartSpec } from './charts.js';
import { type Html, markup } from './html.js';

export class ChartSet {
  private readonly specs: Record<string, ChartSpec> = {};

  /** A `<canvas>` that the client script draws `spec` on; `label` describes it for screen readers. */
  slot(key: string, spec: ChartSpec, label: string): Html {
    if (key in this.specs) throw new Error(`chart "${key}" twice in one report`);
    this.specs[key] = spec;
    return markup`<div class="chart"><canvas data-chart="${key}" role="img" aria-label="${label}"></canvas></div>`;
  }

  get all(): Readonly<Record<string, ChartSpec>> {
    return this.specs;
  }

  get count(): number {
    return Object.keys(this.specs).length;
  }
}
