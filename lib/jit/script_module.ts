// ScriptModule: a TorchScript module (loaded, traced or compiled) run by libtorch.
import * as fs from "fs";
import { native } from "../native";
import { Tensor, Device } from "../tensor";
import { DType } from "../dtype";
import { keep } from "../memory";
import { noGrad } from "../autograd";

/** Arguments and results: Tensors, numbers, booleans, strings, arrays (lists and tuples), objects (dicts), null. */
export type ScriptValue = Tensor | number | boolean | string | null | ScriptValue[] | { [k: string]: ScriptValue };

/**
 * A TorchScript module. Parameters and buffers are the module's own tensors (the Tensors returned alias them), so a
 * torchts optimizer fine-tunes the module in place; `save()` writes a file Python's torch.jit.load reads.
 */
export class ScriptModule {
  /** The module's other TorchScript methods, callable by name as in Python: `m.encode(x)` is `m.runMethod("encode", x)`. */
  [method: string]: any;
  /** @internal native handle */
  readonly _h: any;
  private _params: [string, Tensor][] | null = null;
  private _buffers: [string, Tensor][] | null = null;
  private _children: [string, ScriptModule][] | null = null;  // the same objects each call (their tensors are cached)
  private _methods: Set<string> | null = null;

  /** @internal */
  constructor(handle: any) {
    this._h = handle;
    // names that are not properties of the class resolve to the module's methods (m.forward stays the class's)
    return new Proxy(this, {
      get(target, prop, receiver) {
        if (typeof prop !== "string" || prop in target) return Reflect.get(target, prop, receiver);
        target._methods ??= new Set(target.methodNames);
        if (target._methods.has(prop)) return (...args: any[]) => target.runMethod(prop, ...args);
        return undefined;
      },
    });
  }

  /** The TorchScript class name (__torch__.MyNet). */
  get typeName(): string { return native.JitTypeName(this._h); }
  /** Names of the methods (and, for jit.compile, the functions) that runMethod can call. */
  get methodNames(): string[] { return native.JitMethodNames(this._h); }
  /** A method's signature, e.g. "forward(__torch__.Net self, Tensor x) -> Tensor". */
  methodSchema(name = "forward"): string { return native.JitSchema(this._h, name); }
  /** A method's TorchScript graph as text. */
  graph(name = "forward"): string { return native.JitGraph(this._h, name); }

  private defaultMethod(): string {
    const names = this.methodNames;
    if (names.includes("forward") || names.length !== 1) return "forward";
    return names[0];
  }

  /** Runs forward (for jit.compile with a single function: that function). */
  forward(...args: any[]): any { return native.JitRun(this._h, this.defaultMethod(), ...args); }
  /** Runs a method by name. */
  runMethod(name: string, ...args: any[]): any { return native.JitRun(this._h, name, ...args); }
  /**
   * Runs forward on a libuv worker thread; the event loop stays free meanwhile. Inputs are captured when called;
   * concurrent calls are safe. Grad mode and inference mode are those in effect at the call.
   */
  forwardAsync(...args: any[]): Promise<any> { return native.JitRunAsync(this._h, this.defaultMethod(), ...args); }
  runMethodAsync(name: string, ...args: any[]): Promise<any> { return native.JitRunAsync(this._h, name, ...args); }

  // ---- parameters, buffers, submodules ----
  private cached(kind: "params" | "buffers"): [string, Tensor][] {
    if (kind === "params") {
      if (!this._params) this._params = (native.JitNamedParameters(this._h, true) as [string, Tensor][]).map(([n, t]) => [n, keep(t)]);
      return this._params;
    }
    if (!this._buffers) this._buffers = (native.JitNamedBuffers(this._h, true) as [string, Tensor][]).map(([n, t]) => [n, keep(t)]);
    return this._buffers;
  }
  /** [name, parameter] pairs ("layer1.0.conv1.weight"); the Tensors are the module's own (kept out of tidy scopes). */
  namedParameters(opts?: { recurse?: boolean }): [string, Tensor][] {
    const all = this.cached("params");
    return opts?.recurse === false ? all.filter(([n]) => !n.includes(".")) : all.slice();
  }
  parameters(recurse = true): Tensor[] { return this.namedParameters({ recurse }).map((e) => e[1]); }
  namedBuffers(opts?: { recurse?: boolean }): [string, Tensor][] {
    const all = this.cached("buffers");
    return opts?.recurse === false ? all.filter(([n]) => !n.includes(".")) : all.slice();
  }
  buffers(recurse = true): Tensor[] { return this.namedBuffers({ recurse }).map((e) => e[1]); }
  namedChildren(): [string, ScriptModule][] {
    if (!this._children) this._children = (native.JitNamedChildren(this._h) as [string, any][]).map(([n, h]) => [n, new ScriptModule(h)]);
    return this._children.slice();
  }
  children(): ScriptModule[] { return this.namedChildren().map((e) => e[1]); }
  /** This module and every submodule, with dotted names ("" for this one). */
  namedModules(prefix = ""): [string, ScriptModule][] {
    const out: [string, ScriptModule][] = [[prefix, this]];
    for (const [n, c] of this.namedChildren()) out.push(...c.namedModules(prefix ? `${prefix}.${n}` : n));
    return out;
  }
  /** A module attribute that is not a submodule (numbers, strings, tensors, lists...). */
  attr(name: string): any { return native.JitAttr(this._h, name); }

