/**
 * What every history needs before it can be measured, whichever store it came from: counter
 * increments that survive resets and failovers, gaps, real servers appearing and disappearing,
 * weight changes and a change of the sampling interval, each decided here once and said as a
 * HistoryNote.
 */
import { formatEndpoint } from '../../../common/net/ip.js';
import { serviceText } from '../../../common/ipvs/vocabulary.js';
import type { History, HistoryNote } from './model.js';

/** A counter's growth over one interval between two observations of the same director. */
export interface Increment {
  readonly from: number;
  readonly to: number;
  readonly delta: number;
}

/** An interval this many times the typical one is a gap (a scrape or two lost is not). */
const GAP_FACTOR = 3;

interface Counted {
  readonly t: number;
  readonly director: string;
}

/**
 * Increments of a cumulative counter. A decrease is a reset (the counter restarted from zero
 * within the interval: the increment is the new value, as Prometheus's rate() takes it); two
 * observations from different directors are never differenced (a failover is not traffic).
 */
export function increments<T extends Counted>(
  observations: readonly T[],
  value: (observation: T) => number | undefined,
  onReset?: (at: number, before: number, after: number) => void,
): Increment[] {
  const out: Increment[] = [];
  let previous: { t: number; director: string; value: number } | undefined;
  for (const o of observations) {
    const v = value(o);
    if (v === undefined) continue;
    if (previous && previous.director === o.director && o.t > previous.t) {
      const reset = v < previous.value;
      if (reset) onReset?.(o.t, previous.value, v);
      out.push({ from: previous.t, to: o.t, delta: reset ? v : v - previous.value });
    }
    previous = { t: o.t, director: o.director, value: v };
  }
  return out;
}

/** The median interval between consecutive observations (ms), 0 with fewer than two. */
export function typicalInterval(times: readonly number[]): number {
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) gaps.push(times[i]! - times[i - 1]!);
  if (gaps.length === 0) return 0;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)]!;
}

const at = (t: number) => new Date(t).toISOString();
const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/**
 * The notes a history's shape calls for: gaps, a change of sampling interval, real servers that
 * appeared or disappeared, weight changes and counter resets. Pure: the history is not changed.
 */
export function shapeNotes(history: History): HistoryNote[] {
  const notes: HistoryNote[] = [];
  for (const service of history.services) {
    const name = serviceText(service.key);
    const present = service.observations.filter((o) => !o.absent);
    const times = present.map((o) => o.t);
    // Each director samples on its own clock: intervals are measured per director.
    const byDirector = new Map<string, number[]>();
    for (const o of present) {
      const list = byDirector.get(o.director) ?? [];
      list.push(o.t);
      byDirector.set(o.director, list);
    }
    for (const [director, own] of byDirector) {
      const label = byDirector.size > 1 ? `${name} on ${director}` : name;
      notes.push(...intervalNotes(own, typicalInterval(own), label));
    }
    const interval = Math.max(0, ...[...byDirector.values()].map(typicalInterval));
    const first = times[0];
    const last = times.at(-1);
    for (const d of service.destinations) {
      const server = `${formatEndpoint(d.addr, d.port)} of ${name}`;
      const seen = d.observations;
      const firstSeen = seen[0]?.t;
      const lastSeen = seen.at(-1)?.t;
      if (firstSeen !== undefined && first !== undefined && firstSeen > first + interval / 2) {
        notes.push({
          kind: 'appeared',
          t: firstSeen,
          message: `real server ${server} appeared at ${at(firstSeen)}`,
        });
      }
      if (lastSeen !== undefined && last !== undefined && lastSeen < last - interval / 2) {
        notes.push({
          kind: 'disappeared',
          t: lastSeen,
          message: `real server ${server} was last seen at ${at(lastSeen)}`,
        });
      }
      for (let i = 1; i < seen.length; i++) {
        const before = seen[i - 1]!;
        const now = seen[i]!;
        if (before.weight !== undefined && now.weight !== undefined && before.weight !== now.weight) {
          notes.push({
            kind: 'weight-change',
            t: now.t,
            message: `weight of ${server}: ${before.weight} → ${now.weight} at ${at(now.t)}`,
          });
        }
      }
      increments(
        seen,
        (o) => o.counters?.conns,
        (t, before, after) =>
          notes.push({
            kind: 'counter-reset',
            t,
            message: `connection counter of ${server} went ${before} → ${after} at ${at(t)} (zeroed or restarted): counted from 0`,
          }),
      );
    }
  }
  return notes;
}

function intervalNotes(times: readonly number[], interval: number, name: string): HistoryNote[] {
  const notes: HistoryNote[] = [];
  if (interval <= 0) return notes;
  let current = interval;
  let run = 0;
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!;
    if (gap > GAP_FACTOR * current) {
      notes.push({
        kind: 'gap',
        t: times[i - 1]!,
        message: `${name}: no observation for ${seconds(gap)} after ${at(times[i - 1]!)} (typical interval ${seconds(current)})`,
      });
      continue;
    }
    // Three intervals in a row at least 1.5 times longer or shorter: the sampling interval changed.
    const changed = gap > 1.5 * current || gap < current / 1.5;
    run = changed ? run + 1 : 0;
    if (run === 3) {
      const next = times[i]! - times[i - 1]!;
      notes.push({
        kind: 'interval-change',
        t: times[i - 3]!,
        message: `${name}: sampling interval changed from ${seconds(current)} to ${seconds(next)} at ${at(times[i - 3]!)}`,
      });
      current = next;
      run = 0;
    }
  }
  return notes;
}
