/**
 * A source-hash (sh) service where one client opens half of the connections, recorded on the
 * real kernel: the model's client mix from the sampled connection table finds that client and
 * its share, within the sampling error of the logs' share.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Recording, loadRecording } from './fixture.js';

let rec: Recording;
beforeAll(async () => {
  rec = await loadRecording('client-skew', 'tcp:10.30.0.80:80');
});

describe('client-skew recording', () => {
  it('finds the client sending half of the connections', () => {
    const truth = rec.truth.clients.top!;
    const mix = rec.service.clients;
    expect(mix?.source).toBe('sampled connections');
    expect(mix?.top[0]?.client).toBe(truth.client);
    // the binomial error of the sampled share (one connection in `oneIn`), and the logs' own
    const oneIn = rec.history.connSample?.oneIn ?? 1;
    const sampled = rec.truth.clients.connections / oneIn;
    const tolerance = 3 * Math.sqrt((truth.share * (1 - truth.share)) / sampled) + 3 * truth.se;
    expect(Math.abs(mix!.top[0]!.share - truth.share)).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(truth.share - 0.5)).toBeLessThan(0.05); // the scenario asked for 7/14
    expect(mix?.distinct).toBe(rec.truth.clients.distinct);
  });

  it('shows sh sending that client to one server, whose share follows', () => {
    expect(rec.service.scheduler).toBe('sh');
    const top = rec.truth.clients.top!.client;
    const where = (rec.truth.clients.bySource[top] as { servers?: Record<string, number> }).servers ?? {};
    const servers = Object.keys(where);
    expect(servers).toHaveLength(1); // source hashing: one client, one server
    const heavy = servers[0]!;
    const model = rec.server(heavy);
    expect(model.arrivals.share).toBeGreaterThanOrEqual(rec.truth.clients.top!.share - 0.03);
    expect(Math.abs(model.arrivals.share - rec.truth.servers[heavy]!.share)).toBeLessThan(0.03);
  });
});
