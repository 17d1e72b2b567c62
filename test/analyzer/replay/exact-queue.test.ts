/**
 * The replay's calendar timer queue against the Director's own TimerQueue (a heap): the same
 * arms at the same times fire the same items at the same times in the same order, ties
 * included, also for timers beyond the ring (pushed to its far heap and moved in later) and
 * across a reset.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExactQueue } from '../../../analyzer/replay/exact-queue.js';
import { type Timed, TimerQueue } from '../../../analyzer/kernel/timers.js';

/** One step: move time on by `dt`, then arm item `item` (mod the items made) `delay` ahead. */
interface Step {
  readonly dt: number;
  readonly item: number;
  readonly delay: number;
  readonly rearmOnFire: number;
}

const RING_MS = 2 ** 20;

const step = fc.record({
  dt: fc.oneof(
    { weight: 4, arbitrary: fc.constant(0) },
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 50 }) },
    fc.integer({ min: 51, max: 3 * RING_MS }),
  ),
  item: fc.nat(63),
  delay: fc.oneof(
    fc.constantFrom(0, 1, 60_000, 120_000, 900_000),
    fc.integer({ min: 0, max: 200 }),
    fc.integer({ min: RING_MS - 5, max: RING_MS + 5 }),
    fc.integer({ min: 0, max: 4 * RING_MS }),
  ),
  // Some fired items re-arm themselves, as a template with controlled connections does.
  rearmOnFire: fc.oneof(fc.constant(-1), fc.constantFrom(0, 1, 60_000, RING_MS + 1)),
});

type Fired = [item: number, at: number];

function viaTimerQueue(steps: readonly Step[], items: number): Fired[] {
  const q = new TimerQueue();
  const fired: Fired[] = [];
  const timed: Timed[] = [];
  for (let i = 0; i < items; i++) {
    const t: Timed = {
      expiresAt: Infinity,
      queuedAt: Infinity,
      fire: (at) => {
        fired.push([i, at]);
        const again = steps[i % steps.length]?.rearmOnFire ?? -1;
        if (again >= 0 && fired.length < 2_000) q.arm(t, at + again);
      },
    };
    timed.push(t);
  }
  let now = 0;
  for (const s of steps) {
    now += s.dt;
    q.runUntil(now);
    q.arm(timed[s.item % items] as Timed, now + s.delay);
  }
  q.runUntil(now + 10 * RING_MS);
  return fired;
}

function viaExactQueue(q: ExactQueue, steps: readonly Step[], items: number): Fired[] {
  const fired: Fired[] = [];
  const ids = Array.from({ length: items }, (_, i) => q.add(i));
  const drain = (now: number) => {
    if (!(q.due() < now)) return;
    for (let id = q.next(now); id >= 0; id = q.next(now)) {
      const i = q.owner[id] as number;
      fired.push([i, q.at]);
      const again = steps[i % steps.length]?.rearmOnFire ?? -1;
      if (again >= 0 && fired.length < 2_000) q.arm(id, q.at + again);
    }
  };
  let now = 0;
  for (const s of steps) {
    now += s.dt;
    drain(now);
    q.arm(ids[s.item % items] as number, now + s.delay);
  }
  drain(now + 10 * RING_MS);
  return fired;
}

describe('ExactQueue (calendar) fires as the kernel model’s TimerQueue (heap)', () => {
  it('same items, same times, same order, ties and far timers included', () => {
    const q = new ExactQueue();
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 64 }),
        (steps, items) => {
          expect(viaExactQueue(q.reset(), steps, items)).toEqual(viaTimerQueue(steps, items));
        },
      ),
      { numRuns: 200, seed: 20261203 },
    );
  });

  it('ties within one millisecond go to the earlier push, also after a far timer moves in', () => {
    const q = new ExactQueue();
    const a = q.add(0);
    const b = q.add(1);
    const c = q.add(2);
    q.arm(a, RING_MS + 10); // beyond the ring: the far heap
    expect(q.next(11)).toBe(-1); // the drain point moves to 11: a (RING_MS − 1 ahead) moves into the ring
    q.arm(b, RING_MS + 10); // the same millisecond, pushed later
    q.arm(c, 30);
    expect(q.due()).toBe(30);
    const order: number[] = [];
    for (let id = q.next(RING_MS + 11); id >= 0; id = q.next(RING_MS + 11)) order.push(q.owner[id] as number);
    expect(order).toEqual([2, 0, 1]);
    expect(q.due()).toBe(Infinity);
  });

  it('refuses a timer before its drain point or between milliseconds', () => {
    const q = new ExactQueue();
    const a = q.add(0);
    q.arm(a, 100);
    expect(q.next(200)).toBe(a);
    expect(q.next(200)).toBe(-1); // drained up to 200
    expect(() => q.arm(a, 150)).toThrow(/timer at 150 ms/);
    expect(() => q.arm(a, 250.5)).toThrow(/timer at 250.5 ms/);
  });
});
