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

function isOptionsObject(a: any): boolean {
  if (a === null || typeof a !== "object") return false;
  const proto = Object.getPrototypeOf(a);
  return proto === Object.prototype || proto === null;
}
/**
 * The optional arguments after a constructor's required ones, as one options object. They come as an options object
 * (the usual form), or positionally in PyTorch's order, as ported code writes them (MaxPool2d(3, 2, 1): stride 2,
 * padding 1; SGD(params, 0.1)), optionally followed by an options object for the rest. `names` are the camelCase
 * options in PyTorch's positional order.
 */
export function optionsOf<T extends object>(what: string, names: readonly string[], args: readonly any[]): T {
  const o: any = {};
  let i = 0;
  for (; i < args.length && !isOptionsObject(args[i]); i++) {
    if (args[i] === undefined) continue;
    if (i >= names.length) throw new TypeError(`${what}: expected at most ${names.length} optional positional argument(s) (${names.join(", ")}) before the options object, got ${args.length}`);
    o[names[i]] = args[i];
  }
  if (i < args.length) {
    if (args.slice(i + 1).some((a) => a !== undefined)) throw new TypeError(`${what}: the options object must be the last argument`);
    for (const [k, v] of Object.entries(args[i])) {
      if (k in o && v !== undefined) throw new TypeError(`${what}: got multiple values for option '${k}'`);
      if (!(k in o)) o[k] = v;
    }
  }
  return o as T;
}
