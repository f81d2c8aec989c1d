// Multi-tensor optimizer steps: Adam/AdamW with fused: true (ATen's _fused_adam_ / _fused_adamw_, one kernel
// launch per device and dtype, the step counters on the device: no host synchronisation, so a CUDA graph can
// capture it) and SGD with foreach: true (PyTorch's _multi_tensor_sgd on ATen's _foreach_ ops).
import { Tensor } from "../tensor";
import { callOp, schemas } from "../ops";
import { keep, tidy } from "../memory";
import { buildInfo } from "../native";
import { float32 } from "../dtype";
import { ParamGroup } from "./optimizer";

const [major, minor] = buildInfo.libtorchVersion.split(".").map(Number);
/** Devices whose parameters the fused kernels take on this libtorch (CPU kernels came with 2.4). */
export function fusedDevices(): string[] { return major > 2 || (major === 2 && minor >= 4) ? ["cuda", "cpu"] : ["cuda"]; }

/** PyTorch's constructor checks for fused=true. */
export function checkFused(g: ParamGroup): void {
  if (!g.fused) return;
  if (g.foreach) throw new Error("`fused` and `foreach` cannot be `True` together.");
  const devices = fusedDevices();
  for (const p of g.params)
    if (!p.isFloatingPoint() || !devices.includes(p.device.split(":")[0]))
      throw new Error(`\`fused=True\` requires all the params to be floating point Tensors of supported devices: [${devices.map((d) => `'${d}'`).join(", ")}].`);
}

type State = Record<string, any>;
function groupBy(ps: Tensor[]): Map<string, Tensor[]> {
  const m = new Map<string, Tensor[]>();
  for (const p of ps) {
    const k = `${p.device}/${p.dtype.name}`;
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(p);
  }
  return m;
}

/** One fused Adam (decoupled: AdamW) step over the parameters of a group that have gradients. */
// With amp.GradScaler, `amp` holds its gradScale (null when the grads are unscaled already) and foundInf: the
// kernel unscales the grads and skips the update where foundInf is set, and the step counters are wound back.
export function fusedAdamStep(stateOf: (p: Tensor) => State, g: ParamGroup, ps: Tensor[], decoupled: boolean,
  amp?: { gradScale?: Tensor | null; foundInf?: Tensor | null }): void {
  const op = decoupled ? "aten::_fused_adamw_" : "aten::_fused_adam_";
  if (schemas(op).length === 0) throw new Error(`${op} is not in libtorch ${buildInfo.libtorchVersion}; use fused: false`);
  for (const group of groupBy(ps).values()) {
    const m1: Tensor[] = [], m2: Tensor[] = [], mx: Tensor[] = [], steps: Tensor[] = [];
    for (const p of group) {
      const s = stateOf(p);
      if (!s.step) {
        s.step = keep(callOp("aten::zeros", [], { dtype: float32, device: p.device }));
        s.exp_avg = keep(callOp("aten::zeros_like", p));
        s.exp_avg_sq = keep(callOp("aten::zeros_like", p));
      }
      // The fused kernels read the step from the parameter's device (a loaded or single-tensor state has it elsewhere).
      if (typeof s.step === "number") s.step = keep(callOp("aten::full", [], s.step, { dtype: float32, device: p.device }));
      else if (s.step.device !== p.device || s.step.dtype !== float32) { const old = s.step; s.step = keep(old.to({ device: p.device, dtype: float32 })); old.dispose(); }
      if (g.amsgrad && !s.max_exp_avg_sq) s.max_exp_avg_sq = keep(callOp("aten::zeros_like", p));
      m1.push(s.exp_avg); m2.push(s.exp_avg_sq); steps.push(s.step);
      if (g.amsgrad) mx.push(s.max_exp_avg_sq);
    }
    tidy(() => {
      const grads = group.map((p) => p.grad!);
      callOp("aten::_foreach_add_", steps, 1);
      callOp(op, group, grads, m1, m2, mx, steps, {
        lr: g.lr, beta1: g.betas[0], beta2: g.betas[1], weight_decay: g.weightDecay, eps: g.eps,
        amsgrad: !!g.amsgrad, maximize: !!g.maximize, grad_scale: amp?.gradScale ?? null, found_inf: amp?.foundInf ?? null,
      });
      if (amp?.foundInf) callOp("aten::_foreach_sub_", steps, steps.map(() => amp.foundInf!));
    });
  }
}

/** One SGD step on ATen's _foreach_ ops, op for op as PyTorch's `_multi_tensor_sgd` (equal to the single-tensor step). */
export function foreachSgdStep(stateOf: (p: Tensor) => State, g: ParamGroup, ps: Tensor[]): void {
  for (const group of groupBy(ps).values()) {
    tidy(() => {
      let grads: Tensor[] = group.map((p) => p.grad!);
      if (g.maximize) grads = callOp("aten::_foreach_neg", grads);
      if (g.weightDecay !== 0) grads = callOp("aten::_foreach_add", grads, group, { alpha: g.weightDecay });
      if (g.momentum !== 0) {
        const states = group.map(stateOf);
        let bufs: Tensor[];
        if (states.every((s) => s.momentum_buffer)) {
          bufs = states.map((s) => s.momentum_buffer);
          callOp("aten::_foreach_mul_", bufs, g.momentum);
          callOp("aten::_foreach_add_", bufs, grads, { alpha: 1 - g.dampening });
        } else {
          bufs = states.map((s, i) => {
            if (!s.momentum_buffer) s.momentum_buffer = keep(grads[i].clone().detach());
            else s.momentum_buffer.mul_(g.momentum).inplace("aten::add_", grads[i], { alpha: 1 - g.dampening });
            return s.momentum_buffer;
          });
        }
        if (g.nesterov) callOp("aten::_foreach_add_", grads, bufs, { alpha: g.momentum });
        else grads = bufs;
      } else {
        for (const s of group.map(stateOf)) if (!("momentum_buffer" in s)) s.momentum_buffer = null;
      }
      callOp("aten::_foreach_add_", group, grads, { alpha: -g.lr });
    });
  }
}
