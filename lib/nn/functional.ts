// nn.functional: the layers and losses as functions, each onto the ATen operator PyTorch's own functional calls.
import { Tensor } from "../tensor";
import { DType, bool as boolDType } from "../dtype";
import { callOp, bound } from "../ops";
import { noGrad } from "../autograd";
import { tidy } from "../memory";
import { ntuple, optionsOf } from "./common";

export type Reduction = "none" | "mean" | "sum";
/** PyTorch's reduction enum: none 0, mean 1, sum 2. */
export function reductionEnum(r: string | undefined): number {
  switch (r ?? "mean") {
    case "none": return 0;
    case "mean": return 1;
    case "sum": return 2;
  }
  throw new Error(`${r} is not a valid value for reduction`);
}
function sizeStr(s: readonly number[]): string { return `torch.Size([${s.join(", ")}])`; }
function sameShape(a: readonly number[], b: readonly number[]): boolean { return a.length === b.length && a.every((d, i) => d === b[i]); }
function inplaceOf(a: boolean | { inplace?: boolean } | undefined): boolean { return typeof a === "boolean" ? a : !!a?.inplace; }
/** Runs fn on input and target broadcast to a common shape (as PyTorch's pointwise losses do). */
function broadcastPair(input: Tensor, target: Tensor, fn: (a: Tensor, b: Tensor) => Tensor): Tensor {
  if (sameShape(input.shape, target.shape)) return fn(input, target);
  const [a, b] = callOp("aten::broadcast_tensors", [input, target]) as Tensor[];
  try { return fn(a, b); } finally { a.dispose(); b.dispose(); }
}

// ---- linear and convolution ----
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor { return callOp("aten::linear", input, weight, bias ?? null); }
export function bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor { return callOp("aten::bilinear", input1, input2, weight, bias ?? null); }

export interface ConvFnOptions { stride?: number | number[]; padding?: number | number[] | "same" | "valid"; dilation?: number | number[]; groups?: number; }
function conv(nd: number, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, o?: ConvFnOptions): Tensor {
  const p = o?.padding ?? 0;
  return callOp(`aten::conv${nd}d`, input, weight, bias ?? null, ntuple(o?.stride ?? 1, nd, "stride"),
    typeof p === "string" ? p : ntuple(p, nd, "padding"), ntuple(o?.dilation ?? 1, nd, "dilation"), o?.groups ?? 1);
}
/** The options after bias: an object, or PyTorch's positional order (stride, padding, dilation, groups). */
export type ConvFnArgs = [opts?: ConvFnOptions] | [stride?: number | number[], padding?: ConvFnOptions["padding"], dilation?: number | number[], groups?: number];
const CONV_FN = ["stride", "padding", "dilation", "groups"];
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, ...args: ConvFnArgs): Tensor { return conv(1, input, weight, bias, optionsOf("conv1d", CONV_FN, args)); }
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, ...args: ConvFnArgs): Tensor { return conv(2, input, weight, bias, optionsOf("conv2d", CONV_FN, args)); }
export function conv3d(input: Tensor, weight: Tensor, bias?: Tensor | null, ...args: ConvFnArgs): Tensor { return conv(3, input, weight, bias, optionsOf("conv3d", CONV_FN, args)); }

export interface ConvTransposeFnOptions { stride?: number | number[]; padding?: number | number[]; outputPadding?: number | number[]; groups?: number; dilation?: number | number[]; }
function convT(nd: number, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, o?: ConvTransposeFnOptions): Tensor {
  return callOp(`aten::conv_transpose${nd}d`, input, weight, bias ?? null, ntuple(o?.stride ?? 1, nd), ntuple(o?.padding ?? 0, nd),
    ntuple(o?.outputPadding ?? 0, nd), o?.groups ?? 1, ntuple(o?.dilation ?? 1, nd));
}
/** The options after bias: an object, or PyTorch's positional order (stride, padding, outputPadding, groups, dilation). */
export type ConvTransposeFnArgs = [opts?: ConvTransposeFnOptions] | [stride?: number | number[], padding?: number | number[],
  outputPadding?: number | number[], groups?: number, dilation?: number | number[]];
const CONVT_FN = ["stride", "padding", "outputPadding", "groups", "dilation"];
export function convTranspose1d(input: Tensor, weight: Tensor, bias?: Tensor | null, ...args: ConvTransposeFnArgs): Tensor { return convT(1, input, weight, bias, optionsOf("conv_transpose1d", CONVT_FN, args)); }
export function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null, ...args: ConvTransposeFnArgs): Tensor { return convT(2, input, weight, bias, optionsOf("conv_transpose2d", CONVT_FN, args)); }
export function convTranspose3d(input: Tensor, weight: Tensor, bias?: Tensor | null, ...args: ConvTransposeFnArgs): Tensor { return convT(3, input, weight, bias, optionsOf("conv_transpose3d", CONVT_FN, args)); }

/** Pads the last dims: pad = [left, right, top, bottom, ...]; mode constant (with value), reflect, replicate or circular. */
export function pad(input: Tensor, pad: number[], mode: "constant" | "reflect" | "replicate" | "circular" | { mode?: string; value?: number } = "constant", value?: number): Tensor {
  const m = typeof mode === "object" ? mode.mode ?? "constant" : mode;
  const v = typeof mode === "object" ? mode.value : value;
  return callOp("aten::pad", input, pad, m, m === "constant" ? v ?? null : null);
}

