/** The analyzer's trace files (`# lvscope trace v1`): the reader over a whole mutated trace. */
import { Readable } from 'node:stream';
import { readTrace } from '../../../analyzer/inputs/trace/read.js';
import { type FuzzTarget, fixtures } from '../harness.js';

export const traceSeeds = fixtures([
  'fixtures/traces/issue-example.trace',
  'fixtures/traces/mysql-persistence.trace',
  'fixtures/traces/sed-syn-burst.trace',
  'fixtures/kernel-traces/lblcr.trace',
  'fixtures/kernel-traces/persist.trace',
  'fixtures/kernel-traces/ipv6.trace',
  'fixtures/kernel-traces/thresholds.trace',
]);

/** Reads the whole trace; resolves with every record. */
async function readAll(input: Buffer): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const batch of readTrace(Readable.from([input]), 'fuzz.trace')) out.push(...batch);
  return out;
}

export const traceTarget: FuzzTarget = { name: 'trace', seeds: traceSeeds, run: readAll };
