// torch.* functions that take several tensors or mirror Tensor methods.
import { Tensor, TensorLike, DimOrOpts } from "./tensor";
import { callOp } from "./ops";
import { native } from "./native";
import { DType } from "./dtype";
import { rngKw } from "./_rng";
import type { Generator } from "./generator";

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
export function clamp(t: Tensor, min?: number | null, max?: number | null): Tensor { return t.clamp(min, max); }
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
export function sort(t: Tensor, dim: any = -1, descending = false): [Tensor, Tensor] { return t.sort(dim, descending); }
export function topk(t: Tensor, k: number, dim: any = -1, largest = true, sorted = true): [Tensor, Tensor] { return t.topk(k, dim, largest, sorted); }
export function allclose(a: Tensor, b: Tensor, opts?: { rtol?: number; atol?: number; equalNan?: boolean }): boolean { return a.allclose(b, opts); }
export function equal(a: Tensor, b: Tensor): boolean { return a.equal(b); }
export function isclose(a: Tensor, b: Tensor, opts?: { rtol?: number; atol?: number; equalNan?: boolean }): Tensor { return a.isclose(b, opts); }
export function cumsum(t: Tensor, dim: number): Tensor { return t.cumsum(dim); }
export function outer(a: Tensor, b: Tensor): Tensor { return a.outer(b); }
export function dot(a: Tensor, b: Tensor): Tensor { return a.dot(b); }
export function tril(t: Tensor, diagonal = 0): Tensor { return callOp("aten::tril", t, diagonal); }
export function triu(t: Tensor, diagonal = 0): Tensor { return callOp("aten::triu", t, diagonal); }
export function diag(t: Tensor, diagonal = 0): Tensor { return callOp("aten::diag", t, diagonal); }
export function flip(t: Tensor, dims: number | number[]): Tensor { return t.flip(dims); }
export function roll(t: Tensor, shifts: number | number[], dims?: number | number[]): Tensor { return t.roll(shifts, dims); }
export function nonzero(t: Tensor): Tensor { return t.nonzero(); }
export function multinomial(probs: Tensor, numSamples: number, replacement = false, opts?: { generator?: Generator | null }): Tensor {
  return callOp("aten::multinomial", probs, numSamples, replacement, rngKw(opts?.generator));
}
export function bernoulli(p: Tensor, opts?: { generator?: Generator | null }): Tensor { return callOp("aten::bernoulli", p, rngKw(opts?.generator)); }
export function normal(mean: Tensor, std: Tensor | number, opts?: { generator?: Generator | null }): Tensor { return callOp("aten::normal", mean, std, rngKw(opts?.generator)); }
export function lerp(a: Tensor, b: Tensor, w: TensorLike): Tensor { return a.lerp(b, w); }
export function meshgrid(tensors: Tensor[], opts?: { indexing?: "ij" | "xy" }): Tensor[] { return callOp("aten::meshgrid", tensors, { indexing: opts?.indexing ?? "ij" }); }
export function broadcastTensors(tensors: Tensor[]): Tensor[] { return callOp("aten::broadcast_tensors", tensors); }
export function oneHot(t: Tensor, numClasses = -1): Tensor { return t.oneHot(numClasses); }