  // ---- modes and devices ----
  get training(): boolean { return native.JitIsTraining(this._h); }
  train(mode = true): this { native.JitTrain(this._h, mode); return this; }
  eval(): this { return this.train(false); }
  /** Moves or casts parameters and buffers in place (the same Tensor objects): to("cuda"), to(torch.float64). */
  to(a: Device | DType | { device?: Device; dtype?: DType }, b?: DType): this {
    let device: Device | null = null, dtype: DType | null = null;
    if (typeof a === "string") device = a;
    else if (a instanceof DType) dtype = a;
    else if (a && typeof a === "object") { device = a.device ?? null; dtype = a.dtype ?? null; }
    if (b instanceof DType) dtype = b;
    native.JitTo(this._h, device, dtype ? dtype.code : null);
    return this;
  }
  cpu(): this { return this.to("cpu"); }
  cuda(device: string | number = "cuda"): this { return this.to(typeof device === "number" ? `cuda:${device}` : device); }

  // ---- state ----
  /** Parameters and buffers by name: new detached handles sharing storage (dispose them or call inside tidy). */
  stateDict(): Record<string, Tensor> {
    const sd: Record<string, Tensor> = {};
    for (const [n, t] of this.cached("params")) sd[n] = t.detach();
    for (const [n, t] of this.cached("buffers")) sd[n] = t.detach();
    return sd;
  }
  /** Copies tensors from sd into the parameters and buffers (in place). */
  loadStateDict(sd: Record<string, Tensor> | Map<string, Tensor>, opts?: { strict?: boolean }): { missingKeys: string[]; unexpectedKeys: string[] } {
    const strict = opts?.strict ?? true;
    const src = sd instanceof Map ? sd : new Map(Object.entries(sd));
    const own = new Map([...this.cached("params"), ...this.cached("buffers")]);
    const missingKeys = [...own.keys()].filter((k) => !src.has(k));
    const unexpectedKeys = [...src.keys()].filter((k) => !own.has(k));
    if (strict && (missingKeys.length || unexpectedKeys.length))
      throw new Error(`Error(s) in loading state_dict for ScriptModule: missing keys ${JSON.stringify(missingKeys)}, unexpected keys ${JSON.stringify(unexpectedKeys)}`);
    noGrad(() => {
      for (const [k, t] of own) {
        const v = src.get(k);
        if (!v) continue;
        const a = t.shape, b = v.shape;
        if (a.length !== b.length || a.some((d, i) => d !== b[i]))
          throw new Error(`size mismatch for ${k}: copying a param with shape [${b}] from checkpoint, the shape in current model is [${a}]`);
        t.copy_(v);
      }
    });
    return { missingKeys, unexpectedKeys };
  }
  /** Sets every parameter's gradient to null. */
  zeroGrad(): void { for (const [, p] of this.cached("params")) p.grad = null; }
  requiresGrad_(flag = true): this { for (const [, p] of this.cached("params")) p.requiresGrad_(flag); return this; }

  /** Writes the module as TorchScript (Python: torch.jit.load(path)). */
  save(path: string): void {
    try {
      native.JitSave(this._h, path);
    } catch (e: any) {
      e.message = `ScriptModule.save('${path}'): ${e.message}`;
      throw e;
    }
  }

  toString(): string {
    const lines = [`ScriptModule(${this.typeName.replace(/^__torch__\./, "")})`];
    for (const [n, c] of this.namedChildren()) lines.push(`  (${n}): ${c.toString().split("\n").join("\n  ")}`);
    return lines.join("\n");
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string { return this.toString(); }
}

export function checkFile(path: string, what: string): void {
  if (typeof path !== "string") throw new TypeError("argument 'path' must be a string");
  if (!fs.existsSync(path)) throw new Error(`${what}('${path}'): no such file`);
}
