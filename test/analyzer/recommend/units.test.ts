/** The recommender's small parts: integer weights, --whatif parsing, the progress bar, the verdict's gain. */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { primaryImprovement } from '../../../analyzer/recommend/gains.js';
import { parseScenario } from '../../../analyzer/recommend/scenarios.js';
import type { CandidateResult, Outcome } from '../../../analyzer/recommend/types.js';
import { searchWeights } from '../../../analyzer/recommend/search.js';
import {
  MAX_WEIGHT,
  balancingMove,
  neighbours,
  proportionalWeights,
  reduceWeights,
  searchStart,
} from '../../../analyzer/recommend/weights.js';
import { ProgressBar } from '../../../analyzer/report/recommend-progress.js';

describe('weights', () => {
  it('are the smallest integers that keep the capacity ratio', () => {
    expect(proportionalWeights([1, 0.5])).toEqual([2, 1]);
    expect(proportionalWeights([1, 1, 1])).toEqual([1, 1, 1]);
    expect(proportionalWeights([1, 0.68])).toEqual([3, 2]);
    expect(proportionalWeights([0.25, 1, 0.5])).toEqual([1, 4, 2]);
    const w = proportionalWeights([1, 0.013]);
    expect(Math.max(...w)).toBeLessThanOrEqual(MAX_WEIGHT);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(1);
  });

  it('reduce by their common divisor', () => {
    expect(reduceWeights([4, 2])).toEqual([2, 1]);
    expect(reduceWeights([3, 2])).toEqual([3, 2]);
  });

  it('search moves stay in 1..100 and never revisit a ratio', () => {
    const start = searchStart([2, 1]);
    expect(start).toEqual([20, 10]);
    const moves = neighbours([1, 100], 1);
    expect(moves).toEqual([
      [2, 100],
      [1, 99],
    ]);
    expect(neighbours([2, 1], 1).map((m) => reduceWeights(m).join(':'))).not.toContain('2:1');
    // 2:2 is 1:1: one move, not two.
    expect(neighbours([1, 2], 1).filter((m) => reduceWeights(m).join(':') === '1:1')).toHaveLength(1);
  });
});

describe('weight search', () => {
  it('the balancing move scales each weight by mean load ÷ its load, same sum, within ½..2', () => {
    expect(balancingMove([10, 10], [0.9, 0.3])).toEqual([5, 15]);
    expect(balancingMove([10, 10], [0.5, 0.5])).toBeNull();
    // An idle server's weight at most doubles; the result stays in 1..MAX_WEIGHT.
    expect(balancingMove([10, 10], [1, 0])).toEqual([4, 16]);
    expect(Math.max(...(balancingMove([90, 90], [0.1, 1]) as number[]))).toBeLessThanOrEqual(MAX_WEIGHT);
    expect(balancingMove([1, 1], [0, 0])).toBeNull();
  });

  it('with loads, each weight moves only the way that evens them, the most uneven first', () => {
    expect(neighbours([10, 10, 10], 1, [0.9, 0.5, 0.1])).toEqual([
      [9, 10, 10],
      [10, 10, 11],
      [10, 9, 10],
      [10, 11, 10],
    ]);
  });

  /** wrr's law: a server's load is its weight's share over its capacity's share. */
  const capacities = [4, 2, 1];
  const wrrLoads = (w: readonly number[]) => {
    const sw = w.reduce((a, b) => a + b, 0);
    const sc = capacities.reduce((a, b) => a + b, 0);
    return w.map((x, i) => x / sw / ((capacities[i] as number) / sc));
  };
  const spec = (budget: number, calls: number[][][]) => ({
    budget,
    perRound: 2,
    minGain: 0,
    score: (l: readonly number[]) => Math.max(...l),
    loads: (l: readonly number[]) => l,
    evaluate: (ws: readonly number[][]) => {
      calls.push(ws.map((w) => [...w]));
      return Promise.resolve(ws.map(wrrLoads));
    },
  });

  it('reaches the capacity ratio in a few rounds of at most perRound replays, never one ratio twice', async () => {
    const calls: number[][][] = [];
    const start = { weights: [1, 1, 1], value: wrrLoads([1, 1, 1]), score: 7 / 3 };
    const r = await searchWeights(start, [10, 10, 10], spec(6, calls));
    expect(r.best.score).toBeLessThan(1.1);
    expect(r.evaluated).toBeLessThanOrEqual(6);
    expect(calls.every((c) => c.length <= 2)).toBe(true);
    const ratios = calls.flat().map((w) => reduceWeights(w).join(':'));
    expect(new Set(ratios).size).toBe(ratios.length);
    expect(ratios).not.toContain('1:1:1');
  });

  it('ends before the budget at an optimum: every move at every step tried in vain', async () => {
    const calls: number[][][] = [];
    const start = { weights: [4, 2, 1], value: wrrLoads([4, 2, 1]), score: 1 };
    // One replay per round: a round in vain moves on to the step's other moves, not a finer step.
    const r = await searchWeights(start, searchStart([4, 2, 1]), { ...spec(100, calls), perRound: 1 });
    expect(reduceWeights(r.best.weights)).toEqual([4, 2, 1]);
    expect(r.best.value).toBe(start.value);
    // From 40:20:10, ±2 then ±1 on each weight (even loads: no balancing move): 12 replays.
    expect(r.evaluated).toBe(12);
    expect(calls.flat()).toContainEqual([40, 20, 11]);
  });

  it('keeps a move only when it beats the best by minGain', async () => {
    const calls: number[][][] = [];
    const start = { weights: [1, 1, 1], value: wrrLoads([1, 1, 1]), score: 7 / 3 };
    const r = await searchWeights(start, [10, 10, 10], { ...spec(6, calls), minGain: 0.9 });
    expect(r.best).toBe(start);
  });
});

