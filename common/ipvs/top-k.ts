/**
 * Space-Saving heavy-hitter counter (Metwally et al., 2005) on its Stream-Summary structure:
 * memory is bounded by `capacity` whatever the number of distinct keys, and every add is O(1).
 * Counts are exact while at most `capacity` distinct keys were seen; beyond that each count is an
 * upper bound, off by at most its `overcount`.
 *
 * Slots (tracked keys) with the same count share a bucket; buckets form a list in increasing
 * count, so the minimum to evict is the head bucket and an increment moves a slot to the next
 * bucket (or a new one right after its own). Links are indexes in typed arrays; a slot keeps its
 * index while tracked, so the key → slot map changes only on eviction.
 */
const NONE = -1;

export class TopK<K extends string | number> {
  private readonly slotOf = new Map<K, number>();
  private readonly keys: K[] = [];
  private readonly overcounts: Int32Array;
  private readonly slotBucket: Int32Array;
  private readonly slotPrev: Int32Array;
  private readonly slotNext: Int32Array;
  private readonly bucketCount: Int32Array;
  private readonly bucketHead: Int32Array;
  private readonly bucketNext: Int32Array;
  private readonly bucketPrev: Int32Array;
  /** Unused buckets, chained through bucketNext. */
  private freeBucket = 0;
  /** The bucket of the smallest count. */
  private minBucket = NONE;
  private size = 0;

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`TopK capacity must be >= 1, got ${capacity}`);
    this.overcounts = new Int32Array(capacity);
    this.slotBucket = new Int32Array(capacity);
    this.slotPrev = new Int32Array(capacity);
    this.slotNext = new Int32Array(capacity);
    this.bucketCount = new Int32Array(capacity);
    this.bucketHead = new Int32Array(capacity);
    this.bucketPrev = new Int32Array(capacity);
    this.bucketNext = new Int32Array(capacity);
    for (let bucket = 0; bucket < capacity; bucket++) this.bucketNext[bucket] = bucket + 1;
    this.bucketNext[capacity - 1] = NONE;
  }

  add(key: K): void {
    const slot = this.slotOf.get(key);
    if (slot !== undefined) {
      this.increment(slot);
      return;
    }
    if (this.size < this.capacity) {
      const fresh = this.size++;
      this.keys.push(key);
      this.overcounts[fresh] = 0;
      this.slotOf.set(key, fresh);
      let bucket = this.minBucket;
      if (bucket === NONE || this.bucketCount[bucket] !== 1) bucket = this.newBucket(1, NONE, bucket);
      this.attach(fresh, bucket);
      return;
    }
    // Evict one key of the smallest count: the newcomer inherits that count, which bounds its error.
    const evicted = this.bucketHead[this.minBucket]!;
    this.slotOf.delete(this.keys[evicted]!);
    this.keys[evicted] = key;
    this.overcounts[evicted] = this.bucketCount[this.minBucket]!;
    this.slotOf.set(key, evicted);
    this.increment(evicted);
  }

  /** The `n` largest, largest first (ties by key, so the output is stable). */
  top(n: number): { key: K; count: number; overcount: number }[] {
    return this.keys
      .map((key, slot) => ({
        key,
        count: this.bucketCount[this.slotBucket[slot]!]!,
        overcount: this.overcounts[slot]!,
      }))
      .sort((a, b) => b.count - a.count || String(a.key).localeCompare(String(b.key)))
      .slice(0, n);
  }

  private increment(slot: number): void {
    const from = this.slotBucket[slot]!;
    const count = this.bucketCount[from]! + 1;
    let to = this.bucketNext[from]!;
    if (to === NONE || this.bucketCount[to] !== count) {
      // Alone in its bucket: the bucket itself moves up, still in order. This also keeps the
      // number of buckets at most the number of slots.
      if (this.slotPrev[slot] === NONE && this.slotNext[slot] === NONE) {
        this.bucketCount[from] = count;
        return;
      }
      to = this.newBucket(count, from, to);
    }
    this.detach(slot);
    this.attach(slot, to);
  }

  /** A bucket for `count` linked between `prev` and `next` (either may be NONE). */
  private newBucket(count: number, prev: number, next: number): number {
    const bucket = this.freeBucket;
    this.freeBucket = this.bucketNext[bucket]!;
    this.bucketCount[bucket] = count;
    this.bucketHead[bucket] = NONE;
    this.bucketPrev[bucket] = prev;
    this.bucketNext[bucket] = next;
    if (prev === NONE) this.minBucket = bucket;
    else this.bucketNext[prev] = bucket;
    if (next !== NONE) this.bucketPrev[next] = bucket;
    return bucket;
  }

  private attach(slot: number, bucket: number): void {
    const head = this.bucketHead[bucket]!;
    this.slotBucket[slot] = bucket;
    this.slotPrev[slot] = NONE;
    this.slotNext[slot] = head;
    if (head !== NONE) this.slotPrev[head] = slot;
    this.bucketHead[bucket] = slot;
  }

  /** Unlinks the slot from its bucket, and frees the bucket when it empties. */
  private detach(slot: number): void {
    const bucket = this.slotBucket[slot]!;
    const prev = this.slotPrev[slot]!;
    const next = this.slotNext[slot]!;
    if (prev === NONE) this.bucketHead[bucket] = next;
    else this.slotNext[prev] = next;
    if (next !== NONE) this.slotPrev[next] = prev;
    if (this.bucketHead[bucket] !== NONE) return;
    const before = this.bucketPrev[bucket]!;
    const after = this.bucketNext[bucket]!;
    if (before === NONE) this.minBucket = after;
    else this.bucketNext[before] = after;
    if (after !== NONE) this.bucketPrev[after] = before;
    this.bucketNext[bucket] = this.freeBucket;
    this.freeBucket = bucket;
  }
}
