// DataLoader and DeviceLoader: order, reproducibility across numWorkers, workers, errors, memory.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as torch from "../lib";
import { data, vision } from "../lib";
import { AugmentedDataset, FailingDataset, WorkerIdDataset, LambdaDataset, ManyOpsDataset, CachedDataset, TorchRandDataset } from "./helpers/datasets";

const T = vision.transforms;
const py = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "data", "data.json"), "utf8"));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function firstColumn(loader: data.DataLoader): number[][] {
  const out: number[][] = [];
  for (const b of loader) out.push((Array.isArray(b) ? b[0] : b).toArray());
  return out;
}
/** Every batch of an epoch as plain arrays (so the loader may free the tensors). */
function epoch(loader: Iterable<any>): any[] {
  const out: any[] = [];
  for (const [x, y] of loader) out.push([x.toArray(), y.toArray()]);
  return out;
}

describe("DataLoader: order", () => {
  it("shuffle after torch.manualSeed gives Python's batches, epoch after epoch", () => {
    const ds = torch.keep(torch.arange(23));
    const tds = new data.TensorDataset(ds);
    torch.manualSeed(0);
    expect(firstColumn(new data.DataLoader(tds, { batchSize: 5, shuffle: true }))).to.deep.equal(py.loader_shuffle_seed0);
    torch.manualSeed(0);
    const loader = new data.DataLoader(tds, { batchSize: 5, shuffle: true });
    expect([firstColumn(loader), firstColumn(loader)]).to.deep.equal(py.loader_shuffle_seed0_two_epochs);
    const g = new torch.Generator().manualSeed(7);
    expect(firstColumn(new data.DataLoader(tds, { batchSize: 4, shuffle: true, dropLast: true, generator: g }))).to.deep.equal(py.loader_generator7);
    ds.dispose();
  });
  it("length, dropLast, batchSize null, custom collateFn, sampler and batchSampler", () => {
    const ds = range(10);
    expect(new data.DataLoader(ds, { batchSize: 3 }).length).to.equal(4);
    expect(new data.DataLoader(ds, { batchSize: 3, dropLast: true }).length).to.equal(3);
    const none = [...new data.DataLoader(ds, { batchSize: null })];
    expect(none).to.deep.equal(range(10));
    const lists = [...new data.DataLoader(ds, { batchSize: 4, collateFn: (b: number[]) => b })];
    expect(lists).to.deep.equal([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const bs = [...new data.DataLoader(ds, { batchSampler: [[9, 1], [2]], collateFn: (b: number[]) => b })];
    expect(bs).to.deep.equal([[9, 1], [2]]);
    const sm = [...new data.DataLoader(ds, { sampler: [3, 2, 1], batchSize: 2, collateFn: (b: number[]) => b })];
    expect(sm).to.deep.equal([[3, 2], [1]]);
    expect(() => new data.DataLoader(ds, { sampler: [1], shuffle: true })).to.throw(/mutually exclusive/);
    expect(() => new data.DataLoader(ds, { batchSampler: [[1]], batchSize: 4 })).to.throw(/mutually exclusive/);
    expect(() => new data.DataLoader(ds, { numWorkers: -1 })).to.throw(/non-negative/);
    expect(() => new data.DataLoader(ds, { persistentWorkers: true })).to.throw(/numWorkers > 0/);
    expect(() => new data.DataLoader(42 as any)).to.throw(TypeError);
  });
  it("[...loader] holds freed batches whose use names the DataLoader; keepBatches keeps them", () => {
    const ds = new data.TensorDataset(torch.arange(8));
    const freed = [...new data.DataLoader(ds, { batchSize: 4 })];
    expect(() => freed[0][0].toArray()).to.throw(/DataLoader frees each batch.*keepBatches/);
    expect(() => freed[1][0].add(1)).to.throw(/DataLoader frees each batch/);   // the last one too, at the end
    const kept = [...new data.DataLoader(ds, { batchSize: 4, keepBatches: true })];
    expect(kept.map((b) => b[0].toArray())).to.deep.equal([[0, 1, 2, 3], [4, 5, 6, 7]]);
    kept.forEach((b) => b[0].dispose());
  });

  it("IterableDataset: consecutive batches; shuffle is refused", () => {
    class Count extends data.IterableDataset<number> { *[Symbol.iterator]() { for (let i = 0; i < 7; i++) yield i; } }
    const b = [...new data.DataLoader(new Count(), { batchSize: 3, collateFn: (x: number[]) => x })];
    expect(b).to.deep.equal([[0, 1, 2], [3, 4, 5], [6]]);
    const d = [...new data.DataLoader(new Count(), { batchSize: 3, dropLast: true, collateFn: (x: number[]) => x })];
    expect(d).to.deep.equal([[0, 1, 2], [3, 4, 5]]);
    expect(() => new data.DataLoader(new Count(), { shuffle: true })).to.throw(/IterableDataset/);
  });
});

describe("DataLoader: worker threads (user datasets)", function () {
  this.timeout(300000);
  let ds: AugmentedDataset;
  before(() => { ds = new AugmentedDataset(40); });

  it("the same seed gives the same batches (order and random augmentation) for numWorkers 0, 1 and 2", () => {
    const runs: any[] = [];
    for (const numWorkers of [0, 1, 2]) {
      torch.manualSeed(21);
      const loader = new data.DataLoader(ds, { batchSize: 6, shuffle: true, numWorkers });
      expect(loader.mode).to.equal(numWorkers ? "workers" : "main");
      runs.push(epoch(loader));
      expect(loader.mode, "no fallback to the main thread").to.equal(numWorkers ? "workers" : "main");
    }
    expect(runs[0].length).to.equal(7);
    expect(runs[1]).to.deep.equal(runs[0]);
    expect(runs[2]).to.deep.equal(runs[0]);
    torch.manualSeed(22);
    expect(epoch(new data.DataLoader(ds, { batchSize: 6, shuffle: true, numWorkers: 2 }))).to.not.deep.equal(runs[0]);
  });
  it("torch.rand & co. in a dataset draw from each worker's own generator (base seed + id): Python's worker batches", () => {
    const want = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "data", "data.json"), "utf8")).loader_workers_torch_rand_seed5;
    const check = (loader: data.DataLoader, ref: any[], what: string) => {
      const got = [...loader].map((b: any) => ({ i: b.i.toArray(), x: b.x.toArray(), k: b.k.flatten().toArray() }));
      expect(got.map((b) => b.i), what).to.deep.equal(ref.map((b: any) => b.i));
      expect(got.map((b) => b.k), what).to.deep.equal(ref.map((b: any) => b.k));
      got.forEach((b, j) => b.x.flat().forEach((v: number, q: number) => expect(v, what).to.be.closeTo(ref[j].x.flat()[q], 1e-6)));
    };
    torch.manualSeed(5);
    // persistent workers keep their streams; later epochs draw no new base seed (so the shuffle order follows Python's)
    const loader = new data.DataLoader(new TorchRandDataset(), { batchSize: 2, shuffle: true, numWorkers: 2, persistentWorkers: true, keepBatches: true });
    check(loader, want["2_persistent"][0], "persistent, epoch 0");
    check(loader, want["2_persistent"][1], "persistent, epoch 1");
    loader.close();
  });
  it("worker threads may look up many operators at the same time (shared operator table)", () => {
    for (let k = 0; k < 2; k++) {
      const loader = new data.DataLoader(new ManyOpsDataset(16), { batchSize: 1, numWorkers: 2, collateFn: (b: number[]) => b[0] });
      expect([...loader]).to.deep.equal(range(16).map((i) => 30 + i));
    }
  });
  it("batches are spread over the workers; getWorkerInfo() tells a worker its id; objects collate", () => {
    const loader = new data.DataLoader(new WorkerIdDataset(12), { batchSize: 3, numWorkers: 2, keepBatches: true });
    const batches = [...loader].map((b: any) => ({ index: b.index.toArray(), worker: b.worker.toArray(), name: b.name }));
    expect(batches.map((b) => b.index)).to.deep.equal([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]);
    expect(batches.map((b) => b.worker[0])).to.deep.equal([0, 1, 0, 1]);
    expect(batches[1].name).to.deep.equal(["item3", "item4", "item5"]);
    expect(data.getWorkerInfo()).to.equal(null);
  });
  it("for await works with workers and with a custom collateFn", async () => {
    torch.manualSeed(3);
    const sync = epoch(new data.DataLoader(ds, { batchSize: 8, shuffle: true, numWorkers: 2 }));
    torch.manualSeed(3);
    const got: any[] = [];
    for await (const [x, y] of new data.DataLoader(ds, { batchSize: 8, shuffle: true, numWorkers: 2 })) got.push([x.toArray(), y.toArray()]);
    expect(got).to.deep.equal(sync);
    const lists: number[][] = [];
    for await (const b of new data.DataLoader(range(5), { batchSize: 2, numWorkers: 2, collateFn: (x: number[]) => x })) lists.push(b);
    expect(lists).to.deep.equal([[0, 1], [2, 3], [4]]);
  });
  it("an error in a worker surfaces in the loop with the item index", async () => {
    for (const numWorkers of [0, 2]) {
      const loader = new data.DataLoader(new FailingDataset(20, 13), { batchSize: 4, numWorkers });
      let err: any = null;
      const seen: number[][] = [];
      try { for (const b of loader) seen.push(b.toArray()); } catch (e) { err = e; }
      expect(err, `numWorkers ${numWorkers}`).to.be.instanceOf(data.DataLoaderError);
      expect(err.message).to.match(/item 13/);
      expect(err.message).to.match(/bad record 13/);
      expect(err.index).to.equal(13);
      expect(seen).to.deep.equal([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]);
    }
    let aerr: any = null;
    try { for await (const b of new data.DataLoader(new FailingDataset(8, 5), { batchSize: 4, numWorkers: 2 })) void b; } catch (e) { aerr = e; }
    expect(aerr?.message).to.match(/item 5/);
  });
  it("a dataset that cannot be sent to a worker is loaded in the main thread, with a warning", () => {
    const warnings: string[] = [];
    const onWarn = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarn);
    const loader = new data.DataLoader(new LambdaDataset(6, (i) => i * 10), { batchSize: 3, numWorkers: 2, keepBatches: true });
    expect([...loader].map((b: torch.Tensor) => b.toArray())).to.deep.equal([[0, 10, 20], [30, 40, 50]]);
    expect(loader.mode).to.equal("main");
    return new Promise<void>((resolve) => setImmediate(() => {
      process.off("warning", onWarn);
      expect(warnings.join("\n")).to.match(/function/);
      resolve();
    }));
  });
  it("persistentWorkers keeps the threads between epochs; close() stops them", () => {
    const loader = new data.DataLoader(new WorkerIdDataset(6), { batchSize: 2, numWorkers: 2, persistentWorkers: true, keepBatches: true });
    const a = [...loader].map((b: any) => b.index.toArray());
    const b = [...loader].map((b: any) => b.index.toArray());
    expect(a).to.deep.equal(b);
    expect(loader.mode).to.equal("workers");
    torch.dispose([a, b]);
    loader.close();
  });
  it("breaking out of an epoch early drops the prefetched batches; nothing is left in the hand-off registry", async () => {
    const ds = new AugmentedDataset(40);
    const loader = new data.DataLoader(ds, { batchSize: 2, numWorkers: 2, persistentWorkers: true, prefetchFactor: 4 });
    for (let e = 0; e < 3; e++) {
      let k = 0;
      for (const [x] of loader) { expect(x.shape[0]).to.equal(2); if (++k === 3) break; }
    }
    torch.manualSeed(1);
    const full = epoch(loader);
    expect(full.length).to.equal(20);
    loader.close();
    const { native } = require("../lib/native");
    for (let t = 0; t < 50 && native.HandoffCount() > 0; t++) await new Promise((r) => setTimeout(r, 100));
    expect(native.HandoffCount()).to.equal(0);
  });
});

