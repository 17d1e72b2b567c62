/**
 * The chart.js UMD bundle, read from the installed package to be inlined into the report.
 * chart.js 4 does not list `dist/chart.umd.min.js` in its `exports`, so the bundle is found beside
 * the package's CJS entry (`require.resolve('chart.js')` → dist/chart.cjs).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export class ChartJsMissingError extends Error {
  override readonly name = 'ChartJsMissingError';
}

export interface ChartJsBundle {
  /** The bundle as it goes into the `<script>`: `</script` escaped, no source-map comment. */
  readonly source: string;
  /** From the bundle's banner (`4.6.1`). */
  readonly version: string;
}

const UMD_FILE = 'chart.umd.min.js';

function entryPath(): string {
  try {
    return createRequire(import.meta.url).resolve('chart.js');
  } catch (e) {
    throw new ChartJsMissingError(
      `the HTML report needs the chart.js package (a dependency of lvscope; reinstall with npm ci): ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/** Reads the bundle from the directory of `entry` (the package's resolved entry file). */
export function readChartJs(entry: string = entryPath()): ChartJsBundle {
  const file = join(dirname(entry), UMD_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const why = e instanceof Error && 'code' in e ? String(e.code) : String(e);
    throw new ChartJsMissingError(
      `${file}: cannot read the chart.js UMD bundle the HTML report inlines (${why}); chart.js 4.6.1 ships it in dist/ (reinstall with npm ci)`,
    );
  }
  const version = /Chart\.js v(\d+\.\d+\.\d+)/.exec(text.slice(0, 200))?.[1];
  if (version === undefined)
    throw new ChartJsMissingError(`${file}: no "Chart.js vX.Y.Z" banner: not the chart.js UMD bundle`);
  // The map is not next to the report. `</script` and `<!--` (which would end or change the
  // script element) occur in minified JS only inside strings and regexes, where `<\/script` and
  // `\x3C!--` mean the same.
  const source = text
    .replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n')
    .replace(/<\/script/gi, '<\\/script')
    .replace(/<!--/g, '\\x3C!--');
  return { source, version };
}

let cached: ChartJsBundle | undefined;

/** The installed bundle, read once per process (it does not change while the program runs). */
export function chartJs(): ChartJsBundle {
  cached ??= readChartJs();
  return cached;
}
