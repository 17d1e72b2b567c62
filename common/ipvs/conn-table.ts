/**
 * Allocation-free counting structures for the ip_vs_conn summariser. A busy director prints a
 * million lines per read; building a string key per line made the summary GC-bound, so IPv4
 * entries are counted by their numeric fields in an open-addressing hash table on typed arrays.
 */

/** Small vocabularies (protocols, states) matched in place, so known words cost no allocation. */
export class Vocabulary {
  readonly words: string[] = [];
  private readonly bytes: Buffer[] = [];
  private readonly byLength: number[][] = [];

  constructor(
    known: readonly string[],
    private readonly limit: number,
  ) {
    for (const word of known) this.add(word);
  }

  /** Index of the latin1 word line[start, end), learning new words up to the limit (-1 beyond). */
  index(line: Uint8Array, start: number, end: number): number {
    const candidates = this.byLength[end - start];
    if (candidates) {
      for (let c = 0; c < candidates.length; c++) {
        const word = this.bytes[candidates[c]!]!;
        let i = 0;
        while (i < word.length && word[i] === line[start + i]) i++;
        if (i === word.length) return candidates[c]!;
      }
    }
    if (this.words.length >= this.limit) return -1;
    return this.add(Buffer.from(line.subarray(start, end)).toString('latin1'));
  }

  private add(word: string): number {
    const index = this.words.push(word) - 1;
    this.bytes.push(Buffer.from(word, 'latin1'));
    (this.byLength[word.length] ??= []).push(index);
    return index;
  }
}

/**
 * Counts per key of four int32 words (for IPv4: virtual address, protocol|virtual port, real
 * server address, real server port) and per column (a state, or the template column).
 */
export class QuadCounter {
  private mask = (1 << 15) - 1;
  private slots = new Int32Array(this.mask + 1).fill(-1);
  private keys = new Int32Array(4 << 14);
  private counts: Int32Array;
  size = 0;

  constructor(readonly columns: number) {
    this.counts = new Int32Array(columns << 14);
  }

  add(k0: number, k1: number, k2: number, k3: number, column: number): void {
    const { keys, slots, mask } = this;
    for (let at = hash(k0, k1, k2, k3) & mask; ; at = (at + 1) & mask) {
      const entry = slots[at]!;
      if (entry === -1) {
        this.insert(at, k0, k1, k2, k3, column);
        return;
      }
      const base = entry << 2;
      if (keys[base] === k0 && keys[base + 1] === k1 && keys[base + 2] === k2 && keys[base + 3] === k3) {
        this.counts[entry * this.columns + column]!++;
        return;
      }
    }
  }

  /** Every key with its counts row: (k0, k1, k2, k3, counts, offset of the row in counts). */
  forEach(
    visit: (k0: number, k1: number, k2: number, k3: number, counts: Int32Array, offset: number) => void,
  ): void {
    for (let entry = 0; entry < this.size; entry++) {
      const base = entry << 2;
      visit(
        this.keys[base]!,
        this.keys[base + 1]!,
        this.keys[base + 2]!,
        this.keys[base + 3]!,
        this.counts,
        entry * this.columns,
      );
    }
  }

  private insert(at: number, k0: number, k1: number, k2: number, k3: number, column: number): void {
    const entry = this.size++;
    if (4 * this.size > this.keys.length) {
      this.keys = grow(this.keys, this.keys.length * 2);
      this.counts = grow(this.counts, this.counts.length * 2);
    }
    const base = entry << 2;
    this.keys[base] = k0;
    this.keys[base + 1] = k1;
    this.keys[base + 2] = k2;
    this.keys[base + 3] = k3;
    this.counts[entry * this.columns + column] = 1;
    this.slots[at] = entry;
    if (this.size * 2 > this.mask) this.rehash();
  }

  private rehash(): void {
    this.mask = this.mask * 2 + 1;
    this.slots = new Int32Array(this.mask + 1).fill(-1);
    const { keys } = this;
    for (let entry = 0; entry < this.size; entry++) {
      const base = entry << 2;
      let at = hash(keys[base]!, keys[base + 1]!, keys[base + 2]!, keys[base + 3]!) & this.mask;
      while (this.slots[at] !== -1) at = (at + 1) & this.mask;
      this.slots[at] = entry;
    }
  }
}

function hash(k0: number, k1: number, k2: number, k3: number): number {
  let h = Math.imul(k0 ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ k1 ^ (h >>> 15), 0xc2b2ae35);
  h = Math.imul(h ^ k2 ^ (h >>> 13), 0x85ebca6b);
  h = Math.imul(h ^ k3 ^ (h >>> 16), 0xc2b2ae35);
  return h ^ (h >>> 15);
}

function grow(array: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(length);
  bigger.set(array);
  return bigger;
}
