// Keras-style callbacks for train.fit(): hooks called at train/epoch/batch boundaries.
import * as fs from "fs";
import * as path from "path";
import { Tensor } from "../tensor";
import * as optim from "../optim";
import { History, Logs } from "./history";
import { EarlyStopping } from "./callbacks";
import { SummaryWriter } from "./tensorboard";

/** What callbacks see: the model, its optimizer, the History so far; set stopTraining to end fit(). */
export interface FitContext {
  model: any;
  optimizer: optim.Optimizer;
  history: History;
  epochs: number;
  stopTraining: boolean;
  params: Record<string, any>;
}

/** A fit() callback: any subset of these hooks (each may be async). `logs` of onEpochEnd may be added to. */
export interface Callback {
  onTrainBegin?(ctx: FitContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: FitContext): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs, ctx: FitContext): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs, ctx: FitContext): void | Promise<void>;
  onTrainEnd?(ctx: FitContext): void | Promise<void>;
}

const warned = new Set<string>();
function warnOnce(msg: string): void {
  if (warned.has(msg)) return;
  warned.add(msg);
  process.emitWarning(msg);
}

/** The monitored value from logs, or undefined (with a warning once) when the logs lack it. */
function monitored(logs: Logs, monitor: string, who: string): number | undefined {
  const v = logs[monitor];
  if (v === undefined || Number.isNaN(v)) {
    warnOnce(`${who}: metric '${monitor}' is not available (have: ${Object.keys(logs).join(", ")}); skipping`);
    return undefined;
  }
  return v;
}

function autoMode(monitor: string, mode?: "min" | "max" | "auto"): "min" | "max" {
  return !mode || mode === "auto" ? (monitor.includes("acc") ? "max" : "min") : mode;
}

export interface ReduceLROnPlateauCallbackOptions extends Omit<optim.lrScheduler.ReduceLROnPlateauOptions, "mode"> {
  /** Metric to watch (default "val_loss"). */
  monitor?: string;
  mode?: "min" | "max" | "auto";
}

/**
 * Keras' ReduceLROnPlateau callback: drives optim.lrScheduler.ReduceLROnPlateau on fit()'s optimizer with a
 * metric from the epoch's logs (default val_loss).
 */
export class ReduceLROnPlateau implements Callback {
  readonly monitor: string;
  scheduler: optim.lrScheduler.ReduceLROnPlateau | null = null;
  constructor(readonly options: ReduceLROnPlateauCallbackOptions = {}) { this.monitor = options.monitor ?? "val_loss"; }
  onTrainBegin(ctx: FitContext): void {
    const { monitor: _m, mode, ...rest } = this.options;
    this.scheduler = new optim.lrScheduler.ReduceLROnPlateau(ctx.optimizer, { ...rest, mode: autoMode(this.monitor, mode) });
  }
  onEpochEnd(_epoch: number, logs: Logs): void {
    const v = monitored(logs, this.monitor, "ReduceLROnPlateau");
    if (v !== undefined) this.scheduler!.step(v);
  }
}

export interface ModelCheckpointOptions {
  /** File to write; `{epoch}` (1-based) and `{<metric>}` (e.g. `{val_loss}`) are replaced. */
  filepath: string;
  monitor?: string;
  mode?: "min" | "max" | "auto";
  /** Only write when the monitored metric improves (default false). */
  saveBestOnly?: boolean;
  /** Write model.stateDict() (true, default); false saves whatever `save` is given the model itself. */
  saveWeightsOnly?: boolean;
  /** Writer; default torch.save. */
  save?: (obj: any, file: string) => void | Promise<void>;
  verbose?: boolean;
}

/** Saves the model's state dict after epochs (every epoch, or only when the monitored metric improves). */
export class ModelCheckpoint implements Callback {
  readonly monitor: string;
  readonly mode: "min" | "max";
  best: number;
  /** Files written, in order. */
  readonly saved: string[] = [];
  constructor(readonly options: ModelCheckpointOptions) {
    this.monitor = options.monitor ?? "val_loss";
    this.mode = autoMode(this.monitor, options.mode);
    this.best = this.mode === "min" ? Infinity : -Infinity;
  }
  async onEpochEnd(epoch: number, logs: Logs, ctx: FitContext): Promise<void> {
    if (this.options.saveBestOnly) {
      const v = monitored(logs, this.monitor, "ModelCheckpoint");
      if (v === undefined || !(this.mode === "min" ? v < this.best : v > this.best)) return;
      this.best = v;
    }
    const file = this.options.filepath.replace(/\{(\w+)(?::\.(\d+)f)?\}/g, (m, k: string, digits?: string) =>
      k === "epoch" ? String(epoch + 1) : k in logs ? (digits ? logs[k].toFixed(Number(digits)) : String(logs[k])) : m);
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const save = this.options.save ?? defaultSave();
    if (this.options.saveWeightsOnly === false) await save(ctx.model, file);
    else {
      const sd = ctx.model.stateDict();
      try { await save(sd, file); } finally { disposeFresh(sd, ctx.model); }
    }
    this.saved.push(file);
    if (this.options.verbose) console.log(`ModelCheckpoint: saved ${file}`);
  }
}

