// The Tensor: a handle on one at::Tensor. Every op returns a new Tensor; in-place ops (trailing _) return `this`.
import { native } from "./native";
import * as dt from "./dtype";
import { DType, MemoryFormat } from "./dtype";
import { track, untrackFinalizer, tidy } from "./memory";
import { callOp, callOpDiscard, bound, boundInplace, TypedOp, binary, setTensorFactory } from "./ops";
import { TorchError } from "./errors";
import { formatTensor } from "./tensor_str";
import { rngKw } from "./_rng";
import type { Generator } from "./generator";

export type Shape = readonly number[];
export type Device = string;
export type Scalar = number | boolean;
export type TensorLike = Tensor | number | boolean;
export interface TensorOptions { dtype?: DType; device?: Device; requiresGrad?: boolean; }
/** Options of random functions: a torch.Generator to draw from (default: the global one). */
export interface RandomOptions extends TensorOptions { generator?: Generator | null; }
export type DimOrOpts = number | number[] | { dim?: number | number[]; keepdim?: boolean; dtype?: DType };

let defaultDevice: Device = process.env.TORCHTS_DEFAULT_DEVICE || "cpu";
let defaultDtype: DType = dt.float32;
/** The device that creation functions use when none is given ("cpu" unless set, e.g. by TORCHTS_DEFAULT_DEVICE). */
export function setDefaultDevice(d: Device): void { defaultDevice = d; }
export function getDefaultDevice(): Device { return defaultDevice; }
export function setDefaultDtype(d: DType): void { defaultDtype = d; }
export function getDefaultDtype(): DType { return defaultDtype; }

/** A slice for Tensor.index: torch.slice(start, stop, step) is Python's start:stop:step. */
export class Slice {
  constructor(readonly start: number | null = null, readonly stop: number | null = null, readonly step = 1) {}
}
export function slice(start: number | null = null, stop: number | null = null, step = 1): Slice { return new Slice(start, stop, step); }
export const ellipsis = "...";
export type Index = number | Slice | Tensor | null | "..." | boolean | number[];

const K: any = undefined; // no keyword arguments
const o = {
  sumDim: bound("aten::sum", "dim_IntList"), sum: bound("aten::sum", ""),
  meanDim: bound("aten::mean", "dim"), mean: bound("aten::mean", ""),
  maxDim: bound("aten::max", "dim"), max: bound("aten::max", ""), maximum: bound("aten::maximum"),
  minDim: bound("aten::min", "dim"), min: bound("aten::min", ""), minimum: bound("aten::minimum"),
  prodDim: bound("aten::prod", "dim_int"), prod: bound("aten::prod", ""),
  stdDim: bound("aten::std", "correction"), varDim: bound("aten::var", "correction"),
  argmax: bound("aten::argmax"), argmin: bound("aten::argmin"),
  allDim: bound("aten::all", "dim"), all: bound("aten::all", ""), anyDim: bound("aten::any", "dim"), any: bound("aten::any", ""),
  norm: bound("aten::linalg_vector_norm"),
  select: bound("aten::select", "int"), slice: bound("aten::slice", "Tensor"), index: bound("aten::index", "Tensor"),
  indexPut_: boundInplace("aten::index_put_"),
};

function dimsOf(d: number | number[] | undefined | null): number[] | null {
  if (d === undefined || d === null) return null;
  return typeof d === "number" ? [d] : d;
}
function normDimOpts(a: DimOrOpts | undefined, keepdim?: boolean): { dim: number[] | null; keepdim: boolean; dtype?: DType } {
  if (a === undefined || a === null || typeof a === "number" || Array.isArray(a)) return { dim: dimsOf(a as any), keepdim: !!keepdim };
  if (typeof a !== "object") throw new TypeError(`argument 'dim' must be an int, an array of ints or an options object, not ${typeof a}`);
  return { dim: dimsOf(a.dim), keepdim: !!a.keepdim, dtype: a.dtype };
}
export interface VarOpts { dim?: number | number[] | null; keepdim?: boolean; unbiased?: boolean; correction?: number }
/** std/var arguments: an options object, or Python's (dim, unbiased, keepdim) / (unbiased). */
export function varArgs(dim?: number | number[] | boolean | VarOpts | null, unbiased?: boolean, keepdim?: boolean): { dim: number[] | null; correction: number; keepdim: boolean } {
  if (typeof dim === "boolean") return { dim: null, correction: dim ? 1 : 0, keepdim: false };
  if (dim !== null && typeof dim === "object" && !Array.isArray(dim))
    return { dim: dimsOf(dim.dim), correction: dim.correction ?? (dim.unbiased === false ? 0 : 1), keepdim: !!dim.keepdim };
  return { dim: dimsOf(dim), correction: unbiased === false ? 0 : 1, keepdim: !!keepdim };
}
/** [values, indices] that also reads as Python's named tuple (torch.return_types): r.values, r.indices. */
export type ValuesIndices = [Tensor, Tensor] & { readonly values: Tensor; readonly indices: Tensor };
function named<T extends any[]>(r: T, names: string[]): any {
  names.forEach((n, i) => Object.defineProperty(r, n, { get: () => r[i], enumerable: false }));
  return r;
}
const VI = ["values", "indices"];
/** unique()'s result as Python returns it: the output alone, or [output, inverse?, counts?] (the others freed). */
function pickOutputs(r: Tensor[], inverse: boolean, counts: boolean): Tensor | Tensor[] {
  if (!inverse) r[1].dispose();
  if (!counts) r[2].dispose();
  if (!inverse && !counts) return r[0];
  return r.filter((_, i) => i === 0 || (i === 1 && inverse) || (i === 2 && counts));
}
function checkTensor(x: any, name: string): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`argument '${name}' must be a Tensor`);
  return x;
}

/** Set by jit.trace while it runs: reading tensor values then makes the trace data-dependent (a TracerWarning). */
export const tracingHooks: { onRead: ((what: string) => void) | null } = { onRead: null };

export class Tensor {
  /** Slot in the native tensor table; -1 once disposed. */
  _id: number;
  /** Whether the GC backstop holds this tensor (see memory.ts). */
  _reg = false;

  constructor(id: number) {
    this._id = id;
    track(this);
  }

  // ---- lifetime ----
  /** Frees the native tensor now. Idempotent; using the tensor afterwards throws. */
  dispose(): void {
    if (this._id >= 0) {
      native.dispose(this._id);
      untrackFinalizer(this);
      this._id = -1;
    }
  }
  /** @internal dispose() for a batch the DataLoader frees: using it afterwards names the DataLoader (id -2, native/common.cc). */
  _disposeBatch(): void { if (this._id >= 0) { this.dispose(); this._id = -2; } }
  [Symbol.dispose](): void { this.dispose(); }
  get isDisposed(): boolean { return this._id < 0; }

  // ---- metadata ----
  get shape(): number[] { return native.Shape(this._id); }
  size(dim?: number): any { const s = this.shape; return dim === undefined ? s : s[dim < 0 ? s.length + dim : dim]; }
  stride(): number[] { return native.Strides(this._id); }
  get ndim(): number { return native.Dim(this._id); }
  dim(): number { return native.Dim(this._id); }
  numel(): number { return native.Numel(this._id); }
  get dtype(): DType { return dt.dtypeFromCode(native.Dtype(this._id)); }
  get device(): Device { return native.DeviceStr(this._id); }
  get isCuda(): boolean { return this.device.startsWith("cuda"); }
  isContiguous(opts?: { memoryFormat?: MemoryFormat }): boolean { return native.IsContiguous(this._id, opts?.memoryFormat === dt.channelsLast); }
  isFloatingPoint(): boolean { return this.dtype.isFloatingPoint; }
  elementSize(): number { return this.dtype.itemsize; }

  // ---- reading ----
  /** A copy of the elements as a TypedArray (float16/bfloat16 as raw Uint16Array bits, int64 as BigInt64Array). */
  data(): dt.TypedArray {
    if (tracingHooks.onRead) tracingHooks.onRead("data()/toArray()");
    const C = dt.typedArrayFor(this.dtype);
    return new C(native.ToBuffer(this._id));
  }
  /** Elements as plain numbers (float16/bfloat16 converted, int64 as number). */
  dataNumbers(): number[] | Float32Array | Float64Array | Int32Array {
    const d = this.dtype;
    if (d === dt.float16 || d === dt.bfloat16) return this.to(dt.float32).tidyData() as Float32Array;
    if (d === dt.int64) return Array.from(this.data() as BigInt64Array, Number);
    if (d === dt.bool) return Array.from(this.data() as Uint8Array);
    return this.data() as any;
  }
  private tidyData(): dt.TypedArray { const r = this.data(); this.dispose(); return r; }
  /** Nested JS arrays (booleans for bool tensors). */
  toArray(): any {
    const flat = this.dataNumbers();
    const isBool = this.dtype === dt.bool;
    const shape = this.shape;
    if (shape.length === 0) return isBool ? !!flat[0] : flat[0];
    let pos = 0;
    const build = (d: number): any => {
      const n = shape[d];
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = d === shape.length - 1 ? (isBool ? !!flat[pos++] : flat[pos++]) : build(d + 1);
      return out;
    };
    return build(0);
  }
  tolist(): any { return this.toArray(); }
  /** The value of a one-element tensor. */
  item(): number { if (tracingHooks.onRead) tracingHooks.onRead("item()"); return native.Item(this._id); }
  toString(): string { return formatTensor(this); }
  [Symbol.for("nodejs.util.inspect.custom")](): string { return this._id < 0 ? "Tensor(disposed)" : this.toString(); }

