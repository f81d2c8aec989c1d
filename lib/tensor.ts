// The Tensor: a handle on one at::Tensor. Every op returns a new Tensor; in-place ops (trailing _) return `this`.
import { native } from "./native";
import * as dt from "./dtype";
import { DType, MemoryFormat } from "./dtype";
import { track, untrackFinalizer } from "./memory";
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
  if (a === undefined || typeof a === "number" || Array.isArray(a)) return { dim: dimsOf(a as any), keepdim: !!keepdim };
  return { dim: dimsOf(a.dim), keepdim: !!a.keepdim, dtype: a.dtype };
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
  type(d: DType): Tensor { return this.to(d); }
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
  clamp(min?: number | Tensor | null | { min?: number; max?: number }, max?: number | Tensor | null): Tensor {
    if (min !== null && typeof min === "object" && !(min instanceof Tensor)) return callOp("aten::clamp", this, min.min ?? null, min.max ?? null);
    return callOp("aten::clamp", this, min ?? null, max ?? null);
  }
  clamp_(min?: number | null, max?: number | null): this { return this.inplace("aten::clamp_", min ?? null, max ?? null); }
  clip(min?: number | null, max?: number | null): Tensor { return this.clamp(min, max); }
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
  max(dim: number | { dim: number; keepdim?: boolean }, keepdim?: boolean): [Tensor, Tensor];
  max(dim?: any, keepdim?: boolean): any {
    if (dim instanceof Tensor) return o.maximum(K, this, dim);
    const a = normDimOpts(dim, keepdim);
    return a.dim === null ? o.max(K, this) : o.maxDim(K, this, a.dim[0], a.keepdim);
  }
  min(): Tensor;
  min(other: Tensor): Tensor;
  min(dim: number | { dim: number; keepdim?: boolean }, keepdim?: boolean): [Tensor, Tensor];
  min(dim?: any, keepdim?: boolean): any {
    if (dim instanceof Tensor) return o.minimum(K, this, dim);
    const a = normDimOpts(dim, keepdim);
    return a.dim === null ? o.min(K, this) : o.minDim(K, this, a.dim[0], a.keepdim);
  }
  argmax(dim?: number | { dim?: number; keepdim?: boolean }, keepdim?: boolean): Tensor {
    const a = normDimOpts(dim as any, keepdim);
    return o.argmax(K, this, a.dim ? a.dim[0] : null, a.keepdim);
  }
  argmin(dim?: number | { dim?: number; keepdim?: boolean }, keepdim?: boolean): Tensor {
    const a = normDimOpts(dim as any, keepdim);
    return o.argmin(K, this, a.dim ? a.dim[0] : null, a.keepdim);
  }
  /** Standard deviation; `correction` (default 1, Bessel) or `unbiased`. */
  std(dim?: number | number[] | { dim?: number | number[]; keepdim?: boolean; unbiased?: boolean; correction?: number }, keepdim?: boolean): Tensor {
    const a: any = typeof dim === "object" && !Array.isArray(dim) ? dim : { dim, keepdim };
    const corr = a.correction ?? (a.unbiased === false ? 0 : 1);
    return o.stdDim({ correction: corr, keepdim: !!a.keepdim }, this, dimsOf(a.dim));
  }
  var(dim?: number | number[] | { dim?: number | number[]; keepdim?: boolean; unbiased?: boolean; correction?: number }, keepdim?: boolean): Tensor {
    const a: any = typeof dim === "object" && !Array.isArray(dim) ? dim : { dim, keepdim };
    const corr = a.correction ?? (a.unbiased === false ? 0 : 1);
    return o.varDim({ correction: corr, keepdim: !!a.keepdim }, this, dimsOf(a.dim));
  }
  /** Vector p-norm over all elements or dims (torch.norm / torch.linalg.vector_norm). */
  norm(p: number = 2, dim?: number | number[] | { dim?: number | number[]; keepdim?: boolean }, keepdim?: boolean): Tensor {
    const a: any = typeof dim === "object" && !Array.isArray(dim) ? dim : { dim, keepdim };
    return o.norm(K, this, p, dimsOf(a.dim), !!a.keepdim);
  }
  all(dim?: number | { dim?: number; keepdim?: boolean }, keepdim?: boolean): Tensor {
    const a = normDimOpts(dim as any, keepdim);
    return a.dim === null ? o.all(K, this) : o.allDim(K, this, a.dim[0], a.keepdim);
  }
  any(dim?: number | { dim?: number; keepdim?: boolean }, keepdim?: boolean): Tensor {
    const a = normDimOpts(dim as any, keepdim);
    return a.dim === null ? o.any(K, this) : o.anyDim(K, this, a.dim[0], a.keepdim);
  }
  logsumexp(dim: number | number[], keepdim = false): Tensor { return callOp("aten::logsumexp", this, dimsOf(dim), keepdim); }
  cumsum(dim: number, opts?: { dtype?: DType }): Tensor { return callOp("aten::cumsum", this, dim, { dtype: opts?.dtype }); }
  cumprod(dim: number, opts?: { dtype?: DType }): Tensor { return callOp("aten::cumprod", this, dim, { dtype: opts?.dtype }); }

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
  /** index_put_ with a list of index tensors (torch.Tensor.index_put_). */
  indexPutTensors_(indices: (Tensor | null)[], values: Tensor, accumulate = false): this {
    o.indexPut_(K, this, indices, values, accumulate); return this;
  }
  private basicIndex(list: Index[]): { view: Tensor; adv: (Tensor | null)[] } {
    const nd = this.dim();
    const consumed = list.filter((x) => x !== null && x !== "..." && typeof x !== "boolean").reduce<number>((n, x) => n + (x instanceof Tensor && x.dtype === dt.bool ? x.dim() : 1), 0);
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
      if (Array.isArray(ix)) { const t = tensor(ix, { dtype: dt.int64, device: this.device }); (t as any)._tmp = true; adv.push(t); dim++; continue; }
      if (ix instanceof Tensor) {
        adv.push(ix);
        const n = ix.dtype === dt.bool || ix.dtype === dt.uint8 ? ix.dim() : 1;
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
  indexSelect(dim: number, index: Tensor): Tensor { return callOp("aten::index_select", this, dim, index); }
  takeAlongDim(indices: Tensor, dim?: number): Tensor { return callOp("aten::take_along_dim", this, indices, dim ?? null); }
  nonzero(): Tensor { return callOp("aten::nonzero", this); }
  sort(dim: number | { dim?: number; descending?: boolean; stable?: boolean } = -1, descending = false): [Tensor, Tensor] {
    const a = typeof dim === "object" ? dim : { dim, descending };
    return callOp("aten::sort", this, { stable: a.stable ?? false, dim: a.dim ?? -1, descending: !!a.descending });
  }
  argsort(dim = -1, descending = false): Tensor { return callOp("aten::argsort", this, dim, descending); }
  topk(k: number, dim: number | { dim?: number; largest?: boolean; sorted?: boolean } = -1, largest = true, sorted = true): [Tensor, Tensor] {
    const a = typeof dim === "object" ? dim : { dim, largest, sorted };
    return callOp("aten::topk", this, k, a.dim ?? -1, a.largest ?? true, a.sorted ?? true);
  }
  unique(opts?: { sorted?: boolean; returnInverse?: boolean; returnCounts?: boolean; dim?: number }): any {
    const r = callOp("aten::_unique2", this, opts?.sorted ?? true, !!opts?.returnInverse, !!opts?.returnCounts);
    if (!opts?.returnInverse && !opts?.returnCounts) { r[1].dispose(); r[2].dispose(); return r[0]; }
    return r;
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
  masked(mask: Tensor): Tensor { return this.maskedSelect(mask); }
}

setTensorFactory((id) => new Tensor(id));
// Unboxed handles for the most frequent shape ops (the boxed path where a libtorch's schema differs).
const opTranspose = new TypedOp("aten::transpose", "int"), opFlatten = new TypedOp("aten::flatten", "using_ints");
const opUnsqueeze = new TypedOp("aten::unsqueeze"), opSqueezeDim = new TypedOp("aten::squeeze", "dim");
const opPermute = new TypedOp("aten::permute"), opSoftmax = new TypedOp("aten::softmax", "int");
const opLogSoftmax = new TypedOp("aten::log_softmax", "int");
const boundCopy = boundInplace("aten::copy_");
const opPow = new TypedOp("aten::pow", "Tensor_Tensor"), opPowS = new TypedOp("aten::pow", "Tensor_Scalar");
const opPow_ = new TypedOp("aten::pow_", "Tensor"), opPowS_ = new TypedOp("aten::pow_", "Scalar");

// ---------------- creation ----------------
function inferShape(data: any): number[] {
  const shape: number[] = [];
  let cur = data;
  while (Array.isArray(cur)) { shape.push(cur.length); cur = cur[0]; }
  return shape;
}
function flatten(data: any, shape: number[], out: any[], depth = 0): void {
  if (depth === shape.length) { out.push(data); return; }
  if (!Array.isArray(data) || data.length !== shape[depth])
    throw new TypeError(`tensor(): ragged nested array: expected a sequence of length ${shape[depth]} at dim ${depth}`);
  for (const x of data) flatten(x, shape, out, depth + 1);
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
  let dtype: DType;
  let arr: ArrayBufferView;
  if (flat.length && flat.every((x) => typeof x === "boolean")) { dtype = dt.bool; arr = Uint8Array.from(flat, (x) => (x ? 1 : 0)); }
  else if (flat.every((x) => typeof x === "number" || typeof x === "boolean")) {
    // JS has no float literals: [1.0, 2.0] reads as integers. Integer tensors cannot require grad, so
    // { requiresGrad: true } without a dtype means the default float dtype (Python's [1., 2.]).
    const ints = flat.length > 0 && flat.every((x) => typeof x === "boolean" || Number.isInteger(x)) &&
      !(opts?.requiresGrad && !opts.dtype && !flat.some((x) => typeof x === "boolean"));
    if (ints && (!opts?.dtype || !opts.dtype.isFloatingPoint)) { dtype = dt.int64; arr = BigInt64Array.from(flat, (x) => BigInt(Number(x))); }
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
function randKw(opts?: RandomOptions) { return { ...factoryKw(opts), ...rngKw(opts?.generator) }; }
function grad(t: Tensor, opts?: TensorOptions): Tensor { if (opts?.requiresGrad) t.requiresGrad_(true); return t; }

export function zeros(...a: any[]): Tensor { const { shape, opts } = sizeArgs(a); return grad(callOp("aten::zeros", shape, factoryKw(opts)), opts); }
export function ones(...a: any[]): Tensor { const { shape, opts } = sizeArgs(a); return grad(callOp("aten::ones", shape, factoryKw(opts)), opts); }
export function empty(...a: any[]): Tensor { const { shape, opts } = sizeArgs(a); return grad(callOp("aten::empty", shape, factoryKw(opts)), opts); }
export function rand(...a: any[]): Tensor { const { shape, opts } = sizeArgs(a); return grad(callOp("aten::rand", shape, randKw(opts)), opts); }
export function randn(...a: any[]): Tensor { const { shape, opts } = sizeArgs(a); return grad(callOp("aten::randn", shape, randKw(opts)), opts); }
export function full(shape: number[], value: number | boolean, opts?: TensorOptions): Tensor {
  const d = opts?.dtype ?? (typeof value === "boolean" ? dt.bool : Number.isInteger(value) ? dt.int64 : defaultDtype);
  return grad(callOp("aten::full", shape, value, { dtype: d, device: opts?.device ?? defaultDevice }), opts);
}
/** Integers in [low, high): randint(high, shape) or randint(low, high, shape). */
export function randint(a: number, b: number | number[], c?: number[] | RandomOptions, d?: RandomOptions): Tensor {
  let low = 0, high: number, shape: number[], opts: RandomOptions | undefined;
  if (Array.isArray(b)) { high = a; shape = b; opts = c as RandomOptions; } else { low = a; high = b; shape = c as number[]; opts = d; }
  return callOp("aten::randint", low, high, shape, { dtype: opts?.dtype ?? dt.int64, device: opts?.device ?? defaultDevice, ...rngKw(opts?.generator) });
}
export function randperm(n: number, opts?: RandomOptions): Tensor {
  return callOp("aten::randperm", n, { dtype: opts?.dtype ?? dt.int64, device: opts?.device ?? defaultDevice, ...rngKw(opts?.generator) });
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
export function randintLike(t: Tensor, low: number, high: number, opts?: TensorOptions): Tensor { return callOp("aten::randint_like", t, low, high, likeKw(t, opts)); }
export function scalarTensor(v: number, opts?: TensorOptions): Tensor { return callOp("aten::scalar_tensor", v, factoryKw(opts)); }

export function manualSeed(seed: number): void { native.ManualSeed(seed); if (native.CudaManualSeedAll) native.CudaManualSeedAll(seed); }
export function initialSeed(): number { return native.InitialSeed(); }
export function seed(): number { const s = Math.floor(Math.random() * 2 ** 52); manualSeed(s); return s; }
export function setNumThreads(n: number): void { native.SetNumThreads(n); }
export function getNumThreads(): number { return native.GetNumThreads(); }

export { TorchError };