// ---- normalization ----
function verifyBatchSize(size: number[]): void {
  let p = size[0];
  for (let i = 2; i < size.length; i++) p *= size[i];
  if (p === 1) throw new Error(`Expected more than 1 value per channel when training, got input size ${sizeStr(size)}`);
}
type BatchNormFnOptions = { weight?: Tensor | null; bias?: Tensor | null; training?: boolean; momentum?: number; eps?: number };
/** Options: an object, or PyTorch's positional order (weight, bias, training, momentum, eps). */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, ...args: [opts?: BatchNormFnOptions] |
  [weight?: Tensor | null, bias?: Tensor | null, training?: boolean, momentum?: number, eps?: number]): Tensor {
  const opts = optionsOf<BatchNormFnOptions>("batch_norm", ["weight", "bias", "training", "momentum", "eps"], args);
  const training = !!opts?.training;
  if (training) verifyBatchSize(input.shape);
  return callOp("aten::batch_norm", input, opts?.weight ?? null, opts?.bias ?? null, runningMean, runningVar, training,
    opts?.momentum ?? 0.1, opts?.eps ?? 1e-5, true);
}
type NormFnOptions = { weight?: Tensor | null; bias?: Tensor | null; eps?: number };
/** Options: an object, or PyTorch's positional order (weight, bias, eps). */
export function layerNorm(input: Tensor, normalizedShape: number[], ...args: [opts?: NormFnOptions] | [weight?: Tensor | null, bias?: Tensor | null, eps?: number]): Tensor {
  const opts = optionsOf<NormFnOptions>("layer_norm", ["weight", "bias", "eps"], args);
  return callOp("aten::layer_norm", input, normalizedShape, opts?.weight ?? null, opts?.bias ?? null, opts?.eps ?? 1e-5, true);
}
/** Options: an object, or PyTorch's positional order (weight, bias, eps). */
export function groupNorm(input: Tensor, numGroups: number, ...args: [opts?: NormFnOptions] | [weight?: Tensor | null, bias?: Tensor | null, eps?: number]): Tensor {
  const opts = optionsOf<NormFnOptions>("group_norm", ["weight", "bias", "eps"], args);
  const s = input.shape;
  verifyBatchSize([Math.floor((s[0] * s[1]) / numGroups), numGroups, ...s.slice(2)]);
  return callOp("aten::group_norm", input, numGroups, opts?.weight ?? null, opts?.bias ?? null, opts?.eps ?? 1e-5, true);
}
/** Instance norm as a function (torch.nn.functional.instance_norm). */
export function instanceNorm(input: Tensor, opts?: { runningMean?: Tensor | null; runningVar?: Tensor | null; weight?: Tensor | null;
  bias?: Tensor | null; useInputStats?: boolean; momentum?: number; eps?: number }): Tensor {
  const use = opts?.useInputStats ?? true;
  if (use) {
    const s = input.shape;
    let n = 1;
    for (let i = 2; i < s.length; i++) n *= s[i];
    if (n === 1) throw new Error(`Expected more than 1 spatial element when training, got input size ${sizeStr(s)}`);
  }
  return callOp("aten::instance_norm", input, opts?.weight ?? null, opts?.bias ?? null, opts?.runningMean ?? null, opts?.runningVar ?? null,
    use, opts?.momentum ?? 0.1, opts?.eps ?? 1e-5, true);
}
/** x / max(‖x‖_p, eps) along dim. */
export function normalize(input: Tensor, ...args: [opts?: { p?: number; dim?: number; eps?: number }] | [p?: number, dim?: number, eps?: number]): Tensor {
  const opts = optionsOf<{ p?: number; dim?: number; eps?: number }>("normalize", ["p", "dim", "eps"], args);
  const n: Tensor = callOp("aten::norm", input, opts?.p ?? 2, [opts?.dim ?? 1], true);
  const c: Tensor = callOp("aten::clamp_min", n, opts?.eps ?? 1e-12);
  const e = c.expandAs(input);
  try { return input.div(e); } finally { n.dispose(); c.dispose(); e.dispose(); }
}

// ---- dropout ----
type DropoutFnOptions = { p?: number; training?: boolean; inplace?: boolean };
function dropArgs(p: number | DropoutFnOptions | undefined, training?: boolean, inplace?: boolean): [number, boolean, boolean] {
  const o = typeof p === "object" ? p : { p, training, inplace };
  const pv = o.p ?? 0.5;
  if (pv < 0 || pv > 1) throw new Error(`dropout probability has to be between 0 and 1, but got ${pv}`);
  return [pv, o.training ?? true, !!o.inplace];
}
/** Dropout (training defaults to true, as in torch.nn.functional.dropout). */
export function dropout(input: Tensor, p?: number | DropoutFnOptions, training?: boolean, inplace?: boolean): Tensor {
  const [pv, tr, ip] = dropArgs(p, training, inplace);
  if (ip) { callOp("aten::dropout_", input, pv, tr).dispose(); return input; }
  return callOp("aten::dropout", input, pv, tr);
}
function featureDropout(input: Tensor, pv: number, tr: boolean, ip: boolean, batched: boolean): Tensor {
  if (ip) {
    if (!batched) input.unsqueeze_(0);
    input.inplace("aten::feature_dropout_", pv, tr);
    if (!batched) input.squeeze_(0);
    return input;
  }
  if (batched) return callOp("aten::feature_dropout", input, pv, tr);
  const x = input.unsqueeze(0);
  const r: Tensor = callOp("aten::feature_dropout", x, pv, tr);
  try { return r.squeeze(0); } finally { x.dispose(); r.dispose(); }
}
export function dropout1d(input: Tensor, p?: number | DropoutFnOptions, training?: boolean, inplace?: boolean): Tensor {
  const [pv, tr, ip] = dropArgs(p, training, inplace);
  const d = input.dim();
  if (d !== 2 && d !== 3) throw new Error(`dropout1d: Expected 2D or 3D input, but received a ${d}D input.`);
  return featureDropout(input, pv, tr, ip, d === 3);
}
export function dropout2d(input: Tensor, p?: number | DropoutFnOptions, training?: boolean, inplace?: boolean): Tensor {
  const [pv, tr, ip] = dropArgs(p, training, inplace);
  return featureDropout(input, pv, tr, ip, true);
}
export function dropout3d(input: Tensor, p?: number | DropoutFnOptions, training?: boolean, inplace?: boolean): Tensor {
  const [pv, tr, ip] = dropArgs(p, training, inplace);
  return featureDropout(input, pv, tr, ip, input.dim() === 5);
}

