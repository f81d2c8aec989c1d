// The generic operator path: any ATen operator by name through libtorch's dispatcher.
import { native } from "./native";

const handles = new Map<string, number>();

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
    return native.Call(h, kw, ...args);
  }
  return native.Call(h, undefined, ...args);
}

/** A function bound to an operator handle: f(kwargs|undefined, ...args). */
export function bound(name: string, overload?: string): (kw: any, ...args: any[]) => any {
  let h = -1;
  return (kw: any, ...args: any[]) => {
    if (h < 0) h = opHandle(name, overload);
    return native.Call(h, kw, ...args);
  };
}
export function boundInplace(name: string, overload?: string): (kw: any, ...args: any[]) => void {
  let h = -1;
  return (kw: any, ...args: any[]) => {
    if (h < 0) h = opHandle(name, overload);
    native.CallDiscard(h, kw, ...args);
  };
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
            if (args.length && isKwargs(args[args.length - 1])) { const kw = args.pop(); return native.Call(h, kw, ...args); }
            return native.Call(h, undefined, ...args);
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
