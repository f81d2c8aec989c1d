// RMSprop, plain or centered, with momentum (torch/optim/rmsprop.py).
import { native } from "../native";
import { Tensor } from "../tensor";
import { Optimizer, Params, ParamGroup } from "./optimizer";
import { optionsOf } from "../nn/common";

export interface RMSpropOptions {
  lr?: number; alpha?: number; eps?: number; weightDecay?: number; momentum?: number; centered?: boolean;
  foreach?: boolean | null; maximize?: boolean; differentiable?: boolean;
}

/** RMSprop, as PyTorch 1.13's `_single_tensor_rmsprop`. */
export class RMSprop extends Optimizer {
  /** new RMSprop(params, { lr, ... }), or PyTorch's positional order (lr, alpha, eps, weightDecay, momentum, centered). */
  constructor(params: Params, ...args: [opts?: RMSpropOptions] | [lr?: number, alpha?: number, eps?: number, weightDecay?: number,
    momentum?: number, centered?: boolean, opts?: RMSpropOptions]) {
    const opts = optionsOf<RMSpropOptions>("RMSprop", ["lr", "alpha", "eps", "weightDecay", "momentum", "centered"], args);
    super(params, {
      lr: opts.lr ?? 1e-2, momentum: opts.momentum ?? 0, alpha: opts.alpha ?? 0.99, eps: opts.eps ?? 1e-8,
      centered: opts.centered ?? false, weightDecay: opts.weightDecay ?? 0, foreach: opts.foreach ?? null,
      maximize: opts.maximize ?? false, differentiable: opts.differentiable ?? false,
    });
  }

  protected checkGroup(g: ParamGroup): void {
    if (!(g.lr >= 0)) throw new RangeError(`Invalid learning rate: ${g.lr}`);
    if (!(g.eps >= 0)) throw new RangeError(`Invalid epsilon value: ${g.eps}`);
    if (!(g.momentum >= 0)) throw new RangeError(`Invalid momentum value: ${g.momentum}`);
    if (!(g.weightDecay >= 0)) throw new RangeError(`Invalid weight_decay value: ${g.weightDecay}`);
    if (!(g.alpha >= 0)) throw new RangeError(`Invalid alpha value: ${g.alpha}`);
    if (g.differentiable) throw new Error("differentiable=true is not supported by torchts optimizers");
  }

  protected updateGroup(g: ParamGroup, ps: Tensor[]): void {
    const sq: number[] = [], ga: number[] = [], mb: number[] = [];
    for (const p of ps) {
      const s = this.stateOf(p);
      if (Object.keys(s).length === 0) {
        s.step = 0;
        s.square_avg = this.zerosLike(p);
        if (g.momentum > 0) s.momentum_buffer = this.zerosLike(p);
        if (g.centered) s.grad_avg = this.zerosLike(p);
      }
      if (g.momentum > 0 && !s.momentum_buffer) s.momentum_buffer = this.zerosLike(p);
      if (g.centered && !s.grad_avg) s.grad_avg = this.zerosLike(p);
      sq.push(s.square_avg._id);
      if (g.momentum > 0) mb.push(s.momentum_buffer._id);
      if (g.centered) ga.push(s.grad_avg._id);
      if (s.step instanceof Tensor) s.step.add_(1);  // PyTorch 2.x saves the step as a tensor
      else s.step += 1;
    }
    native.OptimRMSprop(ps.map((p) => p._id), sq, ga, mb, g.lr, g.alpha, g.eps, g.weightDecay, g.momentum,
      !!g.centered, !!g.maximize);
  }
}