// ---- activations ----
export function relu(input: Tensor, inplace?: boolean | { inplace?: boolean }): Tensor { return inplaceOf(inplace) ? input.relu_() : input.relu(); }
export function relu6(input: Tensor, inplace?: boolean | { inplace?: boolean }): Tensor { return hardtanh(input, { minVal: 0, maxVal: 6, inplace: inplaceOf(inplace) }); }
export function leakyRelu(input: Tensor, negativeSlope = 0.01, inplace?: boolean | { inplace?: boolean }): Tensor {
  return inplaceOf(inplace) ? input.inplace("aten::leaky_relu_", negativeSlope) : callOp("aten::leaky_relu", input, negativeSlope);
}
export function gelu(input: Tensor, approximate: "none" | "tanh" | { approximate?: "none" | "tanh" } = "none"): Tensor {
  const a = typeof approximate === "object" ? approximate.approximate ?? "none" : approximate;
  return callOp("aten::gelu", input, { approximate: a });
}
export function silu(input: Tensor, inplace?: boolean | { inplace?: boolean }): Tensor { return inplaceOf(inplace) ? input.inplace("aten::silu_") : callOp("aten::silu", input); }
export function mish(input: Tensor, inplace?: boolean | { inplace?: boolean }): Tensor { return inplaceOf(inplace) ? input.inplace("aten::mish_") : callOp("aten::mish", input); }
export function hardswish(input: Tensor, inplace?: boolean | { inplace?: boolean }): Tensor { return inplaceOf(inplace) ? input.inplace("aten::hardswish_") : callOp("aten::hardswish", input); }
export function hardsigmoid(input: Tensor, inplace?: boolean | { inplace?: boolean }): Tensor { return inplaceOf(inplace) ? input.inplace("aten::hardsigmoid_") : callOp("aten::hardsigmoid", input); }
export function elu(input: Tensor, alpha = 1.0, inplace?: boolean | { inplace?: boolean }): Tensor {
  return inplaceOf(inplace) ? input.inplace("aten::elu_", alpha) : callOp("aten::elu", input, alpha);
}
export function hardtanh(input: Tensor, ...args: [opts?: { minVal?: number; maxVal?: number; inplace?: boolean }] | [minVal?: number, maxVal?: number, inplace?: boolean]): Tensor {
  const opts = optionsOf<{ minVal?: number; maxVal?: number; inplace?: boolean }>("hardtanh", ["minVal", "maxVal", "inplace"], args);
  const lo = opts?.minVal ?? -1, hi = opts?.maxVal ?? 1;
  return opts?.inplace ? input.inplace("aten::hardtanh_", lo, hi) : callOp("aten::hardtanh", input, lo, hi);
}
export function softplus(input: Tensor, ...args: [opts?: { beta?: number; threshold?: number }] | [beta?: number, threshold?: number]): Tensor {
  const opts = optionsOf<{ beta?: number; threshold?: number }>("softplus", ["beta", "threshold"], args);
  return callOp("aten::softplus", input, opts.beta ?? 1, opts.threshold ?? 20);
}
export function prelu(input: Tensor, weight: Tensor): Tensor { return callOp("aten::prelu", input, weight); }
export function sigmoid(input: Tensor): Tensor { return callOp("aten::sigmoid", input); }
export function tanh(input: Tensor): Tensor { return callOp("aten::tanh", input); }
export function logsigmoid(input: Tensor): Tensor { return callOp("aten::log_sigmoid", input); }
export function softsign(input: Tensor): Tensor { const a: Tensor = callOp("aten::abs", input); const d = a.add(1); a.dispose(); try { return input.div(d); } finally { d.dispose(); } }
export function softmax(input: Tensor, dim: number, opts?: { dtype?: DType }): Tensor { return input.softmax(dim, opts); }
export function logSoftmax(input: Tensor, dim: number, opts?: { dtype?: DType }): Tensor { return input.logSoftmax(dim, opts); }
export function softmin(input: Tensor, dim: number, opts?: { dtype?: DType }): Tensor { const n = input.neg(); try { return n.softmax(dim, opts); } finally { n.dispose(); } }
export function tanhshrink(input: Tensor): Tensor { const t: Tensor = callOp("aten::tanh", input); try { return input.sub(t); } finally { t.dispose(); } }
export function selu(input: Tensor, inplace?: boolean | { inplace?: boolean }): Tensor { return inplaceOf(inplace) ? input.inplace("aten::selu_") : callOp("aten::selu", input); }
export function celu(input: Tensor, alpha = 1.0, inplace?: boolean | { inplace?: boolean }): Tensor {
  return inplaceOf(inplace) ? input.inplace("aten::celu_", alpha) : callOp("aten::celu", input, alpha);
}
export function glu(input: Tensor, dim = -1): Tensor { return callOp("aten::glu", input, dim); }
export function threshold(input: Tensor, threshold: number, value: number, inplace?: boolean | { inplace?: boolean }): Tensor {
  return inplaceOf(inplace) ? input.inplace("aten::threshold_", threshold, value) : callOp("aten::threshold", input, threshold, value);
}
export function hardshrink(input: Tensor, lambd = 0.5): Tensor { return callOp("aten::hardshrink", input, lambd); }
export function softshrink(input: Tensor, lambd = 0.5): Tensor { return callOp("aten::softshrink", input, lambd); }
export function pixelShuffle(input: Tensor, upscaleFactor: number): Tensor { return callOp("aten::pixel_shuffle", input, upscaleFactor); }
export function pixelUnshuffle(input: Tensor, downscaleFactor: number): Tensor { return callOp("aten::pixel_unshuffle", input, downscaleFactor); }
/** Options: an object, or PyTorch's positional order (dim, eps). */
export function cosineSimilarity(x1: Tensor, x2: Tensor, ...args: [opts?: { dim?: number; eps?: number }] | [dim?: number, eps?: number]): Tensor {
  const o = optionsOf<{ dim?: number; eps?: number }>("cosine_similarity", ["dim", "eps"], args);
  return callOp("aten::cosine_similarity", x1, x2, o.dim ?? 1, o.eps ?? 1e-8);
}
/** Options: an object, or PyTorch's positional order (p, eps, keepdim). */
export function pairwiseDistance(x1: Tensor, x2: Tensor, ...args: [opts?: { p?: number; eps?: number; keepdim?: boolean }] | [p?: number, eps?: number, keepdim?: boolean]): Tensor {
  const o = optionsOf<{ p?: number; eps?: number; keepdim?: boolean }>("pairwise_distance", ["p", "eps", "keepdim"], args);
  return callOp("aten::pairwise_distance", x1, x2, o.p ?? 2, o.eps ?? 1e-6, !!o.keepdim);
}
export function oneHot(input: Tensor, numClasses = -1): Tensor { return callOp("aten::one_hot", input, numClasses); }

// ---- pooling ----
export interface PoolFnOptions { stride?: number | number[] | null; padding?: number | number[]; dilation?: number | number[]; ceilMode?: boolean; returnIndices?: boolean; }
function maxPool(nd: number, input: Tensor, k: number | number[], o?: PoolFnOptions): any {
  const args = [input, ntuple(k, nd), o?.stride == null ? [] : ntuple(o.stride, nd), ntuple(o?.padding ?? 0, nd), ntuple(o?.dilation ?? 1, nd), !!o?.ceilMode];
  return o?.returnIndices ? callOp(`aten::max_pool${nd}d_with_indices`, ...args) : callOp(`aten::max_pool${nd}d`, ...args);
}
/** The options after kernelSize: an object, or PyTorch's positional order (stride, padding, dilation, ceilMode, returnIndices). */
export type PoolFnArgs = [opts?: PoolFnOptions] | [stride?: number | number[] | null, padding?: number | number[], dilation?: number | number[],
  ceilMode?: boolean, returnIndices?: boolean];
