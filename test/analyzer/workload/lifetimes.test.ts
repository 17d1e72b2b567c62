/**
 * Sampled lifetimes against known ones: each connection's open time is bracketed by the previous
 * read of the connection table (not the previous record), and the sampled mean replaces
 * Little's law only when it is precise and unbiased enough; the model says which it chose.
 */
import { describe, expect, it } from 'vitest';
import { paramsFromWorkload } from '../../../analyzer/replay/from-workload.js';
import { fitWorkload } from '../../../analyzer/workload/fit.js';
import type { ServerModel } from '../../../analyzer/workload/model.js';
import { type RecordedConnection, recordedHistory, steadyConnections, uniforms } from './recorded.js';

const DURATION = 900_000;

function fitted(connections: readonly RecordedConnection[], tableEvery: number): ServerModel {
  const model = fitWorkload(recordedHistory({ durationMs: DURATION, tableEvery, connections }), 'test');
  return model.services[0]!.servers[0]!;
}

/** The mean lifetime of the connections the fit can bracket: opened after the first table read, closed before the end. */
function trueMeanSeconds(connections: readonly RecordedConnection[]): number {
  const seen = connections.filter((c) => c.openMs > 0 && c.openMs + c.lifetimeMs < DURATION - 1000);
  return seen.reduce((sum, c) => sum + c.lifetimeMs, 0) / seen.length / 1000;
}

const r = uniforms(11);
/** 10–30 s lifetimes, one new connection a second: every one is seen open at a table read. */
const long = steadyConnections(DURATION, 1, r, () => 10_000 + 20_000 * r());

describe('sampled connection lifetimes', () => {
  it('with the table read every record, measures each lifetime to about 2 s and uses it', () => {
    const s = fitted(long, 1);
    const truth = trueMeanSeconds(long);
    expect(s.lifetime.sampled?.connections).toBeGreaterThan(800);
    expect(s.lifetime.sampled?.resolutionSeconds).toBeGreaterThan(1.5);
    expect(s.lifetime.sampled?.resolutionSeconds).toBeLessThan(2.5);
    expect(Math.abs(s.lifetime.sampled!.meanSeconds - truth)).toBeLessThan(0.1);
    expect(s.lifetime.sampled!.ci95![0]).toBeLessThan(truth);
    expect(s.lifetime.sampled!.ci95![1]).toBeGreaterThan(truth);
    expect(s.lifetime.chosen).toMatchObject({ from: 'sampled', seconds: s.lifetime.sampled!.meanSeconds });
    expect(s.lifetime.chosen?.why).toMatch(/sampled connections seen opening and closing/);
  });

  it('with the table read every 10th record, brackets the open time by the previous table read', () => {
    const s = fitted(long, 10);
    const truth = trueMeanSeconds(long);
    // the open is known only to the 10 s between two table reads (the record 1 s before read no table)
    expect(s.lifetime.sampled?.resolutionSeconds).toBeGreaterThan(10);
    expect(s.lifetime.sampled?.resolutionSeconds).toBeLessThan(11.5);
    // midpoints of the right brackets stay unbiased (the record before would make it ~4.5 s short)
    expect(Math.abs(s.lifetime.sampled!.meanSeconds - truth)).toBeLessThan(0.5);
    // ...but ±5 s per connection is too coarse for 20 s lifetimes: Little's law, and why
    expect(s.lifetime.chosen?.from).toBe('little');
    expect(s.lifetime.chosen?.seconds).toBe(s.lifetime.littleSeconds?.value);
    expect(s.lifetime.chosen?.why).toMatch(/pin a sampled lifetime down only to 1\d(\.\d+)? s, over 20 %/);
    expect(Math.abs(s.lifetime.littleSeconds!.value / truth - 1)).toBeLessThan(0.05);
  });

  it('does not trust a sample of connections shorter than the table interval (length-biased)', () => {
    const e = uniforms(5);
    const short = steadyConnections(DURATION, 5, e, () => -Math.log(1 - e()) * 200);
    const s = fitted(short, 1);
    const truth = trueMeanSeconds(short);
    // the few seen open at a read are the long ones, and each is known only to a second or two
    expect(s.lifetime.sampled!.shorterThanInterval).toBeGreaterThan(3000);
    expect(s.lifetime.sampled!.meanSeconds).toBeGreaterThan(3 * truth);
    expect(s.lifetime.chosen?.from).toBe('little');
    expect(s.lifetime.chosen?.why).toMatch(/opened and closed between two table reads/);
    expect(Math.abs(s.lifetime.chosen!.seconds / truth - 1)).toBeLessThan(0.1);
  });

  it('needs 100 sampled connections before it replaces Little’s law', () => {
    const few = steadyConnections(DURATION, 0.1, r, () => 10_000 + 20_000 * r());
    const s = fitted(few, 1);
    expect(s.lifetime.sampled?.connections).toBeGreaterThan(50);
    expect(s.lifetime.sampled?.connections).toBeLessThan(100);
    expect(s.lifetime.chosen?.from).toBe('little');
    expect(s.lifetime.chosen?.why).toMatch(/rests on \d+ connections, under 100/);
  });

  it('without connection counts, takes even a coarse sample over an assumed lifetime, and says so', () => {
    const history = recordedHistory({
      durationMs: DURATION,
      tableEvery: 10,
      connections: long,
      noCounters: true,
    });
    const s = fitWorkload(history, 'test').services[0]!.servers[0]!;
    expect(s.lifetime.littleSeconds).toBeUndefined();
    expect(s.lifetime.chosen).toMatchObject({ from: 'sampled', seconds: s.lifetime.sampled!.meanSeconds });
    expect(s.lifetime.chosen?.why).toMatch(/^no Little's law estimate .*, although the table reads pin/);
  });

  it('the replay draws the lifetime the model chose', () => {
    const model = fitWorkload(
      recordedHistory({ durationMs: DURATION, tableEvery: 10, connections: long }),
      'test',
    );
    const server = model.services[0]!.servers[0]!;
    const { params } = paramsFromWorkload(model);
    expect(params.services[0]!.lifetimes.map((l) => l.lifetime)).toEqual([
      { kind: 'exponential', meanMs: server.lifetime.chosen!.seconds * 1000 },
    ]);
    expect(server.lifetime.chosen?.seconds).not.toBe(server.lifetime.sampled?.meanSeconds);
  });
});

describe('the replay’s lifetime from a model without a choice', () => {
  const base = fitWorkload(
    recordedHistory({ durationMs: DURATION, tableEvery: 10, connections: long }),
    'test',
  );
  const withLifetime = (lifetime: ServerModel['lifetime']) => ({
    ...base,
    services: base.services.map((s) => ({ ...s, servers: s.servers.map((d) => ({ ...d, lifetime })) })),
  });
  const meanMs = (lifetime: ServerModel['lifetime']) => {
    const l = paramsFromWorkload(withLifetime(lifetime)).params.services[0]!.lifetimes[0]!.lifetime;
    return l.kind === 'exponential' ? l.meanMs : NaN;
  };

  it("prefers Little's law over a sampled mean, whatever the sample count", () => {
    const sampled = { meanSeconds: 5, connections: 3, shorterThanInterval: 900 };
    expect(meanMs({ littleSeconds: { value: 0.2 }, sampled })).toBe(200);
    expect(meanMs({ sampled })).toBe(5000);
    expect(
      meanMs({ littleSeconds: { value: 0.2 }, sampled, chosen: { seconds: 5, from: 'sampled', why: 'x' } }),
    ).toBe(5000);
  });
});
