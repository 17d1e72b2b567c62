/** One small recommendation (with a what-if of each kind) that the output tests share. */
import { recommend } from '../../../analyzer/recommend/engine.js';
import type { Recommendation } from '../../../analyzer/recommend/types.js';
import { syntheticModel } from './support.js';

let cached: Promise<Recommendation> | undefined;

export function smallRecommendation(): Promise<Recommendation> {
  cached ??= recommend(
    syntheticModel({
      scheduler: 'wrr',
      perSecond: 10,
      minutes: 6,
      servers: [
        { addr: '10.0.0.1', weight: 1, relative: 1, workers: 8, lifetimeSeconds: 0.5 },
        { addr: '10.0.0.2', weight: 1, relative: 0.5, workers: 4, lifetimeSeconds: 0.5 },
      ],
    }),
    { resolvedHow: 'a synthetic test workload', warnings: [] },
    {
      searchBudget: 6,
      whatif: [
        { kind: 'fail-return', server: '10.0.0.2', atSeconds: 60, untilSeconds: 120, description: 'fail' },
        { kind: 'weight-change', server: '10.0.0.1', weight: 3, atSeconds: 100, description: 'weight' },
        { kind: 'flash-crowd', factor: 3, atSeconds: 150, untilSeconds: 210, description: 'crowd' },
        { kind: 'add-server', server: '10.0.0.3', capacity: 1, atSeconds: 200, description: 'add' },
      ],
    },
  );
  return cached;
}
