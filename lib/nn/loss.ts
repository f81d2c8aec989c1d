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