  // ---- conversion ----
  /** to(device), to(dtype), to(device, dtype), to({device, dtype, memoryFormat, nonBlocking, copy}), to(otherTensor). */
  to(a: Device | DType | Tensor | { device?: Device; dtype?: DType; memoryFormat?: MemoryFormat; nonBlocking?: boolean; copy?: boolean }, b?: DType | { nonBlocking?: boolean; copy?: boolean }): Tensor {
    let device: Device | null = null, dtype: DType | null = null, mf = -1, nb = false, copy = false;
    if (typeof a === "string") device = a;
    else if (a instanceof DType) dtype = a;
    else if (a instanceof Tensor) { device = a.device; dtype = a.dtype; }
    else if (a && typeof a === "object") {
      device = a.device ?? null; dtype = a.dtype ?? null; mf = a.memoryFormat ? a.memoryFormat.code : -1;
      nb = !!a.nonBlocking; copy = !!a.copy;
    } else throw new TypeError("argument to Tensor.to() must be a device string, a dtype, a Tensor or an options object");
    if (b instanceof DType) dtype = b;
    else if (b && typeof b === "object") { nb = !!b.nonBlocking; copy = !!b.copy; }
    return new Tensor(native.To(this._id, device, dtype, nb, copy, mf));
  }
  cpu(): Tensor { return this.to("cpu"); }
  cuda(device: Device | number = "cuda"): Tensor { return this.to(typeof device === "number" ? `cuda:${device}` : device); }
  float(): Tensor { return this.to(dt.float32); }
  double(): Tensor { return this.to(dt.float64); }
  half(): Tensor { return this.to(dt.float16); }
  bfloat16(): Tensor { return this.to(dt.bfloat16); }
  long(): Tensor { return this.to(dt.int64); }
  int(): Tensor { return this.to(dt.int32); }
  bool(): Tensor { return this.to(dt.bool); }
  byte(): Tensor { return this.to(dt.uint8); }
  /** type(dtype) converts; type() names the tensor type as Python does ("torch.FloatTensor"). */
  type(): string;
  type(d: DType): Tensor;
  type(d?: DType): any {
    if (d) return this.to(d);
    const names: Record<string, string> = { float32: "Float", float64: "Double", float16: "Half", bfloat16: "BFloat16", int64: "Long", int32: "Int", int16: "Short", int8: "Char", uint8: "Byte", bool: "Bool", complex64: "ComplexFloat", complex128: "ComplexDouble" };
    return `torch.${this.isCuda ? "cuda." : ""}${names[this.dtype.name]}Tensor`;
  }
  clone(opts?: { memoryFormat?: MemoryFormat }): Tensor { return callOp("aten::clone", this, { memory_format: opts?.memoryFormat }); }
  contiguous(opts?: { memoryFormat?: MemoryFormat }): Tensor { return callOp("aten::contiguous", this, { memory_format: opts?.memoryFormat ?? dt.contiguousFormat }); }
  copy_(src: Tensor, nonBlocking = false): this { boundCopy(K, this, src, nonBlocking); return this; }
  pinMemory(): Tensor { return callOp("aten::pin_memory", this); }
  /** True for a CPU tensor in page-locked (pinned) memory, which copies to the GPU asynchronously. */
  isPinned(): boolean { return callOp("aten::is_pinned", this); }

  // ---- autograd ----
  get requiresGrad(): boolean { return native.RequiresGrad(this._id); }
  set requiresGrad(v: boolean) { native.SetRequiresGrad(this._id, v); }
  requiresGrad_(v = true): this { native.SetRequiresGrad(this._id, v); return this; }
  get isLeaf(): boolean { return native.IsLeaf(this._id); }
  get gradFn(): string | null { return native.GradFn(this._id); }
  /** The gradient accumulated by backward(): a new handle on the same storage each read (dispose it or read inside tidy). */
  get grad(): Tensor | null { const g = native.Grad(this._id); return g < 0 ? null : new Tensor(g); }
  set grad(g: Tensor | null) { native.SetGrad(this._id, g ? g._id : null); }
  retainGrad(): void { native.RetainGrad(this._id); }
  /**
   * register_hook: hook(grad) runs each time a gradient for this tensor is computed in backward; a Tensor it returns
   * replaces the gradient. Returns a handle whose remove() unregisters it. CPU backward only.
   */
  registerHook(hook: (grad: Tensor) => Tensor | void | null): { remove(): void } {
    if (typeof hook !== "function") throw new TypeError("registerHook(): argument 'hook' must be a function");
    // The gradient handed to the hook, its temporaries and its result are freed when it returns (native keeps a copy
    // of the result); torch.keep() a gradient to hold on to it.
    const key: number = native.RegisterHook(this._id, (grad: Tensor) => {
      try { tidy(() => { native.HookResult(hook(grad)); }); } finally { if (!(grad as any)._kept) grad.dispose(); }
    });
    return { remove: () => native.RemoveHook(key) };
  }
  backward(gradient?: Tensor | null, opts?: { retainGraph?: boolean; createGraph?: boolean }): void {
    native.Backward(this._id, gradient ? gradient._id : -1, opts?.retainGraph, !!opts?.createGraph);
  }
  detach(): Tensor { return callOp("aten::detach", this); }
  detach_(): this { return this.inplace("aten::detach_"); }

