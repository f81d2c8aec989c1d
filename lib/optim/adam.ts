// Adam and AdamW (torch/optim/adam.py, adamw.py).
import { native } from "../native";
import { Tensor } from "../tensor";
import { keep } from "../memory";
import { callOp } from "../ops";
import { float32 } from "../dtype";
import { Optimizer, Params, ParamGroup, checkAdamFamily } from "./optimizer";
import { checkFused, fusedAdamStep } from "./fused";
import { optionsOf } from "../nn/common";

export interface AdamOptions {
  lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number; amsgrad?: boolean;
  maximize?: boolean; foreach?: boolean | null; capturable?: boolean; differentiable?: boolean; fused?: boolean;
}

/** Adam's and AdamW's optional arguments: an options object, or PyTorch's positional order (lr, betas, eps, weightDecay, amsgrad). */
export type AdamArgs<O> = [opts?: O] | [lr?: number, betas?: [number, number], eps?: number, weightDecay?: number, amsgrad?: boolean, opts?: O];
const ADAM_NAMES = ["lr", "betas", "eps", "weightDecay", "amsgrad"];

function checkAdam(g: ParamGroup): void {
  checkAdamFamily(g);
  if (g.differentiable) throw new Error("differentiable=true is not supported by torchts optimizers");
  checkFused(g);  // fused=true: ATen's fused kernels (see ./fused.ts)
}

abstract class AdamBase extends Optimizer {
  protected abstract readonly decoupled: boolean;
  /** amp.GradScaler hands fused steps its scale and found-inf flag instead of unscaling and syncing. */
  get _stepSupportsAmpScaling(): boolean { return this.paramGroups.some((g) => g.fused); }
  protected checkGroup(g: ParamGroup): void { checkAdam(g); }
  protected updateGroup(g: ParamGroup, ps: Tensor[]): void {
    if (g.fused) { fusedAdamStep((p) => this.stateOf(p), g, ps, this.decoupled, this as any); return; }
    const m1: number[] = [], m2: number[] = [], mx: number[] = [], steps: number[] = [];
    const capturable = !!g.capturable;
    for (const p of ps) {
      const s = this.stateOf(p);
      if (!s.step) {
        s.step = capturable ? this.deviceStep(p) : this.stepTensor();
        s.exp_avg = this.zerosLike(p);
        s.exp_avg_sq = this.zerosLike(p);
      }
      if (typeof s.step === "number") s.step = capturable ? this.deviceStep(p, s.step) : this.stepTensor(s.step);  // a plain-number step
      // capturable: the step counter lives on the parameter's device in float32 (a loaded state may have it on the CPU).
      else if (capturable && (s.step.device !== p.device || s.step.dtype !== float32)) {
        const old = s.step;
        s.step = keep(old.to({ device: p.device, dtype: float32 }));
        old.dispose();
      }
      if (g.amsgrad && !s.max_exp_avg_sq) s.max_exp_avg_sq = this.zerosLike(p);
      m1.push(s.exp_avg._id); m2.push(s.exp_avg_sq._id); steps.push(s.step._id);
      if (g.amsgrad) mx.push(s.max_exp_avg_sq._id);
    }
    native.OptimAdam(ps.map((p) => p._id), m1, m2, mx, steps, g.lr, g.betas[0], g.betas[1], g.eps, g.weightDecay,
      !!g.amsgrad, !!g.maximize, this.decoupled, capturable);
  }
  /** PyTorch's capturable step counter: a float32 scalar on the parameter's device. */
  private deviceStep(p: Tensor, v = 0): Tensor { return keep(callOp("aten::full", [], v, { dtype: float32, device: p.device })); }
  /** Why step() cannot be captured in a CUDA graph (a group with capturable: false and fused: false), or null. */
  _captureProblem(): string | null {
    if (this.paramGroups.every((g) => g.capturable || g.fused)) return null;
    return `${this.constructor.name} was constructed with capturable: false, so its step reads the step counter on the host ` +
      `(a CUDA graph cannot capture that); construct it with capturable: true (or fused: true)`;
  }
}

/** Adam (L2 weight decay added to the gradient), as PyTorch 1.13's `_single_tensor_adam`. */
export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(params: Params, ...args: AdamArgs<AdamOptions>) {
    const opts = optionsOf<AdamOptions>("Adam", ADAM_NAMES, args);
    super(params, {
      lr: opts.lr ?? 1e-3, betas: opts.betas ?? [0.9, 0.999], eps: opts.eps ?? 1e-8, weightDecay: opts.weightDecay ?? 0,
      amsgrad: opts.amsgrad ?? false, maximize: opts.maximize ?? false, foreach: opts.foreach ?? null,
      capturable: opts.capturable ?? false, differentiable: opts.differentiable ?? false, fused: opts.fused ?? false,
    });
  }
}

/** AdamW (decoupled weight decay, default 1e-2), as PyTorch 1.13's `_single_tensor_adamw`. */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(params: Params, ...args: AdamArgs<Omit<AdamOptions, "differentiable">>) {
    const opts = optionsOf<AdamOptions>("AdamW", ADAM_NAMES, args);
    super(params, {
      lr: opts.lr ?? 1e-3, betas: opts.betas ?? [0.9, 0.999], eps: opts.eps ?? 1e-8, weightDecay: opts.weightDecay ?? 1e-2,
      amsgrad: opts.amsgrad ?? false, foreach: opts.foreach ?? null, maximize: opts.maximize ?? false,
      capturable: opts.capturable ?? false,
      ...(opts.fused ? { fused: true } : {}),  // PyTorch 1.13's AdamW has no 'fused' option in its state dict
    });
  }
}
