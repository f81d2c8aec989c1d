// Keras-style fit/evaluate/predict, written as the plain loop a user would write: tidy per step, and
// batches disposed after use, so torch.memory().liveTensors stays constant from step to step.
import { Tensor, randperm, tensor, Device } from "../tensor";
import { cat } from "../functions";
import { tidy, dispose } from "../memory";
import { noGrad } from "../autograd";
import { callOp } from "../ops";
import * as dt from "../dtype";
import * as optim from "../optim";
import { History, Logs } from "./history";
import { ProgressBar } from "./progress";
import { Callback, FitContext, asCallback } from "./fit_callbacks";

/** What fit() needs of a model: an nn.Module fits. */
export interface Trainable {
  forward(x: any): Tensor;
  train(mode?: boolean): any;
  eval(): any;
  training?: boolean;
  parameters(): Iterable<Tensor>;
  stateDict?(): any;
  loadStateDict?(sd: any, ...rest: any[]): any;
}

/** A loss: a function (output, target) => scalar Tensor, an nn loss module, or a name. */
export type LossSpec = ((output: Tensor, target: Tensor) => Tensor) | { forward(output: Tensor, target: Tensor): Tensor } | LossName;
export type LossName = "crossEntropy" | "cross_entropy" | "sparse_categorical_crossentropy" | "nll" | "mse" | "mean_squared_error"
  | "l1" | "mae" | "bce" | "binary_crossentropy" | "bceWithLogits";

/** A metric: "accuracy", or a named function giving the batch mean (number or one-element Tensor). */
export type MetricSpec = "accuracy" | "acc" | { name: string; fn: (output: Tensor, target: Tensor) => number | Tensor };

/**
 * Data for fit/evaluate: `[x, y]` tensors (batched here, shuffled each epoch), a map-style dataset
 * (`length`/`getItem(i)` returning `[x, y]`, batched here), or an iterable of `[x, y]` batches (a DataLoader).
 */
export type DataSpec = [Tensor, Tensor] | MapDataset | Iterable<[Tensor, Tensor]> | AsyncIterable<[Tensor, Tensor]>;
export interface MapDataset { length: number; getItem(i: number): any; }

export interface CompileOptions {
  /** An optimizer, or a name ("adam", "adamw", "sgd", "rmsprop") for one with default settings on model.parameters(). */
  optimizer: optim.Optimizer | "adam" | "adamw" | "sgd" | "rmsprop";
  loss: LossSpec;
  /** Default: ["accuracy"] for classification losses, else []. */
  metrics?: MetricSpec[];
}

