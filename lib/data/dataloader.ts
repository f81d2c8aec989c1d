// DataLoader: batches from a dataset, in sampler order, optionally loaded ahead by worker threads.
//
// Where batches are made:
//  - built-in image datasets whose transforms the native pipeline understands (flips, pads, crops, ToTensor,
//    Normalize, ...): native/data.cc assembles whole batches, on numWorkers C++ threads (inline when 0);
//  - TensorDataset with the default collate: one index_select per tensor;
//  - any other map-style dataset: worker_threads (numWorkers > 0) that rebuild the dataset from its class's
//    module, or the main thread.
// Random transforms draw from a generator seeded per batch from one seed taken (like Python's base seed) from
// the loader's generator or the global one when iteration starts, so a given torch.manualSeed gives the same
// batches whatever numWorkers is. Other random calls in a dataset (torch.rand, ...) draw as in PyTorch: from the
// global generator in the main thread, from a worker's own generator (seeded base seed + worker id) in a worker.
import * as path from "path";
import { Worker, MessageChannel, receiveMessageOnPort } from "worker_threads";
import { native } from "../native";
import { Tensor, tensor } from "../tensor";
import { Generator, withGenerator } from "../generator";
import { _created } from "../memory";
import * as dt from "../dtype";
import { Dataset, NativeSource, TensorDataset, isIterableStyle, isMapStyle, itemOf, lengthOf } from "./dataset";
import { Sampler, SequentialSampler, RandomSampler, BatchSampler, drawSeed } from "./sampler";
import { defaultCollate, defaultConvert, tensorsIn } from "./collate";
import { Packer, PackError, Unpacker } from "./worker_pack";

export interface DataLoaderOptions<T = any, B = any> {
  /** Samples per batch (default 1); null turns batching off (each sample is converted, not collated). */
  batchSize?: number | null;
  /** Reshuffle every epoch (a RandomSampler). */
  shuffle?: boolean;
  sampler?: Iterable<number> & { length?: number };
  batchSampler?: Iterable<number[]> & { length?: number };
  /** Threads that load batches ahead of the training loop (0: load in the calling thread). */
  numWorkers?: number;
  collateFn?: (batch: T[]) => B;
  /** Return batches in page-locked memory for fast, asynchronous copies to CUDA (where CUDA is available; elsewhere a warning, once). */
  pinMemory?: boolean;
  dropLast?: boolean;
  /** Seconds to wait for a batch from a worker (0: forever). */
  timeout?: number;
  /** Batches loaded ahead per worker (default 2). */
  prefetchFactor?: number;
  /** Keep worker threads alive between epochs. */
  persistentWorkers?: boolean;
  /** Drives shuffling and the per-batch seeds of random transforms. */
  generator?: Generator;
  /** Do not free each batch when the next one is requested (by default batches are freed unless torch.keep()'d). */
  keepBatches?: boolean;
  /** Use the native batch pipeline for built-in datasets when possible (default true). */
  nativePipeline?: boolean;
}

// pinMemory pins only where CUDA is available (as PyTorch); elsewhere it warns once per process and does not pin.
let cudaAvailable: boolean | null = null;
let pinWarned = false;
function pinActive(): boolean {
  cudaAvailable ??= (() => { try { return !!native.CudaIsAvailable(); } catch { return false; } })();
  if (cudaAvailable) return true;
  if (!pinWarned) {
    pinWarned = true;
    process.emitWarning("'pin_memory' argument is set as true but no accelerator is found, then device pinned memory won't be used.", "UserWarning");
  }
  return false;
}
/** @internal for tests: lets the next pinMemory batch warn again */
export function _resetPinMemoryWarning(): void { pinWarned = false; }

/** splitmix64(base + b * golden): the seed of batch b. */
export function batchSeed(base: bigint, b: number): bigint {
  const M = (1n << 64n) - 1n;
  let z = (base + BigInt(b + 1) * 0x9e3779b97f4a7c15n) & M;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
  return z ^ (z >> 31n);
}

/** An error raised while loading an item, with the item's index. */
export class DataLoaderError extends Error {
  constructor(message: string, readonly index: number | null, readonly batch: number, options?: { cause?: unknown }) {
    super(message, options as any);
    this.name = "DataLoaderError";
  }
}

