/**
 * The simulator against the real kernel's recorded answers: for every trace in
 * fixtures/kernel-traces, `lvs-analyze simulate --format csv` must pick the same real server as
 * Linux 6.1 did for every new connection, and end with the same per-destination counters.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  compareRows,
  formatTallies,
  kernelCounters,
  kernelSchedulers,
  mergeTallies,
  parseCsv,
  readTrace,
  schedulerLookup,
  simulate,
  simulatorCounters,
  type Tally,
  traceNames,
  tracesDir,
} from './traces.js';

const names = traceNames();
const overall = new Map<string, Tally>();

describe('simulator vs recorded 6.1 kernel answers', () => {
  it('has recorded answers for every trace, covering every scheduler of the kernel', () => {
    expect(names.length).toBeGreaterThan(0);
    const seen = new Set<string>();
    for (const name of names) {
      expect(existsSync(join(tracesDir, `${name}.kernel.csv`)), `${name}.kernel.csv`).toBe(true);
      expect(existsSync(join(tracesDir, `${name}.kernel.json`)), `${name}.kernel.json`).toBe(true);
      const rows = parseCsv(
        readFileSync(join(tracesDir, `${name}.kernel.csv`), 'utf8'),
        `${name}.kernel.csv`,
      );
      const schedOf = schedulerLookup(readTrace(name));
      for (const r of rows) seen.add(schedOf(r.service, Number(r.time)));
    }
    expect(kernelSchedulers.filter((s) => !seen.has(s))).toEqual([]);
  });

  it.each(names)('%s: same real server for every new connection', async (name) => {
    const text = readTrace(name);
    const kernel = parseCsv(
      readFileSync(join(tracesDir, `${name}.kernel.csv`), 'utf8'),
      `${name}.kernel.csv`,
    );
    const out = await simulate(join(tracesDir, `${name}.trace`), 'csv');
    const result = compareRows(kernel, parseCsv(out, `simulate ${name}`), schedulerLookup(text));
    mergeTallies(overall, result.bySched);
    console.log(formatTallies(name, result.bySched));
    expect(result.mismatches).toEqual([]);
  });

  it.each(names)('%s: same active/inactive/persistent counters per destination at the end', async (name) => {
    const kernel = kernelCounters(readFileSync(join(tracesDir, `${name}.kernel.json`), 'utf8'));
    const sim = simulatorCounters(await simulate(join(tracesDir, `${name}.trace`), 'json'));
    expect(Object.fromEntries(sim)).toEqual(Object.fromEntries(kernel));
  });

  afterAll(() => {
    if (overall.size) console.log(formatTallies('all recorded traces', overall));
  });
});
