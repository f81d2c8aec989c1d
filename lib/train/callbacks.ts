// Training callbacks for explicit loops (Keras-style semantics).
import { Tensor } from "../tensor";
import { tidy, keep } from "../memory";
import { callOp } from "../ops";

/** Anything with stateDict()/loadStateDict(sd), e.g. an nn.Module. */
export interface HasStateDict { stateDict(): any; loadStateDict(sd: any, ...rest: any[]): any; }

export interface EarlyStoppingOptions {
  /** Name of the metric in a logs object passed to step() (default "val_loss"). */
  monitor?: string;
  /** "min", "max", or "auto" (max when the monitor's name contains "acc", else min). */
  mode?: "min" | "max" | "auto";
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Keep a copy of the model's weights at the best epoch and restore it when stopping (default false). */
  restoreBestWeights?: boolean;
  /** Training stops if the metric does not beat this value. */
  baseline?: number | null;
  /** Epochs to wait before starting to count (default 0). */
  startFromEpoch?: number;
}

type Metric = number | Tensor | { item(): number } | Record<string, any>;

/**
 * Stops training when a monitored metric has stopped improving:
 * `if (es.step(valLoss, model)) break;`
 */
export class EarlyStopping {
  readonly monitor: string;
  readonly mode: "min" | "max";
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBestWeights: boolean;
  readonly baseline: number | null;
  readonly startFromEpoch: number;
  /** Best metric so far. */
  best: number;
  /** Epoch index (0-based, counting step() calls) of the best metric; -1 before any. */
  bestEpoch = -1;
  /** Epochs since the last improvement. */
  wait = 0;
  /** Epoch at which step() returned true; 0 while training goes on. */
  stoppedEpoch = 0;
  /** Number of step() calls so far. */
  epoch = 0;
  private bestWeights: { sd: any; isMap: boolean } | null = null;

  constructor(opts: EarlyStoppingOptions = {}) {
    this.monitor = opts.monitor ?? "val_loss";
    const mode = opts.mode ?? "auto";
    if (!["min", "max", "auto"].includes(mode)) throw new RangeError(`EarlyStopping mode ${mode} is unknown`);
    this.mode = mode === "auto" ? (this.monitor.includes("acc") ? "max" : "min") : mode;
    this.patience = opts.patience ?? 0;
    this.minDelta = Math.abs(opts.minDelta ?? 0);
    this.restoreBestWeights = opts.restoreBestWeights ?? false;
    this.baseline = opts.baseline ?? null;
    this.startFromEpoch = opts.startFromEpoch ?? 0;
    this.best = this.mode === "min" ? Infinity : -Infinity;
  }

  private isImprovement(value: number, reference: number): boolean {
    return this.mode === "min" ? value + this.minDelta < reference : value - this.minDelta > reference;
  }

  private value(metric: Metric): number {
    if (typeof metric === "number") return metric;
    if (metric instanceof Tensor || typeof (metric as any)?.item === "function") return Number((metric as any).item());
    if (metric && typeof metric === "object" && this.monitor in metric) return this.value((metric as any)[this.monitor]);
    throw new TypeError(`EarlyStopping.step: expected a number, a one-element Tensor or logs with '${this.monitor}'`);
  }

  /**
   * Records one epoch's metric; returns true when training should stop. With restoreBestWeights,
   * `model` is snapshotted at each improvement and restored when this returns true.
   */
  step(metric: Metric, model?: HasStateDict): boolean {
    const epoch = this.epoch++;
    const current = this.value(metric);
    if (epoch < this.startFromEpoch) return false;
    this.wait += 1;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights && model) this.snapshot(model);
      if (this.baseline === null || this.isImprovement(current, this.baseline)) this.wait = 0;
      return false;
    }
    return this.checkStop(epoch, model);
  }

  private checkStop(epoch: number, model?: HasStateDict): boolean {
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      if (this.restoreBestWeights && model) this.restore(model);
      return true;
    }
    return false;
  }

  /** Loads the best weights seen so far into model (also usable when training ended without stopping early). */
  restore(model: HasStateDict): boolean {
    if (!this.bestWeights) return false;
    model.loadStateDict(this.bestWeights.isMap ? new Map(this.bestWeights.sd) : { ...this.bestWeights.sd });
    return true;
  }

  private snapshot(model: HasStateDict): void {
    const copy = tidy(() => {
      const sd = model.stateDict();
      const isMap = sd instanceof Map;
      const entries: [string, any][] = isMap ? Array.from(sd.entries()) : Object.entries(sd);
      const out: [string, any][] = entries.map(([k, v]) => [k, v instanceof Tensor ? cloneKept(v) : v]);
      return { out, isMap };
    });
    this.disposeWeights();
    this.bestWeights = { sd: copy.isMap ? new Map(copy.out) : Object.fromEntries(copy.out), isMap: copy.isMap };
  }

  private disposeWeights(): void {
    if (!this.bestWeights) return;
    const vals = this.bestWeights.isMap ? Array.from((this.bestWeights.sd as Map<string, any>).values()) : Object.values(this.bestWeights.sd);
    for (const v of vals) if (v instanceof Tensor) v.dispose();
    this.bestWeights = null;
  }

  /** Clears the counters (and the saved weights) for a new training run. */
  reset(): void {
    this.disposeWeights();
    this.best = this.mode === "min" ? Infinity : -Infinity;
    this.bestEpoch = -1;
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.epoch = 0;
  }
  /** Frees the saved copy of the best weights. */
  dispose(): void { this.disposeWeights(); }
}

// A detached copy owned by the caller (outside every tidy scope).
function cloneKept(t: Tensor): Tensor {
  const d = callOp("aten::detach", t);
  const c = callOp("aten::clone", d);
  d.dispose();
  return keep(c);
}
