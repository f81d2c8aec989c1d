// Adamax (torch/optim/adamax.py): Adam with the infinity norm.
import { Tensor } from "../tensor";
import { tidy } from "../memory";
import { callOp } from "../ops";
import { Optimizer, Params, ParamGroup, checkAdamFamily } from "./optimizer";
import { optionsOf } from "../nn/common";

export interface AdamaxOptions { lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number; foreach?: boolean | null; maximize?: boolean; }

/** Adamax, op for op as PyTorch 1.13's `_single_tensor_adamax`. */
export class Adamax extends Optimizer {
  /** new Adamax(params, { lr, betas, ... }), or PyTorch's positional order (lr, betas, eps, weightDecay). */
  constructor(params: Params, ...args: [opts?: AdamaxOptions] | [lr?: number, betas?: [number, number], eps?: number, weightDecay?: number, opts?: AdamaxOptions]) {
    const opts = optionsOf<AdamaxOptions>("Adamax", ["lr", "betas", "eps", "weightDecay"], args);
    super(params, {
      lr: opts.lr ?? 2e-3, betas: opts.betas ?? [0.9, 0.999], eps: opts.eps ?? 1e-8, weightDecay: opts.weightDecay ?? 0,
      foreach: opts.foreach ?? null, maximize: opts.maximize ?? false,
    });
  }

  protected checkGroup(g: ParamGroup): void { checkAdamFamily(g); }

  protected updateGroup(g: ParamGroup, ps: Tensor[]): void {
    const [beta1, beta2] = g.betas;
    for (const p of ps) {
      const s = this.stateOf(p);
      if (Object.keys(s).length === 0) {
        s.step = this.stepTensor();
        s.exp_avg = this.zerosLike(p);
        s.exp_inf = this.zerosLike(p);
      }
      if (typeof s.step === "number") s.step = this.stepTensor(s.step);  // a state saved with a plain-number step
      const step: number = s.step.add_(1).item();
      const expAvg: Tensor = s.exp_avg, expInf: Tensor = s.exp_inf;
      tidy(() => {
        let grad = p.grad!;
        if (g.maximize) grad = grad.neg();
        if (g.weightDecay !== 0) grad = grad.add(p, { alpha: g.weightDecay });
        expAvg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
        const normBuf: Tensor = callOp("aten::cat", [expInf.mul_(beta2).unsqueeze(0), grad.abs().add_(g.eps).unsqueeze_(0)], 0);
        expInf.copy_(callOp("aten::amax", normBuf, [0], false));
        const clr = g.lr / (1 - beta1 ** step);
        p.inplace("aten::addcdiv_", expAvg, expInf, { value: -clr });
      });
    }
  }
}