// ---------------- engines: where a batch is made ----------------
/** A batch and the tensors made while making it (null: every tensor in it is new); only those are the loader's to free. */
interface Produced { value: any; created: Set<any> | null; }
interface Engine {
  prefetch: number;  // 0: synchronous run()
  run?(idx: number[], seed: bigint, b: number): Produced;
  /** key: unique id of the batch for this engine; b: its number in the epoch (for messages). */
  submit?(key: number, idx: number[], seed: bigint, b: number): void;
  take?(key: number, b: number): Produced;
  takeAsync?(key: number, b: number): Promise<Produced>;
  endEpoch(): void;
  close(): void;
}

function loadItems(ds: any, idx: number[], seed: bigint, gen: Generator, b: number): any[] {
  gen.manualSeed(seed);
  let cur = -1;
  try {
    return withGenerator(gen, () => idx.map((i) => { cur = i; return itemOf(ds, i); }));
  } catch (e: any) {
    throw new DataLoaderError(`DataLoader: error while loading item ${cur} (batch ${b}): ${e?.message ?? e}`, cur, b, { cause: e });
  }
}
/** Runs make() and frees the tensors it created that are not part of its result (a dataset's own tensors are left alone). */
function produce(make: () => any): Produced {
  const [value, created] = _created(make);
  const keepSet = tensorsIn(value);
  for (const t of created) if (!keepSet.has(t as any)) (t as any).dispose();
  return { value, created };
}
const END = Symbol("end");

class MainEngine implements Engine {
  prefetch = 0;
  private gen = new Generator();
  constructor(private ds: any, private collate: (x: any) => any, private auto: boolean) {}
  run(idx: number[], seed: bigint, b: number): Produced {
    return produce(() => {
      const items = loadItems(this.ds, idx, seed, this.gen, b);
      return this.auto ? this.collate(items) : this.collate(items[0]);
    });
  }
  endEpoch(): void {}
  close(): void {}
}

class TensorEngine implements Engine {
  prefetch = 0;
  constructor(private ds: TensorDataset) {}
  run(idx: number[]): Produced { return { value: this.select(idx), created: null }; }
  private select(idx: number[]): any {
    const n = this.ds.length;
    for (const i of idx) if (!Number.isInteger(i) || i < 0 || i >= n)
      throw new DataLoaderError(`DataLoader: error while loading item ${i}: index ${i} is out of range for a dataset of ${n} items`, i, -1);
    const it = tensor(idx, { dtype: dt.int64, device: "cpu" });
    try {
      return this.ds.tensors.map((t) => {
        if (t.device === "cpu") return t.indexSelect(0, it);
        const d = it.to(t.device);
        try { return t.indexSelect(0, d); } finally { d.dispose(); }
      });
    } finally { it.dispose(); }
  }
  endEpoch(): void {}
  close(): void {}
}

function nativeIndices(src: NativeSource, idx: number[]): Int32Array {
  const n = src.indices ? src.indices.length : src.images.shape[0];
  const out = new Int32Array(idx.length);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    if (!Number.isInteger(i) || i < 0 || i >= n) out[k] = -1 - Math.abs(i | 0);  // reported by the pipeline
    else out[k] = src.indices ? src.indices[i] : i;
  }
  return out;
}
function nativeError(e: any, b: number, idx: number[], src: NativeSource): Error {
  const msg = String(e?.message ?? e);
  const m = /^item (-?\d+): /.exec(msg);
  let index: number | null = null;
  if (m) {
    const row = Number(m[1]);
    const k = src.indices ? idx.find((i) => src.indices![i] === row) : row;
    index = k ?? row;
  }
  const rest = m ? msg.slice(m[0].length) : msg;
  return new DataLoaderError(`DataLoader: error while loading item ${index ?? "?"} (batch ${b}): ${rest}`, index, b, { cause: e });
}

