// Activations: ReLU, LeakyReLU, GELU, SiLU, Sigmoid, Tanh, Softmax, LogSoftmax and a few more.
import { Tensor, full } from "../tensor";
import { Module, Parameter, pyFloat } from "./module";
import { FactoryOptions, optionsOf } from "./common";
import { Kind, PlanBuilder, builtin, planForward } from "./plan";
import { callOp } from "../ops";

type InplaceArg = boolean | { inplace?: boolean };
function inplaceOf(a: InplaceArg | undefined): boolean { return typeof a === "boolean" ? a : !!a?.inplace; }
/** PyTorch's (value, inplace) arguments: positional, one options object, or the value then { inplace }. */
function valueInplace(what: string, key: string, def: number, value: unknown, inplace: unknown): [number, boolean] {
  const o = optionsOf<Record<string, any>>(what, [key, "inplace"], [value, inplace]);
  return [o[key] ?? def, !!o.inplace];
}

/** Activations with only an inplace flag. */
class _InplaceAct extends Module {
  inplace: boolean;
  protected _kind: Kind = Kind.Relu;
  constructor(opts?: InplaceArg) { super(); this.inplace = inplaceOf(opts); }
  _plan(b: PlanBuilder): void { b.num(this._kind).bool(this.inplace); }
  extraRepr(): string { return this.inplace ? "inplace=True" : ""; }
}