const MAXPOOL_FN = ["stride", "padding", "dilation", "ceilMode", "returnIndices"];
export function maxPool1d(input: Tensor, kernelSize: number | number[], ...args: PoolFnArgs): any { return maxPool(1, input, kernelSize, optionsOf("max_pool1d", MAXPOOL_FN, args)); }
export function maxPool2d(input: Tensor, kernelSize: number | number[], ...args: PoolFnArgs): any { return maxPool(2, input, kernelSize, optionsOf("max_pool2d", MAXPOOL_FN, args)); }
export function maxPool3d(input: Tensor, kernelSize: number | number[], ...args: PoolFnArgs): any { return maxPool(3, input, kernelSize, optionsOf("max_pool3d", MAXPOOL_FN, args)); }
export interface AvgPoolFnOptions { stride?: number | number[] | null; padding?: number | number[]; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null; }
function avgPool(nd: number, input: Tensor, k: number | number[], o?: AvgPoolFnOptions): Tensor {
  const kk = ntuple(k, nd);
  const args: any[] = [input, kk, o?.stride == null ? kk : ntuple(o.stride, nd), ntuple(o?.padding ?? 0, nd), !!o?.ceilMode, o?.countIncludePad ?? true];
  if (nd > 1) args.push(o?.divisorOverride ?? null);
  return callOp(`aten::avg_pool${nd}d`, ...args);
}
/** The options after kernelSize: an object, or PyTorch's positional order (stride, padding, ceilMode, countIncludePad, divisorOverride). */
export type AvgPoolFnArgs = [opts?: AvgPoolFnOptions] | [stride?: number | number[] | null, padding?: number | number[], ceilMode?: boolean,
  countIncludePad?: boolean, divisorOverride?: number | null];
const AVGPOOL_FN = ["stride", "padding", "ceilMode", "countIncludePad", "divisorOverride"];
export function avgPool1d(input: Tensor, kernelSize: number | number[], ...args: AvgPoolFnArgs): Tensor { return avgPool(1, input, kernelSize, optionsOf("avg_pool1d", AVGPOOL_FN.slice(0, 4), args)); }
export function avgPool2d(input: Tensor, kernelSize: number | number[], ...args: AvgPoolFnArgs): Tensor { return avgPool(2, input, kernelSize, optionsOf("avg_pool2d", AVGPOOL_FN, args)); }
export function avgPool3d(input: Tensor, kernelSize: number | number[], ...args: AvgPoolFnArgs): Tensor { return avgPool(3, input, kernelSize, optionsOf("avg_pool3d", AVGPOOL_FN, args)); }
function outSize(input: Tensor, o: number | (number | null)[], nd: number): number[] {
  const s = input.shape;
  const l = typeof o === "number" ? new Array(nd).fill(o) : o;
  return l.map((v, i) => (v === null ? s[s.length - nd + i] : v));
}
export function adaptiveAvgPool1d(input: Tensor, outputSize: number | (number | null)[]): Tensor { return callOp("aten::adaptive_avg_pool1d", input, outSize(input, outputSize, 1)); }
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | (number | null)[]): Tensor { return callOp("aten::adaptive_avg_pool2d", input, outSize(input, outputSize, 2)); }
export function adaptiveAvgPool3d(input: Tensor, outputSize: number | (number | null)[]): Tensor { return callOp("aten::adaptive_avg_pool3d", input, outSize(input, outputSize, 3)); }
export function adaptiveMaxPool2d(input: Tensor, outputSize: number | (number | null)[], opts?: { returnIndices?: boolean }): any {
  const [v, i] = callOp("aten::adaptive_max_pool2d", input, outSize(input, outputSize, 2)) as Tensor[];
  if (opts?.returnIndices) return [v, i];
  i.dispose();
  return v;
}

// ---- sparse ----
export interface EmbeddingFnOptions { paddingIdx?: number | null; maxNorm?: number | null; normType?: number; scaleGradByFreq?: boolean; sparse?: boolean; }
/** Options: an object, or PyTorch's positional order (paddingIdx, maxNorm, normType, scaleGradByFreq, sparse). */
export function embedding(input: Tensor, weight: Tensor, ...args: [opts?: EmbeddingFnOptions] | [paddingIdx?: number | null, maxNorm?: number | null,
  normType?: number, scaleGradByFreq?: boolean, sparse?: boolean]): Tensor {
  const opts = optionsOf<EmbeddingFnOptions>("embedding", ["paddingIdx", "maxNorm", "normType", "scaleGradByFreq", "sparse"], args);
  let pad = opts?.paddingIdx ?? null;
  if (pad !== null && pad < 0) pad = weight.shape[0] + pad;
  let x = input;
  if (opts?.maxNorm != null) {
    x = input.contiguous();
    noGrad(() => callOp("aten::embedding_renorm_", weight, x, opts.maxNorm, opts.normType ?? 2).dispose());
  }
  try { return callOp("aten::embedding", weight, x, pad ?? -1, !!opts?.scaleGradByFreq, !!opts?.sparse); }
  finally { if (x !== input) x.dispose(); }
}

// ---- losses ----
export interface LossOptions { reduction?: Reduction; }
/** A Tensor in the options' place is the class weight, PyTorch's third positional argument (F.cross_entropy(x, y, w)). */
function weightOpts<T extends object>(o: T | Tensor | undefined): T | undefined { return o instanceof Tensor ? ({ weight: o } as any) : o; }
export interface CrossEntropyOptions extends LossOptions { weight?: Tensor | null; ignoreIndex?: number; labelSmoothing?: number; }
/**
 * Cross entropy of logits against class indices (N) or class probabilities/one-hot rows (N, C) — the latter is
 * Keras' categorical_crossentropy on logits. Integer one-hot targets are taken as probabilities.
 */
