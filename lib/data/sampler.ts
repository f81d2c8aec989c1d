// Samplers: the order in which a DataLoader visits dataset indices (torch.utils.data.sampler).
import { Tensor, tensor } from "../tensor";
import { callOp } from "../ops";
import { Generator } from "../generator";
import * as dt from "../dtype";
import { lengthOf } from "./dataset";

/** Base class: an iterable of indices (or of index lists, for batch samplers) with an optional `length`. */
export abstract class Sampler<T = number> implements Iterable<T> {
  abstract [Symbol.iterator](): Iterator<T>;
}

function toNumbers(t: Tensor): number[] {
  const out = Array.from(t.data() as BigInt64Array, Number);
  t.dispose();
  return out;
}
function randperm(n: number, g: Generator | null): number[] {
  return toNumbers(callOp("aten::randperm", n, { generator: g, dtype: dt.int64 }));
}
/** A seed drawn from the global generator as Python does: torch.empty((), dtype=torch.int64).random_(). */
export function drawSeed(g: Generator | null = null): bigint {
  const t: Tensor = callOp("aten::empty", [], { dtype: dt.int64 });
  callOp("aten::random_", t, { generator: g }).dispose();
  const s = (t.data() as BigInt64Array)[0];
  t.dispose();
  return s;
}

/** 0, 1, ..., n-1. */
export class SequentialSampler extends Sampler<number> {
  constructor(readonly dataSource: { length: number }) { super(); }
  *[Symbol.iterator](): Iterator<number> { const n = lengthOf(this.dataSource); for (let i = 0; i < n; i++) yield i; }
  get length(): number { return lengthOf(this.dataSource); }
}

/**
 * A random permutation each epoch (torch RandomSampler). Without a generator, each epoch seeds a fresh one from
 * the global generator, so torch.manualSeed fixes the order; with one, successive epochs continue its stream.
 */
export class RandomSampler extends Sampler<number> {
  readonly replacement: boolean;
  readonly generator: Generator | null;
  private readonly _numSamples: number | null;
  constructor(readonly dataSource: { length: number }, opts: { replacement?: boolean; numSamples?: number; generator?: Generator | null } = {}) {
    super();
    this.replacement = !!opts.replacement;
    this._numSamples = opts.numSamples ?? null;
    this.generator = opts.generator ?? null;
    if (typeof opts.replacement !== "undefined" && typeof opts.replacement !== "boolean")
      throw new TypeError(`replacement should be a boolean value, but got replacement=${opts.replacement}`);
    const ns = this.numSamples;
    if (!Number.isInteger(ns) || ns <= 0) throw new RangeError(`num_samples should be a positive integer value, but got num_samples=${ns}`);
  }
  get numSamples(): number { return this._numSamples ?? lengthOf(this.dataSource); }
  get length(): number { return this.numSamples; }
  *[Symbol.iterator](): Iterator<number> {
    const n = lengthOf(this.dataSource);
    let g = this.generator;
    if (!g) g = new Generator().manualSeed(drawSeed());
    const ns = this.numSamples;
    if (this.replacement) {
      for (let k = 0; k < Math.floor(ns / 32); k++)
        yield* toNumbers(callOp("aten::randint", n, [32], { generator: g, dtype: dt.int64 }));
      yield* toNumbers(callOp("aten::randint", n, [ns % 32], { generator: g, dtype: dt.int64 }));
    } else {
      for (let k = 0; k < Math.floor(ns / n); k++) yield* randperm(n, g);
      yield* randperm(n, g).slice(0, ns % n);
    }
  }
}

/** The given indices in a random order (torch SubsetRandomSampler). */
export class SubsetRandomSampler extends Sampler<number> {
  readonly indices: number[];
  constructor(indices: ArrayLike<number> | Iterable<number>, opts: { generator?: Generator | null } = {}) {
    super();
    this.indices = Array.from(indices as any, Number);
    this.generator = opts.generator ?? null;
  }
  readonly generator: Generator | null;
  get length(): number { return this.indices.length; }
  *[Symbol.iterator](): Iterator<number> { for (const i of randperm(this.indices.length, this.generator)) yield this.indices[i]; }
}