class NativeEngine implements Engine {
  prefetch: number;
  private pool: any = null;
  private idxOf = new Map<number, number[]>();
  constructor(private src: NativeSource & { pipeline: any }, private threads: number, prefetchFactor: number) {
    this.prefetch = threads > 0 ? threads * prefetchFactor : 0;
  }
  private spec() { return this.src.pipeline; }
  private wrap(r: any[]): [Tensor, Tensor | null] { return [r[0], r[1]]; }
  run(idx: number[], seed: bigint, b: number): Produced {
    try {
      const r = native.PipelineRun(this.src.images, this.src.targets, this.spec(), nativeIndices(this.src, idx), seed);
      return { value: this.out(r), created: null };
    } catch (e) { throw nativeError(e, b, idx, this.src); }
  }
  submit(key: number, idx: number[], seed: bigint): void {
    if (!this.pool) this.pool = native.PoolNew(this.src.images, this.src.targets, this.spec(), this.threads);
    this.idxOf.set(key, idx);
    native.PoolSubmit(this.pool, key, nativeIndices(this.src, idx), seed);
  }
  private out(r: any[]): any { return this.src.targets ? this.wrap(r) : r[0]; }
  take(key: number, b: number): Produced {
    const idx = this.idxOf.get(key) ?? [];
    this.idxOf.delete(key);
    try { return { value: this.out(native.PoolTake(this.pool, key)), created: null }; } catch (e) { throw nativeError(e, b, idx, this.src); }
  }
  async takeAsync(key: number, b: number): Promise<Produced> {
    const idx = this.idxOf.get(key) ?? [];
    this.idxOf.delete(key);
    try { return { value: this.out(await native.PoolTakeAsync(this.pool, key)), created: null }; } catch (e) { throw nativeError(e, b, idx, this.src); }
  }
  endEpoch(): void { if (this.pool) native.PoolReset(this.pool); this.idxOf.clear(); }
  close(): void {
    if (this.pool) { native.PoolClose(this.pool); this.pool = null; }
    this.src.pipeline.lut?.dispose();
  }
}

// ---- worker_threads for JS datasets ----
const BOOT = `
const { workerData } = require("worker_threads");
const sig = new Int32Array(workerData.signal);
process.on("exit", () => { Atomics.store(sig, 1, 1); Atomics.add(sig, 0, 1); Atomics.notify(sig, 0); });
try {
  if (workerData.tsNode) require(workerData.tsNode).register({ transpileOnly: true });
  require(workerData.entry);
} catch (e) {
  workerData.port.postMessage({ type: "init-error", error: { message: String((e && e.message) || e), stack: e && e.stack } });
  Atomics.add(sig, 0, 1); Atomics.notify(sig, 0);
}`;

class InitError extends Error {}

interface WorkerSlot { w: Worker; port: any; sig: Int32Array; ready: boolean; results: Map<number, any>; }

function dropPacked(p: any): void {
  if (p === null || typeof p !== "object") return;
  if ("$t" in p) { native.HandoffDrop(p.$t); return; }
  for (const v of Object.values(p)) dropPacked(v);
}

