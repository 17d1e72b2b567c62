/**
 * The Recommendation the real engine makes for the HTML report's tests: a MySQL pool of three
 * direct-routing servers, one of them half as fast, behind wrr 1:1:1 (the slow one is overloaded
 * now), with a fail-and-return what-if, and the forwarding modes costed from the recorded
 * client→server traffic and a given response size.
 */
import { join } from 'node:path';
import { loadPoolHistory } from '../../../analyzer/cli/inputs.js';
import { recommend } from '../../../analyzer/recommend/engine.js';
import type { Recommendation } from '../../../analyzer/recommend/types.js';
import type { WorkloadModel } from '../../../analyzer/workload/model.js';
import { fitWorkload } from '../../../analyzer/workload/fit.js';
import { ROOT } from '../../exporter/helpers.js';
import { syntheticModel } from '../recommend/support.js';

export const SLOW = '10.0.0.3';

const synthetic = syntheticModel({
  scheduler: 'wrr',
  perSecond: 130,
  minutes: 4,
  servers: [
    { addr: '10.0.0.1', weight: 1, relative: 1, workers: 32, lifetimeSeconds: 0.4 },
    { addr: '10.0.0.2', weight: 1, relative: 1, workers: 32, lifetimeSeconds: 0.4 },
    { addr: SLOW, weight: 1, relative: 0.5, workers: 16, lifetimeSeconds: 0.4 },
  ],
  distinctClients: 400,
});

/** What a DR director's counters show of a MySQL query: the client's packets and bytes only. */
const model: WorkloadModel = {
  ...synthetic,
  services: synthetic.services.map((s) => ({
    ...s,
    traffic: { inPacketsPerConn: 9, inBytesPerConn: 1_400, visibility: 'inbound only' },
  })),
};

let made: Promise<Recommendation> | undefined;

/** One engine run per test file (it takes seconds); every test reads the same result. */
export function engineRecommendation(): Promise<Recommendation> {
  made ??= recommend(
    model,
    { resolvedHow: 'the pool named mysql (report-html test)', warnings: [] },
    {
      workers: 1,
      searchBudget: 6,
      responseBytes: 12_000,
      whatif: [
        {
          kind: 'fail-return',
          server: SLOW,
          atSeconds: 60,
          untilSeconds: 120,
          description: `${SLOW} fails at +60 s and returns at +120 s`,
        },
      ],
    },
  );
  return made;
}

/**
 * From a recording of the real kernel (fixtures/recordings/nat-large-responses: wrr over two NAT
 * servers, the director seeing both directions, so every mode is costed), as the CLI reads it.
 */
export async function recordingRecommendation(): Promise<Recommendation> {
  const dir = join(ROOT, 'fixtures/recordings/nat-large-responses');
  const loaded = await loadPoolHistory({
    capture: [join(dir, 'capture')],
    ipvsadmSave: join(dir, 'ipvsadm-save.txt'),
    pool: 'tcp:10.40.0.80:80',
  });
  const model = fitWorkload(loaded.history, loaded.pool.name, loaded.pool);
  return recommend(
    model,
    { pool: loaded.pool, resolvedHow: loaded.resolvedHow, warnings: loaded.warnings },
    {
      workers: 1,
      searchBudget: 6,
      whatif: [
        {
          kind: 'fail-return',
          server: '10.40.1.2',
          atSeconds: 30,
          untilSeconds: 60,
          description: '10.40.1.2 fails at +30 s and returns at +60 s',
        },
      ],
    },
  );
}

/** A copy with every occurrence of `text` in its strings replaced by `by` (a hostile server name). */
export function renamed(rec: Recommendation, text: string, by: string): Recommendation {
  return JSON.parse(JSON.stringify(rec).replaceAll(text, JSON.stringify(by).slice(1, -1))) as Recommendation;
}
