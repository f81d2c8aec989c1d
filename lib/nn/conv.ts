// Convolutions: Conv1d/2d/3d and ConvTranspose1d/2d/3d on libtorch's kernels.
import { Tensor } from "../tensor";
import { Module, Parameter, pyTuple } from "./module";
import { FactoryOptions, emptyParam, ntuple, optionsOf } from "./common";
import { Kind, PlanBuilder, builtin, planForward, acquire, release, runPlan } from "./plan";
import { kaimingUniform_, uniform_, calculateFanInAndFanOut } from "./init";

export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";
const PAD_MODES: PaddingMode[] = ["zeros", "reflect", "replicate", "circular"];

export interface ConvOptions extends FactoryOptions {
  stride?: number | number[];
  /** An int, one int per spatial dim, "same" or "valid". */
  padding?: number | number[] | "same" | "valid";
  dilation?: number | number[];
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
}
export interface ConvTransposeOptions extends FactoryOptions {
  stride?: number | number[];
  padding?: number | number[];
  outputPadding?: number | number[];
  groups?: number;
  bias?: boolean;
  dilation?: number | number[];
  paddingMode?: "zeros";
}

/** Conv1d/2d/3d's optional arguments: an options object, or PyTorch's positional order (stride, padding, dilation, groups, bias, paddingMode). */
export type ConvArgs = [opts?: ConvOptions] | [stride?: number | number[], padding?: ConvOptions["padding"], dilation?: number | number[],
  groups?: number, bias?: boolean, paddingMode?: PaddingMode, opts?: ConvOptions];
/** ConvTranspose1d/2d/3d's: an options object, or (stride, padding, outputPadding, groups, bias, dilation, paddingMode). */
export type ConvTransposeArgs = [opts?: ConvTransposeOptions] | [stride?: number | number[], padding?: number | number[],
  outputPadding?: number | number[], groups?: number, bias?: boolean, dilation?: number | number[], paddingMode?: "zeros", opts?: ConvTransposeOptions];
const CONV_NAMES = ["stride", "padding", "dilation", "groups", "bias", "paddingMode"];
const CONVT_NAMES = ["stride", "padding", "outputPadding", "groups", "bias", "dilation", "paddingMode"];

/** Shared by convolutions and transposed convolutions (PyTorch's _ConvNd). */
export class _ConvNd extends Module {
  declare weight: Parameter;
  declare bias: Parameter | null;
  inChannels: number;
  outChannels: number;
  kernelSize: number[];
  stride: number[];
  padding: number[] | "same" | "valid";
  dilation: number[];
  transposed: boolean;
  outputPadding: number[];
  groups: number;
  paddingMode: PaddingMode;
  _reversedPaddingRepeatedTwice: number[];

  constructor(nd: number, inChannels: number, outChannels: number, kernelSize: number | number[], transposed: boolean,
    o: ConvOptions & { outputPadding?: number | number[] }) {
    super();
    const groups = o.groups ?? 1;
    if (!Number.isInteger(groups) || groups <= 0) throw new Error("groups must be a positive integer");
    if (inChannels % groups !== 0) throw new Error("in_channels must be divisible by groups");
    if (outChannels % groups !== 0) throw new Error("out_channels must be divisible by groups");
    const k = ntuple(kernelSize, nd, "kernelSize");
    const stride = ntuple(o.stride ?? 1, nd, "stride");
    const dilation = ntuple(o.dilation ?? 1, nd, "dilation");
    const pm = o.paddingMode ?? "zeros";
    if (!PAD_MODES.includes(pm)) throw new Error(`padding_mode must be one of ${JSON.stringify(PAD_MODES)}, but got padding_mode='${pm}'`);
    let padding: number[] | "same" | "valid";
    const p = o.padding ?? 0;
    if (typeof p === "string") {
      if (p !== "same" && p !== "valid") throw new Error(`Invalid padding string '${p}', should be one of ["valid", "same"]`);
      if (p === "same" && stride.some((s) => s !== 1)) throw new Error("padding='same' is not supported for strided convolutions");
      padding = p;
    } else padding = ntuple(p, nd, "padding");
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = k;
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
    this.transposed = transposed;
    this.outputPadding = ntuple(o.outputPadding ?? 0, nd, "outputPadding");
    this.groups = groups;
    this.paddingMode = pm;
    const rp = new Array(2 * nd).fill(0);
    if (padding === "same") {
      for (let d = 0; d < nd; d++) {
        const total = dilation[d] * (k[d] - 1);
        const left = Math.floor(total / 2);
        const i = nd - 1 - d;
        rp[2 * i] = left;
        rp[2 * i + 1] = total - left;
      }
    } else if (Array.isArray(padding)) {
      for (let d = 0; d < nd; d++) { rp[2 * (nd - 1 - d)] = padding[d]; rp[2 * (nd - 1 - d) + 1] = padding[d]; }
    }
    this._reversedPaddingRepeatedTwice = rp;
    const wShape = transposed ? [inChannels, outChannels / groups, ...k] : [outChannels, inChannels / groups, ...k];
    this.registerParameter("weight", emptyParam(wShape, o));
    this.registerParameter("bias", o.bias ?? true ? emptyParam([outChannels], o) : null);
    this.resetParameters();
  }

