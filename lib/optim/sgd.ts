// SGD with momentum, dampening, Nesterov momentum and weight decay (torch/optim/sgd.py).
import { native } from "../native";
import { Tensor } from "../tensor";
import { keep } from "../memory";
import { Optimizer, Params, ParamGroup, required } from "./optimizer";
import { foreachSgdStep } from "./fused";
import { optionsOf } from "../nn/common";

export interface SGDOptions {
  lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean;
  maximize?: boolean; foreach?: boolean | null; differentiable?: boolean;
}

/** Stochastic gradient descent, step for step as PyTorch 1.13's single-tensor `sgd`. */
export class SGD extends Optimizer {
  /** new SGD(params, { lr, momentum, ... }), or PyTorch's positional order (lr, momentum, dampening, weightDecay, nesterov). */
  constructor(params: Params, ...args: [opts?: SGDOptions] | [lr: number, momentum?: number, dampening?: number, weightDecay?: number,
    nesterov?: boolean, opts?: Partial<SGDOptions>]) {
    const opts = optionsOf<SGDOptions>("SGD", ["lr", "momentum", "dampening", "weightDecay", "nesterov"], args);
    super(params, {
      lr: opts.lr ?? required, momentum: opts.momentum ?? 0, dampening: opts.dampening ?? 0,
      weightDecay: opts.weightDecay ?? 0, nesterov: opts.nesterov ?? false, maximize: opts.maximize ?? false,
      foreach: opts.foreach ?? null, differentiable: opts.differentiable ?? false,
    });
  }

  protected checkGroup(g: ParamGroup): void {
    if (g.lr < 0) throw new RangeError(`Invalid learning rate: ${g.lr}`);
    if (g.momentum < 0) throw new RangeError(`Invalid momentum value: ${g.momentum}`);
    if (g.weightDecay < 0) throw new RangeError(`Invalid weight_decay value: ${g.weightDecay}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new RangeError("Nesterov momentum requires a momentum and zero dampening");
    if (g.differentiable) throw new Error("differentiable=true is not supported by torchts optimizers");
  }

  protected updateGroup(g: ParamGroup, ps: Tensor[]): void {
    if (g.foreach) { foreachSgdStep((p) => this.stateOf(p), g, ps); return; }  // PyTorch's _multi_tensor_sgd
    const bufs = ps.map((p) => this.stateOf(p).momentum_buffer ?? null);
    const made: (Tensor | null)[] = native.OptimSGD(ps.map((p) => p._id), bufs.map((b) => (b ? b._id : null)),
      g.lr, g.momentum, g.dampening, g.weightDecay, !!g.nesterov, !!g.maximize);
    ps.forEach((p, i) => {
      const s = this.stateOf(p);
      if (made[i]) s.momentum_buffer = keep(made[i]!);
      else if (!("momentum_buffer" in s)) s.momentum_buffer = null;
    });
  }
}