/** Indices drawn with probabilities proportional to `weights` (torch WeightedRandomSampler). */
export class WeightedRandomSampler extends Sampler<number> {
  readonly weights: Tensor;
  readonly replacement: boolean;
  readonly generator: Generator | null;
  constructor(weights: number[] | Tensor | ArrayLike<number>, readonly numSamples: number,
              opts: boolean | { replacement?: boolean; generator?: Generator | null } = {}) {
    super();
    const o = typeof opts === "boolean" ? { replacement: opts } : opts;
    if (!Number.isInteger(numSamples) || numSamples <= 0)
      throw new RangeError(`num_samples should be a positive integer value, but got num_samples=${numSamples}`);
    const w = weights instanceof Tensor ? weights.to(dt.float64) : tensor(Array.from(weights as ArrayLike<number>), { dtype: dt.float64 });
    if (w.dim() !== 1) { const s = w.shape; w.dispose(); throw new Error(`weights should be a 1d sequence but given weights have shape (${s.join(", ")})`); }
    this.weights = w;
    this.replacement = o.replacement ?? true;
    this.generator = o.generator ?? null;
  }
  get length(): number { return this.numSamples; }
  *[Symbol.iterator](): Iterator<number> {
    yield* toNumbers(callOp("aten::multinomial", this.weights, this.numSamples, this.replacement, { generator: this.generator }));
  }
}

/** Groups the indices of `sampler` into lists of `batchSize` (torch BatchSampler). */
export class BatchSampler extends Sampler<number[]> {
  constructor(readonly sampler: Iterable<number> & { length?: number }, readonly batchSize: number, readonly dropLast: boolean) {
    super();
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`batch_size should be a positive integer value, but got batch_size=${batchSize}`);
    if (typeof dropLast !== "boolean") throw new TypeError(`drop_last should be a boolean value, but got drop_last=${dropLast}`);
  }
  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const i of this.sampler) {
      batch.push(i);
      if (batch.length === this.batchSize) { yield batch; batch = []; }
    }
    if (batch.length && !this.dropLast) yield batch;
  }
  get length(): number {
    const n = lengthOf(this.sampler);
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }
}

/**
 * The share of the dataset for one process of a distributed job (torch DistributedSampler): every rank sees
 * `ceil(n / worldSize)` indices (padded by repeating, or trimmed with dropLast). Call setEpoch(e) each epoch to
 * reshuffle (the permutation is seeded by seed + epoch, identical on every rank).
 */
export class DistributedSampler extends Sampler<number> {
  readonly numReplicas: number;
  readonly rank: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  epoch = 0;
  constructor(readonly dataset: { length: number },
              opts: { numReplicas?: number; worldSize?: number; rank?: number; shuffle?: boolean; seed?: number; dropLast?: boolean } = {}) {
    super();
    // Defaults: the default process group's, else $WORLD_SIZE and $RANK, else a single replica.
    const env = process.env;
    const dist = require("../distributed");
    const pg = dist.isInitialized() ? { world: dist.getWorldSize(), rank: dist.getRank() } : null;
    this.numReplicas = opts.numReplicas ?? opts.worldSize ?? pg?.world ?? (env.WORLD_SIZE ? Number(env.WORLD_SIZE) : 1);
    this.rank = opts.rank ?? pg?.rank ?? (env.RANK ? Number(env.RANK) : 0);
    if (!Number.isInteger(this.numReplicas) || this.numReplicas < 1) throw new RangeError(`Invalid world size ${this.numReplicas}`);
    if (!Number.isInteger(this.rank) || this.rank < 0 || this.rank >= this.numReplicas)
      throw new RangeError(`Invalid rank ${this.rank}, rank should be in the interval [0, ${this.numReplicas - 1}]`);
    this.shuffle = opts.shuffle ?? true;
    this.seed = opts.seed ?? 0;
    this.dropLast = !!opts.dropLast;
  }
  get worldSize(): number { return this.numReplicas; }
  get numSamples(): number {
    const n = lengthOf(this.dataset);
    if (this.dropLast && n % this.numReplicas !== 0) return Math.ceil((n - this.numReplicas) / this.numReplicas);
    return Math.ceil(n / this.numReplicas);
  }
  get totalSize(): number { return this.numSamples * this.numReplicas; }
  get length(): number { return this.numSamples; }
  setEpoch(epoch: number): void { this.epoch = epoch; }
  *[Symbol.iterator](): Iterator<number> {
    const n = lengthOf(this.dataset);
    let indices: number[];
    if (this.shuffle) indices = randperm(n, new Generator().manualSeed(this.seed + this.epoch));
    else indices = Array.from({ length: n }, (_, i) => i);
    const total = this.totalSize;
    if (!this.dropLast) {
      const pad = total - indices.length;
      if (pad <= indices.length) indices = indices.concat(indices.slice(0, pad));
      else { let rep: number[] = []; while (rep.length < pad) rep = rep.concat(indices); indices = indices.concat(rep.slice(0, pad)); }
    } else indices = indices.slice(0, total);
    for (let k = this.rank; k < total; k += this.numReplicas) yield indices[k];
  }
}