export function crossEntropy(input: Tensor, target: Tensor, opts?: CrossEntropyOptions | Tensor): Tensor {
  opts = weightOpts(opts);
  let t = target;
  if (!t.dtype.isFloatingPoint && input.dim() >= 2 && sameShape(t.shape, input.shape)) t = target.to(input.dtype);
  try {
    return callOp("aten::cross_entropy_loss", input, t, opts?.weight ?? null, reductionEnum(opts?.reduction), opts?.ignoreIndex ?? -100, opts?.labelSmoothing ?? 0);
  } finally { if (t !== target) t.dispose(); }
}
export function nllLoss(input: Tensor, target: Tensor, opts?: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction } | Tensor): Tensor {
  opts = weightOpts(opts);
  return callOp("aten::nll_loss_nd", input, target, opts?.weight ?? null, reductionEnum(opts?.reduction), opts?.ignoreIndex ?? -100);
}
export function mseLoss(input: Tensor, target: Tensor, opts?: LossOptions): Tensor {
  const r = reductionEnum(opts?.reduction);
  return broadcastPair(input, target, (a, b) => callOp("aten::mse_loss", a, b, r));
}
export function l1Loss(input: Tensor, target: Tensor, opts?: LossOptions): Tensor {
  const r = reductionEnum(opts?.reduction);
  return broadcastPair(input, target, (a, b) => callOp("aten::l1_loss", a, b, r));
}
export function smoothL1Loss(input: Tensor, target: Tensor, opts?: LossOptions & { beta?: number }): Tensor {
  const r = reductionEnum(opts?.reduction);
  const beta = opts?.beta ?? 1.0;
  if (beta < 0) throw new Error("smooth_l1_loss does not support negative values for beta.");
  return broadcastPair(input, target, (a, b) => (beta === 0 ? callOp("aten::l1_loss", a, b, r) : callOp("aten::smooth_l1_loss", a, b, r, beta)));
}
export function huberLoss(input: Tensor, target: Tensor, opts?: LossOptions & { delta?: number }): Tensor {
  const r = reductionEnum(opts?.reduction);
  return broadcastPair(input, target, (a, b) => callOp("aten::huber_loss", a, b, r, opts?.delta ?? 1.0));
}
/**
 * Integer or bool 0/1 labels as the input's float dtype: torch.tensor([[1, 0]]) is int64 in JavaScript, where Python's
 * torch.tensor([[1., 0.]]) is float (PyTorch itself refuses integer targets here).
 */
function floatTarget(input: Tensor, target: Tensor): Tensor {
  return !target.dtype.isFloatingPoint && input.dtype.isFloatingPoint ? target.to(input.dtype) : target;
}
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts?: (LossOptions & { weight?: Tensor | null }) | Tensor): Tensor {
  opts = weightOpts(opts);
  if (!sameShape(target.shape, input.shape))
    throw new Error(`Using a target size (${sizeStr(target.shape)}) that is different to the input size (${sizeStr(input.shape)}) is deprecated. Please ensure they have the same size.`);
  const w = opts?.weight ? opts.weight.expand(target.shape) : null;
  const t = floatTarget(input, target);
  try { return callOp("aten::binary_cross_entropy", input, t, w, reductionEnum(opts?.reduction)); } finally { w?.dispose(); if (t !== target) t.dispose(); }
}
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts?: (LossOptions & { weight?: Tensor | null; posWeight?: Tensor | null }) | Tensor): Tensor {
  opts = weightOpts(opts);
  if (!sameShape(target.shape, input.shape)) throw new Error(`Target size (${sizeStr(target.shape)}) must be the same as input size (${sizeStr(input.shape)})`);
  const t = floatTarget(input, target);
  try { return callOp("aten::binary_cross_entropy_with_logits", input, t, opts?.weight ?? null, opts?.posWeight ?? null, reductionEnum(opts?.reduction)); }
  finally { if (t !== target) t.dispose(); }
}
/** KL divergence with input as log-probabilities; reduction "batchmean" divides the sum by the batch size. */
export function klDiv(input: Tensor, target: Tensor, opts?: { reduction?: Reduction | "batchmean"; logTarget?: boolean }): Tensor {
  const red = opts?.reduction ?? "mean";
  const r = red === "batchmean" ? 2 : reductionEnum(red);
  const out: Tensor = callOp("aten::kl_div", input, target, r, { log_target: !!opts?.logTarget });
  if (red !== "batchmean" || input.dim() === 0) return out;
  try { return out.div(input.shape[0]); } finally { out.dispose(); }
}

// ---- interpolation ----
export type InterpolateMode = "nearest" | "linear" | "bilinear" | "bicubic" | "trilinear" | "area" | "nearest-exact";
export interface InterpolateOptions {
  /** Output spatial size: one int for every spatial dim, or one per dim. Exactly one of size and scaleFactor. */
  size?: number | number[] | null;
  /** Multiplier for the spatial size: one number, or one per dim. */
  scaleFactor?: number | number[] | null;
  mode?: InterpolateMode;
  /** linear, bilinear, bicubic and trilinear only; default false. */
  alignCorners?: boolean | null;
  /** Compute the output size from scaleFactor and interpolate with the scale that size implies. */
  recomputeScaleFactor?: boolean | null;
  /** Anti-aliasing when downsampling (bilinear and bicubic on 4-D input). */
  antialias?: boolean;
}
const upsampleOps: Record<string, (kw: any, ...a: any[]) => any> = {};
function upsampleOp(name: string): (kw: any, ...a: any[]) => any {
  return upsampleOps[name] ??= bound(`aten::${name}`, "vec");
}
const interpModes = ["nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact"];
/**
 * Resizes (N, C, d1[, d2[, d3]]) input by size or scaleFactor (torch.nn.functional.interpolate): modes nearest,
 * nearest-exact, linear (3-D), bilinear and bicubic (4-D), trilinear (5-D) and area (adaptive average pooling).
 */
/** The options after input: an object, or PyTorch's positional order (size, scaleFactor, mode, alignCorners, recomputeScaleFactor, antialias). */
export type InterpolateArgs = [opts?: InterpolateOptions] | [size?: number | number[] | null, scaleFactor?: number | number[] | null,
  mode?: InterpolateMode, alignCorners?: boolean | null, recomputeScaleFactor?: boolean | null, antialias?: boolean];