  // ---- elementwise arithmetic (hot paths bind directly) ----
  add(other: TensorLike, opts?: { alpha?: number }): Tensor {
    if (typeof other === "number") return new Tensor(opts?.alpha === undefined ? native.AddS(this._id, other) : native.AddS(this._id, other, opts.alpha));
    if (typeof other === "boolean") return callOp("aten::add", this, other);
    checkTensor(other, "other");
    return new Tensor(opts?.alpha === undefined ? native.AddT(this._id, other._id) : native.AddT(this._id, other._id, opts.alpha));
  }
  sub(other: TensorLike, opts?: { alpha?: number }): Tensor {
    if (typeof other === "number") return new Tensor(opts?.alpha === undefined ? native.SubS(this._id, other) : native.SubS(this._id, other, opts.alpha));
    if (typeof other === "boolean") return callOp("aten::sub", this, other);
    checkTensor(other, "other");
    return new Tensor(opts?.alpha === undefined ? native.SubT(this._id, other._id) : native.SubT(this._id, other._id, opts.alpha));
  }
  mul(other: TensorLike): Tensor {
    if (typeof other === "number") return new Tensor(native.MulS(this._id, other));
    if (typeof other === "boolean") return callOp("aten::mul", this, other);
    return new Tensor(native.MulT(this._id, checkTensor(other, "other")._id));
  }
  div(other: TensorLike, opts?: { roundingMode?: "trunc" | "floor" }): Tensor {
    if (opts?.roundingMode) return callOp("aten::div", this, other, { rounding_mode: opts.roundingMode });
    if (typeof other === "number") return new Tensor(native.DivS(this._id, other));
    if (typeof other === "boolean") return callOp("aten::div", this, other);
    return new Tensor(native.DivT(this._id, checkTensor(other, "other")._id));
  }
  add_(other: TensorLike, opts?: { alpha?: number }): this {
    if (typeof other === "number" || typeof other === "boolean") {
      if (opts?.alpha === undefined) native.AddS_(this._id, other); else native.AddS_(this._id, other, opts.alpha);
    } else if (opts?.alpha === undefined) native.AddT_(this._id, checkTensor(other, "other")._id);
    else native.AddT_(this._id, checkTensor(other, "other")._id, opts.alpha);
    return this;
  }
  sub_(other: TensorLike, opts?: { alpha?: number }): this { return this.binaryInplace(1, other, opts?.alpha); }
  mul_(other: TensorLike): this { return this.binaryInplace(2, other); }
  div_(other: TensorLike, opts?: { roundingMode?: "trunc" | "floor" }): this {
    return opts?.roundingMode ? this.inplace("aten::div_", other, { rounding_mode: opts.roundingMode }) : this.binaryInplace(3, other);
  }
  private binaryInplace(op: number, other: TensorLike, alpha?: number): this {
    if (typeof other === "number" || typeof other === "boolean") native.BinaryInplace(op, this._id, other, true, alpha);
    else native.BinaryInplace(op, this._id, checkTensor(other, "other")._id, false, alpha);
    return this;
  }
  /** Runs an in-place ATen op (positional arguments after self, optional trailing kwargs) and returns this. */
  inplace(op: string, ...args: any[]): this { callOpDiscard(op, this, ...args); return this; }
  matmul(other: Tensor): Tensor { return new Tensor(native.Matmul(this._id, checkTensor(other, "other")._id)); }
  mm(other: Tensor): Tensor { return new Tensor(native.Mm(this._id, checkTensor(other, "other")._id)); }
  bmm(other: Tensor): Tensor { return callOp("aten::bmm", this, other); }
  mv(v: Tensor): Tensor { return callOp("aten::mv", this, v); }
  dot(v: Tensor): Tensor { return callOp("aten::dot", this, v); }
  outer(v: Tensor): Tensor { return callOp("aten::outer", this, v); }
  get T(): Tensor { return this.dim() < 2 ? this.view(this.shape) : this.permute([...Array(this.dim()).keys()].reverse()); }
  get mT(): Tensor { return this.transpose(-2, -1); }
  t(): Tensor { return callOp("aten::t", this); }
  relu(): Tensor { return new Tensor(native.Relu(this._id)); }
  relu_(): this { return this.inplace("aten::relu_"); }
  pow(exponent: TensorLike): Tensor { return new Tensor(binary(opPow, opPowS, this, exponent, false)); }
  pow_(exponent: TensorLike): this { binary(opPow_, opPowS_, this, exponent, true); return this; }
  lerp(end: Tensor, weight: TensorLike): Tensor { return callOp("aten::lerp", this, end, weight); }
  addmm(m1: Tensor, m2: Tensor, opts?: { beta?: number; alpha?: number }): Tensor { return callOp("aten::addmm", this, m1, m2, { beta: opts?.beta ?? 1, alpha: opts?.alpha ?? 1 }); }
  addcmul(t1: Tensor, t2: Tensor, opts?: { value?: number }): Tensor { return callOp("aten::addcmul", this, t1, t2, { value: opts?.value ?? 1 }); }
  addcdiv(t1: Tensor, t2: Tensor, opts?: { value?: number }): Tensor { return callOp("aten::addcdiv", this, t1, t2, { value: opts?.value ?? 1 }); }
  addcmul_(t1: Tensor, t2: Tensor, opts?: { value?: number }): this { return this.inplace("aten::addcmul_", t1, t2, { value: opts?.value ?? 1 }); }
  addcdiv_(t1: Tensor, t2: Tensor, opts?: { value?: number }): this { return this.inplace("aten::addcdiv_", t1, t2, { value: opts?.value ?? 1 }); }
  addmm_(m1: Tensor, m2: Tensor, opts?: { beta?: number; alpha?: number }): this { return this.inplace("aten::addmm_", m1, m2, { beta: opts?.beta ?? 1, alpha: opts?.alpha ?? 1 }); }
  lerp_(end: Tensor, weight: TensorLike): this { return this.inplace("aten::lerp_", end, weight); }
  subtract(other: TensorLike, opts?: { alpha?: number }): Tensor { return this.sub(other, opts); }
  positive(): Tensor { return callOp("aten::positive", this); }
  floorDivide_(other: TensorLike): this { return this.inplace("aten::floor_divide_", other); }
  clamp(min?: number | Tensor | null | { min?: number | Tensor; max?: number | Tensor }, max?: number | Tensor | null): Tensor {
    if (min !== null && typeof min === "object" && !(min instanceof Tensor)) return callOp("aten::clamp", this, min.min ?? null, min.max ?? null);
    return callOp("aten::clamp", this, min ?? null, max ?? null);
  }
  clamp_(min?: number | Tensor | null | { min?: number | Tensor; max?: number | Tensor }, max?: number | Tensor | null): this {
    if (min !== null && typeof min === "object" && !(min instanceof Tensor)) return this.inplace("aten::clamp_", min.min ?? null, min.max ?? null);
    return this.inplace("aten::clamp_", min ?? null, max ?? null);
  }
  clip(min?: number | Tensor | null | { min?: number | Tensor; max?: number | Tensor }, max?: number | Tensor | null): Tensor { return this.clamp(min, max); }
  clip_(min?: number | Tensor | null | { min?: number | Tensor; max?: number | Tensor }, max?: number | Tensor | null): this { return this.clamp_(min, max); }
  clampMin(min: TensorLike): Tensor { return callOp("aten::clamp_min", this, min); }
  clampMax(max: TensorLike): Tensor { return callOp("aten::clamp_max", this, max); }
  clampMin_(min: TensorLike): this { return this.inplace("aten::clamp_min_", min); }
  clampMax_(max: TensorLike): this { return this.inplace("aten::clamp_max_", max); }
  /** Rounds half to even; { decimals } rounds to that many decimal places (negative: left of the point). */
  round(opts?: { decimals?: number }): Tensor { return opts?.decimals ? callOp("aten::round", this, { decimals: opts.decimals }) : new Tensor(native.T1(opRound.handle, this._id)); }
  round_(opts?: { decimals?: number }): this { return opts?.decimals ? this.inplace("aten::round_", { decimals: opts.decimals }) : this.inplace("aten::round_"); }
  nanToNum(opts?: { nan?: number; posinf?: number; neginf?: number }): Tensor { return callOp("aten::nan_to_num", this, opts?.nan ?? 0, opts?.posinf ?? null, opts?.neginf ?? null); }
  nanToNum_(opts?: { nan?: number; posinf?: number; neginf?: number }): this { return this.inplace("aten::nan_to_num_", opts?.nan ?? 0, opts?.posinf ?? null, opts?.neginf ?? null); }
  logit(eps?: number | null): Tensor { return callOp("aten::logit", this, eps ?? null); }
  where(cond: Tensor, other: TensorLike): Tensor { return callOp("aten::where", cond, this, other); }
  maskedFill(mask: Tensor, value: TensorLike): Tensor { return callOp("aten::masked_fill", this, mask, value); }
  maskedFill_(mask: Tensor, value: TensorLike): this { return this.inplace("aten::masked_fill_", mask, value); }
  maskedSelect(mask: Tensor): Tensor { return callOp("aten::masked_select", this, mask); }
  fill_(v: TensorLike): this { return this.inplace("aten::fill_", v); }
  zero_(): this { return this.inplace("aten::zero_"); }
  normal_(mean = 0, std = 1, opts?: { generator?: Generator | null }): this { return this.inplace("aten::normal_", mean, std, rngKw(opts?.generator)); }
  uniform_(from = 0, to = 1, opts?: { generator?: Generator | null }): this { return this.inplace("aten::uniform_", from, to, rngKw(opts?.generator)); }

  // ---- comparisons (eq, ne, lt, le, gt, ge, logical*: generated, lib/_generated/binary.ts) ----
  equal(o: Tensor): boolean { return callOp("aten::equal", this, o); }
  allclose(o: Tensor, opts?: { rtol?: number; atol?: number; equalNan?: boolean }): boolean {
    return callOp("aten::allclose", this, o, opts?.rtol ?? 1e-5, opts?.atol ?? 1e-8, !!opts?.equalNan);
  }
  isclose(o: Tensor, opts?: { rtol?: number; atol?: number; equalNan?: boolean }): Tensor {
    return callOp("aten::isclose", this, o, opts?.rtol ?? 1e-5, opts?.atol ?? 1e-8, !!opts?.equalNan);
  }

