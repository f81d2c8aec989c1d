// Learning-rate schedules (torch/optim/lr_scheduler.py, PyTorch 1.13): the chainable (recursive) forms on
// sched.step(), the closed forms on sched.step(epoch). They write `lr` into the optimizer's paramGroups.
// stateDict() has Python's keys (snake_case, as scheduler.state_dict()).
import { Optimizer, ParamGroup, toCamel } from "./optimizer";
import { optionsOf } from "../nn/common";

type LrLambda = (epoch: number) => number;

function copy(v: any): any {
  if (Array.isArray(v)) return v.map(copy);
  if (v instanceof Map) return new Map(v);
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const o: any = {};
    for (const k of Object.keys(v)) o[k] = copy(v[k]);
    return o;
  }
  return v;
}
/** The property holding Python's attribute k ("base_lrs" -> baseLrs, "T_max" -> TMax, "T_i" -> Ti). */
function propOf(k: string): string { return k === "T_i" ? "Ti" : toCamel(k); }
function isOpts(v: any): boolean { return v !== null && typeof v === "object" && !Array.isArray(v); }
function checkOptimizer(o: any): void {
  if (!(o instanceof Optimizer)) throw new TypeError(`${o?.constructor?.name ?? typeof o} is not an Optimizer`);
}
function formatParam(name: string, opt: Optimizer, v: number | number[]): number[] {
  if (Array.isArray(v)) {
    if (v.length !== opt.paramGroups.length) throw new RangeError(`expected ${opt.paramGroups.length} values for ${name}, got ${v.length}`);
    return [...v];
  }
  return opt.paramGroups.map(() => v);
}
/** Python's bisect_right on a sorted array. */
function bisectRight(a: number[], x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (x < a[mid]) hi = mid; else lo = mid + 1; }
  return lo;
}
/** Python's a % b for numbers (result has the sign of b). */
function pyMod(a: number, b: number): number { const r = a % b; return r !== 0 && (r < 0) !== (b < 0) ? r + b : r; }

export interface SchedulerOptions { lastEpoch?: number; verbose?: boolean; }

/** Base class of the epoch-based schedules (PyTorch's LRScheduler / _LRScheduler). */
export abstract class LRScheduler {
  optimizer: Optimizer;
  baseLrs: number[] = [];
  lastEpoch = -1;
  verbose = false;
  _stepCount = 0;
  _getLrCalledWithinStep = false;
  _lastLr: number[] = [];
  /** Python's attribute names, in __dict__ order, that stateDict() writes. */
  protected abstract readonly stateKeys: string[];

  constructor(optimizer: Optimizer) {
    checkOptimizer(optimizer);
    this.optimizer = optimizer;
  }

  /** The base __init__: initial_lr, base_lrs, last_epoch, then the initial step. Subclasses call it last. */
  protected setup(lastEpoch = -1, verbose = false): void {
    const groups = this.optimizer.paramGroups;
    if (lastEpoch === -1) {
      for (const g of groups) if (!("initialLr" in g)) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (!("initialLr" in g)) throw new Error(`param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`);
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr);
    this.lastEpoch = lastEpoch;
    this.verbose = verbose;
    this._initialStep();
  }

  _initialStep(): void {
    this._stepCount = 0;
    this.step();
  }

  /** The learning rates the last step() set, one per parameter group. */
  getLastLr(): number[] { return [...this._lastLr]; }

  /** The chainable form: new lrs from the current ones. */
  abstract getLr(): number[];
  /** The closed form used by step(epoch), where one exists. */
  protected closedFormLr?(): number[];

  /** Advances one epoch (or jumps to `epoch`, deprecated in PyTorch: then the closed form is used where one exists). */
  step(epoch?: number): void {
    this._stepCount += 1;
    this._getLrCalledWithinStep = true;
    let values: number[];
    try {
      if (epoch === undefined || epoch === null) {
        this.lastEpoch += 1;
        values = this.getLr();
      } else {
        this.lastEpoch = epoch;
        values = this.closedFormLr ? this.closedFormLr() : this.getLr();
      }
    } finally {
      this._getLrCalledWithinStep = false;
    }
    this.setLrs(values, epoch);
  }

  protected setLrs(values: number[], epoch?: number): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = values[i];
      this.printLr(i, values[i], epoch);
    });
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  protected printLr(group: number, lr: number, epoch?: number): void {
    if (!this.verbose) return;
    if (epoch === undefined || epoch === null) console.log(`Adjusting learning rate of group ${group} to ${lr.toExponential(4)}.`);
    else console.log(`Epoch ${Number.isInteger(epoch) ? String(epoch).padStart(5, "0") : epoch.toFixed(2)}: adjusting learning rate of group ${group} to ${lr.toExponential(4)}.`);
  }

  protected get groups(): ParamGroup[] { return this.optimizer.paramGroups; }

  /** The scheduler's state with PyTorch's keys (everything but the optimizer). */
  stateDict(): Record<string, any> {
    const sd: Record<string, any> = {};
    for (const k of this.stateKeys) sd[k] = this.exportValue(k, (this as any)[propOf(k)]);
    return sd;
  }
  /** Restores a state made by stateDict() (or Python's scheduler.state_dict()). */
  loadStateDict(sd: Record<string, any>): void {
    for (const k of Object.keys(sd)) (this as any)[propOf(k)] = this.importValue(k, sd[k]);
  }
  protected exportValue(_k: string, v: any): any { return copy(v); }
  protected importValue(_k: string, v: any): any { return copy(v); }
}
export { LRScheduler as _LRScheduler };

