/**
 * Space-Saving heavy-hitter counter (Metwally et al., 2005) over a min-heap: memory is bounded by
 * `capacity` whatever the number of distinct keys. Counts are exact while at most `capacity`
 * distinct keys were seen; beyond that each count is an upper bound, off by at most its `overcount`.
 */
export class TopK<K extends string | number> {
  private readonly position = new Map<K, number>();
  private readonly keys: K[] = [];
  private readonly counts: number[] = [];
  private readonly overcounts: number[] = [];

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`TopK capacity must be >= 1, got ${capacity}`);
  }

  add(key: K): void {
    const at = this.position.get(key);
    if (at !== undefined) {
      this.counts[at]!++;
      this.siftDown(at);
      return;
    }
    if (this.keys.length < this.capacity) {
      this.keys.push(key);
      this.counts.push(1);
      this.overcounts.push(0);
      this.position.set(key, this.keys.length - 1);
      this.siftUp(this.keys.length - 1);
      return;
    }
    // Evict the smallest: the newcomer inherits its count, which bounds the newcomer's error.
    const floor = this.counts[0]!;
    this.position.delete(this.keys[0]!);
    this.keys[0] = key;
    this.counts[0] = floor + 1;
    this.overcounts[0] = floor;
    this.position.set(key, 0);
    this.siftDown(0);
  }

  /** The `n` largest, largest first (ties by key, so the output is stable). */
  top(n: number): { key: K; count: number; overcount: number }[] {
    return this.keys
      .map((key, i) => ({ key, count: this.counts[i]!, overcount: this.overcounts[i]! }))
      .sort((a, b) => b.count - a.count || String(a.key).localeCompare(String(b.key)))
      .slice(0, n);
  }

  private swap(a: number, b: number): void {
    const key = this.keys[a]!;
    const count = this.counts[a]!;
    const overcount = this.overcounts[a]!;
    this.keys[a] = this.keys[b]!;
    this.counts[a] = this.counts[b]!;
    this.overcounts[a] = this.overcounts[b]!;
    this.keys[b] = key;
    this.counts[b] = count;
    this.overcounts[b] = overcount;
    this.position.set(this.keys[a], a);
    this.position.set(key, b);
  }

  private siftUp(at: number): void {
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (this.counts[parent]! <= this.counts[at]!) return;
      this.swap(at, parent);
      at = parent;
    }
  }

  private siftDown(at: number): void {
    const size = this.keys.length;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let smallest = at;
      if (left < size && this.counts[left]! < this.counts[smallest]!) smallest = left;
      if (right < size && this.counts[right]! < this.counts[smallest]!) smallest = right;
      if (smallest === at) return;
      this.swap(at, smallest);
      at = smallest;
    }
  }
}
