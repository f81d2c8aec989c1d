// torch.* functions that take several tensors or mirror Tensor methods.
import { Tensor, TensorLike, DimOrOpts, RandomOptions, ValuesIndices, TensorOptions, VarOpts, varArgs, getDefaultDtype, getDefaultDevice, tensor } from "./tensor";
import { TorchError } from "./errors";
import type { Generator } from "./generator";
import * as dt from "./dtype";
import { callOp } from "./ops";
import { native } from "./native";
import { DType } from "./dtype";
import { rngKw } from "./_rng";

function ids(tensors: Tensor[], fn: string): number[] {
  if (!Array.isArray(tensors)) throw new TypeError(`${fn}(): argument 'tensors' must be an array of Tensors`);
  const out = new Array<number>(tensors.length);
  for (let i = 0; i < tensors.length; i++) {
    if (!(tensors[i] instanceof Tensor)) throw new TypeError(`${fn}(): argument 'tensors' must be an array of Tensors (element ${i} is not)`);
    out[i] = tensors[i]._id;
  }
  return out;
}
export function cat(tensors: Tensor[], dim = 0): Tensor {
  return Number.isInteger(dim) ? new Tensor(native.Cat(ids(tensors, "cat"), dim)) : callOp("aten::cat", tensors, dim);
}
export const concat = cat, concatenate = cat;
export function stack(tensors: Tensor[], dim = 0): Tensor {
  return Number.isInteger(dim) ? new Tensor(native.Stack(ids(tensors, "stack"), dim)) : callOp("aten::stack", tensors, dim);
}
export function hstack(tensors: Tensor[]): Tensor { return callOp("aten::hstack", tensors); }
export function vstack(tensors: Tensor[]): Tensor { return callOp("aten::vstack", tensors); }
export function split(t: Tensor, size: number | number[], dim = 0): Tensor[] { return t.split(size, dim); }
export function chunk(t: Tensor, chunks: number, dim = 0): Tensor[] { return t.chunk(chunks, dim); }
export function unbind(t: Tensor, dim = 0): Tensor[] { return t.unbind(dim); }
/** where(cond, x, y) elementwise; where(cond) gives the indices of nonzero elements per dim. */
export function where(cond: Tensor, x?: TensorLike, y?: TensorLike): any {
  if (x === undefined) return callOp("aten::where", cond);
  return callOp("aten::where", cond, x, y);
}
export function add(a: Tensor, b: TensorLike, opts?: { alpha?: number }): Tensor { return a.add(b, opts); }
export function sub(a: Tensor, b: TensorLike, opts?: { alpha?: number }): Tensor { return a.sub(b, opts); }
export function mul(a: Tensor, b: TensorLike): Tensor { return a.mul(b); }
export function div(a: Tensor, b: TensorLike, opts?: { roundingMode?: "trunc" | "floor" }): Tensor { return a.div(b, opts); }
export function pow(a: Tensor | number, b: TensorLike): Tensor { return callOp("aten::pow", a, b); }
export function matmul(a: Tensor, b: Tensor): Tensor { return a.matmul(b); }
export function mm(a: Tensor, b: Tensor): Tensor { return a.mm(b); }
export function bmm(a: Tensor, b: Tensor): Tensor { return a.bmm(b); }
export function einsum(eq: string, ...operands: (Tensor | Tensor[])[]): Tensor {
  const ops = operands.length === 1 && Array.isArray(operands[0]) ? operands[0] : (operands as Tensor[]);
  return callOp("aten::einsum", eq, ops);
}
export function sum(t: Tensor, dim?: DimOrOpts, keepdim?: boolean): Tensor { return t.sum(dim, keepdim); }
export function mean(t: Tensor, dim?: DimOrOpts, keepdim?: boolean): Tensor { return t.mean(dim, keepdim); }
export function max(t: Tensor, dim?: any, keepdim?: boolean): any { return (t.max as any)(dim, keepdim); }
export function min(t: Tensor, dim?: any, keepdim?: boolean): any { return (t.min as any)(dim, keepdim); }
export function argmax(t: Tensor, dim?: any, keepdim?: boolean): Tensor { return t.argmax(dim, keepdim); }
export function argmin(t: Tensor, dim?: any, keepdim?: boolean): Tensor { return t.argmin(dim, keepdim); }
export function clamp(t: Tensor, min?: number | Tensor | null | { min?: number | Tensor; max?: number | Tensor }, max?: number | Tensor | null): Tensor { return t.clamp(min, max); }
export function softmax(t: Tensor, dim: number, opts?: { dtype?: DType }): Tensor { return t.softmax(dim, opts); }
export function logSoftmax(t: Tensor, dim: number, opts?: { dtype?: DType }): Tensor { return t.logSoftmax(dim, opts); }
export function flatten(t: Tensor, startDim = 0, endDim = -1): Tensor { return t.flatten(startDim, endDim); }
export function reshape(t: Tensor, shape: number[]): Tensor { return t.reshape(shape); }
export function transpose(t: Tensor, d0: number, d1: number): Tensor { return t.transpose(d0, d1); }
export function permute(t: Tensor, dims: number[]): Tensor { return t.permute(dims); }
export function squeeze(t: Tensor, dim?: number): Tensor { return t.squeeze(dim); }
export function unsqueeze(t: Tensor, dim: number): Tensor { return t.unsqueeze(dim); }
export function gather(t: Tensor, dim: number, index: Tensor): Tensor { return t.gather(dim, index); }
export function scatter(t: Tensor, dim: number, index: Tensor, src: TensorLike): Tensor { return t.scatter(dim, index, src); }
export function sort(t: Tensor, dim: any = -1, descending = false): ValuesIndices { return t.sort(dim, descending); }
export function topk(t: Tensor, k: number, dim: any = -1, largest = true, sorted = true): ValuesIndices { return t.topk(k, dim, largest, sorted); }
export function allclose(a: Tensor, b: Tensor, opts?: { rtol?: number; atol?: number; equalNan?: boolean }): boolean { return a.allclose(b, opts); }
export function equal(a: Tensor, b: Tensor): boolean { return a.equal(b); }
export function isclose(a: Tensor, b: Tensor, opts?: { rtol?: number; atol?: number; equalNan?: boolean }): Tensor { return a.isclose(b, opts); }
export function cumsum(t: Tensor, dim: number, opts?: { dtype?: DType }): Tensor { return t.cumsum(dim, opts); }
export function cumprod(t: Tensor, dim: number, opts?: { dtype?: DType }): Tensor { return t.cumprod(dim, opts); }
export function outer(a: Tensor, b: Tensor): Tensor { return a.outer(b); }
export function dot(a: Tensor, b: Tensor): Tensor { return a.dot(b); }
export function tril(t: Tensor, diagonal = 0): Tensor { return callOp("aten::tril", t, diagonal); }
export function triu(t: Tensor, diagonal = 0): Tensor { return callOp("aten::triu", t, diagonal); }
export function diag(t: Tensor, diagonal = 0): Tensor { return callOp("aten::diag", t, diagonal); }
export function flip(t: Tensor, dims: number | number[]): Tensor { return t.flip(dims); }
export function roll(t: Tensor, shifts: number | number[], dims?: number | number[]): Tensor { return t.roll(shifts, dims); }
export function nonzero(t: Tensor, opts?: { asTuple?: boolean }): any { return opts?.asTuple ? t.nonzero({ asTuple: true }) : t.nonzero(); }
/** multinomial(probs, n, replacement?, { generator }) as Python's; the options may also come third. */
export function multinomial(probs: Tensor, numSamples: number, replacement: boolean | { replacement?: boolean; generator?: Generator | null } = false,
  opts?: { generator?: Generator | null }): Tensor {
  return probs.multinomial(numSamples, typeof replacement === "object" ? replacement : { replacement, generator: opts?.generator });
}
export function bernoulli(p: Tensor, opts?: { generator?: Generator }): Tensor { return p.bernoulli(opts); }
/**
 * normal(meanTensor, std) / normal(mean, stdTensor) / normal(meanTensor, stdTensor), one draw per element;
 * normal(mean, std, size, { dtype, device, generator }) with numbers: a new tensor of `size`.
 */