const BASE_KEYS = ["base_lrs", "last_epoch", "verbose", "_step_count", "_get_lr_called_within_step", "_last_lr"];

function lambdas(opt: Optimizer, f: LrLambda | LrLambda[]): LrLambda[] {
  if (!Array.isArray(f)) return opt.paramGroups.map(() => f);
  if (f.length !== opt.paramGroups.length) throw new RangeError(`Expected ${opt.paramGroups.length} lr_lambdas, but got ${f.length}`);
  return [...f];
}

/** Schedulers driven by user functions (one, or one per group); functions are not saved (Python stores None). */
abstract class LambdaScheduler extends LRScheduler {
  lrLambdas: LrLambda[];
  protected readonly stateKeys = [...BASE_KEYS, "lr_lambdas"];
  constructor(optimizer: Optimizer, lrLambda: LrLambda | LrLambda[], ...args: [opts?: SchedulerOptions] | [lastEpoch?: number, verbose?: boolean]) {
    super(optimizer);
    const opts = optionsOf<SchedulerOptions>(this.constructor.name, ["lastEpoch", "verbose"], args);
    this.lrLambdas = lambdas(optimizer, lrLambda);
    this.setup(opts.lastEpoch, opts.verbose);
  }
  protected exportValue(k: string, v: any): any { return k === "lr_lambdas" ? this.lrLambdas.map(() => null) : copy(v); }
  loadStateDict(sd: Record<string, any>): void { const { lr_lambdas: _l, ...rest } = sd; super.loadStateDict(rest); }
}

/** lr = base_lr * lrLambda(epoch), one function or one per group. */
export class LambdaLR extends LambdaScheduler {
  getLr(): number[] { return this.baseLrs.map((b, i) => b * this.lrLambdas[i](this.lastEpoch)); }
}

/** lr *= lrLambda(epoch) at every step after the first. */
export class MultiplicativeLR extends LambdaScheduler {
  getLr(): number[] {
    if (this.lastEpoch > 0) return this.groups.map((g, i) => g.lr * this.lrLambdas[i](this.lastEpoch));
    return this.groups.map((g) => g.lr);
  }
}

/** Decays lr by gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;
  protected readonly stateKeys = ["step_size", "gamma", ...BASE_KEYS];
  /** new StepLR(opt, stepSize, { gamma }), new StepLR(opt, { stepSize, gamma }), or PyTorch's positional new StepLR(opt, stepSize, gamma). */
  constructor(optimizer: Optimizer, stepSize: number | ({ stepSize: number; gamma?: number } & SchedulerOptions),
    ...args: [opts?: { gamma?: number } & SchedulerOptions] | [gamma?: number, lastEpoch?: number, verbose?: boolean]) {
    super(optimizer);
    let opts = optionsOf<{ gamma?: number } & SchedulerOptions>("StepLR", ["gamma", "lastEpoch", "verbose"], args);
    if (isOpts(stepSize)) { opts = stepSize as any; stepSize = (stepSize as any).stepSize; }
    this.stepSize = stepSize as number;
    this.gamma = opts.gamma ?? 0.1;
    this.setup(opts.lastEpoch, opts.verbose);
  }
  getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  protected closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/** Decays lr by gamma at each milestone (a milestone given twice decays twice). */
export class MultiStepLR extends LRScheduler {
  /** milestone -> count, as Python's Counter. */
  milestones: Map<number, number>;
  gamma: number;
  protected readonly stateKeys = ["milestones", "gamma", ...BASE_KEYS];
  constructor(optimizer: Optimizer, milestones: number[] | ({ milestones: number[]; gamma?: number } & SchedulerOptions),
    ...args: [opts?: { gamma?: number } & SchedulerOptions] | [gamma?: number, lastEpoch?: number, verbose?: boolean]) {
    super(optimizer);
    let opts = optionsOf<{ gamma?: number } & SchedulerOptions>("MultiStepLR", ["gamma", "lastEpoch", "verbose"], args);
    if (isOpts(milestones)) { opts = milestones as any; milestones = (milestones as any).milestones; }
    this.milestones = new Map();
    for (const m of milestones as number[]) this.milestones.set(m, (this.milestones.get(m) ?? 0) + 1);
    this.gamma = opts.gamma ?? 0.1;
    this.setup(opts.lastEpoch, opts.verbose);
  }
  getLr(): number[] {
    const n = this.milestones.get(this.lastEpoch);
    if (n === undefined) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma ** n);
  }
  protected closedFormLr(): number[] {
    const ms: number[] = [];
    for (const [m, c] of this.milestones) for (let i = 0; i < c; i++) ms.push(m);
    ms.sort((a, b) => a - b);
    return this.baseLrs.map((b) => b * this.gamma ** bisectRight(ms, this.lastEpoch));
  }
  protected exportValue(k: string, v: any): any {
    if (k !== "milestones") return copy(v);
    const o: Record<string, number> = {};
    for (const [m, c] of this.milestones) o[m] = c;
    return o;
  }
  protected importValue(k: string, v: any): any {
    if (k !== "milestones") return copy(v);
    const entries: [any, any][] = v instanceof Map ? Array.from(v.entries()) : Object.entries(v);
    return new Map(entries.map(([m, c]) => [Number(m), Number(c)]));
  }
}

