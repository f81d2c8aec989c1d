// GPU-resident data, as the fastest CIFAR-10 trainers keep it: the whole dataset lives on the device as one
// uint8 tensor; each epoch is a randperm; each batch is one index_select plus batched transforms that draw
// per-sample random parameters on the device. Works the same on "cpu".
import { Tensor } from "../tensor";
import { callOp } from "../ops";
import { Generator, withGenerator } from "../generator";
import * as dt from "../dtype";
import { Dataset, TensorDataset } from "./dataset";
import { tensorsIn } from "./collate";

type TransformLike = ((x: any) => any) | { forward(x: any): any } | null | undefined;
function apply(t: TransformLike, x: any): any {
  if (!t) return x;
  return typeof t === "function" ? t(x) : t.forward(x);
}

/** A dataset held on one device: `data` [N, ...] and `targets` [N]; `wrap` turns a batch of rows into what the transform expects. */
export class DeviceDataset extends Dataset<[any, any]> {
  readonly data: Tensor;
  readonly targets: Tensor | null;
  transform: TransformLike;
  targetTransform: TransformLike;
  readonly wrap: (rows: Tensor) => any;
  readonly classes: string[] | undefined;
  constructor(data: Tensor, targets: Tensor | null,
              opts: { transform?: TransformLike; targetTransform?: TransformLike; wrap?: (rows: Tensor) => any; classes?: string[] } = {}) {
    super();
    if (targets && targets.shape[0] !== data.shape[0]) throw new Error(`DeviceDataset: ${data.shape[0]} rows of data but ${targets.shape[0]} targets`);
    this.data = data;
    this.targets = targets;
    this.transform = opts.transform;
    this.targetTransform = opts.targetTransform;
    this.wrap = opts.wrap ?? ((x) => x);
    this.classes = opts.classes;
  }
  get length(): number { return this.data.shape[0]; }
  get device(): string { return this.data.device; }
  getItem(i: number): [any, any] {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`DeviceDataset: index ${i} is out of range for ${this.length} items`);
    const row = this.data.select(0, i);
    const img = this.wrap(row);
    if (img !== row) row.dispose();
    const rx = apply(this.transform, img);
    if (rx !== img && img instanceof Tensor) img.dispose();
    const y = this.targets ? this.targets.select(0, i) : null;
    const ty = y ? apply(this.targetTransform, y) : null;
    if (ty !== y && y) y.dispose();
    return [rx, ty];
  }
  /** Frees the device copy. */
  dispose(): void { this.data.dispose(); this.targets?.dispose(); }
}

export interface DeviceLoaderOptions {
  batchSize?: number;
  shuffle?: boolean;
  dropLast?: boolean;
  /** Where to put a dataset that is not on a device yet (default "cpu", or the DeviceDataset's). */
  device?: string;
  /** Batched transform (default: the dataset's own transform, applied to the whole batch). */
  transform?: TransformLike;
  targetTransform?: TransformLike;
  generator?: Generator;
  keepBatches?: boolean;
}

/** Batches from a device-resident dataset: `for (const [x, y] of new data.DeviceLoader(ds.toDevice("cuda"), { batchSize: 512, shuffle: true }))`. */
export class DeviceLoader implements Iterable<[any, any]>, AsyncIterable<[any, any]> {
  readonly dataset: DeviceDataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: Generator | null;
  transform: TransformLike;
  targetTransform: TransformLike;
  keepBatches: boolean;

  constructor(source: DeviceDataset | TensorDataset | { toDevice(device: string): DeviceDataset }, opts: DeviceLoaderOptions = {}) {
    if (source instanceof DeviceDataset) this.dataset = opts.device && opts.device !== source.device ? move(source, opts.device) : source;
    else if (source instanceof TensorDataset) {
      const dev = opts.device ?? "cpu";
      const [d, t] = source.tensors;
      this.dataset = new DeviceDataset(d.to(dev), t ? t.to(dev) : null);
    } else if (source && typeof (source as any).toDevice === "function") this.dataset = (source as any).toDevice(opts.device ?? "cpu");
    else throw new TypeError("DeviceLoader: source must be a DeviceDataset, a TensorDataset or a dataset with toDevice(device)");
    this.batchSize = opts.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize <= 0) throw new RangeError(`batchSize should be a positive integer, got ${this.batchSize}`);
    this.shuffle = !!opts.shuffle;
    this.dropLast = !!opts.dropLast;
    this.generator = opts.generator ?? null;
    this.transform = opts.transform === undefined ? this.dataset.transform : opts.transform;
    this.targetTransform = opts.targetTransform === undefined ? this.dataset.targetTransform : opts.targetTransform;
    this.keepBatches = !!opts.keepBatches;
  }
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<[any, any]> {
    const ds = this.dataset;
    const n = ds.length;
    let perm: Tensor | null = null;
    if (this.shuffle) {
      const p: Tensor = callOp("aten::randperm", n, { generator: this.generator, dtype: dt.int64 });
      perm = ds.device === "cpu" ? p : p.to(ds.device);
      if (perm !== p) p.dispose();
    }
    let prev: any = null;
    const release = () => {
      if (prev && !this.keepBatches) for (const t of tensorsIn(prev)) if (!(t as any)._kept) t.dispose();
      prev = null;
    };
    try {
      for (let start = 0; start < n; start += this.batchSize) {
        const len = Math.min(this.batchSize, n - start);
        if (len < this.batchSize && this.dropLast) break;
        release();
        prev = this.batch(perm, start, len);
        yield prev;
      }
    } finally {
      release();
      perm?.dispose();
    }
  }
  async *[Symbol.asyncIterator](): AsyncIterator<[any, any]> { yield* this[Symbol.iterator]() as any; }

  private batch(perm: Tensor | null, start: number, len: number): [any, any] {
    const ds = this.dataset;
    const idx = perm ? perm.narrow(0, start, len) : null;
    const rows = idx ? ds.data.indexSelect(0, idx) : ds.data.narrow(0, start, len);
    const img = ds.wrap(rows);
    if (img !== rows) rows.dispose();
    const x = withGenerator(this.generator, () => apply(this.transform, img));
    if (x !== img && img instanceof Tensor) img.dispose();
    let y: any = null;
    if (ds.targets) {
      const t = idx ? ds.targets.indexSelect(0, idx) : ds.targets.narrow(0, start, len).clone();
      y = apply(this.targetTransform, t);
      if (y !== t) t.dispose();
    }
    idx?.dispose();
    return [x, y];
  }
}

function move(ds: DeviceDataset, device: string): DeviceDataset {
  return new DeviceDataset(ds.data.to(device), ds.targets ? ds.targets.to(device) : null,
    { transform: ds.transform, targetTransform: ds.targetTransform, wrap: ds.wrap, classes: ds.classes });
}