/** max(0, x). new ReLU({ inplace: true }) modifies its input. */
export class ReLU extends _InplaceAct {
  constructor(opts?: InplaceArg) { super(opts); this._kind = Kind.Relu; }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(ReLU);

/** x·sigmoid(x). */
export class SiLU extends _InplaceAct {
  constructor(opts?: InplaceArg) { super(opts); this._kind = Kind.Silu; }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(SiLU);

/** x·tanh(softplus(x)). */
export class Mish extends _InplaceAct {
  constructor(opts?: InplaceArg) { super(opts); this._kind = Kind.Mish; }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(Mish);

export class Hardswish extends _InplaceAct {
  constructor(opts?: InplaceArg) { super(opts); this._kind = Kind.Hardswish; }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(Hardswish);

export class Hardsigmoid extends _InplaceAct {
  constructor(opts?: InplaceArg) { super(opts); this._kind = Kind.Hardsigmoid; }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(Hardsigmoid);

/** max(0, x) + negativeSlope·min(0, x). */
export class LeakyReLU extends Module {
  negativeSlope: number;
  inplace: boolean;
  constructor(negativeSlope: number | { negativeSlope?: number; inplace?: boolean } = 0.01, inplace?: InplaceArg) {
    super();
    [this.negativeSlope, this.inplace] = valueInplace("LeakyReLU", "negativeSlope", 0.01, negativeSlope, inplace);
  }
  _plan(b: PlanBuilder): void { b.num(Kind.LeakyRelu).num(this.negativeSlope).bool(this.inplace); }
  forward(x: Tensor): Tensor { return planForward(this, x); }
  extraRepr(): string { return `negative_slope=${pyFloat(this.negativeSlope)}${this.inplace ? ", inplace=True" : ""}`; }
}
builtin(LeakyReLU);

/** Gaussian error linear unit; approximate "tanh" uses the tanh formula. */
export class GELU extends Module {
  approximate: "none" | "tanh";
  constructor(approximate: "none" | "tanh" | { approximate?: "none" | "tanh" } = "none") {
    super();
    const a = typeof approximate === "object" ? approximate.approximate ?? "none" : approximate;
    if (a !== "none" && a !== "tanh") throw new Error(`approximate argument must be either none or tanh.`);
    this.approximate = a;
  }
  _plan(b: PlanBuilder): void { b.num(Kind.Gelu).bool(this.approximate === "tanh"); }
  forward(x: Tensor): Tensor { return planForward(this, x); }
  extraRepr(): string { return `approximate='${this.approximate}'`; }
}
builtin(GELU);

/** alpha·(exp(x) - 1) for x < 0. */
export class ELU extends Module {
  alpha: number;
  inplace: boolean;
  constructor(alpha: number | { alpha?: number; inplace?: boolean } = 1.0, inplace?: InplaceArg) {
    super();
    [this.alpha, this.inplace] = valueInplace("ELU", "alpha", 1, alpha, inplace);
  }
  _plan(b: PlanBuilder): void { b.num(Kind.Elu).num(this.alpha).bool(this.inplace); }
  forward(x: Tensor): Tensor { return planForward(this, x); }
  extraRepr(): string { return `alpha=${pyFloat(this.alpha)}${this.inplace ? ", inplace=True" : ""}`; }
}
builtin(ELU);

/** Clamps to [minVal, maxVal]. */
export class Hardtanh extends Module {
  minVal: number;
  maxVal: number;
  inplace: boolean;
  /** new Hardtanh({ minVal, maxVal }), or PyTorch's positional new Hardtanh(minVal, maxVal, inplace). */
  constructor(...args: [opts?: { minVal?: number; maxVal?: number; inplace?: boolean }] | [minVal?: number, maxVal?: number, inplace?: boolean]) {
    super();
    const opts = optionsOf<{ minVal?: number; maxVal?: number; inplace?: boolean }>("Hardtanh", ["minVal", "maxVal", "inplace"], args);
    this.minVal = opts?.minVal ?? -1;
    this.maxVal = opts?.maxVal ?? 1;
    this.inplace = !!opts?.inplace;
    if (this.maxVal <= this.minVal) throw new Error("maxVal must be larger than minVal");
  }
  _plan(b: PlanBuilder): void { b.num(Kind.Hardtanh).num(this.minVal).num(this.maxVal).bool(this.inplace); }
  forward(x: Tensor): Tensor { return planForward(this, x); }
  extraRepr(): string { return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}${this.inplace ? ", inplace=True" : ""}`; }
}
builtin(Hardtanh);

/** min(max(0, x), 6). */
export class ReLU6 extends Hardtanh {
  constructor(opts?: InplaceArg) { super({ minVal: 0, maxVal: 6, inplace: inplaceOf(opts) }); }
  forward(x: Tensor): Tensor { return planForward(this, x); }
  extraRepr(): string { return this.inplace ? "inplace=True" : ""; }
}
builtin(ReLU6);

/** log(1 + exp(beta·x)) / beta, linear above threshold. */
export class Softplus extends Module {
  beta: number;
  threshold: number;
  constructor(...args: [opts?: { beta?: number; threshold?: number }] | [beta?: number, threshold?: number]) {
    super();
    const opts = optionsOf<{ beta?: number; threshold?: number }>("Softplus", ["beta", "threshold"], args);
    this.beta = opts.beta ?? 1;
    this.threshold = opts.threshold ?? 20;
  }
  _plan(b: PlanBuilder): void { b.num(Kind.Softplus).num(this.beta).num(this.threshold); }
  forward(x: Tensor): Tensor { return planForward(this, x); }
  extraRepr(): string { return `beta=${this.beta}, threshold=${this.threshold}`; }
}
builtin(Softplus);

/** Leaky ReLU with a learned slope (numParameters slopes, initialised to init). */
export class PReLU extends Module {
  declare weight: Parameter;
  numParameters: number;
  /** new PReLU({ numParameters, init }), or PyTorch's positional new PReLU(numParameters, init). */
  constructor(...args: [opts?: { numParameters?: number; init?: number } & FactoryOptions] | [numParameters?: number, init?: number, opts?: FactoryOptions]) {
    super();
    const opts = optionsOf<{ numParameters?: number; init?: number } & FactoryOptions>("PReLU", ["numParameters", "init"], args);
    this.numParameters = opts?.numParameters ?? 1;
    const t = full([this.numParameters], opts?.init ?? 0.25, { dtype: opts?.dtype, device: opts?.device });
    this.registerParameter("weight", new Parameter(t));
    t.dispose();
  }
  _plan(b: PlanBuilder): void { b.num(Kind.Prelu).t(this.weight); }
  forward(x: Tensor): Tensor { return planForward(this, x); }
  extraRepr(): string { return `num_parameters=${this.numParameters}`; }
}
builtin(PReLU);

export class Sigmoid extends Module {
  _plan(b: PlanBuilder): void { b.num(Kind.Sigmoid); }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(Sigmoid);

export class Tanh extends Module {
  _plan(b: PlanBuilder): void { b.num(Kind.Tanh); }
  forward(x: Tensor): Tensor { return planForward(this, x); }
}
builtin(Tanh);

/** PyTorch's implicit softmax dim, when dim is not given (deprecated there too). */
function legacyDim(nd: number): number { return nd === 0 || nd === 1 || nd === 3 ? 0 : 1; }

/** Softmax along dim. */
export class Softmax extends Module {
  dim: number | null;
  constructor(dim: number | null | { dim?: number | null } = null) { super(); this.dim = typeof dim === "object" && dim !== null ? dim.dim ?? null : dim; }
  private _d = -1;
  _canPlan(): boolean { return this.dim !== null; }
  _plan(b: PlanBuilder): void { b.num(Kind.Softmax).num(this.dim ?? this._d); }
  forward(x: Tensor): Tensor { this._d = legacyDim(x.dim()); return planForward(this, x); }
  extraRepr(): string { return `dim=${this.dim ?? "None"}`; }
}
builtin(Softmax);

/** log(softmax(x)) along dim, computed stably. */
export class LogSoftmax extends Module {
  dim: number | null;
  constructor(dim: number | null | { dim?: number | null } = null) { super(); this.dim = typeof dim === "object" && dim !== null ? dim.dim ?? null : dim; }
  private _d = -1;
  _canPlan(): boolean { return this.dim !== null; }
  _plan(b: PlanBuilder): void { b.num(Kind.LogSoftmax).num(this.dim ?? this._d); }
  forward(x: Tensor): Tensor { this._d = legacyDim(x.dim()); return planForward(this, x); }
  extraRepr(): string { return `dim=${this.dim ?? "None"}`; }
}
builtin(LogSoftmax);

/** softmax(-x) along dim. */
export class Softmin extends Module {
  dim: number | null;
  constructor(dim: number | null | { dim?: number | null } = null) { super(); this.dim = typeof dim === "object" && dim !== null ? dim.dim ?? null : dim; }
  forward(x: Tensor): Tensor {
    const n = x.neg();
    try { return n.softmax(this.dim ?? legacyDim(x.dim())); } finally { n.dispose(); }
  }
  extraRepr(): string { return `dim=${this.dim ?? "None"}`; }
}
/** log(sigmoid(x)), computed stably. */
export class LogSigmoid extends Module { forward(x: Tensor): Tensor { return callOp("aten::log_sigmoid", x); } }
/** x / (1 + |x|). */
export class Softsign extends Module {
  forward(x: Tensor): Tensor { const a = x.abs(); const d = a.add(1); a.dispose(); try { return x.div(d); } finally { d.dispose(); } }
}
/** x - tanh(x). */
export class Tanhshrink extends Module {
  forward(x: Tensor): Tensor { const t: Tensor = callOp("aten::tanh", x); try { return x.sub(t); } finally { t.dispose(); } }
}
/** scale·(max(0, x) + min(0, α·(exp(x) - 1))) with PyTorch's fixed α and scale. */
export class SELU extends Module {
  inplace: boolean;
  constructor(opts?: InplaceArg) { super(); this.inplace = inplaceOf(opts); }
  forward(x: Tensor): Tensor { return this.inplace ? x.inplace("aten::selu_") : callOp("aten::selu", x); }
  extraRepr(): string { return this.inplace ? "inplace=True" : ""; }
}
/** max(0, x) + min(0, α·(exp(x/α) - 1)). */
export class CELU extends Module {
  alpha: number;
  inplace: boolean;
  constructor(alpha: number | { alpha?: number; inplace?: boolean } = 1.0, inplace?: InplaceArg) {
    super();
    [this.alpha, this.inplace] = valueInplace("CELU", "alpha", 1, alpha, inplace);
  }
  forward(x: Tensor): Tensor { return this.inplace ? x.inplace("aten::celu_", this.alpha) : callOp("aten::celu", x, this.alpha); }
  extraRepr(): string { return `alpha=${pyFloat(this.alpha)}${this.inplace ? ", inplace=True" : ""}`; }
}
/** Gated linear unit: the first half of dim times sigmoid of the second half. */
export class GLU extends Module {
  dim: number;
  constructor(dim: number | { dim?: number } = -1) { super(); this.dim = typeof dim === "object" ? dim.dim ?? -1 : dim; }
  forward(x: Tensor): Tensor { return callOp("aten::glu", x, this.dim); }
  extraRepr(): string { return `dim=${this.dim}`; }
}
/** x where x > threshold, else value. */
export class Threshold extends Module {
  threshold: number;
  value: number;
  inplace: boolean;
  constructor(threshold: number, value: number, inplace: InplaceArg = false) { super(); this.threshold = threshold; this.value = value; this.inplace = inplaceOf(inplace); }
  forward(x: Tensor): Tensor { return this.inplace ? x.inplace("aten::threshold_", this.threshold, this.value) : callOp("aten::threshold", x, this.threshold, this.value); }
  extraRepr(): string { return `threshold=${pyFloat(this.threshold)}, value=${pyFloat(this.value)}${this.inplace ? ", inplace=True" : ""}`; }
}
/** x where |x| > lambd, else 0. */
export class Hardshrink extends Module {
  lambd: number;
  constructor(lambd: number | { lambd?: number } = 0.5) { super(); this.lambd = typeof lambd === "object" ? lambd.lambd ?? 0.5 : lambd; }
  forward(x: Tensor): Tensor { return callOp("aten::hardshrink", x, this.lambd); }
  extraRepr(): string { return pyFloat(this.lambd); }
}
/** x ∓ lambd where |x| > lambd, else 0. */
export class Softshrink extends Module {
  lambd: number;
  constructor(lambd: number | { lambd?: number } = 0.5) { super(); this.lambd = typeof lambd === "object" ? lambd.lambd ?? 0.5 : lambd; }
  forward(x: Tensor): Tensor { return callOp("aten::softshrink", x, this.lambd); }
  extraRepr(): string { return pyFloat(this.lambd); }
}