/** Multiplies lr by `factor` until epoch totalIters. */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;
  protected readonly stateKeys = ["factor", "total_iters", ...BASE_KEYS];
  constructor(optimizer: Optimizer, ...args: [opts?: { factor?: number; totalIters?: number } & SchedulerOptions] |
    [factor?: number, totalIters?: number, lastEpoch?: number, verbose?: boolean]) {
    super(optimizer);
    const opts = optionsOf<{ factor?: number; totalIters?: number } & SchedulerOptions>("ConstantLR", ["factor", "totalIters", "lastEpoch", "verbose"], args);
    const factor = opts.factor ?? 1.0 / 3;
    if (factor > 1.0 || factor < 0) throw new RangeError("Constant multiplicative factor expected to be between 0 and 1.");
    this.factor = factor;
    this.totalIters = opts.totalIters ?? 5;
    this.setup(opts.lastEpoch, opts.verbose);
  }
  getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.factor);
    if (this.lastEpoch > this.totalIters || this.lastEpoch !== this.totalIters) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1.0 / this.factor));
  }
  protected closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor)));
  }
}

/** Scales lr linearly from startFactor to endFactor over totalIters epochs. */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;
  protected readonly stateKeys = ["start_factor", "end_factor", "total_iters", ...BASE_KEYS];
  constructor(optimizer: Optimizer, ...args: [opts?: { startFactor?: number; endFactor?: number; totalIters?: number } & SchedulerOptions] |
    [startFactor?: number, endFactor?: number, totalIters?: number, lastEpoch?: number, verbose?: boolean]) {
    super(optimizer);
    const opts = optionsOf<{ startFactor?: number; endFactor?: number; totalIters?: number } & SchedulerOptions>("LinearLR",
      ["startFactor", "endFactor", "totalIters", "lastEpoch", "verbose"], args);
    const s = opts.startFactor ?? 1.0 / 3, e = opts.endFactor ?? 1.0;
    if (s > 1.0 || s < 0) throw new RangeError("Starting multiplicative factor expected to be between 0 and 1.");
    if (e > 1.0 || e < 0) throw new RangeError("Ending multiplicative factor expected to be between 0 and 1.");
    this.startFactor = s;
    this.endFactor = e;
    this.totalIters = opts.totalIters ?? 5;
    this.setup(opts.lastEpoch, opts.verbose);
  }
  getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.startFactor);
    if (this.lastEpoch > this.totalIters) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1. + (this.endFactor - this.startFactor) /
      (this.totalIters * this.startFactor + (this.lastEpoch - 1) * (this.endFactor - this.startFactor))));
  }
  protected closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.startFactor +
      (this.endFactor - this.startFactor) * Math.min(this.totalIters, this.lastEpoch) / this.totalIters));
  }
}

/** Decays lr by gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  gamma: number;
  protected readonly stateKeys = ["gamma", ...BASE_KEYS];
  constructor(optimizer: Optimizer, gamma: number | ({ gamma: number } & SchedulerOptions),
    ...args: [opts?: SchedulerOptions] | [lastEpoch?: number, verbose?: boolean]) {
    super(optimizer);
    let opts = optionsOf<SchedulerOptions>("ExponentialLR", ["lastEpoch", "verbose"], args);
    if (isOpts(gamma)) { opts = gamma as any; gamma = (gamma as any).gamma; }
    this.gamma = gamma as number;
    this.setup(opts.lastEpoch, opts.verbose);
  }
  getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  protected closedFormLr(): number[] { return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch); }
}

/** Polynomial decay of lr to zero over totalIters epochs. */
export class PolynomialLR extends LRScheduler {
  totalIters: number;
  power: number;
  protected readonly stateKeys = ["total_iters", "power", ...BASE_KEYS];
  constructor(optimizer: Optimizer, ...args: [opts?: { totalIters?: number; power?: number } & SchedulerOptions] |
    [totalIters?: number, power?: number, lastEpoch?: number, verbose?: boolean]) {
    super(optimizer);
    const opts = optionsOf<{ totalIters?: number; power?: number } & SchedulerOptions>("PolynomialLR", ["totalIters", "power", "lastEpoch", "verbose"], args);
    this.totalIters = opts.totalIters ?? 5;
    this.power = opts.power ?? 1.0;
    this.setup(opts.lastEpoch, opts.verbose);
  }
  getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch > this.totalIters) return this.groups.map((g) => g.lr);
    const f = ((1.0 - this.lastEpoch / this.totalIters) / (1.0 - (this.lastEpoch - 1) / this.totalIters)) ** this.power;
    return this.groups.map((g) => g.lr * f);
  }
  protected closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (1.0 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters) ** this.power);
  }
}

