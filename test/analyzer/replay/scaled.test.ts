/**
 * Per-server lifetime scales applied at pick time: the engine's picks equal simulate's on the
 * trace of the timeline as the kernel saw it (each lifetime scaled by its picked server), and a
 * slow server holds its connections longer, so least-connection schedulers give it fewer.
 */
import { describe, expect, it } from 'vitest';
import { candidate, directorSettings } from '../../../analyzer/replay/candidate.js';
import { replayCandidate } from '../../../analyzer/replay/engine.js';
import { prepareTimeline } from '../../../analyzer/replay/events.js';
import { generateTimeline } from '../../../analyzer/replay/generate.js';
import { scaledByPicks, toTrace } from '../../../analyzer/replay/timeline.js';
import { replayText } from '../replay-helpers.js';
import { WEB, impliedRows, ip } from './support.js';

const SCALES = [0.5, 1, 1.5, 2];
const timeline = generateTimeline({
  seed: 21,
  durationMs: 20 * 60_000,
  services: [
    {
      key: WEB,
      rate: [{ startMs: 0, perSecond: 6 }],
      lifetimes: [
        { weight: 70, lifetime: { kind: 'exponential', meanMs: 3000 }, rstShare: 0.1 },
        { weight: 30, lifetime: { kind: 'exponential', meanMs: 40_000 } },
      ],
    },
  ],
  clients: { weighted: [{ addr: ip('203.0.113.1'), weight: 30 }], others: { count: 200, weight: 70 } },
  keepaliveMs: 25_000,
  lifetimeScales: SCALES.map((scale, i) => ({
    service: 0,
    server: { addr: ip(`10.0.1.${i + 1}`), port: 80 },
    scale,
  })),
});
const prepared = prepareTimeline(timeline);

const cand = (scheduler: 'wlc' | 'lc' | 'wrr' | 'sh', persistenceS: number | null = null) =>
  candidate(
    timeline,
    [
      {
        scheduler,
        schedFlags: 0,
        persistenceS,
        servers: SCALES.map((_, i) => ({
          server: `10.0.1.${i + 1}:80`,
          weight: 1,
          forward: 'route' as const,
        })),
      },
    ],
    { name: scheduler, timeouts: { tcpS: 60, tcpFinS: 20, udpS: 300 } },
  );

describe('lifetime scales at pick time', () => {
  it.each([['wlc'], ['lc'], ['wrr'], ['sh']] as const)(
    '%s: the same picks as simulate on the scaled trace',
    async (s) => {
      const c = cand(s);
      const r = replayCandidate(prepared, c, { stepMs: 0 });
      const seen = scaledByPicks(timeline, r.picks!, r.servers);
      const settings = directorSettings(c);
      const sim = await replayText(toTrace(seen, c), {
        hashVariant: settings.hashVariant,
        seed: settings.seed,
      });
      const expected = impliedRows(seen, r);
      expect(sim.rows.length).toBe(expected.length);
      expect(expected.length).toBeGreaterThan(6000);
      const diff = expected.findIndex(
        (row, i) => row.realServer !== sim.rows[i]?.realServer || row.timeMs !== sim.rows[i]?.timeMs,
      );
      expect(diff).toBe(-1);
      // the engine served each server its scaled lifetimes
      r.servers.forEach((_, g) => {
        let drawn = 0;
        for (let k = 0; k < timeline.count; k++) if (r.picks![k] === g) drawn += timeline.lifetimeMs[k]!;
        expect(r.lifetimeSumMs[g]! / drawn).toBeCloseTo(SCALES[g]!, 2);
      });
    },
  );

  it('persistence too', async () => {
    const c = cand('wlc', 120);
    const r = replayCandidate(prepared, c, { stepMs: 0 });
    const seen = scaledByPicks(timeline, r.picks!, r.servers);
    const settings = directorSettings(c);
    const sim = await replayText(toTrace(seen, c), {
      hashVariant: settings.hashVariant,
      seed: settings.seed,
    });
    const expected = impliedRows(seen, r);
    expect(sim.rows.map((x) => x.realServer)).toEqual(expected.map((x) => x.realServer));
  });

  it('has no trace of its own: its closes depend on the picks', () => {
    expect(() => toTrace(timeline, cand('wlc'))).toThrow(/scaledByPicks/);
  });

  it('wlc gives the slow server fewer connections, wrr does not', () => {
    const wlc = replayCandidate(prepared, cand('wlc'), { stepMs: 0 });
    const wrr = replayCandidate(prepared, cand('wrr'), { stepMs: 0 });
    expect(wlc.conns[3]!).toBeLessThan(0.8 * wlc.conns[0]!);
    expect(Math.abs(wrr.conns[3]! / wrr.conns[0]! - 1)).toBeLessThan(0.01);
  });
});
