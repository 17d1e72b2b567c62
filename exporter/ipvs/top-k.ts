/**
 * Space-Saving heavy-hitter counter (Metwally et al., 2005) over a min-heap: memory is bounded by
 * `capacity` whatever the number of distinct keys. Counts are exact while at most `capacity`
 * distinct keys were seen; beyond that each count is an upper bound, off by at most its `overcount`.
 *
 * With many more distinct keys than capacity (50,000 clients, 1,024 tracked) nearly every add
 * evicts the minimum and sifts the newcomer down the heap. So a key keeps one slot for as long as
 * it is tracked, the heap orders slot numbers in typed arrays, and the key → slot map changes only
 * on eviction, never on the sift's swaps.
 */
export class TopK<K extends string | number> {
  private readonly slotOf = new Map<K, number>();
  private readonly keys: K[] = [];
  private readonly counts: Int32Array;
  private readonly overcounts: Int32Array;
  /** The min-heap of slots, by count. */
  private readonly heap: Int32Array;
  /** Where each slot is in the heap. */
  private readonly heapIndex: Int32Array;
  private size = 0;

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`TopK capacity must be >= 1, got ${capacity}`);
    this.counts = new Int32Array(capacity);
    this.overcounts = new Int32Array(capacity);
    this.heap = new Int32Array(capacity);
    this.heapIndex = new Int32Array(capacity);
  }

  add(key: K): void {
    const slot = this.slotOf.get(key);
    if (slot !== undefined) {
      this.counts[slot]!++;
      this.siftDown(this.heapIndex[slot]!);
      return;
    }
    if (this.size < this.capacity) {
      const fresh = this.size++;
      this.keys.push(key);
      this.counts[fresh] = 1;
      this.overcounts[fresh] = 0;
      this.heap[fresh] = fresh;
      this.heapIndex[fresh] = fresh;
      this.slotOf.set(key, fresh);
      this.siftUp(fresh);
      return;
    }
    // Evict the smallest: the newcomer inherits its count, which bounds the newcomer's error.
    const evicted = this.heap[0]!;
    const floor = this.counts[evicted]!;
    this.slotOf.delete(this.keys[evicted]!);
    this.keys[evicted] = key;
    this.counts[evicted] = floor + 1;
    this.overcounts[evicted] = floor;
    this.slotOf.set(key, evicted);
    this.siftDown(0);
  }

  /** The `n` largest, largest first (ties by key, so the output is stable). */
  top(n: number): { key: K; count: number; overcount: number }[] {
    return this.keys
      .map((key, slot) => ({ key, count: this.counts[slot]!, overcount: this.overcounts[slot]! }))
      .sort((a, b) => b.count - a.count || String(a.key).localeCompare(String(b.key)))
      .slice(0, n);
  }

  private countAt(at: number): number {
    return this.counts[this.heap[at]!]!;
  }

  private swap(a: number, b: number): void {
    const slotA = this.heap[a]!;
    const slotB = this.heap[b]!;
    this.heap[a] = slotB;
    this.heap[b] = slotA;
    this.heapIndex[slotB] = a;
    this.heapIndex[slotA] = b;
  }

  private siftUp(at: number): void {
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (this.countAt(parent) <= this.countAt(at)) return;
      this.swap(at, parent);
      at = parent;
    }
  }

  private siftDown(at: number): void {
    const size = this.size;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let smallest = at;
      if (left < size && this.countAt(left) < this.countAt(smallest)) smallest = left;
      if (right < size && this.countAt(right) < this.countAt(smallest)) smallest = right;
      if (smallest === at) return;
      this.swap(at, smallest);
      at = smallest;
    }
  }
}