class WorkerEngine implements Engine {
  prefetch: number;
  private slots: WorkerSlot[] = [];
  private owner = new Map<number, WorkerSlot>();
  private idxOf = new Map<number, number[]>();
  private wanted = new Set<number>();
  constructor(ds: any, n: number, prefetchFactor: number, private collateInWorker: boolean,
              private collate: (x: any) => any, private auto: boolean, baseSeed: bigint, private timeoutS: number) {
    this.prefetch = n * prefetchFactor;
    const entry = path.join(__dirname, "worker" + path.extname(__filename));
    // TypeScript sources (ours or the user's dataset module) need ts-node in the worker too
    const tsActive = entry.endsWith(".ts") || !!(process as any)[Symbol.for("ts-node.register.instance")];
    let tsNode: string | null = null;
    if (tsActive) { try { tsNode = require.resolve("ts-node", { paths: [process.cwd(), __dirname] }); } catch { tsNode = null; } }
    try {
      for (let k = 0; k < n; k++) {
        const packer = new Packer(true);
        let packed: any;
        try { packed = packer.pack(ds, "dataset"); } catch (e) { packer.dropAll(); throw e; }
        const sab = new SharedArrayBuffer(12);  // [messages posted, exited, closing]
        const ch = new MessageChannel();
        const w = new Worker(BOOT, {
          eval: true,
          workerData: { port: ch.port2, signal: sab, dataset: packed, collate: collateInWorker, id: k, numWorkers: n, seed: String(baseSeed + BigInt(k)), entry, tsNode },
          transferList: [ch.port2 as any],
        });
        w.unref();
        w.on("error", () => { /* reported through the exit flag; keeps the process alive */ });
        (ch.port1 as any).unref?.();
        this.slots.push({ w, port: ch.port1, sig: new Int32Array(sab), ready: false, results: new Map() });
      }
      for (const s of this.slots) this.waitFor(s, () => s.ready, 300);
    } catch (e) {
      this.close();
      throw e;
    }
  }
  private drain(s: WorkerSlot): void {
    for (;;) {
      const m = receiveMessageOnPort(s.port);
      if (!m) return;
      const msg = m.message;
      if (msg.type === "ready") s.ready = true;
      else if (msg.type === "init-error") throw new InitError(`${msg.error.message}${msg.error.stack ? "\n" + msg.error.stack : ""}`);
      else if (msg.type === "batch") {
        if (this.wanted.has(msg.batch)) s.results.set(msg.batch, msg);
        else if (msg.data) dropPacked(msg.data);
      }
    }
  }
  /** One round of waiting on a worker: null when `done`, else the signal value to sleep on. */
  private pollWorker(s: WorkerSlot, done: () => boolean, t0: number, timeoutS: number): number | null {
    this.drain(s);
    if (done()) return null;
    const c = Atomics.load(s.sig, 0);
    this.drain(s);
    if (done()) return null;
    if (Atomics.load(s.sig, 1)) { this.drain(s); if (done()) return null; throw new Error("DataLoader worker thread exited unexpectedly"); }
    if (timeoutS > 0 && Date.now() - t0 > timeoutS * 1000) throw new Error(`DataLoader timed out after ${timeoutS} seconds`);
    return c;
  }
  private waitFor(s: WorkerSlot, done: () => boolean, timeoutS: number): void {
    const t0 = Date.now();
    for (let c = this.pollWorker(s, done, t0, timeoutS); c !== null; c = this.pollWorker(s, done, t0, timeoutS))
      Atomics.wait(s.sig, 0, c, 200);
  }
  private async waitForAsync(s: WorkerSlot, done: () => boolean, timeoutS: number): Promise<void> {
    const t0 = Date.now();
    for (let c = this.pollWorker(s, done, t0, timeoutS); c !== null; c = this.pollWorker(s, done, t0, timeoutS)) {
      const r: any = (Atomics as any).waitAsync(s.sig, 0, c, 200);
      if (r.async) await r.value;
    }
  }
  submit(key: number, idx: number[], seed: bigint, b: number): void {
    this.wanted.add(key);
    this.idxOf.set(key, idx);
    const s = this.slots[b % this.slots.length];
    this.owner.set(key, s);
    s.w.postMessage({ type: "batch", batch: key, indices: idx, seed: String(seed) });
  }
  private finish(key: number, b: number, msg: any): Produced {
    const idx = this.idxOf.get(key) ?? [];
    this.idxOf.delete(key);
    if (msg.error) {
      const e = new Error(msg.error.message);
      if (msg.error.stack) e.stack = msg.error.stack;
      const where = msg.item >= 0 ? `item ${msg.item}` : `batch of items [${idx.slice(0, 8).join(", ")}${idx.length > 8 ? ", ..." : ""}]`;
      throw new DataLoaderError(`DataLoader worker: error while loading ${where} (batch ${b}): ${msg.error.message}`, msg.item >= 0 ? msg.item : null, b, { cause: e });
    }
    if (this.collateInWorker) return { value: new Unpacker().unpack(msg.data), created: null };
    return produce(() => {
      const data = new Unpacker().unpack(msg.data);
      return this.auto ? this.collate(data) : this.collate(data[0]);
    });
  }
  private slotOf(key: number, b: number): WorkerSlot {
    const s = this.owner.get(key);
    if (!s) throw new Error(`DataLoader: batch ${b} was not requested`);
    return s;
  }
  take(key: number, b: number): Produced {
    const s = this.slotOf(key, b);
    this.waitFor(s, () => s.results.has(key), this.timeoutS);
    return this.release(key, b, s);
  }
  async takeAsync(key: number, b: number): Promise<Produced> {
    const s = this.slotOf(key, b);
    await this.waitForAsync(s, () => s.results.has(key), this.timeoutS);
    return this.release(key, b, s);
  }
  private release(key: number, b: number, s: WorkerSlot): Produced {
    const msg = s.results.get(key);
    s.results.delete(key);
    this.wanted.delete(key);
    this.owner.delete(key);
    return this.finish(key, b, msg);
  }
  endEpoch(): void {
    for (const s of this.slots) {
      try { this.drain(s); } catch { /* closed */ }
      for (const [, msg] of s.results) if (msg.data) dropPacked(msg.data);
      s.results.clear();
    }
    this.wanted.clear();
    this.owner.clear();
    this.idxOf.clear();
  }
  close(): void {
    const slots = this.slots;
    this.slots = [];
    for (const s of slots) {
      // graceful: the worker skips queued batches and exits its event loop (terminate() could stop it mid-call)
      Atomics.store(s.sig, 2, 1);
      try { s.w.postMessage({ type: "close" }); } catch { /* gone */ }
    }
    this.wanted.clear();
    // drop what was (or is being) posted: now, and once more when the workers have had time to finish
    const sweep = () => { for (const s of slots) { try { this.drain(s); } catch { /* closed */ } for (const [, m] of s.results) if (m.data) dropPacked(m.data); s.results.clear(); } };
    sweep();
    let left = 0;
    for (const s of slots) {
      s.w.once("exit", () => { sweep(); if (++left === slots.length) for (const x of slots) { try { x.port.close(); } catch { /* closed */ } } });
    }
    this.owner.clear();
    this.idxOf.clear();
  }
}

