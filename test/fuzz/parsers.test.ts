/**
 * The fuzz targets in CI: a bounded number of mutated inputs per parser (FUZZ_RUNS, default 1000,
 * a fixed seed unless FUZZ_SEED is set), with the shrunk counterexample printed on failure.
 * `npm run fuzz` runs a million per parser.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { describeInput, targetProperty } from './harness.js';
import { targets } from './targets/index.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261203);

describe('fuzzed parsers', () => {
  for (const target of targets) {
    it(`${target.name}: no throw, hang, absurd value or bad issue in ${RUNS} mutated inputs`, async () => {
      const details = await fc.check(targetProperty(target), { numRuns: RUNS, seed: SEED });
      if (details.failed) {
        const [input] = details.counterexample ?? [];
        const reason =
          details.errorInstance instanceof Error
            ? details.errorInstance.message
            : String(details.errorInstance);
        throw new Error(`${reason}\nshrunk input ${input ? describeInput(input) : '(none)'}`);
      }
    }, 60_000);
  }
});