/** Cosine annealing from the base lr to etaMin over TMax epochs (SGDR without restarts; keeps oscillating past TMax). */
export class CosineAnnealingLR extends LRScheduler {
  TMax: number;
  etaMin: number;
  protected readonly stateKeys = ["T_max", "eta_min", ...BASE_KEYS];
  constructor(optimizer: Optimizer, TMax: number | ({ TMax: number; etaMin?: number } & SchedulerOptions),
    ...args: [opts?: { etaMin?: number } & SchedulerOptions] | [etaMin?: number, lastEpoch?: number, verbose?: boolean]) {
    super(optimizer);
    let opts = optionsOf<{ etaMin?: number } & SchedulerOptions>("CosineAnnealingLR", ["etaMin", "lastEpoch", "verbose"], args);
    if (isOpts(TMax)) { opts = TMax as any; TMax = (TMax as any).TMax ?? (TMax as any).tMax; }
    this.TMax = TMax as number;
    this.etaMin = opts.etaMin ?? 0;
    this.setup(opts.lastEpoch, opts.verbose);
  }
  getLr(): number[] {
    const e = this.lastEpoch, T = this.TMax, m = this.etaMin;
    if (e === 0) return this.groups.map((g) => g.lr);
    if (this._stepCount === 1 && e > 0)
      return this.baseLrs.map((b) => m + (b - m) * (1 + Math.cos(e * Math.PI / T)) / 2);
    if (pyMod(e - 1 - T, 2 * T) === 0)
      return this.groups.map((g, i) => g.lr + (this.baseLrs[i] - m) * (1 - Math.cos(Math.PI / T)) / 2);
    return this.groups.map((g) => (1 + Math.cos(Math.PI * e / T)) / (1 + Math.cos(Math.PI * (e - 1) / T)) * (g.lr - m) + m);
  }
  protected closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + (b - this.etaMin) * (1 + Math.cos(Math.PI * this.lastEpoch / this.TMax)) / 2);
  }
}

/** Runs schedulers one after another, switching at the milestones. */
export class SequentialLR extends LRScheduler {
  _schedulers: LRScheduler[];
  _milestones: number[];
  protected readonly stateKeys = ["_milestones", "last_epoch", "_last_lr", "_schedulers"];
  constructor(optimizer: Optimizer, schedulers: LRScheduler[] | ({ schedulers: LRScheduler[]; milestones: number[] } & SchedulerOptions),
    milestones?: number[], opts: SchedulerOptions = {}) {
    super(optimizer);
    if (isOpts(schedulers)) { opts = schedulers as any; milestones = (schedulers as any).milestones; schedulers = (schedulers as any).schedulers; }
    const ss = schedulers as LRScheduler[];
    ss.forEach((s, i) => {
      if (s.optimizer !== optimizer)
        throw new Error(`Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at index ${i} to be different than the optimizer passed in.`);
    });
    if (!milestones || milestones.length !== ss.length - 1)
      throw new Error(`Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${ss.length} and the number of milestones to be equal to ${milestones?.length}`);
    this._schedulers = ss;
    this._milestones = [...milestones];
    this.lastEpoch = (opts.lastEpoch ?? -1) + 1;
    for (const g of optimizer.paramGroups) g.lr = g.initialLr;
    for (const s of ss) s.lastEpoch -= 1;
    ss[0]._initialStep();
    this._lastLr = ss[0].getLastLr();
  }
  getLr(): number[] { return this.groups.map((g) => g.lr); }
  step(): void {
    this.lastEpoch += 1;
    const idx = bisectRight(this._milestones, this.lastEpoch);
    const s = this._schedulers[idx];
    if (idx > 0 && this._milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this._lastLr = s.getLastLr();
  }
  stateDict(): Record<string, any> {
    return { _milestones: [...this._milestones], last_epoch: this.lastEpoch, _last_lr: [...this._lastLr],
      _schedulers: this._schedulers.map((s) => s.stateDict()) };
  }
  loadStateDict(sd: Record<string, any>): void {
    const { _schedulers, ...rest } = sd;
    super.loadStateDict(rest);
    (_schedulers as any[]).forEach((s, i) => this._schedulers[i].loadStateDict(s));
  }
}

/** Steps several schedulers together, each multiplying in its own change. */
export class ChainedScheduler extends LRScheduler {
  _schedulers: LRScheduler[];
  protected readonly stateKeys = ["_last_lr", "_schedulers"];
  constructor(schedulers: LRScheduler[]) {
    super(schedulers[0].optimizer);
    schedulers.forEach((s, i) => {
      if (s.optimizer !== schedulers[0].optimizer)
        throw new Error(`ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and ${i} to be different`);
    });
    this._schedulers = [...schedulers];
    this._lastLr = this.groups.map((g) => g.lr);
  }
  getLr(): number[] { return this.groups.map((g) => g.lr); }
  step(): void {
    for (const s of this._schedulers) s.step();
    this._lastLr = this.groups.map((g) => g.lr);
  }
  stateDict(): Record<string, any> {
    return { _last_lr: [...this._lastLr], _schedulers: this._schedulers.map((s) => s.stateDict()) };
  }
  loadStateDict(sd: Record<string, any>): void {
    const { _schedulers, ...rest } = sd;
    super.loadStateDict(rest);
    (_schedulers as any[]).forEach((s, i) => this._schedulers[i].loadStateDict(s));
  }
}

export interface ReduceLROnPlateauOptions {
  mode?: "min" | "max"; factor?: number; patience?: number; threshold?: number; thresholdMode?: "rel" | "abs";
  cooldown?: number; minLr?: number | number[]; eps?: number; verbose?: boolean;
}

/** Reduces lr by `factor` once the metric given to step(metric) stops improving for `patience` epochs. */
export class ReduceLROnPlateau {
  optimizer: Optimizer;
  factor: number;
  minLrs: number[];
  patience: number;
  verbose: boolean;
  cooldown: number;
  cooldownCounter = 0;
  mode: "min" | "max";
  threshold: number;
  thresholdMode: "rel" | "abs";
  best = Infinity;
  numBadEpochs = 0;
  modeWorse = Infinity;
  eps: number;
  lastEpoch = 0;
  _lastLr: number[] = [];
  private static readonly KEYS = ["factor", "min_lrs", "patience", "verbose", "cooldown", "cooldown_counter", "mode", "threshold",
    "threshold_mode", "best", "num_bad_epochs", "mode_worse", "eps", "last_epoch", "_last_lr"];