class IterableEngine implements Engine {
  prefetch = 0;
  private it: Iterator<any> | null = null;
  private gen = new Generator();
  constructor(private ds: any, private collate: (x: any) => any, private auto: boolean, private batchSize: number | null, private dropLast: boolean) {}
  /** Next batch, or undefined at the end. */
  nextBatch(seed: bigint, b: number): Produced | undefined {
    if (!this.it) this.it = this.ds[Symbol.iterator]();
    this.gen.manualSeed(seed);
    const n = this.auto ? this.batchSize! : 1;
    const p = produce(() => {
      const items: any[] = [];
      try {
        withGenerator(this.gen, () => {
          while (items.length < n) { const r = this.it!.next(); if (r.done) break; items.push(r.value); }
        });
      } catch (e: any) {
        throw new DataLoaderError(`DataLoader: error while reading the iterable dataset (batch ${b}): ${e?.message ?? e}`, null, b, { cause: e });
      }
      if (!items.length || (this.auto && this.dropLast && items.length < n)) return END;
      return this.auto ? this.collate(items) : this.collate(items[0]);
    });
    return p.value === END ? undefined : p;
  }
  endEpoch(): void { this.it = null; }
  close(): void {}
}

// ---------------- the loader ----------------
export class DataLoader<T = any, B = any> implements Iterable<B>, AsyncIterable<B> {
  readonly dataset: any;
  readonly batchSize: number | null;
  readonly dropLast: boolean;
  readonly numWorkers: number;
  readonly pinMemory: boolean;
  readonly timeout: number;
  readonly prefetchFactor: number;
  readonly persistentWorkers: boolean;
  readonly generator: Generator | null;
  readonly sampler: (Iterable<number> & { length?: number }) | null;
  readonly batchSampler: (Iterable<number[]> & { length?: number }) | null;
  readonly collateFn: (batch: any) => any;
  keepBatches: boolean;
  readonly nativePipeline: boolean;
  private readonly iterable: boolean;
  private readonly autoCollation: boolean;
  private readonly userCollate: boolean;
  private engine: Engine | null = null;
  private engineKind = "";
  private workersFailed = false;