  // ---- reductions ----
  sum(dim?: DimOrOpts, keepdim?: boolean): Tensor {
    const a = normDimOpts(dim, keepdim);
    if (a.dim === null && !a.keepdim && !a.dtype) return new Tensor(native.SumAll(this._id));
    return a.dim === null && !a.keepdim ? o.sum({ dtype: a.dtype }, this) : o.sumDim({ dtype: a.dtype }, this, a.dim ?? [], a.keepdim);
  }
  mean(dim?: DimOrOpts, keepdim?: boolean): Tensor {
    const a = normDimOpts(dim, keepdim);
    if (a.dim === null && !a.keepdim && !a.dtype) return new Tensor(native.MeanAll(this._id));
    return a.dim === null && !a.keepdim ? o.mean({ dtype: a.dtype }, this) : o.meanDim({ dtype: a.dtype }, this, a.dim ?? [], a.keepdim);
  }
  prod(dim?: number | { dim?: number; keepdim?: boolean; dtype?: DType }, keepdim?: boolean): Tensor {
    const a = normDimOpts(dim as any, keepdim);
    return a.dim === null ? o.prod({ dtype: a.dtype }, this) : o.prodDim({ dtype: a.dtype }, this, a.dim[0], a.keepdim);
  }
  /** max() -> scalar tensor; max(dim) or max({dim, keepdim}) -> [values, indices]; max(otherTensor) -> elementwise. */
  max(): Tensor;
  max(other: Tensor): Tensor;
  max(dim: number | { dim: number; keepdim?: boolean }, keepdim?: boolean): ValuesIndices;
  max(dim?: any, keepdim?: boolean): any {
    if (dim instanceof Tensor) return o.maximum(K, this, dim);
    const a = normDimOpts(dim, keepdim);
    return a.dim === null ? o.max(K, this) : named(o.maxDim(K, this, a.dim[0], a.keepdim), VI);
  }
  min(): Tensor;
  min(other: Tensor): Tensor;
  min(dim: number | { dim: number; keepdim?: boolean }, keepdim?: boolean): ValuesIndices;
  min(dim?: any, keepdim?: boolean): any {
    if (dim instanceof Tensor) return o.minimum(K, this, dim);
    const a = normDimOpts(dim, keepdim);
    return a.dim === null ? o.min(K, this) : named(o.minDim(K, this, a.dim[0], a.keepdim), VI);
  }
  argmax(dim?: number | { dim?: number; keepdim?: boolean }, keepdim?: boolean): Tensor {
    const a = normDimOpts(dim as any, keepdim);
    return o.argmax(K, this, a.dim ? a.dim[0] : null, a.keepdim);
  }
  argmin(dim?: number | { dim?: number; keepdim?: boolean }, keepdim?: boolean): Tensor {
    const a = normDimOpts(dim as any, keepdim);
    return o.argmin(K, this, a.dim ? a.dim[0] : null, a.keepdim);
  }
  /**
   * Standard deviation: std({ dim, correction | unbiased, keepdim }), or Python's positional forms std(dim, unbiased = true,
   * keepdim = false) and std(unbiased). `correction` defaults to 1 (Bessel).
   */
  std(dim?: number | number[] | boolean | VarOpts, unbiased?: boolean, keepdim?: boolean): Tensor {
    const a = varArgs(dim, unbiased, keepdim);
    return o.stdDim({ correction: a.correction, keepdim: a.keepdim }, this, a.dim);
  }
  /** Variance; the arguments are std()'s. */
  var(dim?: number | number[] | boolean | VarOpts, unbiased?: boolean, keepdim?: boolean): Tensor {
    const a = varArgs(dim, unbiased, keepdim);
    return o.varDim({ correction: a.correction, keepdim: a.keepdim }, this, a.dim);
  }
  /** Vector p-norm over all elements or dims (torch.norm / torch.linalg.vector_norm). */
  norm(p: number | "fro" | "nuc" | { p?: number | "fro" | "nuc"; dim?: number | number[]; keepdim?: boolean; dtype?: DType } = 2,
    dim?: number | number[] | { dim?: number | number[]; keepdim?: boolean; dtype?: DType }, keepdim?: boolean): Tensor {
    let a: any = dim !== null && typeof dim === "object" && !Array.isArray(dim) ? dim : { dim, keepdim };
    if (typeof p === "object") { a = p; p = p.p ?? 2; }
    if (p === "nuc") return callOp("aten::linalg_matrix_norm", this, "nuc", dimsOf(a.dim) ?? [-2, -1], !!a.keepdim, { dtype: a.dtype });
    return o.norm({ dtype: a.dtype }, this, p === "fro" ? 2 : p, dimsOf(a.dim), !!a.keepdim);
  }
  all(dim?: number | { dim?: number; keepdim?: boolean }, keepdim?: boolean): Tensor {
    const a = normDimOpts(dim as any, keepdim);
    return a.dim === null ? o.all(K, this) : o.allDim(K, this, a.dim[0], a.keepdim);
  }
  any(dim?: number | { dim?: number; keepdim?: boolean }, keepdim?: boolean): Tensor {
    const a = normDimOpts(dim as any, keepdim);
    return a.dim === null ? o.any(K, this) : o.anyDim(K, this, a.dim[0], a.keepdim);
  }
  logsumexp(dim: number | number[] | { dim: number | number[]; keepdim?: boolean }, keepdim = false): Tensor {
    const a = normDimOpts(dim, keepdim);
    return callOp("aten::logsumexp", this, a.dim, a.keepdim);
  }
  cumsum(dim: number | { dim: number; dtype?: DType }, opts?: { dtype?: DType }): Tensor {
    if (typeof dim === "object") { opts = dim; dim = dim.dim; }
    return callOp("aten::cumsum", this, dim, { dtype: opts?.dtype });
  }
  cumsum_(dim: number): this { return this.inplace("aten::cumsum_", dim); }
  cumprod(dim: number | { dim: number; dtype?: DType }, opts?: { dtype?: DType }): Tensor {
    if (typeof dim === "object") { opts = dim; dim = dim.dim; }
    return callOp("aten::cumprod", this, dim, { dtype: opts?.dtype });
  }
  logcumsumexp(dim: number): Tensor { return callOp("aten::logcumsumexp", this, dim); }
  cummax(dim: number): ValuesIndices { return named(callOp("aten::cummax", this, dim), VI); }
  cummin(dim: number): ValuesIndices { return named(callOp("aten::cummin", this, dim), VI); }
  /** amax(dim = all dims, keepdim): the maximum over dims (no indices). */
  amax(dim?: DimOrOpts, keepdim?: boolean): Tensor { const a = normDimOpts(dim, keepdim); return callOp("aten::amax", this, a.dim ?? [], a.keepdim); }
  amin(dim?: DimOrOpts, keepdim?: boolean): Tensor { const a = normDimOpts(dim, keepdim); return callOp("aten::amin", this, a.dim ?? [], a.keepdim); }
  /** [min, max] over all elements or over one dim. */
  aminmax(opts?: { dim?: number; keepdim?: boolean }): [Tensor, Tensor] & { readonly min: Tensor; readonly max: Tensor } {
    return named(callOp("aten::aminmax", this, { dim: opts?.dim ?? null, keepdim: !!opts?.keepdim }), ["min", "max"]);
  }
  /** median() -> the lower median of all elements; median(dim, keepdim) -> [values, indices]. */
  median(): Tensor;
  median(dim: number | { dim: number; keepdim?: boolean }, keepdim?: boolean): ValuesIndices;
  median(dim?: any, keepdim?: boolean): any {
    const a = normDimOpts(dim, keepdim);
    return a.dim === null ? callOp("aten::median", this) : named(callOp("aten::median", this, a.dim[0], a.keepdim), VI);
  }
  nanmedian(): Tensor;
  nanmedian(dim: number | { dim: number; keepdim?: boolean }, keepdim?: boolean): ValuesIndices;
  nanmedian(dim?: any, keepdim?: boolean): any {
    const a = normDimOpts(dim, keepdim);
    return a.dim === null ? callOp("aten::nanmedian", this) : named(callOp("aten::nanmedian", this, a.dim[0], a.keepdim), VI);
  }
  /** [values, indices] of the k-th smallest element along dim (default -1). */
  kthvalue(k: number, dim: number | { dim?: number; keepdim?: boolean } = -1, keepdim = false): ValuesIndices {
    const a = typeof dim === "object" ? dim : { dim, keepdim };
    return named(callOp("aten::kthvalue", this, k, a.dim ?? -1, !!a.keepdim), VI);
  }
  mode(dim: number | { dim?: number; keepdim?: boolean } = -1, keepdim = false): ValuesIndices {
    const a = typeof dim === "object" ? dim : { dim, keepdim };
    return named(callOp("aten::mode", this, a.dim ?? -1, !!a.keepdim), VI);
  }
  nansum(dim?: DimOrOpts, keepdim?: boolean): Tensor { const a = normDimOpts(dim, keepdim); return callOp("aten::nansum", this, a.dim, a.keepdim, { dtype: a.dtype }); }
  nanmean(dim?: DimOrOpts, keepdim?: boolean): Tensor { const a = normDimOpts(dim, keepdim); return callOp("aten::nanmean", this, a.dim, a.keepdim, { dtype: a.dtype }); }
  countNonzero(dim?: number | number[]): Tensor { return callOp("aten::count_nonzero", this, dimsOf(dim) ?? []); }
  /** quantile(q, dim?, keepdim?, { interpolation }) with q a number or a 1-D tensor. */
  quantile(q: number | Tensor, dim?: number | null | { dim?: number | null; keepdim?: boolean; interpolation?: string }, keepdim = false): Tensor {
    const a = dim !== null && typeof dim === "object" ? dim : { dim, keepdim };
    return callOp("aten::quantile", this, q, a.dim ?? null, !!a.keepdim, { interpolation: (a as any).interpolation ?? "linear" });
  }
  trace(): Tensor { return callOp("aten::trace", this); }
  dist(other: Tensor, p = 2): Tensor { return callOp("aten::dist", this, other, p); }
  diff(n = 1, dim = -1, opts?: { prepend?: Tensor; append?: Tensor }): Tensor {
    return callOp("aten::diff", this, n, dim, opts?.prepend ?? null, opts?.append ?? null);
  }