  /** PyTorch's default: kaiming-uniform (a = √5) weight, U(-1/√fanIn, 1/√fanIn) bias. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      if (fanIn !== 0) {
        const bound = 1 / Math.sqrt(fanIn);
        uniform_(this.bias, -bound, bound);
      }
    }
  }

  extraRepr(): string {
    const nd = this.kernelSize.length;
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === "string") s += `, padding=${this.padding}`;
    else if (this.padding.some((x) => x !== 0)) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation.some((x) => x !== 1)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.outputPadding.some((x) => x !== 0)) s += `, output_padding=${pyTuple(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ", bias=False";
    if (this.paddingMode !== "zeros") s += `, padding_mode=${this.paddingMode}`;
    void nd;
    return s;
  }
}

class _Conv extends _ConvNd {
  _plan(b: PlanBuilder): void {
    const nd = this.kernelSize.length;
    const p = this.padding;
    b.num(Kind.Conv).num(nd).t(this.weight).t(this.bias).ints(this.stride);
    b.num(p === "same" ? 1 : p === "valid" ? 2 : 0).ints(Array.isArray(p) ? p : new Array(nd).fill(0));
    b.ints(this.dilation).num(this.groups);
    const pm = PAD_MODES.indexOf(this.paddingMode);
    b.num(pm);
    if (pm !== 0) b.ints(this._reversedPaddingRepeatedTwice);
  }
}

/** 1-D convolution over (N, C, L) or (C, L) inputs. */
export class Conv1d extends _Conv {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], ...args: ConvArgs) {
    super(1, inChannels, outChannels, kernelSize, false, optionsOf("Conv1d", CONV_NAMES, args));
  }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(Conv1d);

/** 2-D convolution over (N, C, H, W) or (C, H, W) inputs. */
export class Conv2d extends _Conv {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], ...args: ConvArgs) {
    super(2, inChannels, outChannels, kernelSize, false, optionsOf("Conv2d", CONV_NAMES, args));
  }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(Conv2d);

/** 3-D convolution over (N, C, D, H, W) or (C, D, H, W) inputs. */
export class Conv3d extends _Conv {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], ...args: ConvArgs) {
    super(3, inChannels, outChannels, kernelSize, false, optionsOf("Conv3d", CONV_NAMES, args));
  }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(Conv3d);

class _ConvTranspose extends _ConvNd {
  constructor(nd: number, inChannels: number, outChannels: number, kernelSize: number | number[], o: ConvTransposeOptions) {
    if ((o.paddingMode ?? "zeros") !== "zeros") throw new Error(`Only "zeros" padding mode is supported for ConvTranspose${nd}d`);
    if (typeof o.padding === "string") throw new Error("padding must be an int or a list of ints for transposed convolutions");
    super(nd, inChannels, outChannels, kernelSize, true, o);
  }
  /** output_padding that makes the output size outputSize (PyTorch's _output_padding). */
  _outputPadding(x: Tensor, outputSize?: number[] | null): number[] {
    const nd = this.kernelSize.length;
    if (!outputSize) return this.outputPadding;
    const dim = x.dim();
    const nonSpatial = dim === nd + 2 ? 2 : 1;
    let os = outputSize;
    if (os.length === nonSpatial + nd) os = os.slice(nonSpatial);
    if (os.length !== nd) throw new Error(`ConvTranspose${nd}D: for ${dim}D input, output_size must have ${nd} or ${nonSpatial + nd} elements (got ${outputSize.length})`);
    const shape = x.shape;
    const pad = this.padding as number[];
    const res: number[] = [];
    for (let d = 0; d < nd; d++) {
      const min = (shape[d + nonSpatial] - 1) * this.stride[d] - 2 * pad[d] + this.dilation[d] * (this.kernelSize[d] - 1) + 1;
      const max = min + this.stride[d] - 1;
      if (os[d] < min || os[d] > max)
        throw new Error(`requested an output size of [${os.join(", ")}], but valid sizes range from [${min}] to [${max}] (for an input of [${shape.slice(2).join(", ")}])`);
      res.push(os[d] - min);
    }
    return res;
  }
  _planWith(b: PlanBuilder, outPad: number[]): void {
    const nd = this.kernelSize.length;
    b.num(Kind.ConvT).num(nd).t(this.weight).t(this.bias).ints(this.stride).ints(this.padding as number[])
      .ints(outPad).num(this.groups).ints(this.dilation);
  }
  _plan(b: PlanBuilder): void { this._planWith(b, this.outputPadding); }
  protected _forward(x: Tensor, outputSize?: number[] | null): Tensor {
    if (!outputSize) return planForward(this, x);
    const b = acquire();
    try { this._planWith(b, this._outputPadding(x, outputSize)); return runPlan(b, x); } finally { release(b); }
  }
}

/** Transposed 1-D convolution ("deconvolution"); forward(x, outputSize?) picks the output padding. */
export class ConvTranspose1d extends _ConvTranspose {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], ...args: ConvTransposeArgs) {
    super(1, inChannels, outChannels, kernelSize, optionsOf("ConvTranspose1d", CONVT_NAMES, args));
  }
  forward(x: Tensor, outputSize?: number[] | null): Tensor { return this._forward(x, outputSize); }
}
builtin(ConvTranspose1d);

/** Transposed 2-D convolution; forward(x, outputSize?) picks the output padding. */
export class ConvTranspose2d extends _ConvTranspose {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], ...args: ConvTransposeArgs) {
    super(2, inChannels, outChannels, kernelSize, optionsOf("ConvTranspose2d", CONVT_NAMES, args));
  }
  forward(x: Tensor, outputSize?: number[] | null): Tensor { return this._forward(x, outputSize); }
}
builtin(ConvTranspose2d);

/** Transposed 3-D convolution; forward(x, outputSize?) picks the output padding. */
export class ConvTranspose3d extends _ConvTranspose {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], ...args: ConvTransposeArgs) {
    super(3, inChannels, outChannels, kernelSize, optionsOf("ConvTranspose3d", CONVT_NAMES, args));
  }
  forward(x: Tensor, outputSize?: number[] | null): Tensor { return this._forward(x, outputSize); }
}
builtin(ConvTranspose3d);
