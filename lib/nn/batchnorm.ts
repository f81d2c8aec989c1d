// Normalization layers: BatchNorm1d/2d/3d, LayerNorm, GroupNorm.
import { Tensor, zeros, ones, tensor } from "../tensor";
import { int64 } from "../dtype";
import { noGrad } from "../autograd";
import { Module, Parameter, pyBool, pyFloat, pyTuple } from "./module";
import { FactoryOptions, emptyParam, optionsOf } from "./common";
import { Kind, PlanBuilder, builtin, planForward } from "./plan";
import { ones_, zeros_ } from "./init";

export interface BatchNormOptions extends FactoryOptions {
  eps?: number;
  /** null: cumulative moving average. */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/** BatchNorm's optional arguments: an options object, or PyTorch's positional order (eps, momentum, affine, trackRunningStats). */
export type BatchNormArgs = [opts?: BatchNormOptions] | [eps?: number, momentum?: number | null, affine?: boolean, trackRunningStats?: boolean, opts?: BatchNormOptions];
const BN_NAMES = ["eps", "momentum", "affine", "trackRunningStats"];

/** Shared by the BatchNorm layers (PyTorch's _NormBase/_BatchNorm). */
export class _BatchNorm extends Module {
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;
  numFeatures: number;
  eps: number;
  momentum: number | null;
  affine: boolean;
  trackRunningStats: boolean;
  /** 1: 2-D or 3-D input; 2: 4-D; 3: 5-D. */
  protected _expectDims = 0;

  constructor(numFeatures: number, ...args: BatchNormArgs) {
    super();
    const o = optionsOf<BatchNormOptions>(this._getName(), BN_NAMES, args);
    this.numFeatures = numFeatures;
    this.eps = o?.eps ?? 1e-5;
    this.momentum = o?.momentum === undefined ? 0.1 : o.momentum;
    this.affine = o?.affine ?? true;
    this.trackRunningStats = o?.trackRunningStats ?? true;
    const f = { dtype: o?.dtype, device: o?.device };
    this.registerParameter("weight", this.affine ? emptyParam([numFeatures], f) : null);
    this.registerParameter("bias", this.affine ? emptyParam([numFeatures], f) : null);
    if (this.trackRunningStats) {
      this.registerBuffer("running_mean", zeros([numFeatures], f));
      this.registerBuffer("running_var", ones([numFeatures], f));
      this.registerBuffer("num_batches_tracked", tensor(0, { dtype: int64, device: o?.device }));
    } else {
      this.registerBuffer("running_mean", null);
      this.registerBuffer("running_var", null);
      this.registerBuffer("num_batches_tracked", null);
    }
    this.resetParameters();
  }
  /** The running mean (buffer running_mean). */
  get runningMean(): Tensor | null { return this.running_mean; }
  get runningVar(): Tensor | null { return this.running_var; }
  get numBatchesTracked(): Tensor | null { return this.num_batches_tracked; }

  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    noGrad(() => {
      this.running_mean!.zero_();
      this.running_var!.fill_(1);
      this.num_batches_tracked!.zero_();
    });
  }
  resetParameters(): void {
    this.resetRunningStats();
    if (this.affine) { ones_(this.weight!); zeros_(this.bias!); }
  }
  _plan(b: PlanBuilder): void {
    b.num(Kind.BatchNorm).num(this._expectDims).t(this.weight).t(this.bias).t(this.running_mean).t(this.running_var)
      .t(this.num_batches_tracked).bool(this.training).bool(this.trackRunningStats).opt(this.momentum).num(this.eps);
  }
  forward(x: Tensor): Tensor { return planForward(this, x); }

