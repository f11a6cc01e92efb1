/**
 * A growable table of search states, each `stride` uint16 values (the player cell, then
 * the box cells in ascending order), with an open-addressing hash index. States get
 * dense ids 0, 1, 2 ... in insertion order, so a search can keep per-state data in
 * parallel typed arrays and use the id order as its BFS queue.
 */
export class StateTable {
  /** The states, `stride` values each: pool[id * stride ...]. */
  pool: Uint16Array;
  size = 0;
  private slots: Int32Array; // id + 1, 0 = empty
  private mask: number;

  constructor(readonly stride: number, initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.pool = new Uint16Array(cap * stride);
    this.slots = new Int32Array(cap * 2);
    this.mask = cap * 2 - 1;
  }

  private hash(src: Uint16Array, at: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < this.stride; i++) {
      h = Math.imul(h ^ src[at + i]!, 0x01000193);
      h ^= h >>> 15;
    }
    return Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
  }

  private equals(id: number, src: Uint16Array, at: number): boolean {
    const p = this.pool, base = id * this.stride;
    for (let i = 0; i < this.stride; i++) if (p[base + i] !== src[at + i]) return false;
    return true;
  }

  /** The id of the state `src[at .. at + stride)`, or -1 when absent. */
  find(src: Uint16Array, at = 0): number {
    let s = this.hash(src, at) & this.mask;
    for (;;) {
      const v = this.slots[s]!;
      if (v === 0) return -1;
      if (this.equals(v - 1, src, at)) return v - 1;
      s = (s + 1) & this.mask;
    }
  }

  /**
   * Insert the state unless present. Returns its new id, or `-(id + 1)` of the existing
   * state (so `r >= 0` means "new").
   */
  insert(src: Uint16Array, at = 0): number {
    if ((this.size + 1) * 2 > this.slots.length) this.grow();
    let s = this.hash(src, at) & this.mask;
    for (;;) {
      const v = this.slots[s]!;
      if (v === 0) break;
      if (this.equals(v - 1, src, at)) return -v;
      s = (s + 1) & this.mask;
    }
    const id = this.size++;
    if ((id + 1) * this.stride > this.pool.length) {
      const next = new Uint16Array(this.pool.length * 2);
      next.set(this.pool);
      this.pool = next;
    }
    this.pool.set(src.subarray(at, at + this.stride), id * this.stride);
    this.slots[s] = id + 1;
    return id;
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 0; id < this.size; id++) {
      let s = this.hash(this.pool, id * this.stride) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = id + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** Insert `value` into the sorted run `a[from .. from + n)` after replacing `old` (keeps it sorted). */
export function replaceSorted(a: Uint16Array, from: number, n: number, old: number, value: number): void {
  let i = from;
  const end = from + n;
  while (i < end && a[i] !== old) i++;
  // Shift towards the right place.
  while (i > from && a[i - 1]! > value) { a[i] = a[i - 1]!; i--; }
  while (i + 1 < end && a[i + 1]! < value) { a[i] = a[i + 1]!; i++; }
  a[i] = value;
}

/**
 * `arr` with room for at least `n` entries: the same array when it fits, else a copy with
 * the capacity doubled until it does. For per-state arrays kept parallel to a StateTable.
 */
export function withCapacity<T extends Int32Array | Uint8Array>(arr: T, n: number): T {
  if (n <= arr.length) return arr;
  let cap = Math.max(1, arr.length);
  while (cap < n) cap *= 2;
  const out = new (arr.constructor as new (length: number) => T)(cap);
  out.set(arr);
  return out;
}
