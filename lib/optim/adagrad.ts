// Adagrad (torch/optim/adagrad.py).
import { native } from "../native";
import { Tensor } from "../tensor";
import { Optimizer, Params, ParamGroup } from "./optimizer";
import { optionsOf } from "../nn/common";

export interface AdagradOptions {
  lr?: number; lrDecay?: number; weightDecay?: number; initialAccumulatorValue?: number; eps?: number;
  foreach?: boolean | null; maximize?: boolean;
}

/** Adagrad, as PyTorch 1.13's `_single_tensor_adagrad` (sparse gradients included). State exists from construction. */
export class Adagrad extends Optimizer {
  /** new Adagrad(params, { lr, ... }), or PyTorch's positional order (lr, lrDecay, weightDecay, initialAccumulatorValue, eps). */
  constructor(params: Params, ...args: [opts?: AdagradOptions] | [lr?: number, lrDecay?: number, weightDecay?: number,
    initialAccumulatorValue?: number, eps?: number, opts?: AdagradOptions]) {
    const opts = optionsOf<AdagradOptions>("Adagrad", ["lr", "lrDecay", "weightDecay", "initialAccumulatorValue", "eps"], args);
    super(params, {
      lr: opts.lr ?? 1e-2, lrDecay: opts.lrDecay ?? 0, eps: opts.eps ?? 1e-10, weightDecay: opts.weightDecay ?? 0,
      initialAccumulatorValue: opts.initialAccumulatorValue ?? 0, foreach: opts.foreach ?? null, maximize: opts.maximize ?? false,
    });
    for (const g of this.paramGroups) for (const p of g.params) this.initState(g, p);
  }

  private initState(g: ParamGroup, p: Tensor): Record<string, any> {
    const s = this.stateOf(p);
    if (!s.sum) {
      s.step = this.stepTensor();
      s.sum = this.fullLike(p, g.initialAccumulatorValue);
    }
    if (typeof s.step === "number") s.step = this.stepTensor(s.step);  // a state saved with a plain-number step
    return s;
  }

  protected checkGroup(g: ParamGroup): void {
    if (!(g.lr >= 0)) throw new RangeError(`Invalid learning rate: ${g.lr}`);
    if (!(g.lrDecay >= 0)) throw new RangeError(`Invalid lr_decay value: ${g.lrDecay}`);
    if (!(g.weightDecay >= 0)) throw new RangeError(`Invalid weight_decay value: ${g.weightDecay}`);
    if (!(g.initialAccumulatorValue >= 0)) throw new RangeError(`Invalid initial_accumulator_value value: ${g.initialAccumulatorValue}`);
    if (!(g.eps >= 0)) throw new RangeError(`Invalid epsilon value: ${g.eps}`);
  }

  protected updateGroup(g: ParamGroup, ps: Tensor[]): void {
    const sums: number[] = [], steps: number[] = [];
    for (const p of ps) {
      const s = this.initState(g, p);
      sums.push(s.sum._id); steps.push(s.step._id);
    }
    native.OptimAdagrad(ps.map((p) => p._id), sums, steps, g.lr, g.lrDecay, g.weightDecay, g.eps, !!g.maximize);
  }
}