// Disposes the state dict's tensors that are new handles (nn.Module.stateDict() detaches), not the model's own.
function disposeFresh(sd: any, model: any): void {
  const own = new Set<Tensor>([...(model.parameters?.() ?? []), ...(model.buffers?.() ?? [])]);
  const vals = sd instanceof Map ? Array.from(sd.values()) : Object.values(sd);
  for (const v of vals) if (v instanceof Tensor && !own.has(v)) v.dispose();
}

function defaultSave(): (obj: any, file: string) => void {
  // Looked up at call time: torch.save lives in the serialization module.
  const save = (require("../index") as any).save;
  if (typeof save !== "function") throw new Error("ModelCheckpoint: torch.save is not available; pass options.save");
  return save;
}

export interface TensorBoardOptions {
  /** Root directory; scalars go to <logDir>/train and <logDir>/validation, as Keras does (default "runs/fit"). */
  logDir?: string;
  /** Also log each parameter's histogram every N epochs (0: never, the default). */
  histogramFreq?: number;
  /** Log the batch loss every N batches to <logDir>/train as batch_loss (0: never, the default). */
  updateFreq?: number;
}

/**
 * Logs epoch metrics for TensorBoard: `epoch_loss`, `epoch_accuracy`, ... with training values in the
 * `train` run and validation values in the `validation` run, so each chart overlays the two; `epoch_lr` too.
 */
export class TensorBoard implements Callback {
  readonly logDir: string;
  train: SummaryWriter | null = null;
  validation: SummaryWriter | null = null;
  private step = 0;
  constructor(readonly options: TensorBoardOptions = {}) { this.logDir = options.logDir ?? path.join("runs", "fit"); }
  onTrainBegin(): void {
    this.train = new SummaryWriter(path.join(this.logDir, "train"));
    this.validation = new SummaryWriter(path.join(this.logDir, "validation"));
  }
  onBatchEnd(_b: number, logs: Logs): void {
    const f = this.options.updateFreq ?? 0;
    if (f > 0 && this.step % f === 0 && logs.batchLoss !== undefined) this.train!.addScalar("batch_loss", logs.batchLoss, this.step);
    this.step++;
  }
  onEpochEnd(epoch: number, logs: Logs, ctx: FitContext): void {
    for (const [k, v] of Object.entries(logs)) {
      if (k.startsWith("val_")) this.validation!.addScalar(`epoch_${k.slice(4)}`, v, epoch);
      else this.train!.addScalar(`epoch_${k}`, v, epoch);
    }
    const hf = this.options.histogramFreq ?? 0;
    if (hf > 0 && epoch % hf === 0 && typeof ctx.model.namedParameters === "function") {
      const named = ctx.model.namedParameters();
      const entries: [string, Tensor][] = named instanceof Map ? Array.from(named.entries()) : Array.isArray(named) ? named : Object.entries(named);
      for (const [name, p] of entries) this.train!.addHistogram(name, p, epoch);
    }
    this.train!.flush();
    this.validation!.flush();
  }
  onTrainEnd(): void { this.close(); }
  close(): void { this.train?.close(); this.validation?.close(); this.train = this.validation = null; }
}

/** A callback from plain functions: `new train.LambdaCallback({ onEpochEnd: (e, logs) => ... })`. */
export class LambdaCallback implements Callback {
  constructor(hooks: Callback) { Object.assign(this, hooks); }
}

/** Adapts what fit() accepts in `callbacks` to the Callback hooks. */
export function asCallback(c: any): Callback {
  if (c instanceof EarlyStopping) {
    return {
      onTrainBegin: () => c.reset(),
      onEpochEnd: (_e, logs, ctx) => {
        if (monitored(logs, c.monitor, "EarlyStopping") === undefined) return;
        if (c.step(logs, ctx.model)) ctx.stopTraining = true;
      },
    };
  }
  if (c instanceof optim.lrScheduler.ReduceLROnPlateau) {
    return {
      onEpochEnd: (_e, logs) => {
        const v = logs.val_loss ?? logs.loss;
        c.step(v);
      },
    };
  }
  if (c instanceof optim.lrScheduler.LRScheduler) return { onEpochEnd: () => c.step() };
  if (c && typeof c === "object" && ["onTrainBegin", "onEpochBegin", "onBatchEnd", "onEpochEnd", "onTrainEnd"].some((k) => typeof c[k] === "function")) return c;
  throw new TypeError("fit: a callback must be a train callback, train.EarlyStopping, an lr scheduler, or an object with on*() hooks");
}
