// nn.utils: gradient clipping, parameter/vector conversion, and nn.utils.rnn (packed sequences).
import { native } from "../native";
import { Tensor } from "../tensor";
import { callOp } from "../ops";
import { noGrad } from "../autograd";

function list(p: Iterable<Tensor> | Tensor): Tensor[] { return p instanceof Tensor ? [p] : [...p]; }

/**
 * Scales gradients so that their joint normType-norm is at most maxNorm (in place); returns the total norm
 * before clipping (a new tensor). One native call.
 */
export function clipGradNorm_(parameters: Iterable<Tensor> | Tensor, maxNorm: number, normType: number | "inf" = 2,
  opts?: { errorIfNonfinite?: boolean }): Tensor {
  const nt = normType === "inf" ? Infinity : normType;
  return new Tensor(native.ClipGradNorm(list(parameters), maxNorm, nt, !!opts?.errorIfNonfinite));
}
/** Clamps every gradient to [-clipValue, clipValue] in place. */
export function clipGradValue_(parameters: Iterable<Tensor> | Tensor, clipValue: number): void {
  noGrad(() => {
    for (const p of list(parameters)) {
      const g = p.grad;
      if (!g) continue;
      g.clamp_(-clipValue, clipValue);
      g.dispose();
    }
  });
}
/** All parameters flattened into one vector. */
export function parametersToVector(parameters: Iterable<Tensor>): Tensor {
  const views = list(parameters).map((p) => p.view(-1));
  try { return callOp("aten::cat", views, 0); } finally { for (const v of views) v.dispose(); }
}
/** Copies consecutive slices of vec into the parameters. */
export function vectorToParameters(vec: Tensor, parameters: Iterable<Tensor>): void {
  noGrad(() => {
    let off = 0;
    for (const p of list(parameters)) {
      const n = p.numel();
      const s = vec.narrow(0, off, n);
      const v = s.viewAs(p);
      p.copy_(v);
      s.dispose(); v.dispose();
      off += n;
    }
  });
}

export * as rnn from "./utils_rnn";
