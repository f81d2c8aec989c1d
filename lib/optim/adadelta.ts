// Adadelta (torch/optim/adadelta.py): the optimiser of PyTorch's MNIST example.
import { Tensor } from "../tensor";
import { tidy } from "../memory";
import { Optimizer, Params, ParamGroup } from "./optimizer";
import { optionsOf } from "../nn/common";

export interface AdadeltaOptions { lr?: number; rho?: number; eps?: number; weightDecay?: number; foreach?: boolean | null; maximize?: boolean; }

/** Adadelta, op for op as PyTorch 1.13's `_single_tensor_adadelta`. */
export class Adadelta extends Optimizer {
  /** new Adadelta(params, { lr, rho, ... }), or PyTorch's positional order (lr, rho, eps, weightDecay). */
  constructor(params: Params, ...args: [opts?: AdadeltaOptions] | [lr?: number, rho?: number, eps?: number, weightDecay?: number, opts?: AdadeltaOptions]) {
    const opts = optionsOf<AdadeltaOptions>("Adadelta", ["lr", "rho", "eps", "weightDecay"], args);
    super(params, {
      lr: opts.lr ?? 1.0, rho: opts.rho ?? 0.9, eps: opts.eps ?? 1e-6, weightDecay: opts.weightDecay ?? 0,
      foreach: opts.foreach ?? null, maximize: opts.maximize ?? false,
    });
  }

  protected checkGroup(g: ParamGroup): void {
    if (!(g.lr >= 0)) throw new RangeError(`Invalid learning rate: ${g.lr}`);
    if (!(g.rho >= 0 && g.rho <= 1)) throw new RangeError(`Invalid rho value: ${g.rho}`);
    if (!(g.eps >= 0)) throw new RangeError(`Invalid epsilon value: ${g.eps}`);
    if (!(g.weightDecay >= 0)) throw new RangeError(`Invalid weight_decay value: ${g.weightDecay}`);
  }

  protected updateGroup(g: ParamGroup, ps: Tensor[]): void {
    for (const p of ps) {
      const s = this.stateOf(p);
      if (Object.keys(s).length === 0) {
        s.step = 0;
        s.square_avg = this.zerosLike(p);
        s.acc_delta = this.zerosLike(p);
      }
      if (s.step instanceof Tensor) s.step.add_(1);
      else s.step += 1;
      const sq: Tensor = s.square_avg, acc: Tensor = s.acc_delta;
      tidy(() => {
        let grad = p.grad!;
        if (g.maximize) grad = grad.neg();
        if (g.weightDecay !== 0) grad = grad.add(p, { alpha: g.weightDecay });
        sq.mul_(g.rho).inplace("aten::addcmul_", grad, grad, { value: 1 - g.rho });
        const std = sq.add(g.eps).sqrt_();
        const delta = acc.add(g.eps).sqrt_().div_(std).mul_(grad);
        acc.mul_(g.rho).inplace("aten::addcmul_", delta, delta, { value: 1 - g.rho });
        p.add_(delta, { alpha: -g.lr });
      });
    }
  }
}