describe("DataLoader: memory", function () {
  this.timeout(300000);
  it("never frees the dataset's own tensors (default collate, identity collate, workers)", () => {
    const ds = new CachedDataset(10);
    for (const opts of [{}, { collateFn: (b: any) => b }, { numWorkers: 2, persistentWorkers: true }, { numWorkers: 2, persistentWorkers: true, collateFn: (b: any) => b }]) {
      const loader = new data.DataLoader(ds, { batchSize: 4, shuffle: true, ...opts });
      for (let e = 0; e < 3; e++) {
        let n = 0;
        for (const b of loader) n += Array.isArray(b[0]) ? b.length : b[0].shape[0];
        expect(n, `epoch ${e}`).to.equal(10);
      }
      loader.close();
      expect(ds.items.every((t) => !t.isDisposed), JSON.stringify(Object.keys(opts))).to.equal(true);
    }
    const before = torch.memory().liveTensors;
    for (const b of new data.DataLoader(ds, { batchSize: 4, collateFn: (x: any) => x })) void b;
    expect(torch.memory().liveTensors).to.equal(before);
  });
  it("frees each batch at the next iteration unless kept; liveTensors stays constant over epochs", () => {
    const ds = new AugmentedDataset(30);
    for (const numWorkers of [0, 2]) {
      const loader = new data.DataLoader(ds, { batchSize: 4, shuffle: true, numWorkers });
      epoch(loader);
      const before = torch.memory().liveTensors;
      let prev: torch.Tensor | null = null;
      let kept: torch.Tensor | null = null;
      for (const [x] of loader) {
        if (prev && prev !== kept) expect(prev.isDisposed, "previous batch freed").to.equal(true);
        prev = x;
        if (!kept) kept = torch.keep(x);
      }
      expect(prev!.isDisposed).to.equal(true);
      expect(kept!.isDisposed, "a kept batch survives").to.equal(false);
      kept!.dispose();
      epoch(loader);
      expect(torch.memory().liveTensors, `numWorkers ${numWorkers}`).to.equal(before);
    }
    const loader = new data.DataLoader(ds, { batchSize: 10, keepBatches: true });
    const all = [...loader];
    expect(all.every(([x]: any) => !x.isDisposed)).to.equal(true);
    torch.dispose(all);
    expect((torch as any).native ?? true).to.be.ok;
  });
});

