import { describe, expect, it } from 'vitest';
import { phaseAt } from '../../bench/soak/receivers.js';
import { trend } from '../../bench/soak/trend.js';

describe('soak trend', () => {
  it('gives the least-squares slope per minute, min and max', () => {
    const samples = [0, 1, 2, 3].map((minute) => ({ minute, value: 100 + 2 * minute + (minute % 2) }));
    const t = trend(samples);
    expect(t.slopePerMinute).toBeCloseTo(2.2, 10);
    expect([t.min, t.max, t.count]).toEqual([100, 107, 4]);
  });

  it('refuses fewer than two samples, or samples all at one time', () => {
    expect(() => trend([{ minute: 0, value: 1 }])).toThrow(/at least 2/);
    expect(() =>
      trend([
        { minute: 1, value: 1 },
        { minute: 1, value: 2 },
      ]),
    ).toThrow(/different times/);
  });
});

describe('receiver schedule', () => {
  it('is up, hung, down and up again within one cycle, and shifts', () => {
    expect([0, 0.5, 0.7, 0.9].map((f) => phaseAt(f * 1000, 1000))).toEqual(['up', 'hang', 'down', 'up']);
    expect(phaseAt(0, 1000, 0.5)).toBe('hang');
    expect(phaseAt(1500, 1000)).toBe('hang');
  });
});
