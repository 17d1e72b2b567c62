/**
 * The Director's TimerQueue (kernel/timers.ts) on typed arrays, same rules: arming later than
 * the queued time pushes nothing; a popped entry that is no longer the item's queued one is
 * skipped; one whose item was re-armed later is pushed again at that time; ties go to the
 * earlier push.
 *
 * Timer times are whole milliseconds, so instead of a heap the queue is a calendar: a ring of
 * one slot per millisecond over the next RING_MS from the drain point, each slot a FIFO of its
 * pushes (push order is the tie order), with a bitmap of the non-empty slots to find the next
 * one. A push further ahead than the ring goes to a small (time, seq) heap and moves into its
 * slot as soon as the ring reaches it; every later push to that slot comes after it, as its
 * sequence number does. Each push and pop is O(1) against the heap's O(log n): the replay of a
 * persistent service arms every connection's timer several times.
 */

/** 2^20 ms (17.5 min): the longest TCP timeout (900 s) with room for the drain point's lag. */
const RING_BITS = 20;
const RING_MS = 1 << RING_BITS;
const RING_MASK = RING_MS - 1;
const WORDS = RING_MS >>> 5;

export class ExactQueue {
  /** Per item (ids allocated in creation order, so live items sit close together). */
  private exp = new Float64Array(1024);
  private queued = new Float64Array(1024);
  /** What an item is: an entry (≥ 0) or template k (−1 − k). */
  owner = new Int32Array(1024);
  private items = 0;

  /** Queue nodes: the item and time of one push, and the next node of its slot (-1: none). */
  private nodeItem = new Int32Array(1024);
  private nodeTime = new Float64Array(1024);
  private nodeNext = new Int32Array(1024);
  private nodes = 0;
  /** Freed nodes, as a stack threaded through nodeNext. */
  private free = -1;

  /** Per slot: first and last node (-1: empty); a slot holds the times ≡ slot mod RING_MS. */
  private readonly head = new Int32Array(RING_MS).fill(-1);
  private readonly tail = new Int32Array(RING_MS).fill(-1);
  private readonly used = new Uint32Array(WORDS);
  /** Drain point: nothing earlier is queued; the ring covers [cur, cur + RING_MS). */
  private cur = 0;
  /** Queued nodes in the ring. */
  private inRing = 0;
  /** The earliest queued time, or NaN when it must be looked up. */
  private dueAt = Infinity;

  /** Pushes beyond the ring: a 4-ary min-heap on (time, seq), keys interleaved, nodes apart. */
  private farKeys = new Float64Array(64);
  private farNodes = new Int32Array(32);
  private far = 0;
  private seq = 0;

  /** Time of the entry next() last returned. */
  at = 0;

  /** Empty again, keeping the arrays grown so far (every slot is written before it is read). */
  reset(): this {
    if (this.inRing > 0) {
      this.head.fill(-1);
      this.tail.fill(-1);
      this.used.fill(0);
    }
    this.items = 0;
    this.nodes = 0;
    this.free = -1;
    this.cur = 0;
    this.inRing = 0;
    this.dueAt = Infinity;
    this.far = 0;
    this.seq = 0;
    this.at = 0;
    return this;
  }

  /** The earliest queued time (Infinity when empty). */
  due(): number {
    if (this.dueAt !== this.dueAt) this.dueAt = this.lookUpDue();
    return this.dueAt;
  }

  /** A new item, not armed. */
  add(owner: number): number {
    if (this.items === this.exp.length) {
      const cap = this.items * 2;
      this.exp = grownF64(this.exp, cap);
      this.queued = grownF64(this.queued, cap);
      this.owner = grownI32(this.owner, cap);
    }
    const id = this.items++;
    this.exp[id] = Infinity;
    this.queued[id] = Infinity;
    this.owner[id] = owner;
    return id;
  }

  arm(id: number, at: number): void {
    this.exp[id] = at;
    if (at < (this.queued[id] as number)) this.push(id, at);
  }

  /**
   * The next item due strictly before `now` whose timer fires (its time in `at`), or -1. Stale
   * entries are skipped and re-armed items pushed again, as TimerQueue.runUntil does.
   */
  next(now: number): number {
    for (;;) {
      const at = this.due();
      if (!(at < now)) {
        // Nothing is queued before `now`, and no push comes earlier than the time asked for.
        if (now !== Infinity && now > this.cur) this.moveTo(now);
        return -1;
      }
      this.moveTo(at);
      const id = this.popSlot(at);
      if (this.queued[id] !== at) continue;
      this.queued[id] = Infinity;
      const e = this.exp[id] as number;
      if (e > at) {
        if (e !== Infinity) this.push(id, e);
        continue;
      }
      this.exp[id] = Infinity;
      this.at = at;
      return id;
    }
  }