describe("DataLoader: built-in datasets in native threads", function () {
  this.timeout(300000);
  const N = 200;
  let ds: vision.datasets.ImageTensorDataset;
  before(() => {
    torch.manualSeed(5);
    const imgs = torch.randint(0, 256, [N, 32, 32, 3], { dtype: torch.uint8 });
    ds = new vision.datasets.ImageTensorDataset(imgs, range(N).map((i) => i % 10), {
      transform: new T.Compose([new T.RandomCrop(32, { padding: 4 }), new T.RandomHorizontalFlip(), new T.ToTensor(),
        new T.Normalize([0.4914, 0.4822, 0.4465], [0.247, 0.2435, 0.2616])]),
    });
  });
  it("native batches equal the JS transforms' batches bit for bit, for numWorkers 0, 1 and 2", () => {
    const runs: any[] = [];
    const modes: string[] = [];
    for (const [nativePipeline, numWorkers] of [[false, 0], [true, 0], [true, 1], [true, 2]] as [boolean, number][]) {
      torch.manualSeed(9);
      const loader = new data.DataLoader(ds, { batchSize: 32, shuffle: true, numWorkers, nativePipeline });
      modes.push(loader.mode);
      runs.push(epoch(loader));
    }
    expect(modes).to.deep.equal(["main", "native", "native-threads", "native-threads"]);
    expect(runs[0].length).to.equal(7);
    for (const r of runs.slice(1)) expect(r).to.deep.equal(runs[0]);
  });
  it("Subsets (randomSplit) stay native; other pad modes and CenterCrop match too; async iteration", async () => {
    const [train] = data.randomSplit(ds, [0.8, 0.2], new torch.Generator().manualSeed(1));
    const tr = ds.transform;
    for (const t of [new T.Compose([new T.RandomCrop(28, { padding: [2, 3], paddingMode: "reflect" }), new T.RandomVerticalFlip(), new T.ToTensor()]),
      new T.Compose([new T.Pad(3, { paddingMode: "symmetric" }), new T.CenterCrop(30), new T.ToImage()]),
      new T.Compose([new T.RandomCrop(40, { padIfNeeded: true, fill: [10, 20, 30], paddingMode: "edge" })])]) {
      ds.transform = t;
      torch.manualSeed(2);
      const js = epoch(new data.DataLoader(train, { batchSize: 50, shuffle: true, nativePipeline: false }));
      torch.manualSeed(2);
      const loader = new data.DataLoader(train, { batchSize: 50, shuffle: true, numWorkers: 2 });
      const got: any[] = [];
      for await (const [x, y] of loader) got.push([x.toArray(), y.toArray()]);
      expect(loader.mode).to.equal("native-threads");
      expect(got).to.deep.equal(js);
    }
    ds.transform = tr;
  });
  it("errors in the native pipeline name the item", () => {
    ds.transform = new T.RandomCrop(40);
    try {
      const loader = new data.DataLoader(ds, { batchSize: 16, numWorkers: 2 });
      expect(() => epoch(loader)).to.throw(/item 0 .*Required crop size \(40, 40\) is larger than input image size \(32, 32\)/);
    } finally {
      ds.transform = null;
    }
  });
  it("unsupported transforms fall back to JavaScript", () => {
    ds.transform = new T.Compose([new T.RandomRotation(10), new T.ToTensor()]);
    expect(new data.DataLoader(ds, { batchSize: 16, numWorkers: 2 }).mode).to.equal("workers");
    ds.transform = null;
    const loader = new data.DataLoader(ds, { batchSize: 16 });
    expect(loader.mode).to.equal("native");
    const it = loader.iter();
    const [x, y] = it.next().value;
    expect(x.shape).to.deep.equal([16, 32, 32, 3]);
    expect(x.dtype).to.equal(torch.uint8);
    expect(y.dtype).to.equal(torch.int64);
    it.return();
    expect(x.isDisposed, "return() frees the current batch").to.equal(true);
  });
  it("[...loader] gives freed batches unless keepBatches is set", () => {
    const all = [...new data.DataLoader(ds, { batchSize: 100 })];
    expect(all.every(([x]: any) => x.isDisposed)).to.equal(true);
    const kept = [...new data.DataLoader(ds, { batchSize: 100, keepBatches: true })];
    expect(kept.map(([x]: any) => x.shape[0])).to.deep.equal([100, 100]);
    torch.dispose(kept);
  });
});