  /** new ReduceLROnPlateau(opt, { mode, factor, ... }), or PyTorch's positional order (mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps). */
  constructor(optimizer: Optimizer, ...args: [opts?: ReduceLROnPlateauOptions] | [mode?: "min" | "max", factor?: number, patience?: number,
    threshold?: number, thresholdMode?: "rel" | "abs", cooldown?: number, minLr?: number | number[], eps?: number, verbose?: boolean, opts?: ReduceLROnPlateauOptions]) {
    const opts = optionsOf<ReduceLROnPlateauOptions>("ReduceLROnPlateau",
      ["mode", "factor", "patience", "threshold", "thresholdMode", "cooldown", "minLr", "eps", "verbose"], args);
    const factor = opts.factor ?? 0.1;
    if (factor >= 1.0) throw new RangeError("Factor should be < 1.0.");
    this.factor = factor;
    checkOptimizer(optimizer);
    this.optimizer = optimizer;
    const minLr = opts.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== optimizer.paramGroups.length) throw new RangeError(`expected ${optimizer.paramGroups.length} min_lrs, got ${minLr.length}`);
      this.minLrs = [...minLr];
    } else this.minLrs = optimizer.paramGroups.map(() => minLr);
    this.patience = opts.patience ?? 10;
    this.verbose = opts.verbose ?? false;
    this.cooldown = opts.cooldown ?? 0;
    this.mode = opts.mode ?? "min";
    this.threshold = opts.threshold ?? 1e-4;
    this.thresholdMode = opts.thresholdMode ?? "rel";
    this.eps = opts.eps ?? 1e-8;
    this.initIsBetter();
    this.reset();
    this._lastLr = optimizer.paramGroups.map((g) => g.lr);  // getLastLr() before the first step, as PyTorch 2
  }

  private reset(): void { this.best = this.modeWorse; this.cooldownCounter = 0; this.numBadEpochs = 0; }
  private initIsBetter(): void {
    if (this.mode !== "min" && this.mode !== "max") throw new RangeError(`mode ${this.mode} is unknown!`);
    if (this.thresholdMode !== "rel" && this.thresholdMode !== "abs") throw new RangeError(`threshold mode ${this.thresholdMode} is unknown!`);
    this.modeWorse = this.mode === "min" ? Infinity : -Infinity;
  }
  get inCooldown(): boolean { return this.cooldownCounter > 0; }
  isBetter(a: number, best: number): boolean {
    if (this.mode === "min" && this.thresholdMode === "rel") return a < best * (1. - this.threshold);
    if (this.mode === "min") return a < best - this.threshold;
    if (this.thresholdMode === "rel") return a > best * (this.threshold + 1.);
    return a > best + this.threshold;
  }

  /** Feeds one epoch's metric (a number or a one-element tensor). */
  step(metric: number | { item(): number }, epoch?: number): void {
    if (typeof metric !== "number" && typeof (metric as any)?.item !== "function")
      throw new TypeError("ReduceLROnPlateau.step(metric): the metric to watch (a number or a one-element Tensor, e.g. the validation loss) is required");
    const current = typeof metric === "number" ? metric : Number(metric.item());
    this.lastEpoch = epoch === undefined ? this.lastEpoch + 1 : epoch;
    if (this.isBetter(current, this.best)) { this.best = current; this.numBadEpochs = 0; }
    else this.numBadEpochs += 1;
    if (this.inCooldown) { this.cooldownCounter -= 1; this.numBadEpochs = 0; }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr(this.lastEpoch);
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(epoch: number): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const old = Number(g.lr);
      const nw = Math.max(old * this.factor, this.minLrs[i]);
      if (old - nw > this.eps) {
        g.lr = nw;
        if (this.verbose) console.log(`Epoch ${String(epoch).padStart(5, "0")}: reducing learning rate of group ${i} to ${nw.toExponential(4)}.`);
      }
    });
  }

  getLastLr(): number[] { return [...this._lastLr]; }

  stateDict(): Record<string, any> {
    const sd: Record<string, any> = {};
    for (const k of ReduceLROnPlateau.KEYS) sd[k] = copy((this as any)[toCamel(k)]);
    return sd;
  }
  loadStateDict(sd: Record<string, any>): void {
    for (const k of Object.keys(sd)) (this as any)[toCamel(k)] = copy(sd[k]);
    this.initIsBetter();
  }
}