  private push(id: number, at: number): void {
    if (!Number.isInteger(at) || at < this.cur)
      throw new Error(`replay: timer at ${at} ms (before ${this.cur})`);
    this.queued[id] = at;
    const node = this.newNode(id, at);
    if (at - this.cur < RING_MS) this.append(node, at);
    else this.pushFar(node, at, this.seq);
    this.seq++;
    if (at < this.dueAt) this.dueAt = at;
  }

  private newNode(id: number, at: number): number {
    let node = this.free;
    if (node >= 0) this.free = this.nodeNext[node] as number;
    else {
      if (this.nodes === this.nodeItem.length) {
        const cap = this.nodes * 2;
        this.nodeItem = grownI32(this.nodeItem, cap);
        this.nodeTime = grownF64(this.nodeTime, cap);
        this.nodeNext = grownI32(this.nodeNext, cap);
      }
      node = this.nodes++;
    }
    this.nodeItem[node] = id;
    this.nodeTime[node] = at;
    return node;
  }

  private append(node: number, at: number): void {
    const slot = at & RING_MASK;
    this.nodeNext[node] = -1;
    const last = this.tail[slot] as number;
    if (last < 0) {
      this.head[slot] = node;
      this.used[slot >>> 5] = (this.used[slot >>> 5] as number) | (1 << (slot & 31));
    } else this.nodeNext[last] = node;
    this.tail[slot] = node;
    this.inRing++;
  }

  /** Removes the first node of slot `at` (which must hold one) and returns its item. */
  private popSlot(at: number): number {
    const slot = at & RING_MASK;
    const node = this.head[slot] as number;
    const next = this.nodeNext[node] as number;
    this.head[slot] = next;
    if (next < 0) {
      this.tail[slot] = -1;
      this.used[slot >>> 5] = (this.used[slot >>> 5] as number) & ~(1 << (slot & 31));
      this.dueAt = NaN;
    }
    this.inRing--;
    const id = this.nodeItem[node] as number;
    this.nodeNext[node] = this.free;
    this.free = node;
    return id;
  }

  /** Moves the drain point to `t` (nothing is queued before it) and far pushes into the ring. */
  private moveTo(t: number): void {
    this.cur = t;
    while (this.far > 0 && (this.farKeys[0] as number) - t < RING_MS) {
      const at = this.farKeys[0] as number;
      this.append(this.popFar(), at);
    }
  }

  private lookUpDue(): number {
    if (this.inRing > 0) {
      // The first used slot at or after the drain point; the ring holds nothing before it.
      let slot = this.cur & RING_MASK;
      let w = slot >>> 5;
      let bits = (this.used[w] as number) & (~0 << (slot & 31));
      for (let k = 0; bits === 0 && k <= WORDS; k++) {
        w = (w + 1) & (WORDS - 1);
        bits = this.used[w] as number;
      }
      slot = (w << 5) | (31 - Math.clz32(bits & -bits));
      return this.cur + ((slot - (this.cur & RING_MASK)) & RING_MASK);
    }
    return this.far > 0 ? (this.farKeys[0] as number) : Infinity;
  }

  private pushFar(node: number, at: number, seq: number): void {
    if (this.far === this.farNodes.length) {
      this.farKeys = grownF64(this.farKeys, this.farKeys.length * 2);
      this.farNodes = grownI32(this.farNodes, this.farNodes.length * 2);
    }
    const keys = this.farKeys;
    const nodes = this.farNodes;
    let i = this.far++;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pt = keys[2 * p] as number;
      if (!(at < pt || (at === pt && seq < (keys[2 * p + 1] as number)))) break;
      keys[2 * i] = pt;
      keys[2 * i + 1] = keys[2 * p + 1] as number;
      nodes[i] = nodes[p] as number;
      i = p;
    }
    keys[2 * i] = at;
    keys[2 * i + 1] = seq;
    nodes[i] = node;
  }

  private popFar(): number {
    const keys = this.farKeys;
    const nodes = this.farNodes;
    const top = nodes[0] as number;
    const n = --this.far;
    if (n === 0) return top;
    const at = keys[2 * n] as number;
    const seq = keys[2 * n + 1] as number;
    const node = nodes[n] as number;
    let i = 0;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let c = first;
      let ct = keys[2 * first] as number;
      let cs = keys[2 * first + 1] as number;
      const last = first + 3 < n ? first + 3 : n - 1;
      for (let j = first + 1; j <= last; j++) {
        const jt = keys[2 * j] as number;
        if (jt < ct || (jt === ct && (keys[2 * j + 1] as number) < cs)) {
          c = j;
          ct = jt;
          cs = keys[2 * j + 1] as number;
        }
      }
      if (!(ct < at || (ct === at && cs < seq))) break;
      keys[2 * i] = ct;
      keys[2 * i + 1] = cs;
      nodes[i] = nodes[c] as number;
      i = c;
    }
    keys[2 * i] = at;
    keys[2 * i + 1] = seq;
    nodes[i] = node;
    return top;
  }
}

function grownF64(a: Float64Array, cap: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}

function grownI32(a: Int32Array, cap: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