describe('--whatif scenarios', () => {
  it('parse with defaults at the thirds of the run', () => {
    expect(parseScenario('fail:10.0.0.2', 900)).toMatchObject({
      kind: 'fail-return',
      server: '10.0.0.2',
      atSeconds: 300,
      untilSeconds: 600,
    });
    expect(parseScenario('fail:10.0.0.2:3306@10-20', 900)).toMatchObject({
      server: '10.0.0.2:3306',
      atSeconds: 10,
      untilSeconds: 20,
    });
    expect(parseScenario('weight:10.0.0.1=5@30', 900)).toMatchObject({
      kind: 'weight-change',
      weight: 5,
      atSeconds: 30,
    });
    expect(parseScenario('crowd:x4@100+30', 900)).toMatchObject({
      kind: 'flash-crowd',
      factor: 4,
      atSeconds: 100,
      untilSeconds: 130,
    });
    expect(parseScenario('add:10.0.0.9=0.5', 900)).toMatchObject({
      kind: 'add-server',
      server: '10.0.0.9',
      capacity: 0.5,
    });
  });

  it('say what is wrong, with the text escaped and bounded', () => {
    const err = (t: string) => {
      const r = parseScenario(t, 900);
      return 'error' in r ? r.error : '';
    };
    expect(err('fail:10.0.0.2@600-300')).toMatch(/not after the failure/);
    expect(err('fail:10.0.0.2@100-1000')).toMatch(/outside the 900 s replayed/);
    expect(err('weight:10.0.0.1=70000')).toMatch(/above ipvsadm's 65535/);
    expect(err('crowd:3')).toMatch(/want crowd:xN/);
    expect(err('fail:not-an-address')).toMatch(/want fail:SERVER/);
    expect(err('boom')).toMatch(/want fail:SERVER, weight/);
    expect(err('x\u0007:y')).toContain('\\x07');
    expect(err(`fail:${'9'.repeat(500)}`).length).toBeLessThan(200);
  });
});

class Capture extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('the progress bar', () => {
  afterEach(() => vi.useRealTimers());

  it('appears only on a terminal, not for JSON or --quiet', () => {
    expect(ProgressBar.wanted(new Capture(true), 'text', false)).toBe(true);
    expect(ProgressBar.wanted(new Capture(false), 'text', false)).toBe(false);
    expect(ProgressBar.wanted(new Capture(true), 'json', false)).toBe(false);
    expect(ProgressBar.wanted(new Capture(true), 'text', true)).toBe(false);
  });

  it('waits a second, then draws, and erases itself', () => {
    vi.useFakeTimers();
    const tty = new Capture(true);
    const bar = new ProgressBar(tty, true, 'recommend');
    bar.update(1, 10);
    expect(tty.text).toBe('');
    vi.advanceTimersByTime(1500);
    bar.update(5, 10);
    expect(tty.text).toMatch(/^\rrecommend \[#{15}\.{15}\] 5\/10 replays, 2 s$/);
    bar.done();
    expect(tty.text.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('draws nothing when not wanted', () => {
    vi.useFakeTimers();
    const stream = new Capture(false);
    const bar = new ProgressBar(stream, false, 'recommend');
    vi.advanceTimersByTime(5000);
    bar.update(5, 10);
    bar.done();
    expect(stream.text).toBe('');
  });
});

function candidate(score: number, p99: Outcome['delayP99Ms'], peak: number, above100 = 0): CandidateResult {
  const spread = { peakToMean: 1.2, minToMax: 0.8, cv: 0.1, jain: 0.99 };
  return {
    rank: 1,
    name: 'x',
    weights: 'current',
    evaluated: 1,
    config: { scheduler: 'wrr', flags: [], persistenceSeconds: 0, servers: [] },
    outcome: {
      peakUtilisation: peak,
      worstWindowUtilisation: peak,
      utilisation: spread,
      newConnections: spread,
      concurrency: spread,
      above80Seconds: 0,
      above100Seconds: above100,
      delayP50Ms: 0,
      delayP99Ms: p99,
      queueModel: 'M/M/c',
      dropped: 0,
      score,
      servers: [],
    },
  };
}

describe('the gain the verdict weighs', () => {
  it('is the p99 for latency, the peak when the delays differ by under 1 ms', () => {
    expect(primaryImprovement(candidate(5, 180, 0.97), candidate(3, 40, 0.71), 'latency').gain).toBeCloseTo(
      140 / 180,
    );
    expect(primaryImprovement(candidate(5, 0.4, 0.8), candidate(3, 0.1, 0.6), 'latency')).toEqual({
      gain: expect.closeTo(0.25) as number,
      figure: 'peak utilisation',
    });
    expect(primaryImprovement(candidate(5, 'overloaded', 1.2, 30), candidate(3, 10, 0.9), 'latency')).toEqual(
      {
        gain: 1,
        figure: 'time above 100 %',
      },
    );
    expect(
      primaryImprovement(candidate(5, 'overloaded', 1.2, 40), candidate(3, 'overloaded', 1.1, 10), 'latency')
        .gain,
    ).toBeCloseTo(0.75);
    expect(primaryImprovement(candidate(5, 10, 0.8), candidate(3, 10, 0.4), 'headroom').gain).toBeCloseTo(
      0.5,
    );
  });

  it('is none when the candidate does not score better', () => {
    expect(primaryImprovement(candidate(3, 40, 0.71), candidate(3, 10, 0.5), 'latency').gain).toBe(0);
  });
});