export interface CyclicLROptions extends SchedulerOptions {
  stepSizeUp?: number; stepSizeDown?: number | null; mode?: "triangular" | "triangular2" | "exp_range"; gamma?: number;
  scaleFn?: ((x: number) => number) | null; scaleMode?: "cycle" | "iterations"; cycleMomentum?: boolean;
  baseMomentum?: number | number[]; maxMomentum?: number | number[];
}

/** Cyclical learning rate between baseLr and maxLr (and momentum in antiphase). */
export class CyclicLR extends LRScheduler {
  maxLrs: number[];
  totalSize: number;
  stepRatio: number;
  mode: string;
  gamma: number;
  _scaleFnCustom: ((x: number) => number) | null;
  scaleMode: "cycle" | "iterations";
  cycleMomentum: boolean;
  baseMomentums: number[] = [];
  maxMomentums: number[] = [];
  protected readonly stateKeys = ["max_lrs", "total_size", "step_ratio", "mode", "gamma", "_scale_fn_custom", "scale_mode",
    "cycle_momentum", "base_momentums", "max_momentums", ...BASE_KEYS];

  /** Options as an object, or PyTorch's positional order (stepSizeUp, stepSizeDown, mode, gamma, scaleFn, scaleMode, cycleMomentum, baseMomentum, maxMomentum). */
  constructor(optimizer: Optimizer, baseLr: number | number[], maxLr: number | number[], ...args: [opts?: CyclicLROptions] | [stepSizeUp?: number,
    stepSizeDown?: number | null, mode?: CyclicLROptions["mode"], gamma?: number, scaleFn?: ((x: number) => number) | null, scaleMode?: "cycle" | "iterations",
    cycleMomentum?: boolean, baseMomentum?: number | number[], maxMomentum?: number | number[], lastEpoch?: number, verbose?: boolean]) {
    super(optimizer);
    const opts = optionsOf<CyclicLROptions>("CyclicLR", ["stepSizeUp", "stepSizeDown", "mode", "gamma", "scaleFn", "scaleMode", "cycleMomentum",
      "baseMomentum", "maxMomentum", "lastEpoch", "verbose"], args);
    const lastEpoch = opts.lastEpoch ?? -1;
    const baseLrs = formatParam("base_lr", optimizer, baseLr);
    if (lastEpoch === -1) optimizer.paramGroups.forEach((g, i) => { g.lr = baseLrs[i]; });
    this.maxLrs = formatParam("max_lr", optimizer, maxLr);
    const up = opts.stepSizeUp ?? 2000;
    const down = opts.stepSizeDown ?? up;
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    this.mode = opts.mode ?? "triangular";
    if (!["triangular", "triangular2", "exp_range"].includes(this.mode) && !opts.scaleFn) throw new RangeError("mode is invalid and scale_fn is None");
    this.gamma = opts.gamma ?? 1.;
    this._scaleFnCustom = opts.scaleFn ?? null;
    this.scaleMode = opts.scaleFn ? (opts.scaleMode ?? "cycle") : this.mode === "exp_range" ? "iterations" : "cycle";
    this.cycleMomentum = opts.cycleMomentum ?? true;
    if (this.cycleMomentum) {
      if (!("momentum" in optimizer.defaults)) throw new Error("optimizer must support momentum with `cycle_momentum` option enabled");
      const bm = formatParam("base_momentum", optimizer, opts.baseMomentum ?? 0.8);
      if (lastEpoch === -1) optimizer.paramGroups.forEach((g, i) => { g.momentum = bm[i]; });
      this.baseMomentums = optimizer.paramGroups.map((g) => g.momentum);
      this.maxMomentums = formatParam("max_momentum", optimizer, opts.maxMomentum ?? 0.9);
    }
    this.setup(lastEpoch, opts.verbose);
    this.baseLrs = baseLrs;
  }
  scaleFn(x: number): number {
    if (this._scaleFnCustom) return this._scaleFnCustom(x);
    if (this.mode === "triangular") return 1.;
    if (this.mode === "triangular2") return 1 / (2. ** (x - 1));
    return this.gamma ** x;
  }
  getLr(): number[] {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1. + this.lastEpoch / this.totalSize - cycle;
    const scale = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const arg = this.scaleMode === "cycle" ? cycle : this.lastEpoch;
    const lrs = this.baseLrs.map((b, i) => b + (this.maxLrs[i] - b) * scale * this.scaleFn(arg));
    if (this.cycleMomentum) {
      const ms = this.baseMomentums.map((b, i) => this.maxMomentums[i] - (this.maxMomentums[i] - b) * scale * this.scaleFn(arg));
      this.groups.forEach((g, i) => { g.momentum = ms[i]; });
    }
    return lrs;
  }
  protected exportValue(k: string, v: any): any { return k === "_scale_fn_custom" ? null : copy(v); }
  loadStateDict(sd: Record<string, any>): void {
    const { _scale_fn_custom: _f, _scale_fn_ref: _r, ...rest } = sd;
    super.loadStateDict(rest);
  }
}

