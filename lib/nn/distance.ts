// CosineSimilarity and PairwiseDistance.
import { Tensor } from "../tensor";
import { callOp } from "../ops";
import { Module } from "./module";
import { optionsOf } from "./common";

/** Cosine similarity of x1 and x2 along dim (eps guards zero norms). */
export class CosineSimilarity extends Module {
  dim: number;
  eps: number;
  /** new CosineSimilarity({ dim, eps }) or PyTorch's positional new CosineSimilarity(dim, eps). */
  constructor(...args: [opts?: { dim?: number; eps?: number }] | [dim?: number, eps?: number]) {
    super();
    const o = optionsOf<{ dim?: number; eps?: number }>("CosineSimilarity", ["dim", "eps"], args);
    this.dim = o.dim ?? 1;
    this.eps = o.eps ?? 1e-8;
  }
  forward(x1: Tensor, x2: Tensor): Tensor { return callOp("aten::cosine_similarity", x1, x2, this.dim, this.eps); }
}
/** The p-norm distance between rows of x1 and x2 (‖x1 - x2 + eps‖_p over the last dim). */
export class PairwiseDistance extends Module {
  normType: number;
  eps: number;
  keepdim: boolean;
  /** new PairwiseDistance({ p, eps, keepdim }) or PyTorch's positional new PairwiseDistance(p, eps, keepdim). */
  constructor(...args: [opts?: { p?: number; eps?: number; keepdim?: boolean }] | [p?: number, eps?: number, keepdim?: boolean]) {
    super();
    const o = optionsOf<{ p?: number; eps?: number; keepdim?: boolean }>("PairwiseDistance", ["p", "eps", "keepdim"], args);
    this.normType = o.p ?? 2;
    this.eps = o.eps ?? 1e-6;
    this.keepdim = !!o.keepdim;
  }
  forward(x1: Tensor, x2: Tensor): Tensor { return callOp("aten::pairwise_distance", x1, x2, this.normType, this.eps, this.keepdim); }
}
