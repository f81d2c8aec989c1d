// Autograd: grad-mode guards and torch.autograd.grad.
import { native } from "./native";
import { Tensor } from "./tensor";

/** Runs fn with gradient recording off (torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  const prev = native.SetGradEnabled(false);
  try { return fn(); } finally { native.SetGradEnabled(prev); }
}
/** Runs fn with gradient recording on (torch.enable_grad). */
export function enableGrad<T>(fn: () => T): T {
  const prev = native.SetGradEnabled(true);
  try { return fn(); } finally { native.SetGradEnabled(prev); }
}
export function setGradEnabled(on: boolean): void { native.SetGradEnabled(on); }
export function isGradEnabled(): boolean { return native.IsGradEnabled(); }
/** Runs fn in inference mode (torch.inference_mode): no autograd, no version counters. */
export function inferenceMode<T>(fn: () => T, enabled = true): T {
  native.EnterInferenceMode(enabled);
  try { return fn(); } finally { native.ExitInferenceMode(); }
}
export function isInferenceModeEnabled(): boolean { return native.IsInferenceModeEnabled(); }

/** torch.autograd.grad: gradients of outputs with respect to inputs (null where unused and allowUnused). */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[],
  opts?: { gradOutputs?: Tensor[] | Tensor; retainGraph?: boolean; createGraph?: boolean; allowUnused?: boolean }): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  const go = opts?.gradOutputs ? (Array.isArray(opts.gradOutputs) ? opts.gradOutputs : [opts.gradOutputs]) : null;
  return native.AutogradGrad(outs, ins, go, opts?.retainGraph, !!opts?.createGraph, !!opts?.allowUnused);
}

/** torch.autograd.backward for several tensors. */
export function backward(tensors: Tensor | Tensor[], gradTensors?: (Tensor | null)[], opts?: { retainGraph?: boolean }): void {
  const ts = Array.isArray(tensors) ? tensors : [tensors];
  ts.forEach((t, i) => t.backward(gradTensors?.[i] ?? null, { retainGraph: i < ts.length - 1 ? true : opts?.retainGraph }));
}