export interface FitOptions extends CompileOptions {
  /** Training data (see DataSpec). */
  trainData?: DataSpec;
  /** Alias of trainData. */
  data?: DataSpec;
  epochs?: number;
  /** Samples per batch for tensor and dataset data (default 32). */
  batchSize?: number;
  /** Hold out the last fraction of the training data for validation (before shuffling, as Keras does). */
  validationSplit?: number;
  validationData?: DataSpec;
  /** Validation batch size (default: batchSize). */
  validationBatchSize?: number;
  /** Shuffle tensor/dataset training data each epoch (default true). */
  shuffle?: boolean;
  /** Keras callbacks (ReduceLROnPlateau, EarlyStopping, ModelCheckpoint, TensorBoard, or objects with hooks),
   *  optim schedulers (stepped each epoch; ReduceLROnPlateau with val_loss), or train.EarlyStopping. */
  callbacks?: any[];
  /** 0 silent, 1 progress bar (one line per epoch when not on a TTY), 2 one line per epoch. Default 1. */
  verbose?: 0 | 1 | 2;
  /** Moves each batch there (the model must already be there). */
  device?: Device;
  /** Epoch to start counting from (resuming). */
  initialEpoch?: number;
  /** Where the progress goes (default process.stdout). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

// ---- losses and metrics ----

/** Turns a LossSpec into a function. */
export function lossFunction(loss: LossSpec): (out: Tensor, y: Tensor) => Tensor {
  if (typeof loss === "function") return loss;
  if (typeof loss === "object" && loss && typeof loss.forward === "function") return (o, y) => loss.forward(o, y);
  switch (loss) {
    case "crossEntropy": case "cross_entropy": case "sparse_categorical_crossentropy":
      return (o, y) => callOp("aten::cross_entropy_loss", o, y);
    case "nll": return (o, y) => callOp("aten::nll_loss", o, y);
    case "mse": case "mean_squared_error": return (o, y) => callOp("aten::mse_loss", o, y);
    case "l1": case "mae": return (o, y) => callOp("aten::l1_loss", o, y);
    case "bce": case "binary_crossentropy": return (o, y) => callOp("aten::binary_cross_entropy", o, y);
    case "bceWithLogits": return (o, y) => callOp("aten::binary_cross_entropy_with_logits", o, y);
  }
  throw new TypeError(`unknown loss '${String(loss)}'`);
}

function isClassificationLoss(loss: LossSpec): boolean {
  if (typeof loss === "string") return /cross_?entropy|crossEntropy|nll/.test(loss) && !loss.startsWith("binary");
  const name = (loss as any)?.constructor?.name ?? "";
  return name === "CrossEntropyLoss" || name === "NLLLoss";
}

/**
 * Correct predictions in a batch, picked as Keras' "accuracy" does: one output per sample ([N] or [N, 1]) is binary
 * (output > 0.5 against target > 0.5); otherwise argmax over classes against class indices ([N] or [N, 1]), or
 * against the argmax of one-hot/probability targets.
 */
export function countCorrect(out: Tensor, y: Tensor): number {
  return tidy(() => {
    const n = out.shape[0];
    if (out.dim() < 2 || out.shape[out.dim() - 1] === 1) {
      const o = out.reshape([n, -1]), t = y.reshape([n, -1]);
      return o.gt(0.5).eq(t.gt(0.5)).to(dt.float64).mean([1]).sum().item();
    }
    const pred = out.argmax(1);
    let target = y;
    if (y.dim() === out.dim()) target = y.shape[y.dim() - 1] === 1 ? y.squeeze(-1) : y.argmax(1);
    return pred.eq(target).sum().item();
  });
}

interface Metric { name: string; batch(out: Tensor, y: Tensor): number; /** sum of per-sample values */ }
function makeMetrics(specs: MetricSpec[]): Metric[] {
  return specs.map((m) => {
    if (m === "accuracy" || m === "acc") return { name: "accuracy", batch: (o: Tensor, y: Tensor) => countCorrect(o, y) };
    if (m && typeof m === "object" && typeof m.fn === "function")
      return { name: m.name, batch: (o: Tensor, y: Tensor) => { const v = m.fn(o, y); return (typeof v === "number" ? v : v.item()) * o.shape[0]; } };
    throw new TypeError(`unknown metric ${JSON.stringify(m)}`);
  });
}

function makeOptimizer(model: Trainable, o: CompileOptions["optimizer"]): optim.Optimizer {
  if (o instanceof optim.Optimizer) return o;
  const params = Array.from(model.parameters());
  switch (o) {
    case "adam": return new optim.Adam(params);
    case "adamw": return new optim.AdamW(params);
    case "sgd": return new optim.SGD(params, { lr: 0.01 });
    case "rmsprop": return new optim.RMSprop(params);
  }
  if (o && typeof (o as any).step === "function" && typeof (o as any).zeroGrad === "function") return o as optim.Optimizer;
  throw new TypeError(`unknown optimizer '${String(o)}'`);
}

// ---- one step ----

export interface StepResult { loss: number; count: number; metrics: Record<string, number>; }

/**
 * One optimisation step on a batch, the body of every training loop:
 * zeroGrad → forward → loss → backward → step, inside tidy. Returns the batch loss and metric sums (plain numbers).
 */
export function trainOnBatch(model: Trainable, optimizer: optim.Optimizer, loss: LossSpec, x: Tensor, y: Tensor,
  metrics: MetricSpec[] = []): StepResult {
  const lossFn = lossFunction(loss), ms = makeMetrics(metrics);
  return tidy(() => {
    optimizer.zeroGrad();
    const out = model.forward(x);
    const l = lossFn(out, y);
    l.backward();
    optimizer.step();
    const m: Record<string, number> = {};
    noGrad(() => { for (const metric of ms) m[metric.name] = metric.batch(out, y); });
    return { loss: l.item(), count: x.shape[0], metrics: m };
  });
}

/** Loss and metric sums on a batch without updating the model (call in eval mode). */
export function testOnBatch(model: Trainable, loss: LossSpec, x: Tensor, y: Tensor, metrics: MetricSpec[] = []): StepResult {
  const lossFn = lossFunction(loss), ms = makeMetrics(metrics);
  return tidy(() => noGrad(() => {
    const out = model.forward(x);
    const m: Record<string, number> = {};
    for (const metric of ms) m[metric.name] = metric.batch(out, y);
    return { loss: lossFn(out, y).item(), count: x.shape[0], metrics: m };
  }));
}

// ---- batching ----

interface Batches {
  /** Samples per epoch, when known. */
  size: number | null;
  /** Yields [x, y]; `owned` batches are disposed by the caller after use. */
  iterate(shuffle: boolean): AsyncIterable<{ x: Tensor; y: Tensor; owned: boolean }>;
  dispose(): void;
}

function isTensorPair(d: any): d is [Tensor, Tensor] {
  return Array.isArray(d) && d.length === 2 && d[0] instanceof Tensor && d[1] instanceof Tensor;
}
function isMapDataset(d: any): d is MapDataset {
  return d && typeof d.getItem === "function" && typeof d.length === "number";
}

function tensorBatches(x: Tensor, y: Tensor, batchSize: number, views: Tensor[] = []): Batches {
  const n = x.shape[0];
  if (y.shape[0] !== n) throw new RangeError(`fit: x has ${n} samples but y has ${y.shape[0]}`);
  return {
    size: n,
    async *iterate(shuffle: boolean) {
      const perm = shuffle ? randperm(n) : null;
      try {
        for (let i = 0; i < n; i += batchSize) {
          const m = Math.min(batchSize, n - i);
          const [bx, by] = tidy(() => {
            if (!perm) return [x.narrow(0, i, m), y.narrow(0, i, m)];
            const idx = perm.narrow(0, i, m);
            return [x.indexSelect(0, idx), y.indexSelect(0, idx)];
          });
          yield { x: bx, y: by, owned: true };
        }
      } finally { perm?.dispose(); }
    },
    dispose() { for (const v of views) v.dispose(); },
  };
}

function datasetBatches(ds: MapDataset, batchSize: number, indices?: number[]): Batches {
  const idx = indices ?? Array.from({ length: ds.length }, (_, i) => i);
  return {
    size: idx.length,
    async *iterate(shuffle: boolean) {
      const order = [...idx];
      if (shuffle) {
        const p = randperm(order.length);
        const pi = Array.from(p.data() as BigInt64Array, Number);
        p.dispose();
        for (let i = 0; i < pi.length; i++) order[i] = idx[pi[i]];
      }
      for (let i = 0; i < order.length; i += batchSize) {
        const items = order.slice(i, i + batchSize).map((j) => ds.getItem(j));
        const [bx, by] = tidy(() => collate(items));
        for (const it of items) dispose(it);
        yield { x: bx, y: by, owned: true };
      }
    },
    dispose() {},
  };
}

/** Stacks [x, y] samples into a batch (numbers become an int64 or float tensor). */
function collate(items: any[]): [Tensor, Tensor] {
  const col = (k: number): Tensor => {
    const vals = items.map((it) => it[k]);
    if (vals[0] instanceof Tensor) return callOp("aten::stack", vals, 0);
    return tensor(vals, { dtype: vals.every((v) => Number.isInteger(v)) ? dt.int64 : dt.float32 });
  };
  return [col(0), col(1)];
}

function iterableBatches(it: Iterable<any> | AsyncIterable<any>): Batches {
  const anyIt = it as any;
  // A DataLoader's sample count per epoch (for the progress bar), when it can be known up front.
  const n = anyIt.sampler?.length ?? anyIt.dataset?.length, bs = anyIt.batchSize;
  const size = typeof n !== "number" || (anyIt.batchSampler && typeof bs !== "number") ? null
    : anyIt.dropLast && typeof bs === "number" ? Math.floor(n / bs) * bs : n;
  const owned = !Array.isArray(it); // batches from a loader are fresh each epoch; an array of batches is reused
  return {
    size,
    async *iterate() {
      for await (const b of it as AsyncIterable<any>) {
        const [x, y] = Array.isArray(b) ? b : [b.x ?? b[0], b.y ?? b[1]];
        yield { x, y, owned };
      }
    },
    dispose() {},
  };
}

function toBatches(d: DataSpec, batchSize: number): Batches {
  if (isTensorPair(d)) return tensorBatches(d[0], d[1], batchSize);
  if (isMapDataset(d)) return datasetBatches(d, batchSize);
  if (d && (typeof (d as any)[Symbol.iterator] === "function" || typeof (d as any)[Symbol.asyncIterator] === "function"))
    return iterableBatches(d as any);
  throw new TypeError("data must be [x, y] tensors, a dataset with length/getItem(), or an iterable of [x, y] batches");
}

/** Keras' split point: the first floor(n * (1 - split)) samples train, the rest validate. */
function kerasSplitAt(n: number, split: number): number {
  const at = Math.floor(n * (1 - split));
  if (at === 0 || at === n) throw new RangeError(`validationSplit ${split} of ${n} samples leaves an empty split`);
  return at;
}

function splitData(d: DataSpec, split: number, batchSize: number, valBatch: number): [Batches, Batches] {
  if (!(split > 0 && split < 1)) throw new RangeError(`validationSplit must be in (0, 1), got ${split}`);
  if (isTensorPair(d)) {
    const n = d[0].shape[0], nTr = kerasSplitAt(n, split), nVal = n - nTr;
    const [xt, yt, xv, yv] = [d[0].narrow(0, 0, nTr), d[1].narrow(0, 0, nTr), d[0].narrow(0, nTr, nVal), d[1].narrow(0, nTr, nVal)];
    return [tensorBatches(xt, yt, batchSize, [xt, yt]), tensorBatches(xv, yv, valBatch, [xv, yv])];
  }
  if (isMapDataset(d)) {
    const n = d.length, nTr = kerasSplitAt(n, split);
    const all = Array.from({ length: n }, (_, i) => i);
    return [datasetBatches(d, batchSize, all.slice(0, nTr)), datasetBatches(d, valBatch, all.slice(nTr))];
  }
  throw new TypeError("validationSplit needs [x, y] tensors or a dataset; with a DataLoader pass validationData");
}

function moveBatch(b: { x: Tensor; y: Tensor; owned: boolean }, device?: Device) {
  if (!device || b.x.device === device) return b;
  const x = b.x.to(device), y = b.y.to(device);
  if (b.owned) { b.x.dispose(); b.y.dispose(); }
  return { x, y, owned: true };
}

async function runEval(model: Trainable, batches: Batches, loss: LossSpec, metrics: MetricSpec[], device?: Device): Promise<Logs> {
  const wasTraining = model.training ?? true;
  model.eval();
  let sum = 0, count = 0;
  const sums: Record<string, number> = {};
  try {
    for await (const raw of batches.iterate(false)) {
      const b = moveBatch(raw, device);
      try {
        const r = testOnBatch(model, loss, b.x, b.y, metrics);
        sum += r.loss * r.count; count += r.count;
        for (const [k, v] of Object.entries(r.metrics)) sums[k] = (sums[k] ?? 0) + v;
      } finally { if (b.owned) { b.x.dispose(); b.y.dispose(); } }
    }
  } finally { model.train(wasTraining); }
  const logs: Logs = { loss: count ? sum / count : NaN };
  for (const [k, v] of Object.entries(sums)) logs[k] = v / count;
  return logs;
}

// ---- fit / evaluate / predict ----

/**
 * Trains a model the Keras way and returns its History:
 * ```ts
 * const history = await train.fit(model, {
 *   optimizer: new optim.Adam(model.parameters(), { lr: 1e-3 }), loss: new nn.CrossEntropyLoss(),
 *   trainData: [xTrain, yTrain], epochs: 10, batchSize: 64, validationSplit: 0.1,
 *   callbacks: [new train.ReduceLROnPlateau({ patience: 2 }), new train.EarlyStopping({ patience: 3, restoreBestWeights: true })],
 * });
 * ```
 * Each step is `trainOnBatch` (zeroGrad, forward, loss, backward, step inside tidy); each epoch ends with
 * validation, the callbacks, and one History entry: loss, accuracy, val_loss, val_accuracy, lr.
 */
export async function fit(model: Trainable, opts: FitOptions): Promise<History> {
  const epochs = opts.epochs ?? 1, batchSize = opts.batchSize ?? 32;
  const valBatch = opts.validationBatchSize ?? batchSize;
  const optimizer = makeOptimizer(model, opts.optimizer);
  const metrics = opts.metrics ?? (isClassificationLoss(opts.loss) ? ["accuracy"] : []);
  const lossFn = lossFunction(opts.loss);
  const verbose = opts.verbose ?? 1;
  const trainData = opts.trainData ?? opts.data;
  if (!trainData) throw new TypeError("fit: trainData is required");
  let trainB: Batches, valB: Batches | null = null;
  if (opts.validationData) { trainB = toBatches(trainData, batchSize); valB = toBatches(opts.validationData, valBatch); }
  else if (opts.validationSplit) [trainB, valB] = splitData(trainData, opts.validationSplit, batchSize, valBatch);
  else trainB = toBatches(trainData, batchSize);

  const history = new History();
  history.params = { epochs, batchSize, samples: trainB.size, validationSamples: valB?.size ?? 0, metrics: metrics.map((m) => typeof m === "string" ? "accuracy" : m.name) };
  const ctx: FitContext = { model, optimizer, history, epochs, stopTraining: false, params: history.params };
  const callbacks: Callback[] = (opts.callbacks ?? []).map(asCallback);
  const t0 = Date.now();
  try {
    for (const cb of callbacks) await cb.onTrainBegin?.(ctx);
    for (let epoch = opts.initialEpoch ?? 0; epoch < epochs && !ctx.stopTraining; epoch++) {
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch, ctx);
      model.train(true);
      const lr = optimizer.paramGroups[0].lr;
      const bar = verbose ? new ProgressBar({
        total: trainB.size ?? 0, epoch, epochs, stream: opts.stream,
        live: verbose === 1 && trainB.size !== null ? undefined : false,
      }) : null;
      let sum = 0, count = 0, batch = 0;
      const sums: Record<string, number> = {};
      for await (const raw of trainB.iterate(opts.shuffle ?? true)) {
        const b = moveBatch(raw, opts.device);
        let r: StepResult;
        try { r = trainOnBatch(model, optimizer, lossFn, b.x, b.y, metrics); }
        finally { if (b.owned) { b.x.dispose(); b.y.dispose(); } }
        sum += r.loss * r.count; count += r.count;
        for (const [k, v] of Object.entries(r.metrics)) sums[k] = (sums[k] ?? 0) + v;
        const running: Logs = { loss: sum / count };
        for (const [k, v] of Object.entries(sums)) running[k] = v / count;
        bar?.update(count, running);
        for (const cb of callbacks) await cb.onBatchEnd?.(batch, { ...running, batchLoss: r.loss, size: r.count }, ctx);
        batch++;
        if (ctx.stopTraining) break;
      }
      const logs: Logs = { loss: sum / count };
      for (const [k, v] of Object.entries(sums)) logs[k] = v / count;
      if (valB) {
        const v = await runEval(model, valB, lossFn, metrics, opts.device);
        for (const [k, x] of Object.entries(v)) logs[`val_${k}`] = x;
      }
      const shown = { ...logs };
      logs.lr = lr;
      bar?.stop(Object.fromEntries(Object.entries(shown).filter(([k]) => k.startsWith("val_"))));
      for (const cb of callbacks) await cb.onEpochEnd?.(epoch, logs, ctx);
      history.add(epoch, logs);
    }
    history.params.stoppedEpoch = ctx.stopTraining ? history.epoch[history.length - 1] : null;
    history.params.seconds = (Date.now() - t0) / 1000;
    for (const cb of callbacks) await cb.onTrainEnd?.(ctx);
  } finally {
    trainB.dispose();
    valB?.dispose();
  }
  return history;
}

