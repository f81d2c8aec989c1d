// Datasets: map-style (getItem(i), length) and iterable; TensorDataset, Subset, ConcatDataset, randomSplit.
import { Tensor } from "../tensor";
import { callOp } from "../ops";
import { Generator } from "../generator";
import * as dt from "../dtype";

/** Rows of uint8 images that the native batch pipeline can read directly (built-in image datasets). */
export interface NativeSource {
  images: Tensor;                      // uint8 [N, H, W, C] ("HWC"), [N, H, W] ("HW") or [N, C, H, W] ("CHW")
  targets: Tensor | null;              // integer [N]
  layout: "HWC" | "HW" | "CHW";
  transform: any;
  targetTransform: any;
  indices?: Int32Array | null;         // loader index -> row (Subset)
}

/** A map-style dataset: `getItem(i)` for 0 <= i < `length` (torch.utils.data.Dataset). */
export abstract class Dataset<T = any> {
  abstract getItem(index: number): T;
  abstract readonly length: number;
  /** ds.concat(other) is Python's `ds + other` (a ConcatDataset). */
  concat(other: Dataset<T>): ConcatDataset<T> { return new ConcatDataset<T>([this, other]); }
  *[Symbol.iterator](): Iterator<T> { for (let i = 0; i < this.length; i++) yield this.getItem(i); }
}

/** A dataset read as a stream (torch.utils.data.IterableDataset): implement [Symbol.iterator] (or the async one). */
export abstract class IterableDataset<T = any> {
  abstract [Symbol.iterator](): Iterator<T>;
  concat(other: IterableDataset<T>): ChainDataset<T> { return new ChainDataset<T>([this, other]); }
}

/** Several iterable datasets, one after another (torch.utils.data.ChainDataset). */
export class ChainDataset<T = any> extends IterableDataset<T> {
  constructor(readonly datasets: Iterable<T>[]) { super(); }
  *[Symbol.iterator](): Iterator<T> { for (const d of this.datasets) yield* d; }
}

/** Anything the DataLoader accepts as a map-style dataset: a Dataset, `{ getItem, length }`, or an array. */
export type DatasetLike<T = any> = Dataset<T> | { getItem(i: number): T; length: number } | ArrayLike<T>;

export function isMapStyle(ds: any): boolean {
  return ds && (typeof ds.getItem === "function" || Array.isArray(ds) || ArrayBuffer.isView(ds)) && typeof ds.length === "number";
}
export function isIterableStyle(ds: any): boolean {
  return ds && !isMapStyle(ds) && (typeof ds[Symbol.iterator] === "function" || typeof ds[Symbol.asyncIterator] === "function");
}
/** ds.getItem(i), or ds[i] for arrays (negative i counts from the end, as a Python list's index). */
export function itemOf<T>(ds: DatasetLike<T>, i: number): T {
  const d: any = ds;
  if (typeof d.getItem === "function") return d.getItem(i);
  const n = d.length;
  if (!Number.isInteger(i) || i < -n || i >= n) throw new RangeError(`list index ${i} out of range for a dataset of ${n} items`);
  return d[i < 0 ? i + n : i];
}
export function lengthOf(ds: any): number {
  const n = ds?.length;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) throw new TypeError("dataset must have an integer `length`");
  return n;
}

function checkIndex(i: number, n: number, what: string): number {
  if (!Number.isInteger(i)) throw new TypeError(`${what}: index must be an integer, got ${i}`);
  if (i < -n || i >= n) throw new RangeError(`${what}: index ${i} is out of range for a dataset of ${n} items`);
  return i < 0 ? i + n : i;
}

/** Rows of tensors that share their first dimension; item i is [t0[i], t1[i], ...] (torch.utils.data.TensorDataset). */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: Tensor[];
  constructor(...tensors: (Tensor | Tensor[])[]) {
    super();
    const ts = (tensors.length === 1 && Array.isArray(tensors[0]) ? tensors[0] : tensors) as Tensor[];
    if (!ts.length) throw new TypeError("TensorDataset needs at least one tensor");
    for (const t of ts) if (!(t instanceof Tensor)) throw new TypeError("TensorDataset: every argument must be a Tensor");
    const n = ts[0].shape[0];
    ts.forEach((t, k) => {
      if (t.dim() === 0 || t.shape[0] !== n)
        throw new Error(`Size mismatch between tensors: tensor 0 has ${n} rows, tensor ${k} has ${t.dim() ? t.shape[0] : "no"} rows`);
    });
    this.tensors = ts;
  }
  get length(): number { return this.tensors[0].shape[0]; }
  getItem(index: number): Tensor[] {
    const i = checkIndex(index, this.length, "TensorDataset");
    return this.tensors.map((t) => t.select(0, i));
  }
}