  // ---- shapes and views ----
  view(...shape: (number | number[] | DType)[]): Tensor {
    if (shape.length === 1 && shape[0] instanceof DType) return callOp("aten::view", this, shape[0]);
    const s = shape.length === 1 && Array.isArray(shape[0]) ? shape[0] : (shape as number[]);
    return new Tensor(s.length === 1 ? native.View(this._id, s[0]) : native.View(this._id, s));
  }
  reshape(...shape: (number | number[])[]): Tensor {
    const s = shape.length === 1 && Array.isArray(shape[0]) ? shape[0] : (shape as number[]);
    return new Tensor(s.length === 1 ? native.Reshape(this._id, s[0]) : native.Reshape(this._id, s));
  }
  viewAs(o: Tensor): Tensor { return this.view(o.shape); }
  reshapeAs(o: Tensor): Tensor { return this.reshape(o.shape); }
  permute(...dims: (number | number[])[]): Tensor {
    const d = dims.length === 1 && Array.isArray(dims[0]) ? dims[0] : dims;
    const h = opPermute.optional;
    return h >= 0 ? new Tensor(native.TL(h, this._id, d)) : callOp("aten::permute", this, d);
  }
  transpose(d0: number, d1: number): Tensor {
    const h = Number.isInteger(d0) && Number.isInteger(d1) ? opTranspose.optional : -1;
    return h >= 0 ? new Tensor(native.TII(h, this._id, d0, d1)) : callOp("aten::transpose", this, d0, d1);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    const h = Number.isInteger(startDim) && Number.isInteger(endDim) ? opFlatten.optional : -1;
    return h >= 0 ? new Tensor(native.TII(h, this._id, startDim, endDim)) : callOp("aten::flatten", this, startDim, endDim);
  }
  unflatten(dim: number, sizes: number[]): Tensor { return callOp("aten::unflatten", this, dim, sizes); }
  squeeze(dim?: number): Tensor {
    if (dim === undefined) return callOp("aten::squeeze", this);
    const h = Number.isInteger(dim) ? opSqueezeDim.optional : -1;
    return h >= 0 ? new Tensor(native.TI(h, this._id, dim)) : callOp("aten::squeeze", this, dim);
  }
  unsqueeze(dim: number): Tensor {
    const h = Number.isInteger(dim) ? opUnsqueeze.optional : -1;
    return h >= 0 ? new Tensor(native.TI(h, this._id, dim)) : callOp("aten::unsqueeze", this, dim);
  }
  t_(): this { return this.inplace("aten::t_"); }
  transpose_(d0: number, d1: number): this { return this.inplace("aten::transpose_", d0, d1); }
  squeeze_(dim?: number): this { return dim === undefined ? this.inplace("aten::squeeze_") : this.inplace("aten::squeeze_", dim); }
  unsqueeze_(dim: number): this { return this.inplace("aten::unsqueeze_", dim); }
  expand(...sizes: (number | number[])[]): Tensor {
    return callOp("aten::expand", this, sizes.length === 1 && Array.isArray(sizes[0]) ? sizes[0] : sizes);
  }
  expandAs(o: Tensor): Tensor { return this.expand(o.shape); }
  repeat(...sizes: (number | number[])[]): Tensor {
    return callOp("aten::repeat", this, sizes.length === 1 && Array.isArray(sizes[0]) ? sizes[0] : sizes);
  }
  narrow(dim: number, start: number, length: number): Tensor { return callOp("aten::narrow", this, dim, start, length); }
  select(dim: number, index: number): Tensor { return o.select(K, this, dim, index); }
  split(splitSize: number | number[], dim = 0): Tensor[] {
    return typeof splitSize === "number" ? callOp("aten::split", this, splitSize, dim) : callOp("aten::split_with_sizes", this, splitSize, dim);
  }
  chunk(chunks: number, dim = 0): Tensor[] { return callOp("aten::chunk", this, chunks, dim); }
  unbind(dim = 0): Tensor[] { return callOp("aten::unbind", this, dim); }
  flip(dims: number | number[]): Tensor { return callOp("aten::flip", this, dimsOf(dims)); }
  roll(shifts: number | number[], dims?: number | number[]): Tensor { return callOp("aten::roll", this, dimsOf(shifts), dimsOf(dims) ?? []); }
  fliplr(): Tensor { return callOp("aten::fliplr", this); }
  flipud(): Tensor { return callOp("aten::flipud", this); }
  rot90(k = 1, dims: number[] = [0, 1]): Tensor { return callOp("aten::rot90", this, k, dims); }
  movedim(source: number | number[], destination: number | number[]): Tensor { return callOp("aten::movedim", this, dimsOf(source), dimsOf(destination)); }
  moveaxis(source: number | number[], destination: number | number[]): Tensor { return this.movedim(source, destination); }
  swapaxes(d0: number, d1: number): Tensor { return this.transpose(d0, d1); }
  swapdims(d0: number, d1: number): Tensor { return this.transpose(d0, d1); }
  broadcastTo(...sizes: (number | number[])[]): Tensor { return this.expand(...sizes); }
  tile(...dims: (number | number[])[]): Tensor { return callOp("aten::tile", this, dims.length === 1 && Array.isArray(dims[0]) ? dims[0] : dims); }
  /** repeatInterleave(repeats, dim?): each element (or slice along dim) repeated; repeats a number or a tensor. */
  repeatInterleave(repeats: number | Tensor, dim?: number | null, opts?: { outputSize?: number }): Tensor {
    return callOp("aten::repeat_interleave", this, repeats, dim ?? null, { output_size: opts?.outputSize ?? null });
  }
  /** The windows of `size` elements, `step` apart, along `dimension` (a new last dim). */
  unfold(dimension: number, size: number, step: number): Tensor { return callOp("aten::unfold", this, dimension, size, step); }
  ravel(): Tensor { return callOp("aten::ravel", this); }
  take(index: Tensor): Tensor { return callOp("aten::take", this, index); }
  diag(diagonal = 0): Tensor { return callOp("aten::diag", this, diagonal); }
  diagonal(offset: number | { offset?: number; dim1?: number; dim2?: number } = 0, dim1 = 0, dim2 = 1): Tensor {
    const a = typeof offset === "object" ? offset : { offset, dim1, dim2 };
    return callOp("aten::diagonal", this, a.offset ?? 0, a.dim1 ?? 0, a.dim2 ?? 1);
  }
  diagEmbed(offset = 0, dim1 = -2, dim2 = -1): Tensor { return callOp("aten::diag_embed", this, offset, dim1, dim2); }
  tril(diagonal = 0): Tensor { return callOp("aten::tril", this, diagonal); }
  triu(diagonal = 0): Tensor { return callOp("aten::triu", this, diagonal); }
  tril_(diagonal = 0): this { return this.inplace("aten::tril_", diagonal); }
  triu_(diagonal = 0): this { return this.inplace("aten::triu_", diagonal); }
  fillDiagonal_(value: number, wrap = false): this { return this.inplace("aten::fill_diagonal_", value, wrap); }

