// Shape arithmetic shared by the native kernels: broadcasting strides and dimension
// collapsing, so the C loops see the fewest, longest contiguous runs.

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]!; }
  return s;
}

/** Element strides of `shape` read in the index space of `out` (numpy broadcasting: 0 on broadcast dims). */
export function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  const own = contiguousStrides(shape);
  const lead = out.length - shape.length;
  return out.map((_, d) => {
    const k = d - lead;
    return k < 0 || shape[k] === 1 ? 0 : own[k]!;
  });
}

/**
 * Drop size-1 dims and merge neighbours wherever every stride set stays linear
 * (stride[d-1] == stride[d] * shape[d]). Rank 0 (or all ones) becomes shape [1].
 */
export function collapse(shape: readonly number[], strideSets: readonly (readonly number[])[]): { shape: Int32Array; strides: Int32Array[] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strideSets.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const p = outShape.length - 1;
    if (p >= 0 && strideSets.every((s, i) => outStrides[i]![p] === s[d]! * n)) {
      outShape[p] = outShape[p]! * n;
      strideSets.forEach((s, i) => { outStrides[i]![p] = s[d]!; });
    } else {
      outShape.push(n);
      strideSets.forEach((s, i) => outStrides[i]!.push(s[d]!));
    }
  }
  if (!outShape.length) return { shape: Int32Array.of(1), strides: strideSets.map(() => Int32Array.of(0)) };
  return { shape: Int32Array.from(outShape), strides: outStrides.map((s) => Int32Array.from(s)) };
}

/** For each flat index of `out`, the flat index of the broadcast `shape` it reads (or null when trivial). */
export function broadcastIndexMap(shape: readonly number[], out: readonly number[]): Int32Array | null {
  const n = sizeOf(out), own = sizeOf(shape);
  if (own === 1 || own === n) return null;
  const st = broadcastStrides(shape, out);
  const map = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let r = i, idx = 0;
    for (let d = out.length - 1; d >= 0; d--) {
      const dim = out[d]!;
      idx += (r % dim) * st[d]!;
      r = Math.floor(r / dim);
    }
    map[i] = idx;
  }
  return map;
}
