/**
 * What the pool does for callers that only measure (keep: no picks, no series): the engine writes
 * picks and series to per-thread scratch memory, and the measures must be exactly those of a
 * replay that keeps everything, also when the scratch was left dirty by another candidate. Each
 * outcome carries the CPU time of the thread that computed it.
 */
import { describe, expect, it } from 'vitest';
import { candidate } from '../../../analyzer/replay/candidate.js';
import { replayCandidate } from '../../../analyzer/replay/engine.js';
import { prepareTimeline } from '../../../analyzer/replay/events.js';
import { type ReplayRequest, runRequest } from '../../../analyzer/replay/pool.js';
import { parseThreadStat, threadCpuMs } from '../../../analyzer/replay/thread-cpu.js';
import { testTimeline } from './support.js';

const t = testTimeline(33);
const p = prepareTimeline(t);
const servers = (net: string, port: number, weights: number[]) =>
  weights.map((w, i) => ({ server: `${net}.${i + 1}:${port}`, weight: w, forward: 'masq' as const }));
const request = (s: 'wlc' | 'wrr' | 'sh', weights: number[]): ReplayRequest => ({
  candidate: candidate(t, [
    { scheduler: s, servers: servers('10.0.1', 80, weights) },
    { scheduler: s, persistenceS: 90, servers: servers('10.0.2', 8443, weights) },
    { scheduler: s, servers: servers('10.0.3', 8080, weights) },
  ]),
  options: { stepMs: 1000 },
  measures: {
    capacities: { '10.0.1.1': { relative: 1, workers: 8 }, '10.0.1.2': { relative: 0.5, workers: 4 } },
    series: true,
  },
});

describe('measure-only requests', () => {
  const requests = [request('wlc', [3, 2, 1]), request('wrr', [1, 1, 5]), request('sh', [2, 2, 2])];
  const full = requests.map((r) => runRequest(p, r));

  it('measure exactly like a replay that keeps its picks and series, scratch reused between them', () => {
    // Twice over, so every candidate but the first starts on scratch another one left dirty.
    for (let round = 0; round < 2; round++) {
      requests.forEach((r, i) => {
        const lean = runRequest(p, { ...r, keep: { picks: false, series: false } });
        expect(lean.result.picks).toBeNull();
        expect(lean.result.active).toBeNull();
        expect(lean.measures).toEqual(full[i]?.measures);
        expect(lean.result.conns).toEqual(full[i]?.result.conns);
        expect(lean.result.dropped).toBe(full[i]?.result.dropped);
      });
    }
  });

  it('scratch series hold the same values as fresh ones until the next replay', () => {
    const cand = (requests[1] as ReplayRequest).candidate;
    const fresh = replayCandidate(p, cand, { stepMs: 1000 });
    const scratch = replayCandidate(p, cand, { stepMs: 1000, scratchSeries: true });
    expect(Array.from(scratch.active ?? [])).toEqual(Array.from(fresh.active ?? []));
    expect(Array.from(scratch.inactive ?? [])).toEqual(Array.from(fresh.inactive ?? []));
    expect(Array.from(scratch.arrivals ?? [])).toEqual(Array.from(fresh.arrivals ?? []));
    expect(fresh.active?.some((x) => x > 0)).toBe(true);
  });

  it('carry the CPU time of the thread (Linux: whole clock ticks of 10 ms)', () => {
    const o = full[0];
    expect(typeof o?.cpuMs).toBe('number');
    expect((o?.cpuMs as number) % 10).toBe(0);
    // Busy until this thread's counter moves by 50 ms (bounded: 10 s of wall on a loaded machine);
    // the process, which includes this thread, must have used at least as much.
    const before = threadCpuMs() as number;
    const process0 = process.cpuUsage();
    const until = Date.now() + 10_000;
    let now = before;
    while (now - before < 50 && Date.now() < until) now = threadCpuMs() as number;
    const used = process.cpuUsage(process0);
    const processMs = (used.user + used.system) / 1000;
    expect(now - before).toBeGreaterThanOrEqual(50);
    expect(processMs).toBeGreaterThanOrEqual(now - before - 20);
  });
});

describe('parseThreadStat', () => {
  it('reads utime + stime after a command name with spaces and parentheses', () => {
    const line = '4242 (node (w) 1) R 1 2 3 4 5 6 7 8 9 10 17 4 0 0 20 0 9 0 100 200 300\n';
    expect(parseThreadStat(line)).toBe((17 + 4) * 10);
  });

  it('gives null for malformed text', () => {
    expect(parseThreadStat('')).toBeNull();
    expect(parseThreadStat('12 (x) R 1 2')).toBeNull();
    expect(parseThreadStat('12 (x) R 1 2 3 4 5 6 7 8 9 10 a b')).toBeNull();
  });
});