  // ---- indexing ----
  /**
   * Python-style indexing: t.index([0, torch.slice(1, 3), null, "...", maskOrIndexTensor]) is
   * t[0, 1:3, None, ..., mask]. An array is always the tuple of indices (t.index([1, 0]) is t[1, 0]);
   * ints select, slices view, null inserts a dim, "..." skips dims, tensors (long or bool) and nested
   * int arrays (t.index([[0, 2]]) is t[[0, 2]]) index by position.
   */
  index(indices: Index | Index[]): Tensor {
    const list = Array.isArray(indices) ? (indices as Index[]) : [indices];
    const { view, adv } = this.basicIndex(list);
    if (!adv.some((a) => a !== null)) return view;
    try { return o.index(K, view, adv); } finally { view.dispose(); for (const a of adv) if (a && (a as any)._tmp) a.dispose(); }
  }
  /** In-place t[indices] = value. */
  indexPut_(indices: Index | Index[], value: TensorLike): this {
    const list = Array.isArray(indices) ? (indices as Index[]) : [indices];
    const { view, adv } = this.basicIndex(list);
    try {
      if (adv.some((a) => a !== null)) {
        const v = value instanceof Tensor ? value : full([], value as number, { dtype: this.dtype, device: this.device });
        o.indexPut_(K, view, adv, v, false);
        if (!(value instanceof Tensor)) v.dispose();
      } else if (value instanceof Tensor) view.copy_(value);
      else view.fill_(value);
    } finally { view.dispose(); for (const a of adv) if (a && (a as any)._tmp) a.dispose(); }
    return this;
  }
  /** Out-of-place index_put with a list of index tensors (torch.Tensor.index_put). */
  indexPut(indices: (Tensor | null)[], values: Tensor, accumulate = false): Tensor { return callOp("aten::index_put", this, indices, values, accumulate); }
  /** index_put_ with a list of index tensors (torch.Tensor.index_put_). */
  indexPutTensors_(indices: (Tensor | null)[], values: Tensor, accumulate = false): this {
    o.indexPut_(K, this, indices, values, accumulate); return this;
  }
  private basicIndex(list: Index[]): { view: Tensor; adv: (Tensor | null)[] } {
    const nd = this.dim();
    // as Python: a nested list indexes as a tensor (of bools: a mask), a 0-d bool tensor as a bool
    list = list.map((ix) => {
      if (Array.isArray(ix)) {
        const flat = (ix as any[]).flat(Infinity);
        const t = tensor(ix, { dtype: flat.length && flat.every((v) => typeof v === "boolean") ? dt.bool : dt.int64, device: this.device });
        (t as any)._tmp = true;
        return t;
      }
      if (ix instanceof Tensor && ix.dim() === 0 && (ix.dtype === dt.bool || ix.dtype === dt.uint8)) return !!ix.item();
      return ix;
    });
    const isMask = (x: Tensor) => x.dtype === dt.bool || x.dtype === dt.uint8;
    const consumed = list.filter((x) => x !== null && x !== "..." && typeof x !== "boolean").reduce<number>((n, x) => n + (x instanceof Tensor && isMask(x) ? x.dim() : 1), 0);
    let cur: Tensor = this.alias();
    let dim = 0;
    const adv: (Tensor | null)[] = [];
    const step = (next: Tensor) => { cur.dispose(); cur = next; };
    for (const ix of list) {
      if (ix === "...") { const skip = nd - consumed; for (let k = 0; k < skip; k++) adv.push(null); dim += skip; continue; }
      if (ix === null) { step(cur.unsqueeze(dim)); adv.push(null); dim++; continue; }
      if (typeof ix === "boolean") { step(cur.unsqueeze(dim)); if (!ix) step(cur.narrow(dim, 0, 0)); adv.push(null); dim++; continue; }
      if (typeof ix === "number") {
        if (!Number.isInteger(ix)) throw new TypeError("index must be an integer");
        step(o.select(K, cur, dim, ix)); continue;
      }
      if (ix instanceof Slice) { step(o.slice(K, cur, dim, ix.start, ix.stop, ix.step)); adv.push(null); dim++; continue; }
      if (ix instanceof Tensor) {
        adv.push(ix);
        const n = isMask(ix) ? ix.dim() : 1;
        for (let k = 1; k < n; k++) adv.push(null);
        dim += n; continue;
      }
      throw new TypeError(`unsupported index ${String(ix)}`);
    }
    while (adv.length && adv[adv.length - 1] === null) adv.pop();
    return { view: cur, adv };
  }
  /** A new handle on the same tensor (shares storage and autograd identity). */
  alias(): Tensor { return new Tensor(native.Share(this._id)); }
  gather(dim: number, index: Tensor): Tensor { return callOp("aten::gather", this, dim, index); }
  scatter(dim: number, index: Tensor, src: TensorLike, opts?: { reduce?: string }): Tensor {
    return opts?.reduce ? callOp("aten::scatter", this, dim, index, src, { reduce: opts.reduce }) : callOp("aten::scatter", this, dim, index, src);
  }
  scatter_(dim: number, index: Tensor, src: TensorLike): this { return this.inplace("aten::scatter_", dim, index, src); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return callOp("aten::scatter_add", this, dim, index, src); }
  scatterAdd_(dim: number, index: Tensor, src: Tensor): this { return this.inplace("aten::scatter_add_", dim, index, src); }
  /** reduce: "sum" | "prod" | "mean" | "amax" | "amin". */
  scatterReduce(dim: number, index: Tensor, src: Tensor, reduce: string, opts?: { includeSelf?: boolean }): Tensor {
    return callOp("aten::scatter_reduce", this, dim, index, src, reduce, { include_self: opts?.includeSelf ?? true });
  }
  scatterReduce_(dim: number, index: Tensor, src: Tensor, reduce: string, opts?: { includeSelf?: boolean }): this {
    return this.inplace("aten::scatter_reduce_", dim, index, src, reduce, { include_self: opts?.includeSelf ?? true });
  }
  indexAdd(dim: number, index: Tensor, source: Tensor, opts?: { alpha?: number }): Tensor { return callOp("aten::index_add", this, dim, index, source, { alpha: opts?.alpha ?? 1 }); }
  indexAdd_(dim: number, index: Tensor, source: Tensor, opts?: { alpha?: number }): this { return this.inplace("aten::index_add_", dim, index, source, { alpha: opts?.alpha ?? 1 }); }
  indexCopy(dim: number, index: Tensor, source: Tensor): Tensor { return callOp("aten::index_copy", this, dim, index, source); }
  indexCopy_(dim: number, index: Tensor, source: Tensor): this { return this.inplace("aten::index_copy_", dim, index, source); }
  indexFill(dim: number, index: Tensor, value: TensorLike): Tensor { return callOp("aten::index_fill", this, dim, index, value); }
  indexFill_(dim: number, index: Tensor, value: TensorLike): this { return this.inplace("aten::index_fill_", dim, index, value); }
  maskedScatter(mask: Tensor, source: Tensor): Tensor { return callOp("aten::masked_scatter", this, mask, source); }
  indexSelect(dim: number, index: Tensor): Tensor { return callOp("aten::index_select", this, dim, index); }
  takeAlongDim(indices: Tensor, dim?: number): Tensor { return callOp("aten::take_along_dim", this, indices, dim ?? null); }
  /** Indices of the nonzero elements, [n, ndim]; { asTuple: true } gives one 1-D tensor per dim. */
  nonzero(): Tensor;
  nonzero(opts: { asTuple: true }): Tensor[];
  nonzero(opts?: { asTuple?: boolean }): any {
    if (!opts?.asTuple) return callOp("aten::nonzero", this);
    if (this.dim() > 0) return callOp("aten::nonzero_numpy", this);
    const v = this.view(1); try { return callOp("aten::nonzero_numpy", v); } finally { v.dispose(); }
  }
  argwhere(): Tensor { return callOp("aten::argwhere", this); }
  sort(dim: number | { dim?: number; descending?: boolean; stable?: boolean } = -1, descending = false): ValuesIndices {
    const a = typeof dim === "object" ? dim : { dim, descending };
    return named(callOp("aten::sort", this, { stable: a.stable ?? false, dim: a.dim ?? -1, descending: !!a.descending }), VI);
  }
  argsort(dim: number | { dim?: number; descending?: boolean; stable?: boolean } = -1, descending = false): Tensor {
    const a = typeof dim === "object" ? dim : { dim, descending };
    return a.stable ? callOp("aten::argsort", this, { stable: true, dim: a.dim ?? -1, descending: !!a.descending }) : callOp("aten::argsort", this, a.dim ?? -1, !!a.descending);
  }
  msort(): Tensor { return callOp("aten::msort", this); }
  topk(k: number, dim: number | { dim?: number; largest?: boolean; sorted?: boolean } = -1, largest = true, sorted = true): ValuesIndices {
    const a = typeof dim === "object" ? dim : { dim, largest, sorted };
    return named(callOp("aten::topk", this, k, a.dim ?? -1, a.largest ?? true, a.sorted ?? true), VI);
  }
  /** The unique elements (or slices along `dim`); with returnInverse / returnCounts, [output, inverse?, counts?] as Python's tuple. */
  unique(opts?: { sorted?: boolean; returnInverse?: boolean; returnCounts?: boolean; dim?: number | null }): any {
    const inv = !!opts?.returnInverse, cnt = !!opts?.returnCounts;
    const r: Tensor[] = opts?.dim === undefined || opts.dim === null
      ? callOp("aten::_unique2", this, opts?.sorted ?? true, inv, cnt)
      : callOp("aten::unique_dim", this, opts.dim, opts?.sorted ?? true, inv, cnt);
    return pickOutputs(r, inv, cnt);
  }
  /** Collapses consecutive equal elements (or slices along `dim`); returns as unique() does. */
  uniqueConsecutive(opts?: { returnInverse?: boolean; returnCounts?: boolean; dim?: number | null }): any {
    const inv = !!opts?.returnInverse, cnt = !!opts?.returnCounts;
    return pickOutputs(callOp("aten::unique_consecutive", this, inv, cnt, opts?.dim ?? null), inv, cnt);
  }

