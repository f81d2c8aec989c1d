// Helpers shared by the layer files (not exported from torchts).
import { Tensor, Device, empty as emptyT } from "../tensor";
import { DType } from "../dtype";
import { Parameter } from "./module";

/** device and dtype for a layer's parameters (PyTorch's factory_kwargs). */
export interface FactoryOptions { device?: Device; dtype?: DType; }

/** PyTorch's _single/_pair/_triple: n copies of an int, or the given list. */
export function ntuple(v: number | readonly number[], n: number, name = "argument"): number[] {
  if (typeof v === "number") return new Array(n).fill(v);
  if (!Array.isArray(v) || v.length !== n || v.some((x) => typeof x !== "number"))
    throw new TypeError(`${name} must be an int or a list of ${n} ints`);
  return [...v];
}

/** A new Parameter over an uninitialised tensor of this shape (the temporary is freed). */
export function emptyParam(shape: number[], f?: FactoryOptions, requiresGrad = true): Parameter {
  const t = emptyT(shape, { dtype: f?.dtype, device: f?.device });
  const p = new Parameter(t, requiresGrad);
  t.dispose();
  return p;
}

/** Disposes tensors made for a call (not the caller's). */
export function disposeAll(...ts: (Tensor | null | undefined)[]): void { for (const t of ts) if (t && !t.isDisposed) t.dispose(); }
