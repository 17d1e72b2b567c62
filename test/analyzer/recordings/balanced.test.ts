/**
 * Two equal real servers with equal weights under wlc, recorded on the real kernel: the model's
 * capacity ratio is the logs' (≈ 1), and the split of new connections is even.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Recording, loadRecording } from './fixture.js';

let rec: Recording;
beforeAll(async () => {
  rec = await loadRecording('balanced', 'tcp:10.50.0.80:80');
});

describe('balanced recording', () => {
  it('fits a capacity ratio of the logs’ ≈ 1, within ±15 %, its interval holding 1', () => {
    const truth = rec.truth.lifetimeRatio!;
    expect(Math.abs(truth.value - 1)).toBeLessThan(0.1); // equal servers, in the logs too
    const ratio = rec.service.capacityRatio!;
    expect(Math.abs(ratio.value / truth.value - 1)).toBeLessThanOrEqual(0.15);
    expect(ratio.ci95![0]).toBeLessThanOrEqual(1);
    expect(ratio.ci95![1]).toBeGreaterThanOrEqual(1);
  });

  it('splits new connections evenly, as the logs do', () => {
    expect(rec.service.scheduler).toBe('wlc');
    for (const [addr, truth] of Object.entries(rec.truth.servers)) {
      expect(Math.abs(rec.server(addr).arrivals.share - truth.share)).toBeLessThan(0.03);
      expect(Math.abs(rec.server(addr).arrivals.share - 0.5)).toBeLessThan(0.05);
    }
  });
});