  // ---- activations and misc ----
  softmax(dim: number | { dim: number; dtype?: DType }, opts?: { dtype?: DType }): Tensor {
    if (dim !== null && typeof dim === "object") { opts = dim; dim = dim.dim; }
    const h = Number.isInteger(dim) ? opSoftmax.optional : -1;
    return h >= 0 ? new Tensor(native.TIO(h, this._id, dim, opts?.dtype ?? null)) : callOp("aten::softmax", this, dim, opts?.dtype ?? null);
  }
  logSoftmax(dim: number | { dim: number; dtype?: DType }, opts?: { dtype?: DType }): Tensor {
    if (dim !== null && typeof dim === "object") { opts = dim; dim = dim.dim; }
    const h = Number.isInteger(dim) ? opLogSoftmax.optional : -1;
    return h >= 0 ? new Tensor(native.TIO(h, this._id, dim, opts?.dtype ?? null)) : callOp("aten::log_softmax", this, dim, opts?.dtype ?? null);
  }
  oneHot(numClasses = -1): Tensor { return callOp("aten::one_hot", this, numClasses); }
  bincount(opts?: { weights?: Tensor | null; minlength?: number }): Tensor { return callOp("aten::bincount", this, opts?.weights ?? null, opts?.minlength ?? 0); }
  histc(bins = 100, min = 0, max = 0): Tensor { return callOp("aten::histc", this, bins, min, max); }
  cross(other: Tensor, dim?: number | null): Tensor { return callOp("aten::cross", this, other, dim ?? null); }
  inner(other: Tensor): Tensor { return callOp("aten::inner", this, other); }
  heaviside(values: Tensor): Tensor { return callOp("aten::heaviside", this, values); }
  det(): Tensor { return callOp("aten::linalg_det", this); }
  logdet(): Tensor { return callOp("aten::logdet", this); }
  slogdet(): [Tensor, Tensor] & { readonly sign: Tensor; readonly logabsdet: Tensor } { return named(callOp("aten::linalg_slogdet", this), ["sign", "logabsdet"]); }
  inverse(): Tensor { return callOp("aten::linalg_inv", this); }
  matrixPower(n: number): Tensor { return callOp("aten::matrix_power", this, n); }
  matrixExp(): Tensor { return callOp("aten::matrix_exp", this); }
  addmv(mat: Tensor, vec: Tensor, opts?: { beta?: number; alpha?: number }): Tensor { return callOp("aten::addmv", this, mat, vec, { beta: opts?.beta ?? 1, alpha: opts?.alpha ?? 1 }); }
  baddbmm(b1: Tensor, b2: Tensor, opts?: { beta?: number; alpha?: number }): Tensor { return callOp("aten::baddbmm", this, b1, b2, { beta: opts?.beta ?? 1, alpha: opts?.alpha ?? 1 }); }
  addbmm(b1: Tensor, b2: Tensor, opts?: { beta?: number; alpha?: number }): Tensor { return callOp("aten::addbmm", this, b1, b2, { beta: opts?.beta ?? 1, alpha: opts?.alpha ?? 1 }); }
  /** Samples numSamples indices per row from the (unnormalised) probabilities in this tensor. */
  multinomial(numSamples: number, replacement: boolean | { replacement?: boolean; generator?: Generator | null } = false): Tensor {
    const a = typeof replacement === "object" ? replacement : { replacement };
    return callOp("aten::multinomial", this, numSamples, !!a.replacement, rngKw((a as any).generator));
  }
  bernoulli(opts?: { generator?: Generator }): Tensor { return callOp("aten::bernoulli", this, rngKw(opts?.generator)); }
  bernoulli_(p: TensorLike = 0.5, opts?: { generator?: Generator }): this { return this.inplace("aten::bernoulli_", p, rngKw(opts?.generator)); }
  exponential_(lambd = 1, opts?: { generator?: Generator }): this { return this.inplace("aten::exponential_", lambd, rngKw(opts?.generator)); }
  /** random_(to) or random_(from, to): integers in [from, to); random_() covers the dtype's range. */
  random_(from?: number, to?: number | null, opts?: { generator?: Generator }): this {
    const g = rngKw(opts?.generator);
    if (from === undefined) return this.inplace("aten::random_", g);
    return to === undefined ? this.inplace("aten::random_", from, g) : this.inplace("aten::random_", from, to, g);
  }
  // ---- new tensors like this one (dtype and device from this unless given) ----
  newZeros(size: number[], opts?: TensorOptions): Tensor { return zeros(size, { dtype: opts?.dtype ?? this.dtype, device: opts?.device ?? this.device, requiresGrad: opts?.requiresGrad }); }
  newOnes(size: number[], opts?: TensorOptions): Tensor { return ones(size, { dtype: opts?.dtype ?? this.dtype, device: opts?.device ?? this.device, requiresGrad: opts?.requiresGrad }); }
  newEmpty(size: number[], opts?: TensorOptions): Tensor { return empty(size, { dtype: opts?.dtype ?? this.dtype, device: opts?.device ?? this.device, requiresGrad: opts?.requiresGrad }); }
  newFull(size: number[], value: number | boolean, opts?: TensorOptions): Tensor { return full(size, value, { dtype: opts?.dtype ?? this.dtype, device: opts?.device ?? this.device, requiresGrad: opts?.requiresGrad }); }
  newTensor(data: any, opts?: TensorOptions): Tensor { return tensor(data, { dtype: opts?.dtype ?? this.dtype, device: opts?.device ?? this.device, requiresGrad: opts?.requiresGrad }); }
  typeAs(other: Tensor): Tensor { return this.to(other.dtype); }
  short(): Tensor { return this.to(dt.int16); }
  char(): Tensor { return this.to(dt.int8); }
  ndimension(): number { return this.dim(); }
  nelement(): number { return this.numel(); }
  isComplex(): boolean { const d = this.dtype; return d === dt.complex64 || d === dt.complex128; }
  /** The CUDA device index, or -1 for a CPU tensor. */
  getDevice(): number { const d = this.device; return d.startsWith("cuda") ? Number(d.split(":")[1] ?? 0) : -1; }
  masked(mask: Tensor): Tensor { return this.maskedSelect(mask); }
}

setTensorFactory((id) => new Tensor(id));
// Unboxed handles for the most frequent shape ops (the boxed path where a libtorch's schema differs).
const opTranspose = new TypedOp("aten::transpose", "int"), opFlatten = new TypedOp("aten::flatten", "using_ints");
const opUnsqueeze = new TypedOp("aten::unsqueeze"), opSqueezeDim = new TypedOp("aten::squeeze", "dim");
const opPermute = new TypedOp("aten::permute"), opSoftmax = new TypedOp("aten::softmax", "int");
const opLogSoftmax = new TypedOp("aten::log_softmax", "int");
const opRound = new TypedOp("aten::round");
const boundCopy = boundInplace("aten::copy_");
const opPow = new TypedOp("aten::pow", "Tensor_Tensor"), opPowS = new TypedOp("aten::pow", "Tensor_Scalar");
const opPow_ = new TypedOp("aten::pow_", "Tensor"), opPowS_ = new TypedOp("aten::pow_", "Scalar");

// ---------------- creation ----------------
// A nested sequence: an array, or a TypedArray inside an array (Python's list of numpy arrays).
const isSeq = (x: any): boolean => Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));
function inferShape(data: any): number[] {
  const shape: number[] = [];
  let cur = data;
  while (isSeq(cur)) { shape.push((cur as any).length); cur = cur[0]; }
  return shape;
}
function flatten(data: any, shape: number[], out: any[], depth = 0): void {
  if (depth === shape.length) {
    if (isSeq(data)) throw new TypeError(`tensor(): ragged nested array: expected a scalar at dim ${depth}`);
    out.push(data); return;
  }
  if (!isSeq(data) || data.length !== shape[depth])
    throw new TypeError(`tensor(): ragged nested array: expected a sequence of length ${shape[depth]} at dim ${depth}`);
  for (const x of data) flatten(x, shape, out, depth + 1);
}
// A JS number reads as an integer when it is one (JS has no float literals); -0 and integers past int64's range read as floats.
const isIntNumber = (x: number): boolean => Number.isInteger(x) && x >= -(2 ** 63) && x < 2 ** 63 && !Object.is(x, -0);
function toBigInt64(x: number): bigint {
  if (!(x >= -(2 ** 63) && x < 2 ** 63)) throw new TorchError("value cannot be converted to type int64 without overflow");
  return BigInt(x);
}
/** torch.tensor([...]) with one-element tensors among the elements: their dtypes take part in the inference, as in Python. */
function tensorFromMixed(flat: any[], shape: number[], opts?: TensorOptions): Tensor {
  let code = -1;
  const vals = flat.map((x) => {
    let d: DType, v: number;
    if (x instanceof Tensor) {
      if (x.numel() !== 1) throw new TypeError("tensor(): only one element tensors can be converted to scalars");
      d = x.dtype; const r = x.item() as any; v = Number(r);
    } else if (typeof x === "boolean") { d = dt.bool; v = x ? 1 : 0; }
    else if (typeof x === "number") { d = isIntNumber(x) ? dt.int64 : defaultDtype; v = x; }
    else if (typeof x === "bigint") { d = dt.int64; v = Number(x); }
    else throw new TypeError("tensor(): data must be numbers, booleans, bigints, one-element Tensors, nested arrays of them, or a TypedArray");
    code = code < 0 ? d.code : callOp("aten::promote_types", dt.dtypeFromCode(code), d);
    return v;
  });
  const t = new Tensor(native.FromBuffer(Float64Array.from(vals), shape, dt.float64, false));
  return finish(t, { ...opts, dtype: opts?.dtype ?? dt.dtypeFromCode(code) });
}

function finish(t: Tensor, opts?: TensorOptions): Tensor {
  let r = t;
  const dev = opts?.device ?? defaultDevice;
  if (opts?.dtype && opts.dtype !== r.dtype) { const n = r.to(opts.dtype); r.dispose(); r = n; }
  if (dev !== "cpu") { const n = r.to(dev); r.dispose(); r = n; }
  if (opts?.requiresGrad) r.requiresGrad_(true);
  return r;
}

