// The generic operator path: any ATen operator by name through libtorch's dispatcher.
import { native } from "./native";

const handles = new Map<string, number>();

// Call returns a tensor as its id (kind 1) or tensors as an array of ids (kind 2), flagged in this shared
// array; wrapping them here is cheaper than the addon calling back into JS for each.
const kind = new Int32Array(1);
native.setReturnKind(kind);
let makeTensor: (id: number) => any = () => { throw new Error("torchts: Tensor is not loaded"); };
/** Called once by tensor.ts. */
export function setTensorFactory(f: (id: number) => any): void { makeTensor = f; }
function result(r: any): any {
  const k = kind[0];
  if (k === 0) return r;
  kind[0] = 0;
  if (k === 1) return makeTensor(r);
  const out = new Array(r.length);
  for (let i = 0; i < r.length; i++) out[i] = makeTensor(r[i]);
  return out;
}

/** A cached handle for an operator (all overloads, or one when `overload` is given). */
export function opHandle(name: string, overload?: string): number {
  const key = overload === undefined ? name : `${name}.${overload}!`;
  let h = handles.get(key);
  if (h === undefined) {
    h = overload === undefined ? native.OpHandle(name) : native.OpHandle(name, overload);
    handles.set(key, h!);
  }
  return h!;
}

function isKwargs(v: any): boolean {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v);
  return (p === Object.prototype || p === null) && typeof v._id !== "number";
}

/** Calls an operator: positional arguments, then an optional trailing plain object of keyword arguments. */
export function callOp(name: string, ...args: any[]): any {
  const h = opHandle(name);
  if (args.length && isKwargs(args[args.length - 1])) {
    const kw = args.pop();
    return result(native.Call(h, kw, ...args));
  }
  return result(native.Call(h, undefined, ...args));
}

/** callOp for in-place and out= calls whose result is not needed (no JS Tensor is made for it). */
export function callOpDiscard(name: string, ...args: any[]): void {
  const h = opHandle(name);
  if (args.length && isKwargs(args[args.length - 1])) {
    const kw = args.pop();
    native.CallDiscard(h, kw, ...args);
  } else native.CallDiscard(h, undefined, ...args);
}

/** A function bound to an operator handle: f(kwargs|undefined, ...args). */
export function bound(name: string, overload?: string): (kw: any, ...args: any[]) => any {
  let h = -1;
  return (kw: any, ...args: any[]) => {
    if (h < 0) h = opHandle(name, overload);
    return result(native.Call(h, kw, ...args));
  };
}
export function boundInplace(name: string, overload?: string): (kw: any, ...args: any[]) => void {
  let h = -1;
  return (kw: any, ...args: any[]) => {
    if (h < 0) h = opHandle(name, overload);
    native.CallDiscard(h, kw, ...args);
  };
}

/**
 * A lazily resolved handle for an unboxed call through the dispatcher, for schemas (Tensor) -> Tensor and
 * (Tensor, Tensor|Scalar) -> Tensor (native T1/T2). The generated typed layer uses these.
 */
export class TypedOp {
  private h = -1;
  constructor(readonly name: string, readonly overload = "") {}
  get handle(): number {
    if (this.h < 0) this.h = native.TypedHandle(this.name, this.overload);
    return this.h;
  }
  /** The handle, or -1 where this libtorch's schema differs (the caller then takes the boxed path). */
  get optional(): number {
    if (this.h === -1) { try { this.h = native.TypedHandle(this.name, this.overload); } catch { this.h = -2; } }
    return this.h < 0 ? -1 : this.h;
  }
}

/** Throws a TypeError naming the argument unless x is a Tensor. */
export function asTensor<T>(x: T, name: string): T {
  if (x === null || typeof x !== "object" || typeof (x as any)._id !== "number") throw new TypeError(`argument '${name}' must be a Tensor`);
  return x;
}

/** Calls a binary op: the Tensor overload, or the Scalar one for a number/boolean. Returns the new id (or undefined in place). */
export function binary(t: TypedOp, s: TypedOp | null, self: { _id: number }, other: any, inplace: boolean): any {
  if (other !== null && typeof other === "object" && typeof other._id === "number")
    return inplace ? native.T2_(t.handle, self._id, other._id) : native.T2(t.handle, self._id, other._id);
  if (s && (typeof other === "number" || typeof other === "boolean"))
    return inplace ? native.T2_(s.handle, self._id, other) : native.T2(s.handle, self._id, other);
  throw new TypeError(`${t.name.replace(/^aten::/, "")}(): argument 'other' must be a Tensor${s ? " or a number" : ""}`);
}

/** Operator schemas as libtorch prints them: all, or the overloads of one name. */
export function schemas(name?: string): string[] {
  return name === undefined ? native.Schemas() : native.Schemas(name);
}

function namespace(ns: string): any {
  return new Proxy({}, {
    get(_t, prop) {
      if (typeof prop !== "string") return undefined;
      const qual = `${ns}::${prop}`;
      const f = (...args: any[]) => callOp(qual, ...args);
      // torch.ops.aten.add.Tensor(...) picks one overload
      return new Proxy(f, {
        get(target, ov) {
          if (typeof ov !== "string" || ov in target) return (target as any)[ov];
          return (...args: any[]) => {
            const h = opHandle(qual, ov === "default" ? "" : ov);
            if (args.length && isKwargs(args[args.length - 1])) { const kw = args.pop(); return result(native.Call(h, kw, ...args)); }
            return result(native.Call(h, undefined, ...args));
          };
        },
      });
    },
  });
}

/** torch.ops.<namespace>.<op>(...args, kwargs?) — every registered operator; torch.ops.aten.add.Scalar for one overload. */
export const ops: { aten: any; prims: any; [ns: string]: any } = new Proxy({} as any, {
  get(_t, ns) { return typeof ns === "string" ? namespace(ns) : undefined; },
});
