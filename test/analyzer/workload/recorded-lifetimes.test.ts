/**
 * Every real-kernel recording: the lifetime the model chooses per real server (what the replay
 * draws) against the one the lab's logs give (truth.json). The recordings read the connection
 * table on every 10th record only, so their sampled lifetimes are bracketed to about 10 s and
 * rest on a handful of connections: the model must say so and take Little's law (beside pooled
 * connections, over the short ones, with the pools held as the lab opened them).
 */
import { describe, expect, it } from 'vitest';
import { paramsFromWorkload } from '../../../analyzer/replay/from-workload.js';
import { type Truth, loadRecording } from '../recordings/fixture.js';

const RECORDINGS: readonly (readonly [string, string])[] = [
  ['two-speeds', 'tcp:10.10.0.80:80'],
  ['two-speeds-reweighted', 'tcp:10.10.0.80:80'],
  ['balanced', 'tcp:10.50.0.80:80'],
  ['client-skew', 'tcp:10.30.0.80:80'],
  ['nat-large-responses', 'tcp:10.40.0.80:80'],
  ['server-return', 'tcp:10.60.0.80:80'],
  ['mysql', 'mysql'],
];

/** The largest error of a chosen lifetime against the logs' on these recordings is 19 % (balanced, 10 windows of a 96 s recording). */
const MAX_ERROR = 0.2;

/** Connections the lab's pool clients (configuration.pools) opened to `server`. */
function pooledInTruth(truth: Truth, server: string): number {
  const sources = (truth.configuration.pools ?? '').split(/\s+/).map((p) => p.split(':')[0]);
  return sources.reduce((n, source) => n + (truth.clients.bySource[source ?? '']?.servers?.[server] ?? 0), 0);
}

describe.each(RECORDINGS)('%s recording: lifetimes', (name, pool) => {
  it("chooses Little's law, whose interval holds each server's true lifetime", async () => {
    const rec = await loadRecording(name, pool);
    const { params } = paramsFromWorkload(rec.model);
    const classes = params.services[0]!.lifetimes.map((l) =>
      l.lifetime.kind === 'exponential' ? l.lifetime.meanMs : NaN,
    );
    const servers = rec.service.servers.filter((s) => s.arrivals.share > 0);
    // speed evidence: one pooled lifetime scaled per server at pick time; else one class per server
    const drawn = servers.map((s, i) => {
      const scale = params.lifetimeScales?.find((l) => `${l.server.addr.text}:${l.server.port}` === s.server);
      return scale ? classes[0]! * scale.scale : classes[i]!;
    });
    servers.forEach((server, i) => {
      const addr = server.server.split(':')[0]!;
      const truth = rec.truth.servers[addr]!;
      const { chosen, littleSeconds, sampled } = server.lifetime;
      expect(chosen?.from).toBe('little');
      if (server.pooled) {
        // Beside pooled connections: the short ones' lifetime, and the pools held as recorded.
        expect(chosen?.why).toMatch(/^over the short connections alone: mean ActiveConn /);
        expect(server.pooled.connections).toBe(pooledInTruth(rec.truth, addr));
        const rate = server.arrivals.meanPerSecond;
        const replayedOpen = server.pooled.meanOpen + rate * chosen!.seconds;
        expect(Math.abs(replayedOpen / truth.meanOpen - 1)).toBeLessThanOrEqual(MAX_ERROR);
        expect(drawn[i]).toBeCloseTo(chosen!.seconds * 1000, 6);
        return;
      }
      expect(chosen?.why).toMatch(/^the sampled lifetime rests on \d+ connections, under 100/);
      expect(chosen?.seconds).toBe(littleSeconds?.value);
      expect(littleSeconds!.ci95![0] * 1000).toBeLessThanOrEqual(truth.lifetimeMs);
      expect(littleSeconds!.ci95![1] * 1000).toBeGreaterThanOrEqual(truth.lifetimeMs);
      expect(Math.abs((chosen!.seconds * 1000) / truth.lifetimeMs - 1)).toBeLessThanOrEqual(MAX_ERROR);
      // the replay draws that lifetime, not the sampled one
      expect(drawn[i]).toBeCloseTo(chosen!.seconds * 1000, 6);
      // bracketed by table reads ~10 s apart, the sampled mean is the half-interval, not the lifetime
      expect(sampled!.resolutionSeconds).toBeGreaterThan(8);
      expect(sampled!.connections).toBeLessThan(100);
    });
  });
});
