/** Something with a kernel timer: a connection, a template, a scheduler's periodic check. */
export interface Timed {
  /** When it is due; Infinity = not armed. */
  expiresAt: number;
  /** Time of its earliest pending queue entry; Infinity = none. */
  queuedAt: number;
  fire(now: number): void;
}

/**
 * Time-ordered timer queue (binary min-heap on time, then insertion order). Re-arming to a
 * later time pushes nothing: the pending entry fires early, sees the new expiry and re-queues
 * itself, so a connection's many re-arms cost one heap entry most of the time.
 */
export class TimerQueue {
  private times: number[] = [];
  private seqs: number[] = [];
  private items: Timed[] = [];
  private seq = 0;

  arm(item: Timed, at: number): void {
    item.expiresAt = at;
    if (at < item.queuedAt) this.push(item, at);
  }

  cancel(item: Timed): void {
    item.expiresAt = Infinity;
  }

  /** Fires, in time order, everything due strictly before `now` (timers never run early). */
  runUntil(now: number): void {
    while (this.items.length > 0 && (this.times[0] ?? Infinity) < now) {
      const at = this.times[0] ?? 0;
      const item = this.pop();
      if (item.queuedAt !== at) continue;
      item.queuedAt = Infinity;
      if (item.expiresAt > at) {
        if (item.expiresAt !== Infinity) this.push(item, item.expiresAt);
        continue;
      }
      item.expiresAt = Infinity;
      item.fire(at);
    }
  }

  private push(item: Timed, at: number): void {
    item.queuedAt = at;
    const seq = this.seq++;
    let i = this.items.length;
    this.times.push(at);
    this.seqs.push(seq);
    this.items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!precedes(at, seq, this.times[parent] ?? 0, this.seqs[parent] ?? 0)) break;
      this.move(parent, i);
      i = parent;
    }
    this.set(i, at, seq, item);
  }

  private pop(): Timed {
    const top = this.items[0] as Timed;
    const at = this.times.pop() ?? 0;
    const seq = this.seqs.pop() ?? 0;
    const item = this.items.pop() as Timed;
    const n = this.items.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c =
        r < n && precedes(this.times[r] ?? 0, this.seqs[r] ?? 0, this.times[l] ?? 0, this.seqs[l] ?? 0)
          ? r
          : l;
      if (!precedes(this.times[c] ?? 0, this.seqs[c] ?? 0, at, seq)) break;
      this.move(c, i);
      i = c;
    }
    this.set(i, at, seq, item);
    return top;
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from] ?? 0;
    this.seqs[to] = this.seqs[from] ?? 0;
    this.items[to] = this.items[from] as Timed;
  }

  private set(i: number, at: number, seq: number, item: Timed): void {
    this.times[i] = at;
    this.seqs[i] = seq;
    this.items[i] = item;
  }
}

function precedes(at: number, seq: number, otherAt: number, otherSeq: number): boolean {
  return at < otherAt || (at === otherAt && seq < otherSeq);
}