const INTERP_NAMES = ["size", "scaleFactor", "mode", "alignCorners", "recomputeScaleFactor", "antialias"];
export function interpolate(input: Tensor, ...args: InterpolateArgs): Tensor {
  const opts = optionsOf<InterpolateOptions>("interpolate", INTERP_NAMES, args);
  const mode = opts?.mode ?? "nearest";
  let alignCorners = opts?.alignCorners ?? null;
  const antialias = !!opts?.antialias;
  let recompute = opts?.recomputeScaleFactor ?? null;
  const size = opts?.size ?? null;
  const scaleFactor = opts?.scaleFactor ?? null;
  if (!interpModes.includes(mode)) throw new Error(`Input Error: Only 3D, 4D and 5D input Tensors supported (got ${input.dim()}D) for the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got ${mode})`);
  if (mode === "nearest" || mode === "area" || mode === "nearest-exact") {
    if (alignCorners !== null)
      throw new Error("align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear");
  } else if (alignCorners === null) alignCorners = false;
  const nd = input.dim();
  const dim = nd - 2;
  const spatial = input.shape.slice(2);
  let outputSize: number[] | null = null;
  let scales: number[] | null = null;
  if (size !== null && scaleFactor !== null) throw new Error("only one of size or scale_factor should be defined");
  if (size !== null) {
    if (Array.isArray(size)) {
      if (size.length !== dim)
        throw new Error(`Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of [${spatial.join(", ")}] and output size of [${size.join(", ")}]. Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.`);
      outputSize = [...size];
    } else outputSize = new Array(dim).fill(size);
  } else if (scaleFactor !== null) {
    if (Array.isArray(scaleFactor)) {
      if (scaleFactor.length !== dim)
        throw new Error(`Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of [${spatial.join(", ")}] and scale_factor of shape [${scaleFactor.join(", ")}]. Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.`);
      scales = [...scaleFactor];
    } else scales = new Array(dim).fill(scaleFactor);
  } else throw new Error("either size or scale_factor should be defined");
  if (recompute && size !== null) throw new Error("recompute_scale_factor is not meaningful with an explicit size.");
  // "area" always takes an explicit size: the recompute path makes it.
  if (mode === "area" && outputSize === null) recompute = true;
  if (recompute) {
    outputSize = scales!.map((s, i) => Math.floor(spatial[i] * s));
    scales = null;
  }
  if (antialias && !((mode === "bilinear" || mode === "bicubic") && nd === 4))
    throw new Error("Anti-alias option is only supported for bilinear and bicubic modes");
  const want: Record<string, number> = { linear: 3, bilinear: 4, bicubic: 4, trilinear: 5 };
  if (nd < 3 || nd > 5 || (want[mode] !== undefined && want[mode] !== nd)) {
    if (nd >= 3 && nd <= 5) {
      const needs = want[mode];
      throw new Error(`Got ${nd}D input, but ${mode} mode needs ${needs}D input`);
    }
    throw new Error(`Input Error: Only 3D, 4D and 5D input Tensors supported (got ${nd}D) for the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got ${mode})`);
  }
  const k = `${dim}d`;
  switch (mode) {
    case "nearest": return upsampleOp(`upsample_nearest${k}`)(undefined, input, outputSize, scales);
    case "nearest-exact": return upsampleOp(`_upsample_nearest_exact${k}`)(undefined, input, outputSize, scales);
    case "area": return callOp(`aten::adaptive_avg_pool${k}`, input, outputSize);
    case "linear": return upsampleOp("upsample_linear1d")(undefined, input, outputSize, alignCorners, scales);
    case "bilinear": return upsampleOp(antialias ? "_upsample_bilinear2d_aa" : "upsample_bilinear2d")(undefined, input, outputSize, alignCorners, scales);
    case "bicubic": return upsampleOp(antialias ? "_upsample_bicubic2d_aa" : "upsample_bicubic2d")(undefined, input, outputSize, alignCorners, scales);
    default: return upsampleOp("upsample_trilinear3d")(undefined, input, outputSize, alignCorners, scales);
  }
}
/** Deprecated in PyTorch in favour of interpolate; the same function. */
export function upsample(input: Tensor, ...args: [opts?: Omit<InterpolateOptions, "antialias">] | [size?: number | number[] | null,
  scaleFactor?: number | number[] | null, mode?: InterpolateMode, alignCorners?: boolean | null]): Tensor {
  return interpolate(input, optionsOf<InterpolateOptions>("upsample", INTERP_NAMES.slice(0, 4), args));
}
/** interpolate(..., mode "nearest"). */
export function upsampleNearest(input: Tensor, opts: { size?: number | number[] | null; scaleFactor?: number | number[] | null }): Tensor {
  return interpolate(input, { size: opts.size, scaleFactor: opts.scaleFactor, mode: "nearest" });
}
/** interpolate(..., mode "bilinear", alignCorners true). */
export function upsampleBilinear(input: Tensor, opts: { size?: number | number[] | null; scaleFactor?: number | number[] | null }): Tensor {
  return interpolate(input, { size: opts.size, scaleFactor: opts.scaleFactor, mode: "bilinear", alignCorners: true });
}

// ---- attention ----
export interface MultiHeadAttentionOptions {
  training?: boolean;
  keyPaddingMask?: Tensor | null;
  needWeights?: boolean;
  attnMask?: Tensor | null;
  useSeparateProjWeight?: boolean;
  qProjWeight?: Tensor | null;
  kProjWeight?: Tensor | null;
  vProjWeight?: Tensor | null;
  staticK?: Tensor | null;
  staticV?: Tensor | null;
  averageAttnWeights?: boolean;
}
function shapeEq(t: Tensor, s: number[]): boolean { return sameShape(t.shape, s); }
function tup(s: readonly number[]): string { return `(${s.join(", ")}${s.length === 1 ? "," : ""})`; }
function assert(c: boolean, msg: string): void { if (!c) throw new Error(msg); }
/**
 * Multi-head attention on (L, N, E) query and (S, N, E) key/value, or unbatched (L, E)/(S, E)
 * (torch.nn.functional.multi_head_attention_forward). Returns [output, weights | null].
 */