/** The items of `dataset` at `indices`, in that order (torch.utils.data.Subset). */
export class Subset<T = any> extends Dataset<T> {
  readonly indices: number[];
  constructor(readonly dataset: DatasetLike<T>, indices: ArrayLike<number> | Iterable<number>) {
    super();
    this.indices = Array.from(indices as any, Number);
  }
  get length(): number { return this.indices.length; }
  getItem(index: number): T {
    const i = checkIndex(index, this.indices.length, "Subset");
    return itemOf(this.dataset, this.indices[i]);
  }
  _nativeSource(): NativeSource | null {
    const src: NativeSource | null = (this.dataset as any)?._nativeSource?.() ?? null;
    if (!src) return null;
    const map = new Int32Array(this.indices.length);
    for (let k = 0; k < map.length; k++) map[k] = src.indices ? src.indices[this.indices[k]] : this.indices[k];
    return { ...src, indices: map };
  }
}

/** Several datasets, one after another (torch.utils.data.ConcatDataset). */
export class ConcatDataset<T = any> extends Dataset<T> {
  readonly datasets: DatasetLike<T>[];
  readonly cumulativeSizes: number[];
  constructor(datasets: DatasetLike<T>[]) {
    super();
    if (!datasets.length) throw new Error("datasets should not be an empty iterable");
    for (const d of datasets) if (isIterableStyle(d)) throw new Error("ConcatDataset does not support IterableDataset");
    this.datasets = datasets;
    this.cumulativeSizes = [];
    let s = 0;
    for (const d of datasets) { s += lengthOf(d); this.cumulativeSizes.push(s); }
  }
  get length(): number { return this.cumulativeSizes[this.cumulativeSizes.length - 1]; }
  getItem(index: number): T {
    const i = checkIndex(index, this.length, "ConcatDataset");
    let lo = 0, hi = this.cumulativeSizes.length - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.cumulativeSizes[mid] > i) hi = mid; else lo = mid + 1; }
    const start = lo === 0 ? 0 : this.cumulativeSizes[lo - 1];
    return itemOf(this.datasets[lo], i - start);
  }
}

/** randperm(n) through the given generator (or the global one) as plain numbers. */
export function randpermList(n: number, generator?: Generator | null): number[] {
  const t: Tensor = callOp("aten::randperm", n, { generator: generator ?? null, dtype: dt.int64 });
  const out = Array.from(t.data() as BigInt64Array, Number);
  t.dispose();
  return out;
}

/**
 * Splits a dataset into non-overlapping random subsets (torch.utils.data.random_split): `lengths` are counts, or
 * fractions summing to 1 (floors, with the remainder handed out one by one from the first split). Same
 * generator seed => same split as Python.
 */
export function randomSplit<T>(dataset: DatasetLike<T>, lengths: number[], generator?: Generator | { generator?: Generator }): Subset<T>[] {
  const gen = generator instanceof Generator ? generator : (generator as any)?.generator ?? null;
  const n = lengthOf(dataset);
  let counts = lengths.slice();
  const total = lengths.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) <= 1e-9 * Math.max(1, Math.abs(total)) && total <= 1) {  // math.isclose(sum, 1)
    counts = lengths.map((frac, i) => {
      if (frac < 0 || frac > 1) throw new RangeError(`Fraction at index ${i} is not between 0 and 1`);
      return Math.floor(n * frac);
    });
    const remainder = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) counts[i % counts.length] += 1;
    counts.forEach((c, i) => { if (c === 0) process.emitWarning(`Length of split at index ${i} is 0. This might result in an empty dataset.`); });
  }
  for (const c of counts) if (!Number.isInteger(c) || c < 0) throw new RangeError(`randomSplit: lengths must be non-negative integers or fractions summing to 1, got ${lengths}`);
  if (counts.reduce((a, b) => a + b, 0) !== n) throw new RangeError("Sum of input lengths does not equal the length of the input dataset!");
  const perm = randpermList(n, gen);
  const out: Subset<T>[] = [];
  let off = 0;
  for (const c of counts) { out.push(new Subset(dataset, perm.slice(off, off + c))); off += c; }
  return out;
}
