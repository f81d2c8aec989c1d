// NAdam and RAdam (torch/optim/nadam.py, radam.py).
import { Tensor } from "../tensor";
import { tidy } from "../memory";
import { Optimizer, Params, ParamGroup, checkAdamFamily } from "./optimizer";
import { optionsOf } from "../nn/common";

export interface NAdamOptions { lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number; momentumDecay?: number; foreach?: boolean | null; }
export interface RAdamOptions { lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number; foreach?: boolean | null; }

/** Adam with Nesterov momentum, op for op as PyTorch 1.13's `_single_tensor_nadam` (mu_product a float32 scalar tensor). */
export class NAdam extends Optimizer {
  /** new NAdam(params, { lr, ... }), or PyTorch's positional order (lr, betas, eps, weightDecay, momentumDecay). */
  constructor(params: Params, ...args: [opts?: NAdamOptions] | [lr?: number, betas?: [number, number], eps?: number, weightDecay?: number,
    momentumDecay?: number, opts?: NAdamOptions]) {
    const opts = optionsOf<NAdamOptions>("NAdam", ["lr", "betas", "eps", "weightDecay", "momentumDecay"], args);
    super(params, {
      lr: opts.lr ?? 2e-3, betas: opts.betas ?? [0.9, 0.999], eps: opts.eps ?? 1e-8, weightDecay: opts.weightDecay ?? 0,
      momentumDecay: opts.momentumDecay ?? 4e-3, foreach: opts.foreach ?? null,
    });
  }
  protected checkGroup(g: ParamGroup): void {
    checkAdamFamily(g);
    if (!(g.momentumDecay >= 0)) throw new RangeError(`Invalid momentum_decay value: ${g.momentumDecay}`);
  }
  protected updateGroup(g: ParamGroup, ps: Tensor[]): void {
    const [beta1, beta2] = g.betas;
    for (const p of ps) {
      const s = this.stateOf(p);
      if (Object.keys(s).length === 0) {
        s.step = this.stepTensor();
        s.mu_product = this.stepTensor(1);
        s.exp_avg = this.zerosLike(p);
        s.exp_avg_sq = this.zerosLike(p);
      }
      if (typeof s.step === "number") s.step = this.stepTensor(s.step);
      if (typeof s.mu_product === "number") s.mu_product = this.stepTensor(s.mu_product);
      const step: number = s.step.add_(1).item();
      const expAvg: Tensor = s.exp_avg, expAvgSq: Tensor = s.exp_avg_sq, muProduct: Tensor = s.mu_product;
      tidy(() => {
        const bc2 = 1 - beta2 ** step;
        let grad = p.grad!;
        if (g.weightDecay !== 0) grad = grad.add(p, { alpha: g.weightDecay });
        const mu = beta1 * (1. - 0.5 * (0.96 ** (step * g.momentumDecay)));
        const muNext = beta1 * (1. - 0.5 * (0.96 ** ((step + 1) * g.momentumDecay)));
        muProduct.mul_(mu);
        const muProductNext = muProduct.mul(mu).mul(muNext);
        expAvg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
        expAvgSq.mul_(beta2).inplace("aten::addcmul_", grad, grad, { value: 1 - beta2 });
        const denom = expAvgSq.div(bc2).sqrt().add_(g.eps);
        p.inplace("aten::addcdiv_", grad, denom, { value: -g.lr * (1. - mu) / (1. - muProduct.item()) });
        p.inplace("aten::addcdiv_", expAvg, denom, { value: -g.lr * muNext / (1. - muProductNext.item()) });
      });
    }
  }
}

/** Rectified Adam, op for op as PyTorch 1.13's `_single_tensor_radam`. */
export class RAdam extends Optimizer {
  /** new RAdam(params, { lr, ... }), or PyTorch's positional order (lr, betas, eps, weightDecay). */
  constructor(params: Params, ...args: [opts?: RAdamOptions] | [lr?: number, betas?: [number, number], eps?: number, weightDecay?: number, opts?: RAdamOptions]) {
    const opts = optionsOf<RAdamOptions>("RAdam", ["lr", "betas", "eps", "weightDecay"], args);
    super(params, {
      lr: opts.lr ?? 1e-3, betas: opts.betas ?? [0.9, 0.999], eps: opts.eps ?? 1e-8, weightDecay: opts.weightDecay ?? 0, foreach: opts.foreach ?? null,
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
        s.exp_avg_sq = this.zerosLike(p);
      }
      if (typeof s.step === "number") s.step = this.stepTensor(s.step);
      const step: number = s.step.add_(1).item();
      const expAvg: Tensor = s.exp_avg, expAvgSq: Tensor = s.exp_avg_sq;
      tidy(() => {
        const bc1 = 1 - beta1 ** step, bc2 = 1 - beta2 ** step;
        let grad = p.grad!;
        if (g.weightDecay !== 0) grad = grad.add(p, { alpha: g.weightDecay });
        expAvg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
        expAvgSq.mul_(beta2).inplace("aten::addcmul_", grad, grad, { value: 1 - beta2 });
        const corrected = expAvg.div(bc1);
        const rhoInf = 2 / (1 - beta2) - 1;
        const rhoT = rhoInf - 2 * step * (beta2 ** step) / bc2;
        if (rhoT > 5.) {
          const rect = Math.sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
          const adaptiveLr = expAvgSq.sqrt().add_(g.eps).reciprocal().mul(Math.sqrt(bc2));  // Python's float / tensor
          p.add_(corrected.mul(g.lr).mul(adaptiveLr).mul(rect), { alpha: -1.0 });
        } else {
          p.add_(corrected.mul(g.lr), { alpha: -1.0 });
        }
      });
    }
  }
}
