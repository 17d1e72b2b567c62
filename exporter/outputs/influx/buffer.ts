/**
 * Bounded FIFO of points waiting for InfluxDB. When full, the oldest points go first (recent
 * history is worth more once the backend returns), and every eviction is counted by the caller.
 * Points are taken out for a write and put back at the front if it fails, so at most `capacity`
 * points wait plus one batch in flight.
 */
export class PointBuffer<T> {
  private items: T[] = [];
  private head = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** Appends points, evicting the oldest beyond capacity; returns how many were evicted. */
  push(points: readonly T[]): number {
    for (const point of points) this.items.push(point);
    return this.trim();
  }

  /** Removes and returns up to `count` of the oldest points. */
  take(count: number): T[] {
    const batch = this.items.slice(this.head, this.head + count);
    this.head += batch.length;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  /** Returns a batch that could not be written to the front; returns how many were evicted. */
  putBack(batch: readonly T[]): number {
    this.items = [...batch, ...this.items.slice(this.head)];
    this.head = 0;
    return this.trim();
  }

  private trim(): number {
    const excess = this.size - this.capacity;
    if (excess <= 0) return 0;
    this.head += excess;
    this.items = this.items.slice(this.head);
    this.head = 0;
    return excess;
  }
}
