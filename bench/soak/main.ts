/**
 * bench/soak: lvs-exporter for --minutes N (default 60) on a 1 M-connection director, every
 * collector on, scraped every second, its OTLP and InfluxDB sinks pushing to receivers that hang,
 * die and come back. Prints RSS, the heap after full collections (`--trace-gc`), open descriptors
 * and scrape time: min, max and least-squares slope, over the whole run and after the first minute
 * (warm-up).
 *
 *   npx tsc -p tsconfig.build.json && npx tsc -p tsconfig.json && \
 *     node build/bench/soak/main.js [--minutes 60] [--conn-lines 1000000] [--services 1000]
 */
import { resolve } from 'node:path';
import { runSoak } from './soak.js';
import { type Sample, trend } from './trend.js';

const ROOT = resolve(import.meta.dirname, '../../..');

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} wants a positive number`);
  return value;
}

function line(label: string, unit: string, samples: readonly Sample[]): string {
  const all = trend(samples);
  const warm = samples.filter((s) => s.minute >= 1);
  const after = warm.length >= 2 ? trend(warm) : undefined;
  const slope = (t: typeof all) => `${t.slopePerMinute >= 0 ? '+' : ''}${t.slopePerMinute.toFixed(3)}`;
  return (
    `${label.padEnd(18)} min ${all.min.toFixed(1)} ${unit}, max ${all.max.toFixed(1)} ${unit}, ` +
    `slope ${slope(all)} ${unit}/min` +
    (after ? ` (after minute 1: ${slope(after)} ${unit}/min, max ${after.max.toFixed(1)})` : '')
  );
}

const minutes = flag('minutes', 60);
const result = await runSoak({
  root: ROOT,
  minutes,
  services: flag('services', 1000),
  destinations: flag('destinations', 4),
  connLines: flag('conn-lines', 1_000_000),
  ports: [19880, 19881, 19882],
  cycleMs: flag('cycle-seconds', 60) * 1000,
  progress: (text) => console.error(text),
});
console.log(
  `lvs-exporter soak: ${minutes} min, ${result.scrapes} scrapes, ${result.failedScrapes.length} failed`,
);
console.log(line('RSS', 'MB', result.rssMb));
console.log(line('heap after full GC', 'MB', result.heapAfterGcMb));
console.log(line('open descriptors', 'fds', result.openFds));
console.log(line('scrape time', 'ms', result.scrapeMs));
const p = result.pushes;
console.log(
  `pushes answered: OTLP ${p.otlp} (${p.otlpHung} hung), InfluxDB ${p.influx} (${p.influxHung} hung)`,
);
for (const failure of result.failedScrapes.slice(0, 20)) console.log(`failed scrape: ${failure}`);
process.exitCode = result.failedScrapes.length > 0 ? 1 : 0;
