// Pooling: MaxPool, AvgPool, AdaptiveAvgPool, AdaptiveMaxPool (1-D, 2-D, 3-D).
import { Tensor } from "../tensor";
import { callOp } from "../ops";
import { Module, pyBool, pyTuple } from "./module";
import { ntuple, optionsOf } from "./common";
import { Kind, PlanBuilder, builtin, planForward } from "./plan";

type IntOrTuple = number | number[];
function show(v: IntOrTuple | null): string { return v === null ? "None" : Array.isArray(v) ? pyTuple(v) : String(v); }

export interface MaxPoolOptions { stride?: IntOrTuple | null; padding?: IntOrTuple; dilation?: IntOrTuple; returnIndices?: boolean; ceilMode?: boolean; }
/** MaxPool's optional arguments: an options object, or PyTorch's positional order (stride, padding, dilation, returnIndices, ceilMode). */
export type MaxPoolArgs = [opts?: MaxPoolOptions] | [stride?: IntOrTuple | null, padding?: IntOrTuple, dilation?: IntOrTuple,
  returnIndices?: boolean, ceilMode?: boolean, opts?: MaxPoolOptions];
const MAXPOOL_NAMES = ["stride", "padding", "dilation", "returnIndices", "ceilMode"];

class _MaxPoolNd extends Module {
  kernelSize: IntOrTuple;
  stride: IntOrTuple;
  padding: IntOrTuple;
  dilation: IntOrTuple;
  returnIndices: boolean;
  ceilMode: boolean;
  protected _nd = 2;
  constructor(kernelSize: IntOrTuple, args: any[], what: string) {
    super();
    const o = optionsOf<MaxPoolOptions>(what, MAXPOOL_NAMES, args);
    this.kernelSize = kernelSize;
    this.stride = o?.stride ?? kernelSize;
    this.padding = o?.padding ?? 0;
    this.dilation = o?.dilation ?? 1;
    this.returnIndices = !!o?.returnIndices;
    this.ceilMode = !!o?.ceilMode;
  }
  _canPlan(): boolean { return !this.returnIndices; }
  _plan(b: PlanBuilder): void {
    const n = this._nd;
    b.num(Kind.MaxPool).num(n).ints(ntuple(this.kernelSize, n)).ints(ntuple(this.stride, n)).ints(ntuple(this.padding, n))
      .ints(ntuple(this.dilation, n)).bool(this.ceilMode);
  }
  /** The pooled output, or [output, indices] with returnIndices. */
  forward(x: Tensor): any {
    if (!this.returnIndices) return planForward(this, x);
    const n = this._nd;
    return callOp(`aten::max_pool${n}d_with_indices`, x, ntuple(this.kernelSize, n), ntuple(this.stride, n), ntuple(this.padding, n), ntuple(this.dilation, n), this.ceilMode);
  }
  extraRepr(): string {
    return `kernel_size=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}, dilation=${show(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}
export class MaxPool1d extends _MaxPoolNd {
  constructor(kernelSize: IntOrTuple, ...args: MaxPoolArgs) { super(kernelSize, args, "MaxPool1d"); this._nd = 1; }
  forward(x: Tensor): any { return super.forward(x); }
}
builtin(MaxPool1d);
/** 2-D max pooling; stride defaults to kernelSize. */
export class MaxPool2d extends _MaxPoolNd {
  constructor(kernelSize: IntOrTuple, ...args: MaxPoolArgs) { super(kernelSize, args, "MaxPool2d"); this._nd = 2; }
  forward(x: Tensor): any { return super.forward(x); }
}
builtin(MaxPool2d);
export class MaxPool3d extends _MaxPoolNd {
  constructor(kernelSize: IntOrTuple, ...args: MaxPoolArgs) { super(kernelSize, args, "MaxPool3d"); this._nd = 3; }
  forward(x: Tensor): any { return super.forward(x); }
}
builtin(MaxPool3d);

export interface AvgPoolOptions { stride?: IntOrTuple | null; padding?: IntOrTuple; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null; }
/** AvgPool's optional arguments: an options object, or PyTorch's positional order (stride, padding, ceilMode, countIncludePad, divisorOverride). */
export type AvgPoolArgs = [opts?: AvgPoolOptions] | [stride?: IntOrTuple | null, padding?: IntOrTuple, ceilMode?: boolean,
  countIncludePad?: boolean, divisorOverride?: number | null, opts?: AvgPoolOptions];
const AVGPOOL_NAMES = ["stride", "padding", "ceilMode", "countIncludePad", "divisorOverride"];

class _AvgPoolNd extends Module {
  kernelSize: IntOrTuple;
  stride: IntOrTuple;
  padding: IntOrTuple;
  ceilMode: boolean;
  countIncludePad: boolean;
  divisorOverride: number | null;
  protected _nd = 2;
  constructor(kernelSize: IntOrTuple, args: any[], what: string) {
    super();
    // AvgPool1d has no divisor_override
    const o = optionsOf<AvgPoolOptions>(what, what === "AvgPool1d" ? AVGPOOL_NAMES.slice(0, 4) : AVGPOOL_NAMES, args);
    this.kernelSize = kernelSize;
    this.stride = o?.stride ?? kernelSize;
    this.padding = o?.padding ?? 0;
    this.ceilMode = !!o?.ceilMode;
    this.countIncludePad = o?.countIncludePad ?? true;
    this.divisorOverride = o?.divisorOverride ?? null;
  }
  _plan(b: PlanBuilder): void {
    const n = this._nd;
    b.num(Kind.AvgPool).num(n).ints(ntuple(this.kernelSize, n)).ints(ntuple(this.stride, n)).ints(ntuple(this.padding, n))
      .bool(this.ceilMode).bool(this.countIncludePad).opt(this.divisorOverride);
  }
  forward(x: Tensor): Tensor { return planForward(this, x); }
  extraRepr(): string { return `kernel_size=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}`; }
}
export class AvgPool1d extends _AvgPoolNd {
  constructor(kernelSize: IntOrTuple, ...args: [opts?: Omit<AvgPoolOptions, "divisorOverride">] | [stride?: IntOrTuple | null, padding?: IntOrTuple,
    ceilMode?: boolean, countIncludePad?: boolean, opts?: Omit<AvgPoolOptions, "divisorOverride">]) {
    super(kernelSize, args, "AvgPool1d");
    this._nd = 1;
    // PyTorch keeps these as 1-tuples for AvgPool1d (and prints them so)
    this.kernelSize = ntuple(this.kernelSize, 1);
    this.stride = ntuple(this.stride, 1);
    this.padding = ntuple(this.padding, 1);
  }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(AvgPool1d);
/** 2-D average pooling; stride defaults to kernelSize. */
export class AvgPool2d extends _AvgPoolNd {
  constructor(kernelSize: IntOrTuple, ...args: AvgPoolArgs) { super(kernelSize, args, "AvgPool2d"); this._nd = 2; }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(AvgPool2d);
export class AvgPool3d extends _AvgPoolNd {
  constructor(kernelSize: IntOrTuple, ...args: AvgPoolArgs) { super(kernelSize, args, "AvgPool3d"); this._nd = 3; }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(AvgPool3d);

type OutSize = number | null | (number | null)[];
function outShow(v: OutSize): string { return v === null ? "None" : Array.isArray(v) ? pyTuple(v) : String(v); }
function outList(v: OutSize, n: number): number[] {
  if (v === null) return new Array(n).fill(-1);
  if (typeof v === "number") return new Array(n).fill(v);
  if (v.length !== n) throw new TypeError(`outputSize must be an int or a list of ${n} ints`);
  return v.map((x) => (x === null ? -1 : x));
}

class _AdaptivePool extends Module {
  outputSize: OutSize;
  protected _nd = 2;
  protected _kind = Kind.AdaptiveAvgPool;
  constructor(outputSize: OutSize) { super(); this.outputSize = outputSize; }
  _plan(b: PlanBuilder): void { b.num(this._kind).num(this._nd).ints(outList(this.outputSize, this._nd)); }
  extraRepr(): string { return `output_size=${outShow(this.outputSize)}`; }
}
export class AdaptiveAvgPool1d extends _AdaptivePool {
  constructor(outputSize: OutSize) { super(outputSize); this._nd = 1; }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(AdaptiveAvgPool1d);
/** Average pooling to a fixed output size (null keeps that input dim). */
export class AdaptiveAvgPool2d extends _AdaptivePool {
  constructor(outputSize: OutSize) { super(outputSize); this._nd = 2; }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(AdaptiveAvgPool2d);
export class AdaptiveAvgPool3d extends _AdaptivePool {
  constructor(outputSize: OutSize) { super(outputSize); this._nd = 3; }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(AdaptiveAvgPool3d);

class _AdaptiveMaxPool extends _AdaptivePool {
  returnIndices: boolean;
  constructor(outputSize: OutSize, nd: number, opts?: { returnIndices?: boolean }) {
    super(outputSize);
    this._nd = nd;
    this._kind = Kind.AdaptiveMaxPool;
    this.returnIndices = !!opts?.returnIndices;
  }
  _canPlan(): boolean { return !this.returnIndices; }
  forward(x: Tensor): any {
    if (!this.returnIndices) return planForward(this, x);
    const o = outList(this.outputSize, this._nd).map((v, i) => (v < 0 ? x.shape[x.dim() - this._nd + i] : v));
    return callOp(`aten::adaptive_max_pool${this._nd}d`, x, o);
  }
}
export class AdaptiveMaxPool1d extends _AdaptiveMaxPool {
  constructor(outputSize: OutSize, opts?: { returnIndices?: boolean }) { super(outputSize, 1, opts); }
  forward(x: Tensor): any { return super.forward(x); }
}
builtin(AdaptiveMaxPool1d);
export class AdaptiveMaxPool2d extends _AdaptiveMaxPool {
  constructor(outputSize: OutSize, opts?: { returnIndices?: boolean }) { super(outputSize, 2, opts); }
  forward(x: Tensor): any { return super.forward(x); }
}
builtin(AdaptiveMaxPool2d);