  constructor(dataset: Dataset<T> | any, opts: DataLoaderOptions<T, B> = {}) {
    if (!isMapStyle(dataset) && !isIterableStyle(dataset))
      throw new TypeError("DataLoader: dataset must have getItem(i) and length (a Dataset), be an array, or be iterable (an IterableDataset)");
    this.dataset = dataset;
    const numWorkers = opts.numWorkers ?? 0;
    if (!Number.isInteger(numWorkers) || numWorkers < 0)
      throw new RangeError("num_workers option should be non-negative; use numWorkers: 0 to disable workers.");
    const timeout = opts.timeout ?? 0;
    if (timeout < 0) throw new RangeError("timeout option should be non-negative");
    if (opts.persistentWorkers && numWorkers === 0) throw new RangeError("persistent_workers option needs numWorkers > 0");
    const prefetch = opts.prefetchFactor ?? 2;
    if (!Number.isInteger(prefetch) || prefetch < 1) throw new RangeError("prefetchFactor must be a positive integer");
    let batchSize = opts.batchSize === undefined ? 1 : opts.batchSize;
    const shuffle = !!opts.shuffle;
    const dropLast = !!opts.dropLast;
    this.iterable = isIterableStyle(dataset);
    if (this.iterable) {
      if (opts.shuffle) throw new Error(`DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle=${opts.shuffle}`);
      if (opts.sampler) throw new Error(`DataLoader with IterableDataset: expected unspecified sampler option`);
      if (opts.batchSampler) throw new Error(`DataLoader with IterableDataset: expected unspecified batch_sampler option`);
    }
    if (opts.sampler && shuffle) throw new Error("sampler option is mutually exclusive with shuffle");
    let sampler = opts.sampler ?? null;
    let batchSampler = opts.batchSampler ?? null;
    if (batchSampler) {
      if (batchSize !== 1 || shuffle || sampler || dropLast)
        throw new Error("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last");
      batchSize = null;
    } else if (batchSize === null && dropLast) {
      throw new Error("batch_size=None option disables auto-batching and is mutually exclusive with drop_last");
    }
    if (batchSize !== null && (!Number.isInteger(batchSize) || batchSize <= 0))
      throw new RangeError(`batch_size should be a positive integer value, but got batch_size=${batchSize}`);
    if (!this.iterable) {
      if (!sampler) sampler = shuffle ? new RandomSampler(dataset, { generator: opts.generator ?? null }) : new SequentialSampler(dataset);
      if (batchSize !== null && !batchSampler) batchSampler = new BatchSampler(sampler as any, batchSize, dropLast);
    }
    this.batchSize = batchSize;
    this.dropLast = dropLast;
    this.numWorkers = numWorkers;
    this.timeout = timeout;
    this.prefetchFactor = prefetch;
    this.persistentWorkers = !!opts.persistentWorkers;
    this.generator = opts.generator ?? null;
    this.sampler = sampler;
    this.batchSampler = batchSampler;
    this.autoCollation = batchSampler !== null || (this.iterable && batchSize !== null);
    this.userCollate = !!opts.collateFn;
    this.collateFn = opts.collateFn ?? (this.autoCollation ? defaultCollate : defaultConvert);
    this.pinMemory = !!opts.pinMemory;
    this.keepBatches = !!opts.keepBatches;
    this.nativePipeline = opts.nativePipeline ?? true;
  }

  /** Batches per epoch (Python's len(loader)). */
  get length(): number {
    if (this.iterable) {
      const n = lengthOf(this.dataset);
      if (this.batchSize === null) return n;
      return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
    }
    return lengthOf(this.autoCollation ? this.batchSampler : this.sampler);
  }

  /** Where batches are made: "native-threads", "native", "tensor", "workers", "main" or "iterable". */
  get mode(): string { return this.engineKind || this.planKind(); }

  private nativeSource(): (NativeSource & { pipeline: any }) | null {
    if (!this.nativePipeline || this.userCollate || !this.autoCollation || this.iterable) return null;
    const src = this.dataset?._nativeSource?.();
    if (!src || !src.pipeline) return null;
    if (src.targetTransform) { src.pipeline.lut?.dispose(); return null; }
    return src;
  }
  /** What kind of engine this loader uses, and the native source when it is native (its LUT is the caller's). */
  private plan(): { kind: string; src: (NativeSource & { pipeline: any }) | null } {
    if (this.iterable) return { kind: "iterable", src: null };
    const src = this.nativeSource();
    if (src) return { kind: this.numWorkers > 0 ? "native-threads" : "native", src };
    if (this.dataset instanceof TensorDataset && this.dataset.getItem === TensorDataset.prototype.getItem && !this.userCollate && this.autoCollation)
      return { kind: "tensor", src: null };
    return { kind: this.numWorkers > 0 && !this.workersFailed ? "workers" : "main", src: null };
  }
  private planKind(): string {
    const p = this.plan();
    p.src?.pipeline.lut?.dispose();
    return p.kind;
  }