export function normal(mean: Tensor | number, std: Tensor | number = 1, size?: number[] | RandomOptions, opts?: RandomOptions): Tensor {
  if (size !== undefined && !Array.isArray(size)) { opts = size; size = undefined; }
  const g = rngKw(opts?.generator);
  if (mean instanceof Tensor || std instanceof Tensor) return callOp("aten::normal", mean, std, g);
  if (!Array.isArray(size)) throw new TypeError("normal(): with a number mean and std, argument 'size' must be an array of ints");
  const t: Tensor = callOp("aten::normal", mean, std, size, { ...g, dtype: opts?.dtype ?? getDefaultDtype(), device: opts?.device ?? getDefaultDevice() });
  if (opts?.requiresGrad) t.requiresGrad_(true);
  return t;
}
export function lerp(a: Tensor, b: Tensor, w: TensorLike): Tensor { return a.lerp(b, w); }
export function meshgrid(tensors: Tensor[], opts?: { indexing?: "ij" | "xy" }): Tensor[] { return callOp("aten::meshgrid", tensors, { indexing: opts?.indexing ?? "ij" }); }
export function broadcastTensors(tensors: Tensor[]): Tensor[] { return callOp("aten::broadcast_tensors", tensors); }
export function oneHot(t: Tensor, numClasses = -1): Tensor { return t.oneHot(numClasses); }