/** Cosine annealing with warm restarts every T_i epochs (T_0, then T_i *= TMult). */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  T0: number;
  Ti: number;
  TMult: number;
  etaMin: number;
  TCur: number;
  protected readonly stateKeys = ["T_0", "T_i", "T_mult", "eta_min", "T_cur", ...BASE_KEYS];
  constructor(optimizer: Optimizer, T0: number | ({ T0: number; TMult?: number; etaMin?: number } & SchedulerOptions),
    ...args: [opts?: { TMult?: number; etaMin?: number } & SchedulerOptions] | [TMult?: number, etaMin?: number, lastEpoch?: number, verbose?: boolean]) {
    super(optimizer);
    let opts = optionsOf<{ TMult?: number; etaMin?: number } & SchedulerOptions>("CosineAnnealingWarmRestarts", ["TMult", "etaMin", "lastEpoch", "verbose"], args);
    if (isOpts(T0)) { opts = T0 as any; T0 = (T0 as any).T0 ?? (T0 as any).t0; }
    const t0 = T0 as number, tm = opts.TMult ?? (opts as any).tMult ?? 1;
    if (!(t0 > 0) || !Number.isInteger(t0)) throw new RangeError(`Expected positive integer T_0, but got ${t0}`);
    if (!(tm >= 1) || !Number.isInteger(tm)) throw new RangeError(`Expected integer T_mult >= 1, but got ${tm}`);
    this.T0 = t0;
    this.Ti = t0;
    this.TMult = tm;
    this.etaMin = opts.etaMin ?? 0;
    this.TCur = opts.lastEpoch ?? -1;
    this.setup(opts.lastEpoch, opts.verbose);
  }
  getLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + (b - this.etaMin) * (1 + Math.cos(Math.PI * this.TCur / this.Ti)) / 2);
  }
  /** step() advances one epoch; step(epoch) may be fractional (epoch + i / iters for per-batch updates). */
  step(epoch?: number): void {
    if ((epoch === undefined || epoch === null) && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined || epoch === null) {
      epoch = this.lastEpoch + 1;
      this.TCur = this.TCur + 1;
      if (this.TCur >= this.Ti) { this.TCur = this.TCur - this.Ti; this.Ti = this.Ti * this.TMult; }
    } else {
      if (epoch < 0) throw new RangeError(`Expected non-negative epoch, but got ${epoch}`);
      if (epoch >= this.T0) {
        if (this.TMult === 1) this.TCur = pyMod(epoch, this.T0);
        else {
          const n = Math.trunc(Math.log(epoch / this.T0 * (this.TMult - 1) + 1) / Math.log(this.TMult));
          this.TCur = epoch - this.T0 * (this.TMult ** n - 1) / (this.TMult - 1);
          this.Ti = this.T0 * this.TMult ** n;
        }
      } else {
        this.Ti = this.T0;
        this.TCur = epoch;
      }
    }
    this.lastEpoch = Math.floor(epoch);
    this._getLrCalledWithinStep = true;
    let values: number[];
    try { values = this.getLr(); } finally { this._getLrCalledWithinStep = false; }
    this.setLrs(values, epoch);
  }
}

export interface OneCycleLROptions extends SchedulerOptions {
  totalSteps?: number; epochs?: number; stepsPerEpoch?: number; pctStart?: number; annealStrategy?: "cos" | "linear";
  cycleMomentum?: boolean; baseMomentum?: number | number[]; maxMomentum?: number | number[]; divFactor?: number;
  finalDivFactor?: number; threePhase?: boolean;
}

interface Phase { end_step: number; start_lr: string; end_lr: string; start_momentum: string; end_momentum: string; }

