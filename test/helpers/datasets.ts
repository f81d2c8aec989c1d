// User-style datasets for the DataLoader tests; in a module of their own so that worker threads can load them.
import * as torch from "../../lib";
const { data, vision } = torch;
const T = vision.transforms;

/** Item i: [image i (uint8 [3, 12, 12]) through `transform`, i % 10]; images built from a seed. */
export class AugmentedDataset extends data.Dataset<[torch.Tensor, number]> {
  images: torch.Tensor;
  transform: any;
  constructor(readonly n: number, transform?: any) {
    super();
    torch.manualSeed(1234);
    this.images = torch.keep(torch.randint(0, 256, [n, 3, 12, 12], { dtype: torch.uint8 }));
    this.transform = transform ?? new T.Compose([new T.RandomCrop(10, { padding: 2 }), new T.RandomHorizontalFlip(),
      new T.ToDtype(torch.float32, { scale: true }), new T.ColorJitter({ brightness: 0.3 })]);
  }
  get length(): number { return this.n; }
  getItem(i: number): [torch.Tensor, number] {
    const img = this.images.select(0, i);
    const out = this.transform.forward(img);
    if (out !== img) img.dispose();
    return [out, i % 10];
  }
}

/** Throws on item `failAt`. */
export class FailingDataset extends data.Dataset<number> {
  constructor(readonly n: number, readonly failAt: number) { super(); }
  get length(): number { return this.n; }
  getItem(i: number): number {
    if (i === this.failAt) throw new Error(`bad record ${i}`);
    return i;
  }
}

/** Item i: { index: i, worker: the worker thread's id (-1 in the main thread), name: "item<i>" }. */
export class WorkerIdDataset extends data.Dataset<any> {
  constructor(readonly n: number) { super(); }
  get length(): number { return this.n; }
  getItem(i: number): any { return { index: i, worker: data.getWorkerInfo()?.id ?? -1, name: `item${i}` }; }
}

/** Holds a function, which cannot be sent to a worker thread. */
export class LambdaDataset extends data.Dataset<number> {
  constructor(readonly n: number, readonly fn: (i: number) => number) { super(); }
  get length(): number { return this.n; }
  getItem(i: number): number { return this.fn(i); }
}

/** Uses many different operators (first use in each worker thread registers operator handles concurrently). */
export class ManyOpsDataset extends data.Dataset<number> {
  constructor(readonly n: number) { super(); }
  get length(): number { return this.n; }
  getItem(i: number): number {
    return torch.tidy(() => {
      const x = torch.full([4, 4], i + 1, { dtype: torch.float32 });
      const ops = ["abs", "neg", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "floor", "ceil", "round", "trunc", "frac",
        "reciprocal", "rsqrt", "square", "sign", "erf", "expm1", "log1p", "log2", "log10", "asinh", "atan", "sinh", "cosh", "tan", "digamma"];
      let acc = 0;
      for (const name of ops) acc += (torch.ops.aten as any)[name](x).sum().item() > -Infinity ? 1 : 0;
      return acc + i;
    });
  }
}

/** Returns tensors it owns (made once, kept), as many user datasets do. */
export class CachedDataset extends data.Dataset<[torch.Tensor, number]> {
  readonly items: torch.Tensor[];
  constructor(readonly n: number) {
    super();
    this.items = Array.from({ length: n }, (_, i) => torch.keep(torch.full([3], i, { dtype: torch.float32 })));
  }
  get length(): number { return this.n; }
  getItem(i: number): [torch.Tensor, number] { return [this.items[i], i]; }
}

/** Item i: { x: torch.rand([2]), k: torch.randint(0, 100, [1]), i } (scripts/fixtures/data.py has the same in Python). */
export class TorchRandDataset extends data.Dataset<any> {
  get length(): number { return 7; }
  getItem(i: number): any { return { x: torch.rand([2]), k: torch.randint(0, 100, [1]), i }; }
}
