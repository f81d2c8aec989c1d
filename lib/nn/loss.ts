// Loss modules: forward(input, target) onto one ATen loss op each.
import { Tensor } from "../tensor";
import { Module } from "./module";
import * as F from "./functional";
import { Reduction } from "./functional";

class _Loss extends Module {
  reduction: Reduction;
  constructor(reduction?: Reduction) { super(); F.reductionEnum(reduction); this.reduction = reduction ?? "mean"; }
  forward(input: Tensor, target: Tensor): Tensor { throw new Error(`${this._getName()} has no forward`); }
}
/** Losses with a per-class weight, kept as the buffer "weight" (as in PyTorch). */
class _WeightedLoss extends _Loss {
  declare weight: Tensor | null;
  constructor(weight: Tensor | null | undefined, reduction?: Reduction) {
    super(reduction);
    this.registerBuffer("weight", weight ?? null);
  }
}
function optsOf<T extends object>(a: Tensor | T | undefined): { weight?: Tensor | null } & T {
  return (a instanceof Tensor ? { weight: a } : a ?? {}) as any;
}

export interface CrossEntropyLossOptions { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number; }
/**
 * Cross entropy of logits (N, C) against class indices (N) or class probabilities / one-hot rows (N, C), as Keras'
 * sparse_categorical_crossentropy and categorical_crossentropy with fromLogits. Options: weight, ignoreIndex,
 * reduction, labelSmoothing.
 */
export class CrossEntropyLoss extends _WeightedLoss {
  ignoreIndex: number;
  labelSmoothing: number;
  constructor(opts?: Tensor | CrossEntropyLossOptions) {
    const o = optsOf<CrossEntropyLossOptions>(opts);
    super(o.weight, o.reduction);
    this.ignoreIndex = o.ignoreIndex ?? -100;
    this.labelSmoothing = o.labelSmoothing ?? 0;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

/** Negative log likelihood of log-probabilities against class indices. */
export class NLLLoss extends _WeightedLoss {
  ignoreIndex: number;
  constructor(opts?: Tensor | { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction }) {
    const o = optsOf<{ ignoreIndex?: number; reduction?: Reduction }>(opts);
    super(o.weight, o.reduction);
    this.ignoreIndex = o.ignoreIndex ?? -100;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/** Mean squared error. */
export class MSELoss extends _Loss {
  constructor(opts?: { reduction?: Reduction }) { super(opts?.reduction); }
  forward(input: Tensor, target: Tensor): Tensor { return F.mseLoss(input, target, { reduction: this.reduction }); }
}
/** Mean absolute error. */
export class L1Loss extends _Loss {
  constructor(opts?: { reduction?: Reduction }) { super(opts?.reduction); }
  forward(input: Tensor, target: Tensor): Tensor { return F.l1Loss(input, target, { reduction: this.reduction }); }
}
/** Squared error below beta, absolute error above (Huber loss divided by beta). */
export class SmoothL1Loss extends _Loss {
  beta: number;
  constructor(opts?: { reduction?: Reduction; beta?: number }) { super(opts?.reduction); this.beta = opts?.beta ?? 1.0; }
  forward(input: Tensor, target: Tensor): Tensor { return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta }); }
}
/** Squared error below delta, delta-scaled absolute error above. */
export class HuberLoss extends _Loss {
  delta: number;
  constructor(opts?: { reduction?: Reduction; delta?: number }) { super(opts?.reduction); this.delta = opts?.delta ?? 1.0; }
  forward(input: Tensor, target: Tensor): Tensor { return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta }); }
}
/** Binary cross entropy of probabilities (after a sigmoid). */
export class BCELoss extends _WeightedLoss {
  constructor(opts?: Tensor | { weight?: Tensor | null; reduction?: Reduction }) {
    const o = optsOf<{ reduction?: Reduction }>(opts);
    super(o.weight, o.reduction);
  }
  forward(input: Tensor, target: Tensor): Tensor { return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction }); }
}
/** Sigmoid + binary cross entropy in one stable op; posWeight weighs the positive class per output. */
export class BCEWithLogitsLoss extends _Loss {
  declare weight: Tensor | null;
  declare pos_weight: Tensor | null;
  constructor(opts?: { weight?: Tensor | null; reduction?: Reduction; posWeight?: Tensor | null }) {
    super(opts?.reduction);
    this.registerBuffer("weight", opts?.weight ?? null);
    this.registerBuffer("pos_weight", opts?.posWeight ?? null);
  }
  get posWeight(): Tensor | null { return this.pos_weight; }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction });
  }
}
/** Kullback-Leibler divergence; input holds log-probabilities. Use reduction "batchmean" for the mathematical KL. */
export class KLDivLoss extends Module {
  reduction: Reduction | "batchmean";
  logTarget: boolean;
  constructor(opts?: { reduction?: Reduction | "batchmean"; logTarget?: boolean }) {
    super();
    this.reduction = opts?.reduction ?? "mean";
    if (this.reduction !== "batchmean") F.reductionEnum(this.reduction);
    this.logTarget = !!opts?.logTarget;
  }
  forward(input: Tensor, target: Tensor): Tensor { return F.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget }); }
}

