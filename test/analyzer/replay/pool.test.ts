/**
 * Worker threads: candidates replayed on two workers over the shared timeline give exactly the
 * in-process results. The worker script is the built one (build/, from `npx tsc -p
 * tsconfig.json`); from TypeScript sources the pool runs in process, which is tested too.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { candidate } from '../../../analyzer/replay/candidate.js';
import { prepareTimeline } from '../../../analyzer/replay/events.js';
import * as source from '../../../analyzer/replay/pool.js';
import type { ReplayRequest } from '../../../analyzer/replay/pool.js';
import { testTimeline } from './support.js';

const BUILT = fileURLToPath(new URL('../../../build/analyzer/replay/pool.js', import.meta.url));

const t = testTimeline(21);
const servers = (net: string, port: number) =>
  [3, 2, 1].map((w, i) => ({ server: `${net}.${i + 1}:${port}`, weight: w, forward: 'masq' as const }));
const requests: ReplayRequest[] = (['wlc', 'mh', 'lblcr', 'twos'] as const).map((s) => ({
  candidate: candidate(t, [
    { scheduler: s, servers: servers('10.0.1', 80) },
    { scheduler: s, persistenceS: 90, servers: servers('10.0.2', 8443) },
    { scheduler: s, servers: servers('10.0.3', 8080) },
  ]),
  options: { stepMs: 1000 },
  measures: { capacities: { '10.0.1.1': { relative: 1, workers: 8 } } },
}));

function same(a: source.ReplayOutcome[], b: source.ReplayOutcome[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => {
    const y = b[i] as source.ReplayOutcome;
    expect(Array.from(x.result.picks ?? [])).toEqual(Array.from(y.result.picks ?? []));
    expect(Array.from(x.result.active ?? [])).toEqual(Array.from(y.result.active ?? []));
    expect(x.measures?.servers.map((s) => s.utilisation)).toEqual(
      y.measures?.servers.map((s) => s.utilisation),
    );
    expect(x.measures?.newConnections).toEqual(y.measures?.newConnections);
  });
}

describe('replay pool', () => {
  const inProcess = requests.map((r) => source.runRequest(prepareTimeline(t), r));

  it('from sources it runs in process, with the same results', async () => {
    const pool = source.ReplayPool.open(t, { workers: 2 });
    expect(pool.mode).toBe('in-process');
    same(await pool.run(requests), inProcess);
    await pool.close();
  });

  it.skipIf(!existsSync(BUILT))(
    'on two worker threads (built script), the same results, in request order',
    async () => {
      const built = (await import(BUILT)) as typeof source;
      const pool = built.ReplayPool.open(t, { workers: 2 });
      expect(pool.mode).toBe('workers');
      same(await pool.run(requests), inProcess);
      // A second batch on the same workers (the timeline was shared once).
      same(await pool.run(requests.slice(1, 3)), inProcess.slice(1, 3));
      // A single request goes to a worker as well: this thread stays free meanwhile.
      let free = false;
      setImmediate(() => {
        free = true;
      });
      same(await pool.run(requests.slice(3)), inProcess.slice(3));
      expect(free).toBe(true);
      await pool.close();
    },
  );

  it.skipIf(!existsSync(BUILT))(
    'keep: drops picks and series but still measures; errors come back',
    async () => {
      const built = (await import(BUILT)) as typeof source;
      const out = await built.replayCandidates(
        t,
        requests.slice(0, 2).map((r) => ({ ...r, keep: { picks: false, series: false } })),
        { workers: 2 },
      );
      expect(out[0]?.result.picks).toBeNull();
      expect(out[0]?.result.active).toBeNull();
      expect(out[0]?.measures?.servers.length).toBe(9);
      const bad = { ...requests[0], candidate: { services: [] } } as ReplayRequest;
      await expect(built.replayCandidates(t, [bad, bad], { workers: 2 })).rejects.toThrow(
        /one service per timeline service/,
      );
    },
  );
});