export interface EvaluateOptions {
  loss: LossSpec;
  metrics?: MetricSpec[];
  batchSize?: number;
  device?: Device;
}

/** Loss and metrics of a model on data, in eval mode without gradients: `{ loss, accuracy }`. */
export async function evaluate(model: Trainable, data: DataSpec, opts: EvaluateOptions): Promise<Logs> {
  const b = toBatches(data, opts.batchSize ?? 32);
  try {
    return await runEval(model, b, lossFunction(opts.loss), opts.metrics ?? (isClassificationLoss(opts.loss) ? ["accuracy"] : []), opts.device);
  } finally { b.dispose(); }
}

/**
 * The model's outputs on x, batch by batch in eval mode without gradients, concatenated on the CPU.
 * x: a Tensor of samples, or an iterable of batches (Tensors or [x, y] pairs).
 */
export async function predict(model: Trainable, x: Tensor | Iterable<any> | AsyncIterable<any>, opts: { batchSize?: number; device?: Device } = {}): Promise<Tensor> {
  const wasTraining = model.training ?? true;
  model.eval();
  const outs: Tensor[] = [];
  const run = (bx: () => Tensor) => outs.push(tidy(() => noGrad(() => {
    const b = bx();
    return model.forward(opts.device ? b.to(opts.device) : b).cpu();
  })));
  try {
    if (x instanceof Tensor) {
      const bs = opts.batchSize ?? 32, n = x.shape[0];
      for (let i = 0; i < n; i += bs) run(() => x.narrow(0, i, Math.min(bs, n - i)));
    } else {
      const owned = !Array.isArray(x);
      for await (const b of x as AsyncIterable<any>) {
        const bx: Tensor = b instanceof Tensor ? b : Array.isArray(b) ? b[0] : b.x;
        run(() => bx);
        if (owned) dispose(b);
      }
    }
    if (outs.length === 0) throw new RangeError("predict: no input samples");
    return outs.length === 1 ? outs[0] : cat(outs, 0);
  } finally {
    if (outs.length > 1) for (const o of outs) o.dispose();
    model.train(wasTraining);
  }
}

/** A model bound to its optimizer, loss and metrics, for code that reads like Keras' compile/fit/evaluate/predict. */
export class Compiled {
  readonly optimizer: optim.Optimizer;
  constructor(readonly model: Trainable, readonly options: CompileOptions) { this.optimizer = makeOptimizer(model, options.optimizer); }
  fit(opts: Omit<FitOptions, keyof CompileOptions>): Promise<History> { return fit(this.model, { ...this.options, optimizer: this.optimizer, ...opts }); }
  evaluate(data: DataSpec, opts: { batchSize?: number; device?: Device } = {}): Promise<Logs> {
    return evaluate(this.model, data, { loss: this.options.loss, metrics: this.options.metrics, ...opts });
  }
  predict(x: Tensor | Iterable<any>, opts: { batchSize?: number; device?: Device } = {}): Promise<Tensor> { return predict(this.model, x, opts); }
}

/** Keras' model.compile(): `const m = train.compile(model, { optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"] })`. */
export function compile(model: Trainable, options: CompileOptions): Compiled { return new Compiled(model, options); }