  /** @internal An engine for one epoch: the loader's shared one with persistentWorkers, else a new one. */
  _engine(baseSeed: bigint): Engine {
    if (this.engine) return this.engine;
    const { kind, src } = this.plan();
    let e: Engine;
    let k = kind;
    if (kind === "iterable") e = new IterableEngine(this.dataset, this.collateFn, this.autoCollation, this.batchSize, this.dropLast);
    else if (kind === "native" || kind === "native-threads") e = new NativeEngine(src!, this.numWorkers, this.prefetchFactor);
    else if (kind === "tensor") e = new TensorEngine(this.dataset);
    else if (kind === "workers") {
      try {
        e = new WorkerEngine(this.dataset, this.numWorkers, this.prefetchFactor, !this.userCollate && this.autoCollation,
          this.collateFn, this.autoCollation, baseSeed, this.timeout);
      } catch (err: any) {
        if (!(err instanceof PackError) && !(err instanceof InitError)) throw err;
        process.emitWarning(`DataLoader: the dataset cannot be rebuilt in worker threads, so it is loaded in the main thread instead (${err.message.split("\n")[0]})`, "DataLoaderWarning");
        this.workersFailed = true;
        e = new MainEngine(this.dataset, this.collateFn, this.autoCollation);
        k = "main";
      }
    } else e = new MainEngine(this.dataset, this.collateFn, this.autoCollation);
    this.engineKind = k;
    if (this.persistentWorkers) this.engine = e;
    return e;
  }
  /** @internal called when an epoch's iterator ends */
  _endEpoch(e: Engine): void {
    e.endEpoch();
    if (e !== this.engine) e.close();
  }
  private firstSeed: bigint | null = null;
  private epochs = 0;
  /**
   * @internal The base seed of a new epoch, drawn (as Python's iterator does) from the loader's generator or the
   * global one. With persistent workers Python draws it once and later epochs reuse the iterator, so the global
   * stream (and the sampler's next seed) advances as Python's; the per-batch transform seeds still change each epoch.
   */
  _epochSeed(): bigint {
    const e = this.epochs++;
    if (!(this.persistentWorkers && this.numWorkers > 0)) return BigInt.asUintN(64, drawSeed(this.generator));
    if (this.firstSeed === null) this.firstSeed = BigInt.asUintN(64, drawSeed(this.generator));
    return e === 0 ? this.firstSeed : batchSeed(this.firstSeed, -1 - e);
  }
  /** Stops persistent worker threads now (without persistentWorkers they stop at the end of each epoch). */
  close(): void { if (this.engine) { this.engine.close(); this.engine = null; } }

  /** @internal the index lists (or single indices) of one epoch */
  _indexIterator(): Iterator<number[] | number> | null {
    if (this.iterable) return null;
    return (this.autoCollation ? this.batchSampler! : this.sampler!)[Symbol.iterator]() as Iterator<any>;
  }
  /** @internal */
  _postprocess(batch: any, created: Set<any> | null): { value: any; owned: Tensor[] } {
    const mine = (t: Tensor) => !created || created.has(t);
    if (this.pinMemory && pinActive()) {
      const owned: Tensor[] = [];
      const pin = (v: any): any => {
        if (v instanceof Tensor) { const p = v.pinMemory(); if (mine(v)) v.dispose(); owned.push(p); return p; }
        if (Array.isArray(v)) return v.map(pin);
        if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, pin(x)]));
        return v;
      };
      const value = pin(batch);
      return { value, owned };
    }
    return { value: batch, owned: [...tensorsIn(batch)].filter(mine) };
  }

  [Symbol.iterator](): DataLoaderIterator<B> { return new DataLoaderIterator<B>(this); }
  [Symbol.asyncIterator](): AsyncIterableIterator<B> { return new DataLoaderIterator<B>(this)[Symbol.asyncIterator](); }
  /** Python's iter(loader). */
  iter(): DataLoaderIterator<B> { return new DataLoaderIterator<B>(this); }
}

/** One epoch over a DataLoader; works with for-of and for-await. */
export class DataLoaderIterator<B> implements IterableIterator<B>, AsyncIterable<B> {
  private readonly baseSeed: bigint;
  private static keys = 0;
  /** Batch b of this epoch is batch keyBase + b for the engine (unique across epochs sharing persistent workers). */
  private readonly keyBase = (DataLoaderIterator.keys++ % 1048576) * 4294967296;
  private indexIter: Iterator<number[] | number> | null;
  private engine: Engine;
  private nextNo = 0;
  private pending: number[] = [];
  private exhausted = false;
  private finished = false;
  private owned: Tensor[] = [];