/** The 1cycle policy: lr warms up to maxLr and anneals far below the start; momentum (or beta1) moves in antiphase. Step once per batch. */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  _schedulePhases: Phase[];
  _annealFuncType: "cos" | "linear";
  cycleMomentum: boolean;
  useBeta1 = false;
  protected readonly stateKeys = ["total_steps", "_schedule_phases", "_anneal_func_type", "cycle_momentum", "use_beta1", ...BASE_KEYS];

  constructor(optimizer: Optimizer, maxLr: number | number[] | ({ maxLr: number | number[] } & OneCycleLROptions),
    ...args: [opts?: OneCycleLROptions] | [totalSteps?: number | null, epochs?: number | null, stepsPerEpoch?: number | null, pctStart?: number,
      annealStrategy?: "cos" | "linear", cycleMomentum?: boolean, baseMomentum?: number | number[], maxMomentum?: number | number[],
      divFactor?: number, finalDivFactor?: number, threePhase?: boolean, lastEpoch?: number, verbose?: boolean]) {
    super(optimizer);
    let opts = optionsOf<OneCycleLROptions>("OneCycleLR", ["totalSteps", "epochs", "stepsPerEpoch", "pctStart", "annealStrategy", "cycleMomentum",
      "baseMomentum", "maxMomentum", "divFactor", "finalDivFactor", "threePhase", "lastEpoch", "verbose"], args);
    if (isOpts(maxLr)) { opts = maxLr as any; maxLr = (maxLr as any).maxLr; }
    if (maxLr === undefined) throw new TypeError("OneCycleLR: maxLr is required (new OneCycleLR(opt, maxLr, { totalSteps }) or { maxLr, totalSteps })");
    const totalSteps = opts.totalSteps ?? undefined, epochs = opts.epochs ?? undefined, stepsPerEpoch = opts.stepsPerEpoch ?? undefined;  // None: unset
    if (totalSteps === undefined && epochs === undefined && stepsPerEpoch === undefined)
      throw new Error("You must define either totalSteps OR (epochs AND stepsPerEpoch)");
    if (totalSteps !== undefined) {
      if (!(totalSteps > 0) || !Number.isInteger(totalSteps)) throw new RangeError(`Expected positive integer total_steps, but got ${totalSteps}`);
      this.totalSteps = totalSteps;
    } else {
      if (!(epochs! > 0) || !Number.isInteger(epochs)) throw new RangeError(`Expected positive integer epochs, but got ${epochs}`);
      if (!(stepsPerEpoch! > 0) || !Number.isInteger(stepsPerEpoch)) throw new RangeError(`Expected positive integer steps_per_epoch, but got ${stepsPerEpoch}`);
      this.totalSteps = epochs! * stepsPerEpoch!;
    }
    const pct = opts.pctStart ?? 0.3;
    this._schedulePhases = opts.threePhase ? [
      { end_step: pct * this.totalSteps - 1, start_lr: "initial_lr", end_lr: "max_lr", start_momentum: "max_momentum", end_momentum: "base_momentum" },
      { end_step: 2 * pct * this.totalSteps - 2, start_lr: "max_lr", end_lr: "initial_lr", start_momentum: "base_momentum", end_momentum: "max_momentum" },
      { end_step: this.totalSteps - 1, start_lr: "initial_lr", end_lr: "min_lr", start_momentum: "max_momentum", end_momentum: "max_momentum" },
    ] : [
      { end_step: pct * this.totalSteps - 1, start_lr: "initial_lr", end_lr: "max_lr", start_momentum: "max_momentum", end_momentum: "base_momentum" },
      { end_step: this.totalSteps - 1, start_lr: "max_lr", end_lr: "min_lr", start_momentum: "base_momentum", end_momentum: "max_momentum" },
    ];
    if (!(pct >= 0 && pct <= 1)) throw new RangeError(`Expected float between 0 and 1 pct_start, but got ${pct}`);
    const strategy = opts.annealStrategy ?? "cos";
    if (strategy !== "cos" && strategy !== "linear") throw new RangeError(`anneal_strategy must by one of 'cos' or 'linear', instead got ${strategy}`);
    this._annealFuncType = strategy;
    const lastEpoch = opts.lastEpoch ?? -1;
    const maxLrs = formatParam("max_lr", optimizer, maxLr as number | number[]);
    const div = opts.divFactor ?? 25., finalDiv = opts.finalDivFactor ?? 1e4;
    if (lastEpoch === -1) {
      optimizer.paramGroups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / div;
        g.maxLr = maxLrs[i];
        g.minLr = g.initialLr / finalDiv;
      });
    }
    this.cycleMomentum = opts.cycleMomentum ?? true;
    if (this.cycleMomentum) {
      if (!("momentum" in optimizer.defaults) && !("betas" in optimizer.defaults))
        throw new Error("optimizer must support momentum with `cycle_momentum` option enabled");
      this.useBeta1 = "betas" in optimizer.defaults;
      const mx = formatParam("max_momentum", optimizer, opts.maxMomentum ?? 0.95);
      const bm = formatParam("base_momentum", optimizer, opts.baseMomentum ?? 0.85);
      if (lastEpoch === -1) {
        optimizer.paramGroups.forEach((g, i) => {
          if (this.useBeta1) g.betas = [mx[i], ...g.betas.slice(1)];
          else g.momentum = mx[i];
          g.maxMomentum = mx[i];
          g.baseMomentum = bm[i];
        });
      }
    }
    this.setup(lastEpoch, opts.verbose);
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this._annealFuncType === "cos") return end + (start - end) / 2.0 * (Math.cos(Math.PI * pct) + 1);
    return (end - start) * pct + start;
  }

  getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps)
      throw new Error(`Tried to step ${stepNum + 1} times. The specified number of total steps is ${this.totalSteps}`);
    return this.groups.map((g) => {
      let start = 0, lr = 0, mom = 0;
      const phases = this._schedulePhases;
      for (let i = 0; i < phases.length; i++) {
        const ph = phases[i];
        if (stepNum <= ph.end_step || i === phases.length - 1) {
          const pct = (stepNum - start) / (ph.end_step - start);
          lr = this.anneal(g[toCamel(ph.start_lr)], g[toCamel(ph.end_lr)], pct);
          if (this.cycleMomentum) mom = this.anneal(g[toCamel(ph.start_momentum)], g[toCamel(ph.end_momentum)], pct);
          break;
        }
        start = ph.end_step;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) g.betas = [mom, ...g.betas.slice(1)];
        else g.momentum = mom;
      }
      return lr;
    });
  }
}