export function multiHeadAttentionForward(query: Tensor, key: Tensor, value: Tensor, embedDimToCheck: number, numHeads: number,
  inProjWeight: Tensor | null, inProjBias: Tensor | null, biasK: Tensor | null, biasV: Tensor | null, addZeroAttn: boolean,
  dropoutP: number, outProjWeight: Tensor, outProjBias: Tensor | null, o?: MultiHeadAttentionOptions): [Tensor, Tensor | null] {
  const training = o?.training ?? true, needWeights = o?.needWeights ?? true, avg = o?.averageAttnWeights ?? true;
  const sep = !!o?.useSeparateProjWeight;
  let kpm = o?.keyPaddingMask ?? null, attnMask = o?.attnMask ?? null;
  const staticK = o?.staticK ?? null, staticV = o?.staticV ?? null;
  // shape checks (_mha_shape_check)
  let batched: boolean;
  if (query.dim() === 3) {
    batched = true;
    assert(key.dim() === 3 && value.dim() === 3, `For batched (3-D) \`query\`, expected \`key\` and \`value\` to be 3-D but found ${key.dim()}-D and ${value.dim()}-D tensors respectively`);
    if (kpm) assert(kpm.dim() === 2, `For batched (3-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 2-D but found ${kpm.dim()}-D tensor instead`);
    if (attnMask) assert(attnMask.dim() === 2 || attnMask.dim() === 3, `For batched (3-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${attnMask.dim()}-D tensor instead`);
  } else if (query.dim() === 2) {
    batched = false;
    assert(key.dim() === 2 && value.dim() === 2, `For unbatched (2-D) \`query\`, expected \`key\` and \`value\` to be 2-D but found ${key.dim()}-D and ${value.dim()}-D tensors respectively`);
    if (kpm) assert(kpm.dim() === 1, `For unbatched (2-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 1-D but found ${kpm.dim()}-D tensor instead`);
    if (attnMask) {
      assert(attnMask.dim() === 2 || attnMask.dim() === 3, `For unbatched (2-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${attnMask.dim()}-D tensor instead`);
      if (attnMask.dim() === 3) {
        const ex = [numHeads, query.shape[0], key.shape[0]];
        assert(shapeEq(attnMask, ex), `Expected \`attn_mask\` shape to be ${tup(ex)} but got ${sizeStr(attnMask.shape)}`);
      }
    }
  } else throw new Error(`query should be unbatched 2D or batched 3D tensor but received ${query.dim()}-D query tensor`);
  if (kpm && kpm.dtype.name !== "bool" && !kpm.dtype.isFloatingPoint) throw new Error("only bool and floating types of key_padding_mask are supported");

  return tidy(() => {
    const sameKV = key === value, sameQK = query === key;
    let q0 = query, k0 = key, v0 = value;
    if (!batched) {
      q0 = query.unsqueeze(1);
      k0 = sameQK ? q0 : key.unsqueeze(1);
      v0 = sameKV ? k0 : value.unsqueeze(1);
      if (kpm) kpm = kpm.unsqueeze(0);
    }
    const [tgtLen, bsz, embedDim] = q0.shape;
    assert(embedDim === embedDimToCheck, `was expecting embedding dimension of ${embedDimToCheck}, but got ${embedDim}`);
    const headDim = Math.floor(embedDim / numHeads);
    assert(headDim * numHeads === embedDim, `embed_dim ${embedDim} not divisible by num_heads ${numHeads}`);
    if (sep) assert(k0.shape[0] === v0.shape[0] && k0.shape[1] === v0.shape[1], `key's sequence and batch dims ${sizeStr(k0.shape.slice(0, 2))} do not match value's ${sizeStr(v0.shape.slice(0, 2))}`);
    else assert(sameShape(k0.shape, v0.shape), `key shape ${sizeStr(k0.shape)} does not match value shape ${sizeStr(v0.shape)}`);
    // input projections
    let q: Tensor, k: Tensor, v: Tensor;
    if (!sep) {
      assert(inProjWeight !== null, "use_separate_proj_weight is False but in_proj_weight is None");
      const w = inProjWeight!, b = inProjBias;
      const E = q0.shape[q0.dim() - 1];
      if (sameKV) {
        if (sameQK) [q, k, v] = linear(q0, w, b).chunk(3, -1);
        else {
          const [wq, wkv] = w.split([E, E * 2]);
          const [bq, bkv] = b ? b.split([E, E * 2]) : [null, null];
          q = linear(q0, wq, bq);
          [k, v] = linear(k0, wkv, bkv).chunk(2, -1);
        }
      } else {
        const [wq, wk, wv] = w.chunk(3);
        const [bq, bk, bv] = b ? b.chunk(3) : [null, null, null];
        q = linear(q0, wq, bq); k = linear(k0, wk, bk); v = linear(v0, wv, bv);
      }
    } else {
      const wq = o?.qProjWeight, wk = o?.kProjWeight, wv = o?.vProjWeight;
      assert(!!wq, "use_separate_proj_weight is True but q_proj_weight is None");
      assert(!!wk, "use_separate_proj_weight is True but k_proj_weight is None");
      assert(!!wv, "use_separate_proj_weight is True but v_proj_weight is None");
      const [bq, bk, bv] = inProjBias ? inProjBias.chunk(3) : [null, null, null];
      q = linear(q0, wq!, bq); k = linear(k0, wk!, bk); v = linear(v0, wv!, bv);
    }
    // attention mask
    if (attnMask) {
      if (attnMask.dtype.name === "uint8") {
        process.emitWarning("Byte tensor for attn_mask in nn.MultiheadAttention is deprecated. Use bool tensor instead.");
        attnMask = attnMask.to(boolDType);
      } else assert(attnMask.dtype.isFloatingPoint || attnMask.dtype.name === "bool", `Only float, byte, and bool types are supported for attn_mask, not ${attnMask.dtype}`);
      if (attnMask.dim() === 2) {
        const ex = [tgtLen, k0.shape[0]];
        if (!shapeEq(attnMask, ex)) throw new Error(`The shape of the 2D attn_mask is ${sizeStr(attnMask.shape)}, but should be ${tup(ex)}.`);
        attnMask = attnMask.unsqueeze(0);
      } else if (attnMask.dim() === 3) {
        const ex = [bsz * numHeads, tgtLen, k0.shape[0]];
        if (!shapeEq(attnMask, ex)) throw new Error(`The shape of the 3D attn_mask is ${sizeStr(attnMask.shape)}, but should be ${tup(ex)}.`);
      } else throw new Error(`attn_mask's dimension ${attnMask.dim()} is not supported`);
    }
    if (biasK && biasV) {
      assert(staticK === null, "bias cannot be added to static key.");
      assert(staticV === null, "bias cannot be added to static value.");
      k = callOp("aten::cat", [k, biasK.repeat(1, bsz, 1)]);
      v = callOp("aten::cat", [v, biasV.repeat(1, bsz, 1)]);
      if (attnMask) attnMask = pad(attnMask, [0, 1]);
      if (kpm) kpm = pad(kpm, [0, 1]);
    } else assert(biasK === null && biasV === null, "bias_k and bias_v must both be given or both be None");
    q = q.contiguous().view(tgtLen, bsz * numHeads, headDim).transpose(0, 1);
    if (!staticK) k = k.contiguous().view(k.shape[0], bsz * numHeads, headDim).transpose(0, 1);
    else {
      assert(staticK.shape[0] === bsz * numHeads, `expecting static_k.size(0) of ${bsz * numHeads}, but got ${staticK.shape[0]}`);
      assert(staticK.shape[2] === headDim, `expecting static_k.size(2) of ${headDim}, but got ${staticK.shape[2]}`);
      k = staticK;
    }
    if (!staticV) v = v.contiguous().view(v.shape[0], bsz * numHeads, headDim).transpose(0, 1);
    else {
      assert(staticV.shape[0] === bsz * numHeads, `expecting static_v.size(0) of ${bsz * numHeads}, but got ${staticV.shape[0]}`);
      assert(staticV.shape[2] === headDim, `expecting static_v.size(2) of ${headDim}, but got ${staticV.shape[2]}`);
      v = staticV;
    }
    if (addZeroAttn) {
      const zs = [bsz * numHeads, 1, headDim];
      k = callOp("aten::cat", [k, callOp("aten::zeros", zs, { dtype: k.dtype, device: k.device })], 1);
      v = callOp("aten::cat", [v, callOp("aten::zeros", zs, { dtype: v.dtype, device: v.device })], 1);
      if (attnMask) attnMask = pad(attnMask, [0, 1]);
      if (kpm) kpm = pad(kpm, [0, 1]);
    }
    const srcLen = k.shape[1];
    if (kpm) {
      assert(shapeEq(kpm, [bsz, srcLen]), `expecting key_padding_mask shape of ${tup([bsz, srcLen])}, but got ${sizeStr(kpm.shape)}`);
      kpm = kpm.view(bsz, 1, 1, srcLen).expand(-1, numHeads, -1, -1).reshape(bsz * numHeads, 1, srcLen);
      if (!attnMask) attnMask = kpm;
      else if (attnMask.dtype.name === "bool") attnMask = callOp("aten::logical_or", attnMask, kpm) as Tensor;
      else attnMask = attnMask.maskedFill(kpm, -Infinity);
    }
    if (attnMask && attnMask.dtype.name === "bool") {
      const m: Tensor = callOp("aten::zeros_like", attnMask, { dtype: q.dtype });
      m.maskedFill_(attnMask, -Infinity);
      attnMask = m;
    }
    const p = training ? dropoutP : 0.0;
    const E = q.shape[2];
    const qScaled = q.div(Math.sqrt(E));
    const kt = k.transpose(-2, -1);
    let w: Tensor = attnMask ? callOp("aten::baddbmm", attnMask, qScaled, kt) : callOp("aten::bmm", qScaled, kt);
    w = w.softmax(-1);
    if (p > 0.0) w = dropout(w, { p });
    let out: Tensor = callOp("aten::bmm", w, v);
    out = out.transpose(0, 1).contiguous().view(tgtLen * bsz, embedDim);
    out = linear(out, outProjWeight, outProjBias);
    out = out.view(tgtLen, bsz, out.shape[1]);
    if (needWeights) {
      w = w.view(bsz, numHeads, tgtLen, srcLen);
      if (avg) w = w.sum({ dim: 1 }).div(numHeads);
      if (!batched) { out = out.squeeze(1); w = w.squeeze(0); }
      return [out, w] as [Tensor, Tensor | null];
    }
    if (!batched) out = out.squeeze(1);
    return [out, null] as [Tensor, Tensor | null];
  });
}