/** A tensor from nested arrays, numbers, booleans, TypedArrays or Buffers (copied). Like torch.tensor. */
export function tensor(data: any, opts?: TensorOptions): Tensor {
  if (data instanceof Tensor) { const d = data.detach(); const c = d.clone(); d.dispose(); return finish(c, opts); }
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const buf = data instanceof Buffer ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data;
    return finish(new Tensor(native.FromBuffer(buf, [(buf as any).length], dt.dtypeOfTypedArray(buf), false)), opts);
  }
  const shape = inferShape(data);
  const flat: any[] = [];
  flatten(data, shape, flat);
  if (flat.some((x) => x instanceof Tensor)) return tensorFromMixed(flat, shape, opts);
  let dtype: DType;
  let arr: ArrayBufferView;
  if (flat.length && flat.every((x) => typeof x === "boolean")) { dtype = dt.bool; arr = Uint8Array.from(flat, (x) => (x ? 1 : 0)); }
  else if (flat.every((x) => typeof x === "number" || typeof x === "boolean")) {
    // JS has no float literals: [1.0, 2.0] reads as integers. Integer tensors cannot require grad, so
    // { requiresGrad: true } without a dtype means the default float dtype (Python's [1., 2.]).
    const ints = flat.length > 0 && flat.every((x) => typeof x === "boolean" || isIntNumber(x)) &&
      !(opts?.requiresGrad && !opts.dtype && !flat.some((x) => typeof x === "boolean"));
    if (ints && (!opts?.dtype || !opts.dtype.isFloatingPoint)) { dtype = dt.int64; arr = BigInt64Array.from(flat, (x) => BigInt(Number(x))); }
    else if (opts?.dtype === dt.int64) { dtype = dt.int64; arr = BigInt64Array.from(flat, (x) => toBigInt64(Math.trunc(Number(x)))); }
    else { dtype = dt.float64; arr = Float64Array.from(flat, Number); }
    if (!opts?.dtype && dtype === dt.float64) {
      const t = new Tensor(native.FromBuffer(arr, shape, dtype, false));
      return finish(t, { ...opts, dtype: defaultDtype });
    }
  } else if (flat.every((x) => typeof x === "bigint")) { dtype = dt.int64; arr = BigInt64Array.from(flat); }
  else throw new TypeError("tensor(): data must be numbers, booleans, bigints, nested arrays of them, or a TypedArray");
  return finish(new Tensor(native.FromBuffer(arr, shape, dtype, false)), opts);
}

/** A tensor over a TypedArray's elements; copies unless { share: true } (then the tensor uses the array's memory). */
export function fromTypedArray(data: ArrayBufferView, shape?: number[], opts?: TensorOptions & { share?: boolean }): Tensor {
  if (!ArrayBuffer.isView(data) || data instanceof DataView) throw new TypeError("argument 'data' must be a TypedArray or Buffer");
  const u = data instanceof Buffer ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data;
  const d = dt.dtypeOfTypedArray(u);
  const n = (u as any).length as number;
  const t = new Tensor(native.FromBuffer(u, shape ?? [n], d, !!opts?.share));
  if (opts?.share && !opts.dtype && !opts.device && !opts.requiresGrad) return t;
  return finish(t, opts);
}

/** A tensor over raw bytes interpreted as `dtype` (for float16/bfloat16 bits and file formats). */
export function fromBytes(bytes: ArrayBufferView, shape: number[], dtype: DType): Tensor {
  const u = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new Tensor(native.FromBuffer(u, shape, dtype, false));
}

function sizeArgs(a: any[]): { shape: number[]; opts?: TensorOptions } {
  let opts: TensorOptions | undefined;
  if (a.length && typeof a[a.length - 1] === "object" && !Array.isArray(a[a.length - 1])) opts = a.pop();
  const shape = a.length === 1 && Array.isArray(a[0]) ? a[0] : a;
  return { shape, opts };
}
function factoryKw(opts?: TensorOptions, dtypeDefault: DType | null = defaultDtype) {
  return { dtype: opts?.dtype ?? dtypeDefault ?? undefined, device: opts?.device ?? defaultDevice };
}
function grad(t: Tensor, opts?: TensorOptions): Tensor { if (opts?.requiresGrad) t.requiresGrad_(true); return t; }

export function zeros(...a: any[]): Tensor { const { shape, opts } = sizeArgs(a); return grad(callOp("aten::zeros", shape, factoryKw(opts)), opts); }
export function ones(...a: any[]): Tensor { const { shape, opts } = sizeArgs(a); return grad(callOp("aten::ones", shape, factoryKw(opts)), opts); }
export function empty(...a: any[]): Tensor { const { shape, opts } = sizeArgs(a); return grad(callOp("aten::empty", shape, factoryKw(opts)), opts); }
function randomKw(opts?: RandomOptions, dtypeDefault: DType = defaultDtype) {
  return { dtype: opts?.dtype ?? dtypeDefault, device: opts?.device ?? defaultDevice, ...rngKw(opts?.generator) };
}
export function rand(...a: any[]): Tensor { const { shape, opts } = sizeArgs(a); return grad(callOp("aten::rand", shape, randomKw(opts)), opts); }
export function randn(...a: any[]): Tensor { const { shape, opts } = sizeArgs(a); return grad(callOp("aten::randn", shape, randomKw(opts)), opts); }
export function full(shape: number[], value: number | boolean, opts?: TensorOptions): Tensor {
  const d = opts?.dtype ?? (typeof value === "boolean" ? dt.bool : Number.isInteger(value) ? dt.int64 : defaultDtype);
  return grad(callOp("aten::full", shape, value, { dtype: d, device: opts?.device ?? defaultDevice }), opts);
}
/** Integers in [low, high): randint(high, shape) or randint(low, high, shape). */
export function randint(a: number, b: number | number[], c?: number[] | RandomOptions, d?: RandomOptions): Tensor {
  let low = 0, high: number, shape: number[], opts: RandomOptions | undefined;
  if (Array.isArray(b)) { high = a; shape = b; opts = c as RandomOptions; } else { low = a; high = b; shape = c as number[]; opts = d; }
  return callOp("aten::randint", low, high, shape, randomKw(opts, dt.int64));
}
export function randperm(n: number, opts?: RandomOptions): Tensor {
  return callOp("aten::randperm", n, randomKw(opts, dt.int64));
}
/** arange(end) | arange(start, end, step?) with an optional trailing options object. */
export function arange(...a: any[]): Tensor {
  let opts: TensorOptions | undefined;
  if (a.length && typeof a[a.length - 1] === "object") opts = a.pop();
  const [start, end, step] = a.length === 1 ? [0, a[0], 1] : [a[0], a[1], a[2] ?? 1];
  const allInt = [start, end, step].every(Number.isInteger);
  const dtype = opts?.dtype ?? (allInt ? dt.int64 : defaultDtype);
  return grad(callOp("aten::arange", start, end, step, { dtype, device: opts?.device ?? defaultDevice }), opts);
}
export function linspace(start: number, end: number, steps: number, opts?: TensorOptions): Tensor {
  return grad(callOp("aten::linspace", start, end, steps, factoryKw(opts)), opts);
}
export function logspace(start: number, end: number, steps: number, base = 10, opts?: TensorOptions): Tensor {
  return grad(callOp("aten::logspace", start, end, steps, base, factoryKw(opts)), opts);
}
export function eye(n: number, m?: number | TensorOptions, opts?: TensorOptions): Tensor {
  if (typeof m === "object") { opts = m; m = undefined; }
  return grad(m === undefined ? callOp("aten::eye", n, factoryKw(opts)) : callOp("aten::eye", n, m, factoryKw(opts)), opts);
}
function likeKw(t: Tensor, opts?: TensorOptions) { return { dtype: opts?.dtype ?? t.dtype, device: opts?.device ?? t.device }; }
export function zerosLike(t: Tensor, opts?: TensorOptions): Tensor { return grad(callOp("aten::zeros_like", t, likeKw(t, opts)), opts); }
export function onesLike(t: Tensor, opts?: TensorOptions): Tensor { return grad(callOp("aten::ones_like", t, likeKw(t, opts)), opts); }
export function emptyLike(t: Tensor, opts?: TensorOptions): Tensor { return grad(callOp("aten::empty_like", t, likeKw(t, opts)), opts); }
export function randLike(t: Tensor, opts?: TensorOptions): Tensor { return grad(callOp("aten::rand_like", t, likeKw(t, opts)), opts); }
export function randnLike(t: Tensor, opts?: TensorOptions): Tensor { return grad(callOp("aten::randn_like", t, likeKw(t, opts)), opts); }
export function fullLike(t: Tensor, v: number, opts?: TensorOptions): Tensor { return grad(callOp("aten::full_like", t, v, likeKw(t, opts)), opts); }
/** randintLike(t, high) or randintLike(t, low, high): integers in [low, high) shaped like t. */
export function randintLike(t: Tensor, low: number, high?: number | TensorOptions, opts?: TensorOptions): Tensor {
  if (typeof high !== "number") { opts = high; high = low; low = 0; }
  return callOp("aten::randint_like", t, low, high, likeKw(t, opts));
}
export function scalarTensor(v: number, opts?: TensorOptions): Tensor { return callOp("aten::scalar_tensor", v, factoryKw(opts)); }

export function manualSeed(seed: number): void { native.ManualSeed(seed); if (native.CudaManualSeedAll) native.CudaManualSeedAll(seed); }
export function initialSeed(): number { return native.InitialSeed(); }
export function seed(): number { const s = Math.floor(Math.random() * 2 ** 52); manualSeed(s); return s; }
export function setNumThreads(n: number): void { native.SetNumThreads(n); }
export function getNumThreads(): number { return native.GetNumThreads(); }

export { TorchError };