describe("DeviceLoader: the whole dataset on a device (cpu here)", () => {
  it("each epoch covers every item once, batch by batch, through batched transforms", () => {
    torch.manualSeed(3);
    const imgs = torch.randint(0, 256, [50, 8, 8, 3], { dtype: torch.uint8 });
    const ds = new vision.datasets.ImageTensorDataset(imgs, range(50), {
      transform: new T.Compose([new T.RandomCrop(8, { padding: 1 }), new T.RandomHorizontalFlip(), new T.ToTensor(), new T.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])]),
    });
    const dev = ds.toDevice("cpu");
    expect(dev.data.shape).to.deep.equal([50, 8, 8, 3]);
    const loader = new data.DeviceLoader(dev, { batchSize: 16, shuffle: true, generator: new torch.Generator().manualSeed(4) });
    expect(loader.length).to.equal(4);
    const before = torch.memory().liveTensors;
    for (let e = 0; e < 2; e++) {
      const seen: number[] = [];
      for (const [x, y] of loader) {
        expect(x.shape[1]).to.equal(3);
        expect(x.dtype).to.equal(torch.float32);
        seen.push(...(y.toArray() as number[]));
      }
      expect([...seen].sort((a, b) => a - b)).to.deep.equal(range(50));
      expect(seen).to.not.deep.equal(range(50));
    }
    expect(torch.memory().liveTensors).to.equal(before);
    const again = new data.DeviceLoader(ds.toDevice("cpu"), { batchSize: 16, shuffle: true, generator: new torch.Generator().manualSeed(4) });
    const ys = (l: data.DeviceLoader) => { const o: number[] = []; for (const [, y] of l) o.push(...(y.toArray() as number[])); return o; };
    const l2 = new data.DeviceLoader(ds.toDevice("cpu"), { batchSize: 16, shuffle: true, generator: new torch.Generator().manualSeed(4) });
    expect(ys(again)).to.deep.equal(ys(l2));
    const plain = new data.DeviceLoader(ds, { device: "cpu", batchSize: 50, transform: null });
    for (const [x] of plain) expect(x.shape).to.deep.equal([50, 8, 8, 3]);
  });
  it("a TensorDataset works too", async () => {
    const tds = new data.TensorDataset(torch.arange(10).float().view([10, 1]), torch.arange(10));
    const out: number[] = [];
    for await (const [, y] of new data.DeviceLoader(tds, { batchSize: 4 })) out.push(...(y.toArray() as number[]));
    expect(out).to.deep.equal(range(10));
  });
});