// ---- margin and embedding losses ----
export function marginRankingLoss(input1: Tensor, input2: Tensor, target: Tensor, opts?: LossOptions & { margin?: number }): Tensor {
  return callOp("aten::margin_ranking_loss", input1, input2, target, opts?.margin ?? 0, reductionEnum(opts?.reduction));
}
export function hingeEmbeddingLoss(input: Tensor, target: Tensor, opts?: LossOptions & { margin?: number }): Tensor {
  return callOp("aten::hinge_embedding_loss", input, target, opts?.margin ?? 1, reductionEnum(opts?.reduction));
}
export function softMarginLoss(input: Tensor, target: Tensor, opts?: LossOptions): Tensor {
  return callOp("aten::soft_margin_loss", input, target, reductionEnum(opts?.reduction));
}
export function cosineEmbeddingLoss(input1: Tensor, input2: Tensor, target: Tensor, opts?: LossOptions & { margin?: number }): Tensor {
  return callOp("aten::cosine_embedding_loss", input1, input2, target, opts?.margin ?? 0, reductionEnum(opts?.reduction));
}
export interface TripletMarginOptions extends LossOptions { margin?: number; p?: number; eps?: number; swap?: boolean; }
export function tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, opts?: TripletMarginOptions): Tensor {
  return callOp("aten::triplet_margin_loss", anchor, positive, negative, opts?.margin ?? 1, opts?.p ?? 2, opts?.eps ?? 1e-6,
    !!opts?.swap, reductionEnum(opts?.reduction));
}
export function multiMarginLoss(input: Tensor, target: Tensor, opts?: LossOptions & { p?: number; margin?: number; weight?: Tensor | null }): Tensor {
  const p = opts?.p ?? 1;
  if (p !== 1 && p !== 2) throw new Error("only p == 1 and p == 2 supported");
  return callOp("aten::multi_margin_loss", input, target, p, opts?.margin ?? 1, opts?.weight ?? null, reductionEnum(opts?.reduction));
}
export function multilabelMarginLoss(input: Tensor, target: Tensor, opts?: LossOptions): Tensor {
  return callOp("aten::multilabel_margin_loss", input, target, reductionEnum(opts?.reduction));
}
export interface PoissonNLLOptions extends LossOptions { logInput?: boolean; full?: boolean; eps?: number; }
export function poissonNllLoss(input: Tensor, target: Tensor, opts?: PoissonNLLOptions): Tensor {
  return callOp("aten::poisson_nll_loss", input, target, opts?.logInput ?? true, !!opts?.full, opts?.eps ?? 1e-8, reductionEnum(opts?.reduction));
}
/** Sum over classes of the binary cross entropy of sigmoid(input), divided by the number of classes (PyTorch's formula). */
export function multilabelSoftMarginLoss(input: Tensor, target: Tensor, opts?: LossOptions & { weight?: Tensor | null }): Tensor {
  const red = opts?.reduction ?? "mean";
  reductionEnum(red);
  return tidy(() => {
    let loss = target.mul(logsigmoid(input)).add(target.neg().add(1).mul(logsigmoid(input.neg()))).neg();
    if (opts?.weight) loss = loss.mul(opts.weight);
    loss = loss.sum(input.dim() - 1).div(input.shape[input.dim() - 1]);
    return red === "none" ? loss : red === "sum" ? loss.sum() : loss.mean();
  });
}