/** Margin losses take their margin as an options field or, as in PyTorch, the first positional argument. */
function marginOpts<T extends { margin?: number }>(a: number | T | undefined): T { return (typeof a === "number" ? { margin: a } : a ?? {}) as T; }

/** max(0, -target·(x1 - x2) + margin) for targets ±1: forward(input1, input2, target). */
export class MarginRankingLoss extends _Loss {
  margin: number;
  constructor(opts?: number | { margin?: number; reduction?: Reduction }) { const o = marginOpts(opts); super(o.reduction); this.margin = o.margin ?? 0; }
  forward(input1: Tensor, input2: Tensor, target?: Tensor): Tensor {
    return F.marginRankingLoss(input1, input2, target!, { margin: this.margin, reduction: this.reduction });
  }
}
/** x for target 1, max(0, margin - x) for target -1. */
export class HingeEmbeddingLoss extends _Loss {
  margin: number;
  constructor(opts?: number | { margin?: number; reduction?: Reduction }) { const o = marginOpts(opts); super(o.reduction); this.margin = o.margin ?? 1; }
  forward(input: Tensor, target: Tensor): Tensor { return F.hingeEmbeddingLoss(input, target, { margin: this.margin, reduction: this.reduction }); }
}
/** log(1 + exp(-target·x)) for targets ±1. */
export class SoftMarginLoss extends _Loss {
  constructor(opts?: { reduction?: Reduction }) { super(opts?.reduction); }
  forward(input: Tensor, target: Tensor): Tensor { return F.softMarginLoss(input, target, { reduction: this.reduction }); }
}
/** 1 - cos(x1, x2) for target 1, max(0, cos(x1, x2) - margin) for target -1: forward(input1, input2, target). */
export class CosineEmbeddingLoss extends _Loss {
  margin: number;
  constructor(opts?: number | { margin?: number; reduction?: Reduction }) { const o = marginOpts(opts); super(o.reduction); this.margin = o.margin ?? 0; }
  forward(input1: Tensor, input2: Tensor, target?: Tensor): Tensor {
    return F.cosineEmbeddingLoss(input1, input2, target!, { margin: this.margin, reduction: this.reduction });
  }
}
/** max(d(a, p) - d(a, n) + margin, 0) with the p-norm distance: forward(anchor, positive, negative). */
export class TripletMarginLoss extends _Loss {
  margin: number;
  p: number;
  eps: number;
  swap: boolean;
  constructor(opts?: number | F.TripletMarginOptions) {
    const o = marginOpts<F.TripletMarginOptions>(opts);
    super(o.reduction);
    if (!((o.margin ?? 1) > 0)) throw new Error(`TripletMarginLoss: expected margin to be greater than 0, got ${o.margin} instead`);
    this.margin = o.margin ?? 1; this.p = o.p ?? 2; this.eps = o.eps ?? 1e-6; this.swap = !!o.swap;
  }
  forward(anchor: Tensor, positive: Tensor, negative?: Tensor): Tensor {
    return F.tripletMarginLoss(anchor, positive, negative!, { margin: this.margin, p: this.p, eps: this.eps, swap: this.swap, reduction: this.reduction });
  }
}
/** Multi-class hinge loss on class indices (p 1 or 2, optional per-class weight buffer). */
export class MultiMarginLoss extends _WeightedLoss {
  p: number;
  margin: number;
  constructor(opts?: { p?: number; margin?: number; weight?: Tensor | null; reduction?: Reduction }) {
    super(opts?.weight, opts?.reduction);
    const p = opts?.p ?? 1;
    if (p !== 1 && p !== 2) throw new Error("only p == 1 and p == 2 supported");
    this.p = p; this.margin = opts?.margin ?? 1;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.multiMarginLoss(input, target, { p: this.p, margin: this.margin, weight: this.weight, reduction: this.reduction });
  }
}
/** Multi-label hinge loss; target holds class indices padded with -1. */
export class MultiLabelMarginLoss extends _Loss {
  constructor(opts?: { reduction?: Reduction }) { super(opts?.reduction); }
  forward(input: Tensor, target: Tensor): Tensor { return F.multilabelMarginLoss(input, target, { reduction: this.reduction }); }
}
/** Multi-label one-versus-all loss on logits (mean over classes of the binary cross entropy). */
export class MultiLabelSoftMarginLoss extends _WeightedLoss {
  constructor(opts?: Tensor | { weight?: Tensor | null; reduction?: Reduction }) {
    const o = optsOf<{ reduction?: Reduction }>(opts);
    super(o.weight, o.reduction);
  }
  forward(input: Tensor, target: Tensor): Tensor { return F.multilabelSoftMarginLoss(input, target, { weight: this.weight, reduction: this.reduction }); }
}
/** Negative log likelihood of a Poisson target (input is the log-rate unless logInput is false). */
export class PoissonNLLLoss extends _Loss {
  logInput: boolean;
  full: boolean;
  eps: number;
  constructor(opts?: F.PoissonNLLOptions) {
    super(opts?.reduction);
    this.logInput = opts?.logInput ?? true; this.full = !!opts?.full; this.eps = opts?.eps ?? 1e-8;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.poissonNllLoss(input, target, { logInput: this.logInput, full: this.full, eps: this.eps, reduction: this.reduction });
  }
}