// Function forms of Tensor methods (torch.std(x, ...) is x.std(...)).
export function round(t: Tensor, opts?: { decimals?: number }): Tensor { return t.round(opts); }
export function prod(t: Tensor, dim?: any, keepdim?: boolean): Tensor { return t.prod(dim, keepdim); }
export function std(t: Tensor, dim?: number | number[] | boolean | VarOpts, unbiased?: boolean, keepdim?: boolean): Tensor { return t.std(dim, unbiased, keepdim); }
function var_(t: Tensor, dim?: number | number[] | boolean | VarOpts, unbiased?: boolean, keepdim?: boolean): Tensor { return t.var(dim, unbiased, keepdim); }
export { var_ as var };
/** [std, mean] over dims (torch.std_mean); the arguments are std()'s. */
export function stdMean(t: Tensor, dim?: number | number[] | boolean | VarOpts, unbiased?: boolean, keepdim?: boolean): [Tensor, Tensor] {
  const a = varArgs(dim, unbiased, keepdim);
  return callOp("aten::std_mean", t, a.dim, { correction: a.correction, keepdim: a.keepdim });
}
/** [var, mean] over dims (torch.var_mean). */
export function varMean(t: Tensor, dim?: number | number[] | boolean | VarOpts, unbiased?: boolean, keepdim?: boolean): [Tensor, Tensor] {
  const a = varArgs(dim, unbiased, keepdim);
  return callOp("aten::var_mean", t, a.dim, { correction: a.correction, keepdim: a.keepdim });
}
export function norm(t: Tensor, p?: any, dim?: any, keepdim?: boolean): Tensor { return t.norm(p, dim, keepdim); }
export function logsumexp(t: Tensor, dim: any, keepdim?: boolean): Tensor { return t.logsumexp(dim, keepdim); }
export function logcumsumexp(t: Tensor, dim: number): Tensor { return t.logcumsumexp(dim); }
export function cummax(t: Tensor, dim: number): ValuesIndices { return t.cummax(dim); }
export function cummin(t: Tensor, dim: number): ValuesIndices { return t.cummin(dim); }
export function amax(t: Tensor, dim?: DimOrOpts, keepdim?: boolean): Tensor { return t.amax(dim, keepdim); }
export function amin(t: Tensor, dim?: DimOrOpts, keepdim?: boolean): Tensor { return t.amin(dim, keepdim); }
export function aminmax(t: Tensor, opts?: { dim?: number; keepdim?: boolean }): [Tensor, Tensor] & { readonly min: Tensor; readonly max: Tensor } { return t.aminmax(opts); }
export function all(t: Tensor, dim?: any, keepdim?: boolean): Tensor { return t.all(dim, keepdim); }
export function any(t: Tensor, dim?: any, keepdim?: boolean): Tensor { return t.any(dim, keepdim); }
export function median(t: Tensor, dim?: any, keepdim?: boolean): any { return dim === undefined ? t.median() : t.median(dim, keepdim); }
export function nanmedian(t: Tensor, dim?: any, keepdim?: boolean): any { return dim === undefined ? t.nanmedian() : t.nanmedian(dim, keepdim); }
export function kthvalue(t: Tensor, k: number, dim: any = -1, keepdim = false): ValuesIndices { return t.kthvalue(k, dim, keepdim); }
export function mode(t: Tensor, dim: any = -1, keepdim = false): ValuesIndices { return t.mode(dim, keepdim); }
export function nansum(t: Tensor, dim?: DimOrOpts, keepdim?: boolean): Tensor { return t.nansum(dim, keepdim); }
export function nanmean(t: Tensor, dim?: DimOrOpts, keepdim?: boolean): Tensor { return t.nanmean(dim, keepdim); }
export function countNonzero(t: Tensor, dim?: number | number[]): Tensor { return t.countNonzero(dim); }
export function quantile(t: Tensor, q: number | Tensor, dim?: any, keepdim = false): Tensor { return t.quantile(q, dim, keepdim); }
export function argsort(t: Tensor, dim: any = -1, descending = false): Tensor { return t.argsort(dim, descending); }
export function msort(t: Tensor): Tensor { return t.msort(); }
export function unique(t: Tensor, opts?: { sorted?: boolean; returnInverse?: boolean; returnCounts?: boolean; dim?: number | null }): any { return t.unique(opts); }
export function uniqueConsecutive(t: Tensor, opts?: { returnInverse?: boolean; returnCounts?: boolean; dim?: number | null }): any { return t.uniqueConsecutive(opts); }
export function argwhere(t: Tensor): Tensor { return t.argwhere(); }
export function clone(t: Tensor): Tensor { return t.clone(); }
export function clip(t: Tensor, min?: number | Tensor | null | { min?: number | Tensor; max?: number | Tensor }, max?: number | Tensor | null): Tensor { return t.clamp(min, max); }
export function numel(t: Tensor): number { return t.numel(); }
export function isTensor(x: unknown): x is Tensor { return x instanceof Tensor; }
export function isFloatingPoint(t: Tensor): boolean { return t.isFloatingPoint(); }
export function narrow(t: Tensor, dim: number, start: number, length: number): Tensor { return t.narrow(dim, start, length); }
export function select(t: Tensor, dim: number, index: number): Tensor { return t.select(dim, index); }
export function indexSelect(t: Tensor, dim: number, index: Tensor): Tensor { return t.indexSelect(dim, index); }
export function maskedFill(t: Tensor, mask: Tensor, value: TensorLike): Tensor { return t.maskedFill(mask, value); }
export function maskedSelect(t: Tensor, mask: Tensor): Tensor { return t.maskedSelect(mask); }
export function takeAlongDim(t: Tensor, indices: Tensor, dim?: number): Tensor { return t.takeAlongDim(indices, dim); }
export function take(t: Tensor, index: Tensor): Tensor { return t.take(index); }
export function scatterAdd(t: Tensor, dim: number, index: Tensor, src: Tensor): Tensor { return t.scatterAdd(dim, index, src); }
export function scatterReduce(t: Tensor, dim: number, index: Tensor, src: Tensor, reduce: string, opts?: { includeSelf?: boolean }): Tensor { return t.scatterReduce(dim, index, src, reduce, opts); }
export function t(x: Tensor): Tensor { return x.t(); }
export function ravel(t: Tensor): Tensor { return t.ravel(); }
export function tile(t: Tensor, dims: number[]): Tensor { return t.tile(dims); }
export function repeatInterleave(t: Tensor, repeats: number | Tensor, dim?: number | null): Tensor { return t.repeatInterleave(repeats, dim); }
export function movedim(t: Tensor, source: number | number[], destination: number | number[]): Tensor { return t.movedim(source, destination); }
export const moveaxis = movedim;
export function swapaxes(t: Tensor, d0: number, d1: number): Tensor { return t.transpose(d0, d1); }
export const swapdims = swapaxes;
export function broadcastTo(t: Tensor, size: number[]): Tensor { return t.expand(size); }
export function rot90(t: Tensor, k = 1, dims: number[] = [0, 1]): Tensor { return t.rot90(k, dims); }
export function fliplr(t: Tensor): Tensor { return t.fliplr(); }
export function flipud(t: Tensor): Tensor { return t.flipud(); }
export function diagonal(t: Tensor, offset: any = 0, dim1 = 0, dim2 = 1): Tensor { return t.diagonal(offset, dim1, dim2); }
export function diagEmbed(t: Tensor, offset = 0, dim1 = -2, dim2 = -1): Tensor { return t.diagEmbed(offset, dim1, dim2); }
export function trace(t: Tensor): Tensor { return t.trace(); }
export function diff(t: Tensor, n = 1, dim = -1, opts?: { prepend?: Tensor; append?: Tensor }): Tensor { return t.diff(n, dim, opts); }
export function dist(a: Tensor, b: Tensor, p = 2): Tensor { return a.dist(b, p); }
export function cross(a: Tensor, b: Tensor, dim?: number | null): Tensor { return a.cross(b, dim); }
export function inner(a: Tensor, b: Tensor): Tensor { return a.inner(b); }
export function mv(a: Tensor, v: Tensor): Tensor { return a.mv(v); }
export function addmm(input: Tensor, m1: Tensor, m2: Tensor, opts?: { beta?: number; alpha?: number }): Tensor { return input.addmm(m1, m2, opts); }
export function kron(a: Tensor, b: Tensor): Tensor { return callOp("aten::kron", a, b); }
export function tensordot(a: Tensor, b: Tensor, dims: number | [number[], number[]] = 2): Tensor {
  if (typeof dims === "number") {
    const n = a.dim();
    return callOp("aten::tensordot", a, b, [...Array(dims).keys()].map((i) => n - dims + i), [...Array(dims).keys()]);
  }
  return callOp("aten::tensordot", a, b, dims[0], dims[1]);
}
export function cdist(x1: Tensor, x2: Tensor, p = 2): Tensor { return callOp("aten::cdist", x1, x2, p); }
export function bincount(t: Tensor, opts?: { weights?: Tensor | null; minlength?: number }): Tensor { return t.bincount(opts); }
export function histc(t: Tensor, bins = 100, min = 0, max = 0): Tensor { return t.histc(bins, min, max); }
export function nanToNum(t: Tensor, opts?: { nan?: number; posinf?: number; neginf?: number }): Tensor { return t.nanToNum(opts); }
export function searchsorted(sortedSequence: Tensor, values: Tensor | number, opts?: { right?: boolean; side?: "left" | "right"; outInt32?: boolean; sorter?: Tensor }): Tensor {
  return callOp("aten::searchsorted", sortedSequence, values, { out_int32: !!opts?.outInt32, right: !!opts?.right, side: opts?.side ?? null, sorter: opts?.sorter ?? null });
}
export function bucketize(input: Tensor | number, boundaries: Tensor, opts?: { right?: boolean; outInt32?: boolean }): Tensor {
  return callOp("aten::bucketize", input, boundaries, { out_int32: !!opts?.outInt32, right: !!opts?.right });
}
export function isin(elements: Tensor | number, testElements: Tensor | number, opts?: { invert?: boolean }): Tensor {
  return callOp("aten::isin", elements, testElements, { assume_unique: false, invert: !!opts?.invert });
}
export function cartesianProd(...tensors: Tensor[]): Tensor { return callOp("aten::cartesian_prod", tensors); }
export function blockDiag(...tensors: Tensor[]): Tensor { return callOp("aten::block_diag", tensors); }
export function columnStack(tensors: Tensor[]): Tensor { return callOp("aten::column_stack", tensors); }
export function dstack(tensors: Tensor[]): Tensor { return callOp("aten::dstack", tensors); }
export function trilIndices(row: number, col: number, offset = 0, opts?: TensorOptions): Tensor {
  return callOp("aten::tril_indices", row, col, offset, { dtype: opts?.dtype ?? dt.int64, device: opts?.device ?? getDefaultDevice() });
}
export function triuIndices(row: number, col: number, offset = 0, opts?: TensorOptions): Tensor {
  return callOp("aten::triu_indices", row, col, offset, { dtype: opts?.dtype ?? dt.int64, device: opts?.device ?? getDefaultDevice() });
}
/** torch.as_tensor: the tensor itself when it already has the dtype and device asked for, else a converted copy. */
export function asTensor(data: any, opts?: { dtype?: DType; device?: string }): Tensor {
  if (data instanceof Tensor) {
    if ((!opts?.dtype || opts.dtype === data.dtype) && (!opts?.device || opts.device === data.device)) return data;
    return data.to({ dtype: opts?.dtype, device: opts?.device });
  }
  return tensor(data, opts);
}
/** The shape the given shapes broadcast to (torch.broadcast_shapes); throws when they do not. */
export function broadcastShapes(...shapes: number[][]): number[] {
  const n = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(n).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const k = n - s.length + i, v = s[i];
      if (v !== 1 && out[k] !== 1 && out[k] !== v) throw new TorchError(`Shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is at dim ${k}`);
      if (v !== 1) out[k] = v;
    }
  }
  return out;
}
export function atleast1d(t: Tensor): Tensor { return callOp("aten::atleast_1d", t); }
export function atleast2d(t: Tensor): Tensor { return callOp("aten::atleast_2d", t); }
export function atleast3d(t: Tensor): Tensor { return callOp("aten::atleast_3d", t); }
export function cov(t: Tensor, opts?: { correction?: number; fweights?: Tensor | null; aweights?: Tensor | null }): Tensor {
  return callOp("aten::cov", t, { correction: opts?.correction ?? 1, fweights: opts?.fweights ?? null, aweights: opts?.aweights ?? null });
}
export function corrcoef(t: Tensor): Tensor { return callOp("aten::corrcoef", t); }
export function combinations(t: Tensor, r = 2, withReplacement = false): Tensor { return callOp("aten::combinations", t, r, withReplacement); }
export function poisson(rates: Tensor, opts?: { generator?: Generator }): Tensor { return callOp("aten::poisson", rates, rngKw(opts?.generator)); }