describe("DataLoader: pinMemory", () => {
  const make = () => new data.TensorDataset(...torch.tidy(() => [torch.arange(40).float().view([20, 2]), torch.arange(20)]));
  const collect = (loader: data.DataLoader) => {
    const out: { x: number[][]; y: number[]; pinned: boolean[] }[] = [];
    for (const [x, y] of loader) out.push({ x: x.toArray(), y: y.toArray(), pinned: [x.isPinned(), y.isPinned()] });
    return out;
  };

  it("without CUDA: warns once (as PyTorch) and returns the same, unpinned batches", async function () {
    if (torch.cuda.isAvailable()) this.skip();
    const { _resetPinMemoryWarning } = require("../lib/data/dataloader");
    _resetPinMemoryWarning();
    const warnings: string[] = [];
    const onWarn = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarn);
    try {
      const tds = make();
      for (const numWorkers of [0, 2]) {
        const plain = collect(new data.DataLoader(tds, { batchSize: 6, numWorkers }));
        const pinned = collect(new data.DataLoader(tds, { batchSize: 6, numWorkers, pinMemory: true }));
        expect(pinned.map((b) => [b.x, b.y])).to.deep.equal(plain.map((b) => [b.x, b.y]));
        expect(pinned.every((b) => !b.pinned[0] && !b.pinned[1])).to.equal(true);
        expect(new data.DataLoader(tds, { pinMemory: true }).pinMemory).to.equal(true);
      }
      await new Promise((r) => setImmediate(r));  // process warnings are emitted on the next tick
      const pinWarnings = warnings.filter((m) => /pin_memory/.test(m));
      expect(pinWarnings).to.deep.equal(["'pin_memory' argument is set as true but no accelerator is found, then device pinned memory won't be used."]);
      torch.dispose(tds.tensors);
    } finally { process.off("warning", onWarn); }
  });

  it("with CUDA: every tensor of every batch comes back pinned (and equal)", function () {
    if (!torch.cuda.isAvailable()) this.skip();
    const tds = make();
    for (const numWorkers of [0, 2]) {
      const plain = collect(new data.DataLoader(tds, { batchSize: 6, numWorkers }));
      const pinned = collect(new data.DataLoader(tds, { batchSize: 6, numWorkers, pinMemory: true }));
      expect(pinned.map((b) => [b.x, b.y])).to.deep.equal(plain.map((b) => [b.x, b.y]));
      expect(pinned.every((b) => b.pinned[0] && b.pinned[1]), JSON.stringify(pinned.map((b) => b.pinned))).to.equal(true);
    }
    torch.dispose(tds.tensors);
  });
});