  constructor(private readonly loader: DataLoader<any, B>) {
    this.baseSeed = loader._epochSeed();
    this.indexIter = loader._indexIterator();
    this.engine = loader._engine(this.baseSeed);
  }
  [Symbol.iterator](): this { return this; }
  get length(): number { return this.loader.length; }

  private nextIndices(): number[] | null {
    if (this.exhausted || !this.indexIter) return null;
    const r = this.indexIter.next();
    if (r.done) { this.exhausted = true; return null; }
    const v = r.value;
    return Array.isArray(v) ? v.map(Number) : [Number(v)];
  }
  private fill(): void {
    while (!this.exhausted && this.pending.length < this.engine.prefetch) {
      const idx = this.nextIndices();
      if (!idx) break;
      const b = this.nextNo++;
      this.engine.submit!(this.keyBase + b, idx, batchSeed(this.baseSeed, b), b);
      this.pending.push(b);
    }
  }
  private releasePrev(): void {
    if (!this.loader.keepBatches) for (const t of this.owned) if (!(t as any)._kept) t._disposeBatch();
    this.owned = [];
  }
  /** Makes p the current batch: the tensors the loader made for it are freed at the next step. */
  private accept(p: Produced): IteratorResult<B> {
    const { value, owned } = this.loader._postprocess(p.value, p.created);
    this.owned = owned;
    return { done: false, value };
  }
  private end(): IteratorResult<B> {
    this.releasePrev();
    if (!this.finished) {
      this.finished = true;
      this.pending = [];
      this.loader._endEpoch(this.engine);
    }
    return { done: true, value: undefined as any };
  }
  private produceSync(): { ok: boolean; value?: Produced } {
    if (this.engine instanceof IterableEngine) {
      const b = this.nextNo++;
      const v = this.engine.nextBatch(batchSeed(this.baseSeed, b), b);
      return v === undefined ? { ok: false } : { ok: true, value: v };
    }
    if (this.engine.prefetch > 0) {
      this.fill();
      const b = this.pending.shift();
      if (b === undefined) return { ok: false };
      return { ok: true, value: this.engine.take!(this.keyBase + b, b) };
    }
    const idx = this.nextIndices();
    if (!idx) return { ok: false };
    const b = this.nextNo++;
    return { ok: true, value: this.engine.run!(idx, batchSeed(this.baseSeed, b), b) };
  }

  next(): IteratorResult<B> { return this.nextSync(); }
  /** The next batch, synchronously. */
  nextSync(): IteratorResult<B> {
    this.releasePrev();
    if (this.finished) return { done: true, value: undefined as any };
    let r: { ok: boolean; value?: Produced };
    try { r = this.produceSync(); } catch (e) { this.end(); throw e; }  // an error ends the epoch (for-of does not call return())
    if (!r.ok) return this.end();
    if (this.engine.prefetch > 0) this.fill();
    return this.accept(r.value!);
  }
  /** The next batch; waits for worker threads without blocking the event loop. */
  async nextAsync(): Promise<IteratorResult<B>> {
    this.releasePrev();
    if (this.finished) return { done: true, value: undefined as any };
    let value: Produced;
    if (this.engine.prefetch > 0 && !(this.engine instanceof IterableEngine)) {
      this.fill();
      const b = this.pending.shift();
      if (b === undefined) return this.end();
      try { value = await this.engine.takeAsync!(this.keyBase + b, b); } catch (e) { this.end(); throw e; }
      this.fill();
    } else {
      let r: { ok: boolean; value?: Produced };
      try { r = this.produceSync(); } catch (e) { this.end(); throw e; }
      if (!r.ok) return this.end();
      value = r.value!;
    }
    return this.accept(value);
  }
  /** Ends the epoch early (a `break` out of the loop); the current batch is freed unless kept. */
  return(): IteratorResult<B> { return this.end(); }
  /** This epoch as an async iterator (for await). */
  [Symbol.asyncIterator](): AsyncIterableIterator<B> {
    const self = this;
    return {
      next: () => self.nextAsync(),
      return: async () => self.return(),
      [Symbol.asyncIterator]() { return this; },
    };
  }
}