  // A state dict without num_batches_tracked (older PyTorch) loads with the counter at 0, as in PyTorch.
  _loadFromStateDict(sd: Map<string, Tensor>, prefix: string, strict: boolean, missing: string[], unexpected: string[], errors: string[]): void {
    const key = prefix + "num_batches_tracked";
    let filled: Tensor | null = null;
    if (this.trackRunningStats && !sd.has(key)) { filled = tensor(0, { dtype: int64 }); sd.set(key, filled); }
    try { super._loadFromStateDict(sd, prefix, strict, missing, unexpected, errors); }
    finally { if (filled) { sd.delete(key); filled.dispose(); } }
  }
  extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${pyFloat(this.momentum)}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/** Batch normalization over (N, C) or (N, C, L) inputs. */
export class BatchNorm1d extends _BatchNorm {
  constructor(numFeatures: number, ...args: BatchNormArgs) { super(numFeatures, ...args); this._expectDims = 1; }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(BatchNorm1d);
/** Batch normalization over (N, C, H, W) inputs. */
export class BatchNorm2d extends _BatchNorm {
  constructor(numFeatures: number, ...args: BatchNormArgs) { super(numFeatures, ...args); this._expectDims = 2; }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(BatchNorm2d);
/** Batch normalization over (N, C, D, H, W) inputs. */
export class BatchNorm3d extends _BatchNorm {
  constructor(numFeatures: number, ...args: BatchNormArgs) { super(numFeatures, ...args); this._expectDims = 3; }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(BatchNorm3d);

export interface LayerNormOptions extends FactoryOptions { eps?: number; elementwiseAffine?: boolean; bias?: boolean; }
export interface GroupNormOptions extends FactoryOptions { eps?: number; affine?: boolean; }

/** Layer normalization over the trailing normalizedShape dims (torch.nn.LayerNorm). */
export class LayerNorm extends Module {
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  normalizedShape: number[];
  eps: number;
  elementwiseAffine: boolean;
  /** new LayerNorm(shape, { eps, elementwiseAffine, bias }), or PyTorch's positional form new LayerNorm(shape, eps, elementwiseAffine). */
  constructor(normalizedShape: number | number[], ...args: [opts?: LayerNormOptions] | [eps?: number, elementwiseAffine?: boolean, bias?: boolean, opts?: LayerNormOptions]) {
    super();
    const opts = optionsOf<LayerNormOptions>("LayerNorm", ["eps", "elementwiseAffine", "bias"], args);
    this.normalizedShape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
    this.eps = opts?.eps ?? 1e-5;
    this.elementwiseAffine = opts?.elementwiseAffine ?? true;
    const affine = this.elementwiseAffine;
    this.registerParameter("weight", affine ? emptyParam(this.normalizedShape, opts) : null);
    this.registerParameter("bias", affine && (opts?.bias ?? true) ? emptyParam(this.normalizedShape, opts) : null);
    this.resetParameters();
  }
  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }
  _plan(b: PlanBuilder): void { b.num(Kind.LayerNorm).list(this.normalizedShape).t(this.weight).t(this.bias).num(this.eps); }
  forward(x: Tensor): Tensor { return planForward(this, x); }
  extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}
builtin(LayerNorm);

/** Group normalization: channels split into numGroups groups (torch.nn.GroupNorm). */
export class GroupNorm extends Module {
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  numGroups: number;
  numChannels: number;
  eps: number;
  affine: boolean;
  /** new GroupNorm(groups, channels, { eps, affine }), or PyTorch's positional form new GroupNorm(groups, channels, eps, affine). */
  constructor(numGroups: number, numChannels: number, ...args: [opts?: GroupNormOptions] | [eps?: number, affine?: boolean, opts?: GroupNormOptions]) {
    super();
    const opts = optionsOf<GroupNormOptions>("GroupNorm", ["eps", "affine"], args);
    if (numChannels % numGroups !== 0) throw new Error("num_channels must be divisible by num_groups");
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = opts?.eps ?? 1e-5;
    this.affine = opts?.affine ?? true;
    this.registerParameter("weight", this.affine ? emptyParam([numChannels], opts) : null);
    this.registerParameter("bias", this.affine ? emptyParam([numChannels], opts) : null);
    this.resetParameters();
  }
  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }
  _plan(b: PlanBuilder): void { b.num(Kind.GroupNorm).num(this.numGroups).t(this.weight).t(this.bias).num(this.eps); }
  forward(x: Tensor): Tensor { return planForward(this, x); }
  extraRepr(): string { return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`; }
}
builtin(GroupNorm);
