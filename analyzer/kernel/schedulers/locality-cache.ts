import { bucketOf } from './hash.js';
import type { HashVariant } from './hash.js';

/** IP_VS_LBLC_TAB_BITS / IP_VS_LBLCR_TAB_BITS: 1024 buckets. */
const TAB_BITS = 10;
const TAB_SIZE = 1 << TAB_BITS;
/** Garbage collection runs only above 16 entries per bucket on average. */
const MAX_SIZE = TAB_SIZE * 16;
/** Every 30th tick of the 60 s timer is a full expiration sweep. */
const COUNT_FOR_FULL_EXPIRATION = 30;
/** Above MAX_SIZE, entries idle this long are collected. */
const ENTRY_TIMEOUT_MS = 6 * 60 * 1000;
const CHECK_EXPIRE_INTERVAL_MS = 60 * 1000;

export interface CacheEntry {
  lastuse: number;
  readonly bucket: number;
}

/** How many of the ticks `at`, `at + period`, … fall before `until` (0 when none do). */
function ticksBefore(at: number, until: number, period: number): number {
  if (!(until > at)) return 0;
  if (!Number.isFinite(until)) return Infinity;
  let n = Math.ceil((until - at) / period);
  // Guard the division's rounding: tick n-1 is before `until`, tick n is not.
  while (n > 0 && at + (n - 1) * period >= until) n--;
  while (at + n * period < until) n++;
  return n;
}

/**
 * The index of the first full sweep (ticks firstSweep, firstSweep + 30, …) due at or after
 * `deadline`: the first one that can remove an entry. Infinity when no entry can expire.
 */
function firstSweepAfter(at: number, period: number, deadline: number, firstSweep: number): number {
  if (deadline === Infinity || Number.isNaN(deadline)) return Infinity;
  const notBefore = ticksBefore(at, deadline, period);
  if (notBefore <= firstSweep) return firstSweep;
  const cycles = Math.ceil((notBefore - firstSweep) / COUNT_FOR_FULL_EXPIRATION);
  return firstSweep + cycles * COUNT_FOR_FULL_EXPIRATION;
}

/**
 * The destination-address cache shared by lblc and lblcr, keyed by the packet's destination
 * address, with the kernel's garbage collection: a 60 s timer; every 30th tick removes entries
 * idle for `expiration`; on other ticks, only when the (kernel-counted) entry number exceeds
 * 16384, entries idle ≥ 6 min are removed bucket by bucket from a rotating start until the goal
 * is met. Bucket positions only matter for that second path.
 */
class LocalityCache<E extends CacheEntry> {
  private readonly map = new Map<string, E>();
  /** The kernel's `entries` counter; lblc over-counts it when it replaces an entry. */
  counted = 0;
  private rover = 0;
  private counter = 1;

  /** `expirationMs` is asked at each full sweep: the sysctl may change while the cache lives. */
  constructor(
    private readonly variant: HashVariant,
    private readonly expirationMs: () => number,
    private readonly onRemove: (entry: E) => void,
  ) {}

  get(key: string): E | undefined {
    return this.map.get(key);
  }

  bucketFor(daddrFold: number): number {
    return bucketOf(this.variant, daddrFold, TAB_BITS);
  }

  /** Hashes a new entry in (kernel: hlist_add_head + entries++). */
  insert(key: string, entry: E): void {
    this.map.set(key, entry);
    this.counted++;
  }

  clear(): void {
    for (const entry of this.map.values()) this.onRemove(entry);
    this.map.clear();
    this.counted = 0;
  }

  tick(now: number): void {
    if (this.counter % COUNT_FOR_FULL_EXPIRATION === 0) {
      const expirationMs = this.expirationMs();
      for (const [key, entry] of this.map) {
        if (now < entry.lastuse + expirationMs) continue;
        this.remove(key, entry);
      }
      this.counter = 1;
      return;
    }
    if (this.counted <= MAX_SIZE) {
      this.counter++;
      return;
    }
    let goal = Math.trunc(((this.counted - MAX_SIZE) * 4) / 3);
    if (goal > MAX_SIZE / 2) goal = MAX_SIZE / 2;
    const buckets = new Map<number, [string, E][]>();
    for (const item of this.map) {
      const list = buckets.get(item[1].bucket);
      if (list) list.push(item);
      else buckets.set(item[1].bucket, [item]);
    }
    let j = this.rover;
    for (let i = 0; i < TAB_SIZE; i++) {
      j = (j + 1) & (TAB_SIZE - 1);
      for (const [key, entry] of buckets.get(j) ?? []) {
        if (now < entry.lastuse + ENTRY_TIMEOUT_MS) continue;
        this.remove(key, entry);
        goal--;
      }
      if (goal <= 0) break;
    }
    this.rover = j;
  }

  /**
   * Given the next tick due at `at` (ticks then every `period`), skips the ticks before `now` that
   * cannot change anything, counting them as the kernel's timer would, and returns when the next
   * tick must really run: one that can remove an entry, or the first at or after `now`. Between
   * two such ticks only the counter moves, so a long gap costs nothing. A tick can remove an entry
   * only if it is a full sweep past the oldest entry's expiration, or a partial one (above
   * MAX_SIZE) past its 6 minute timeout. Entries change only when packets are scheduled, which
   * happens at or after `now`.
   */
  nextTick(at: number, now: number, period: number): number {
    const remaining = ticksBefore(at, now, period);
    if (remaining === 0) return at;
    let oldest = Infinity;
    for (const entry of this.map.values()) if (entry.lastuse < oldest) oldest = entry.lastuse;
    const firstSweep = COUNT_FOR_FULL_EXPIRATION - this.counter;
    let effective = firstSweepAfter(at, period, oldest + this.expirationMs(), firstSweep);
    if (this.counted > MAX_SIZE) {
      let partial = ticksBefore(at, oldest + ENTRY_TIMEOUT_MS, period);
      if (partial >= firstSweep && (partial - firstSweep) % COUNT_FOR_FULL_EXPIRATION === 0) partial++;
      effective = Math.min(effective, partial);
    }
    const skip = Math.min(effective, remaining);
    if (skip === 0 || skip === Infinity) return at;
    this.counter = ((this.counter - 1 + skip) % COUNT_FOR_FULL_EXPIRATION) + 1;
    return at + skip * period;
  }

  private remove(key: string, entry: E): void {
    this.map.delete(key);
    this.counted--;
    this.onRemove(entry);
  }
}

/**
 * What lblc and lblcr share around their cache: its 60 s garbage-collection timer, nothing to do
 * on dest changes (entries keep pointing at deleted dests until they expire), and done_service.
 */
export abstract class LocalityScheduler<E extends CacheEntry> {
  readonly periodMs = CHECK_EXPIRE_INTERVAL_MS;
  protected readonly cache: LocalityCache<E>;

  /** `expirationMs` is read at each full sweep, like the kernel's sysctl. */
  constructor(variant: HashVariant, expirationMs: () => number, onRemove: (entry: E) => void) {
    this.cache = new LocalityCache<E>(variant, expirationMs, onRemove);
  }

  onUpdate(): void {}

  tick(now: number): void {
    this.cache.tick(now);
  }

  nextTick(at: number, now: number): number {
    return this.cache.nextTick(at, now, this.periodMs);
  }

  release(): void {
    this.cache.clear();
  }
}
