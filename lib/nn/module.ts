// nn.Module and nn.Parameter. Parameters and submodules assigned as fields are discovered (in field order)
// the first time the module is traversed or registers something; registerX covers dynamic names.
import { native } from "../native";
import { Tensor, Device, empty } from "../tensor";
import { DType, MemoryFormat } from "../dtype";
import { keep, finalizer } from "../memory";
import { noGrad } from "../autograd";

/** Takes over t's native handle (t becomes disposed without freeing it). */
function steal(t: Tensor): number {
  keep(t);
  finalizer.unregister(t);
  const id = t._id;
  t._id = -1;
  return id;
}

/** A Tensor that is a module parameter: a leaf sharing `data`'s storage, requiring grad by default. Never owned by a tidy scope. */
export class Parameter extends Tensor {
  constructor(data?: Tensor | null, requiresGrad = true) {
    const src = data ?? empty([0]);
    const id = steal(src.detach());
    if (!data) src.dispose();
    super(id);
    keep(this);
    if (requiresGrad) native.SetRequiresGrad(id, true);
  }
  toString(): string { return "Parameter containing:\n" + super.toString(); }
}

/** Bumped whenever any module's registered structure or forward hooks change (plan caches key on it). */
export let structureVersion = 0;

export interface RemovableHandle { remove(): void; }
export type ForwardPreHook = (module: Module, args: any[]) => any;
export type ForwardHook = (module: Module, args: any[], output: any) => any;
export type StateDict = Record<string, Tensor>;
export interface IncompatibleKeys { missingKeys: string[]; unexpectedKeys: string[]; }
type ToArg = Device | DType | Tensor | { device?: Device; dtype?: DType; memoryFormat?: MemoryFormat; nonBlocking?: boolean };

let hookIds = 0;

function typeName(v: any): string {
  if (v === null) return "null";
  if (v instanceof Tensor) return "Tensor";
  if (typeof v === "object" && v.constructor) return v.constructor.name;
  return typeof v;
}
function checkName(name: any, what: string): void {
  if (typeof name !== "string") throw new TypeError(`${what} name should be a string, got ${typeof name}`);
  if (name === "") throw new Error(`${what} name can't be empty string ""`);
  if (name.includes(".")) throw new Error(`${what} name can't contain "."`);
}
function sizeStr(s: readonly number[]): string { return `torch.Size([${s.join(", ")}])`; }
function addIndent(s: string, n: number): string {
  const lines = s.split("\n");
  if (lines.length === 1) return s;
  return lines[0] + "\n" + lines.slice(1).map((l) => " ".repeat(n) + l).join("\n");
}

function hidden(obj: any, key: string, value: any): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: false, configurable: true });
}

/** Base class for all neural network modules (torch.nn.Module). Subclasses implement forward(). */
export class Module {
  /** Training mode (true) or evaluation mode (false); set recursively by train() and eval(). */
  training: boolean;
  declare _parameters: Map<string, Parameter | null>;
  declare _buffers: Map<string, Tensor | null>;
  declare _nonPersistentBuffers: Set<string>;
  declare _modules: Map<string, Module | null>;
  declare _forwardPreHooks: Map<number, ForwardPreHook>;
  declare _forwardHooks: Map<number, ForwardHook>;

  constructor() {
    hidden(this, "_parameters", new Map());
    hidden(this, "_buffers", new Map());
    hidden(this, "_nonPersistentBuffers", new Set());
    hidden(this, "_modules", new Map());
    hidden(this, "_forwardPreHooks", new Map());
    hidden(this, "_forwardHooks", new Map());
    this.training = true;
  }

  forward(...args: any[]): any {
    throw new Error(`Module [${this._getName()}] is missing the required "forward" function`);
  }

  // ---- registration ----
  /** Adopts Parameter and Module fields not registered yet, in definition order. */
  _sync(): void {
    for (const k of Object.keys(this)) {
      const v = (this as any)[k];
      if (v instanceof Parameter || v instanceof Module) this._store(k, v);
    }
  }

  private _store(name: string, v: Parameter | Module | Tensor | null, kind?: "p" | "b" | "m"): void {
    const k = kind ?? (v instanceof Parameter ? "p" : v instanceof Module ? "m" : "b");
    if (k !== "p") this._parameters.delete(name);
    if (k !== "b") { this._buffers.delete(name); this._nonPersistentBuffers.delete(name); }
    if (k !== "m") this._modules.delete(name);
    if (k === "p") this._parameters.set(name, v as Parameter | null);
    else if (k === "m") this._modules.set(name, v as Module | null);
    else { if (v) keep(v as Tensor); this._buffers.set(name, v as Tensor | null); }
    const self = this;
    Object.defineProperty(this, name, {
      get() {
        if (self._parameters.has(name)) return self._parameters.get(name);
        if (self._buffers.has(name)) return self._buffers.get(name);
        return self._modules.get(name);
      },
      set(val: any) { self._setAttr(name, val); },
      enumerable: false,
      configurable: true,
    });
    structureVersion++;
  }

  /** Assignment to a registered name, with PyTorch's __setattr__ rules. */
  private _setAttr(name: string, v: any): void {
    if (v instanceof Parameter || v instanceof Module) return this._store(name, v);
    const nullish = v === null || v === undefined;
    if (this._parameters.has(name)) {
      if (!nullish) throw new TypeError(`cannot assign '${typeName(v)}' as parameter '${name}' (nn.Parameter or null expected)`);
      return this._store(name, null, "p");
    }
    if (this._modules.has(name)) {
      if (!nullish) throw new TypeError(`cannot assign '${typeName(v)}' as child module '${name}' (nn.Module or null expected)`);
      return this._store(name, null, "m");
    }
    if (this._buffers.has(name)) {
      if (!nullish && !(v instanceof Tensor)) throw new TypeError(`cannot assign '${typeName(v)}' as buffer '${name}' (Tensor or null expected)`);
      const persistent = !this._nonPersistentBuffers.has(name);
      this._store(name, nullish ? null : v, "b");
      if (!persistent) this._nonPersistentBuffers.add(name);
      return;
    }
    Object.defineProperty(this, name, { value: v, writable: true, enumerable: true, configurable: true });
  }

  private _checkFree(name: string, map: Map<string, any>, what: string): void {
    if (name in this && !map.has(name)) throw new Error(`attribute '${name}' already exists`);
    checkName(name, what);
  }

  /** Adds a parameter under `name` (null registers the name with no value, like PyTorch's bias=None). */
  registerParameter(name: string, param: Parameter | null): void {
    this._sync();
    checkName(name, "parameter");
    this._checkFree(name, this._parameters, "parameter");
    if (param !== null && !(param instanceof Parameter))
      throw new TypeError(`cannot assign '${typeName(param)}' object to parameter '${name}' (nn.Parameter or null required)`);
    this._store(name, param, "p");
  }

  /** Adds a buffer: state that is not a parameter (running_mean). Persistent buffers are part of stateDict(). */
  registerBuffer(name: string, tensor: Tensor | null, opts?: { persistent?: boolean }): void {
    this._sync();
    checkName(name, "buffer");
    this._checkFree(name, this._buffers, "buffer");
    if (tensor !== null && !(tensor instanceof Tensor))
      throw new TypeError(`cannot assign '${typeName(tensor)}' object to buffer '${name}' (Tensor or null required)`);
    this._store(name, tensor, "b");
    if (opts?.persistent === false) this._nonPersistentBuffers.add(name);
  }

  /** Adds a child module (add_module). */
  registerModule(name: string, module: Module | null): void {
    this._sync();
    checkName(name, "module");
    this._checkFree(name, this._modules, "module");
    if (module !== null && !(module instanceof Module)) throw new TypeError(`${typeName(module)} is not a Module subclass`);
    this._store(name, module, "m");
  }
  addModule(name: string, module: Module | null): void { this.registerModule(name, module); }

  // ---- traversal ----
  /** Direct children with their names (each module once). */
  namedChildren(): [string, Module][] {
    this._sync();
    const out: [string, Module][] = [];
    const memo = new Set<Module>();
    for (const [n, m] of this._modules) if (m && !memo.has(m)) { memo.add(m); out.push([n, m]); }
    return out;
  }
  children(): Module[] { return this.namedChildren().map((e) => e[1]); }

  /** This module and all below it, pre-order, with dotted names ("" for this one). */
  namedModules(opts?: { prefix?: string; removeDuplicate?: boolean }, memo?: Set<Module>): [string, Module][] {
    const out: [string, Module][] = [];
    const dedup = opts?.removeDuplicate ?? true;
    const seen = memo ?? new Set<Module>();
    const walk = (m: Module, prefix: string) => {
      if (dedup) { if (seen.has(m)) return; seen.add(m); }
      out.push([prefix, m]);
      m._sync();
      for (const [n, c] of m._modules) if (c) walk(c, prefix ? `${prefix}.${n}` : n);
    };
    walk(this, opts?.prefix ?? "");
    return out;
  }
  modules(): Module[] { return this.namedModules().map((e) => e[1]); }

  private _namedMembers<T>(get: (m: Module) => Map<string, T | null>, opts?: { prefix?: string; recurse?: boolean; removeDuplicate?: boolean }): [string, T][] {
    const prefix = opts?.prefix ?? "";
    const dedup = opts?.removeDuplicate ?? true;
    const mods: [string, Module][] = opts?.recurse === false ? [[prefix, this]] : this.namedModules({ prefix, removeDuplicate: dedup });
    const memo = new Set<T>();
    const out: [string, T][] = [];
    for (const [mp, m] of mods) {
      m._sync();
      for (const [k, v] of get(m)) {
        if (v === null || v === undefined || (dedup && memo.has(v))) continue;
        memo.add(v);
        out.push([mp ? `${mp}.${k}` : k, v]);
      }
    }
    return out;
  }
  /** [name, parameter] pairs of this module and (recurse, default) its descendants; shared parameters once. */
  namedParameters(opts?: { prefix?: string; recurse?: boolean; removeDuplicate?: boolean }): [string, Parameter][] {
    return this._namedMembers((m) => m._parameters, opts);
  }
  parameters(recurse = true): Parameter[] { return this.namedParameters({ recurse }).map((e) => e[1]); }
  namedBuffers(opts?: { prefix?: string; recurse?: boolean; removeDuplicate?: boolean }): [string, Tensor][] {
    return this._namedMembers((m) => m._buffers, opts);
  }
  buffers(recurse = true): Tensor[] { return this.namedBuffers({ recurse }).map((e) => e[1]); }

  /** The submodule at a dotted path ("features.0"); "" is this module. */
  getSubmodule(target: string): Module {
    if (target === "") return this;
    let m: Module = this;
    for (const item of target.split(".")) {
      m._sync();
      const c = m._modules.get(item);
      if (!c) throw new Error(`${m._getName()} has no attribute \`${item}\``);
      m = c;
    }
    return m;
  }
  getParameter(target: string): Parameter {
    const i = target.lastIndexOf(".");
    const m = this.getSubmodule(i < 0 ? "" : target.slice(0, i));
    const p = m._parameters.get(target.slice(i + 1));
    if (!p) throw new Error(`${m._getName()} has no parameter \`${target.slice(i + 1)}\``);
    return p;
  }
  getBuffer(target: string): Tensor {
    const i = target.lastIndexOf(".");
    const m = this.getSubmodule(i < 0 ? "" : target.slice(0, i));
    const b = m._buffers.get(target.slice(i + 1));
    if (!b) throw new Error(`${m._getName()} has no buffer \`${target.slice(i + 1)}\``);
    return b;
  }

  // ---- modes and bulk operations ----
  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    if (typeof mode !== "boolean") throw new TypeError("training mode is expected to be boolean");
    this.training = mode;
    for (const c of this.children()) c.train(mode);
    return this;
  }
  eval(): this { return this.train(false); }

  /** Applies fn to every submodule (children first) and then to this module. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /** Sets requiresGrad on every parameter (freezing with false). */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /** Clears parameter gradients: to null (setToNone, the default as in PyTorch 2) or to zeros. */
  zeroGrad(opts?: { setToNone?: boolean }): void {
    const toNone = opts?.setToNone ?? true;
    for (const p of this.parameters()) {
      if (toNone) { native.SetGrad(p._id, null); continue; }
      const g = p.grad;
      if (!g) continue;
      if (g.gradFn !== null) g.detach_(); else g.requiresGrad_(false);
      g.zero_();
      g.dispose();
    }
  }

  /** Applies fn to every parameter (in place, keeping the Parameter objects), its grad, and every buffer. */
  _apply(fn: (t: Tensor) => Tensor): this {
    for (const c of this.children()) c._apply(fn);
    this._sync();
    noGrad(() => {
      for (const p of this._parameters.values()) {
        if (!p) continue;
        const r = fn(p);
        native.SetData(p._id, r._id);
        r.dispose();
        const g = p.grad;
        if (g) {
          const rg = fn(g);
          native.SetGrad(p._id, rg._id);
          rg.dispose();
          g.dispose();
        }
      }
      for (const [k, b] of this._buffers) {
        if (!b) continue;
        const r = fn(b);
        if (native.Same(r._id, b._id)) { r.dispose(); continue; }
        keep(r);
        this._buffers.set(k, r);
        b.dispose();
      }
    });
    return this;
  }

  /** Moves and/or casts parameters and buffers: to("cuda"), to(torch.float64), to({ memoryFormat: torch.channelsLast }). Integer buffers keep their dtype. */
  to(a: ToArg, b?: DType): this {
    let device: Device | undefined, dtype: DType | undefined, mf: MemoryFormat | undefined, nb = false;
    if (typeof a === "string") device = a;
    else if (a instanceof DType) dtype = a;
    else if (a instanceof Tensor) { device = a.device; dtype = a.dtype; }
    else if (a && typeof a === "object") { device = a.device; dtype = a.dtype; mf = a.memoryFormat; nb = !!a.nonBlocking; }
    else throw new TypeError("Module.to() expects a device string, a dtype, a Tensor or { device, dtype, memoryFormat }");
    if (b instanceof DType) dtype = b;
    if (dtype && !dtype.isFloatingPoint && !dtype.name.startsWith("complex"))
      throw new TypeError(`nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=${dtype}`);
    return this._apply((t) => {
      const fp = t.dtype.isFloatingPoint || t.dtype.name.startsWith("complex");
      const nd = t.dim();
      return t.to({ device, dtype: fp ? dtype : undefined, nonBlocking: nb, memoryFormat: mf && (nd === 4 || nd === 5) ? mf : undefined });
    });
  }
  cpu(): this { return this.to("cpu"); }
  cuda(device: number | string = "cuda"): this { return this.to(typeof device === "number" ? `cuda:${device}` : device); }
  float(): this { return this._apply((t) => (t.dtype.isFloatingPoint ? t.float() : t.alias())); }
  double(): this { return this._apply((t) => (t.dtype.isFloatingPoint ? t.double() : t.alias())); }
  half(): this { return this._apply((t) => (t.dtype.isFloatingPoint ? t.half() : t.alias())); }
  bfloat16(): this { return this._apply((t) => (t.dtype.isFloatingPoint ? t.bfloat16() : t.alias())); }

  /** Frees every parameter and buffer of this module and its descendants now. */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
    for (const b of this.buffers()) b.dispose();
  }

  // ---- state dicts ----
  /**
   * Parameters and persistent buffers by PyTorch's names ("features.0.weight", "bn.num_batches_tracked").
   * Values are new detached handles sharing storage (dispose them or call inside tidy); keepVars returns the
   * parameters and buffers themselves.
   */
  stateDict(opts?: { prefix?: string; keepVars?: boolean; destination?: StateDict }): StateDict {
    const dest: StateDict = opts?.destination ?? {};
    const prefix = opts?.prefix ?? "";
    const keepVars = !!opts?.keepVars;
    this._sync();
    for (const [k, p] of this._parameters) if (p) dest[prefix + k] = keepVars ? p : p.detach();
    for (const [k, b] of this._buffers) if (b && !this._nonPersistentBuffers.has(k)) dest[prefix + k] = keepVars ? b : b.detach();
    for (const [k, m] of this._modules) if (m) m.stateDict({ prefix: `${prefix}${k}.`, keepVars, destination: dest });
    return dest;
  }

  /** Copies this module's own entries from sd (one level); subclasses may override for compatibility. */
  _loadFromStateDict(sd: Map<string, Tensor>, prefix: string, strict: boolean, missing: string[], unexpected: string[], errors: string[]): void {
    const local = new Map<string, Tensor>();
    for (const [k, p] of this._parameters) if (p) local.set(k, p);
    for (const [k, b] of this._buffers) if (b && !this._nonPersistentBuffers.has(k)) local.set(k, b);
    for (const [name, param] of local) {
      const key = prefix + name;
      if (!sd.has(key)) { if (strict) missing.push(key); continue; }
      let input: any = sd.get(key);
      if (!(input instanceof Tensor)) {
        errors.push(`While copying the parameter named "${key}", expected a Tensor from checkpoint but received ${typeName(input)}`);
        continue;
      }
      const ps = param.shape;
      let is = input.shape;
      let tmp: Tensor | null = null;
      if (ps.length === 0 && is.length === 1) { tmp = input.select(0, 0); input = tmp; is = tmp!.shape; }
      if (ps.length !== is.length || ps.some((d, i) => d !== is[i])) {
        errors.push(`size mismatch for ${key}: copying a param with shape ${sizeStr(is)} from checkpoint, the shape in current model is ${sizeStr(ps)}.`);
        tmp?.dispose();
        continue;
      }
      try {
        noGrad(() => param.copy_(input));
      } catch (e: any) {
        errors.push(`While copying the parameter named "${key}", whose dimensions in the model are ${sizeStr(ps)} and whose dimensions in the checkpoint are ${sizeStr(is)}, an exception occurred : ${e.message}.`);
      } finally { tmp?.dispose(); }
    }
    if (strict) {
      for (const key of sd.keys()) {
        if (!key.startsWith(prefix)) continue;
        const first = key.slice(prefix.length).split(".", 1)[0];
        if (!this._modules.has(first) && !local.has(first)) unexpected.push(key);
      }
    }
  }

  /**
   * Copies parameters and buffers from sd (a plain object or Map keyed as stateDict()). Returns the missing and
   * unexpected keys; throws when strict and any exist, and always on a shape mismatch (naming the key).
   */
  loadStateDict(sd: StateDict | Map<string, Tensor>, opts?: { strict?: boolean }): IncompatibleKeys {
    if (sd === null || typeof sd !== "object") throw new TypeError(`Expected stateDict to be an object or Map, got ${typeName(sd)}.`);
    const strict = opts?.strict ?? true;
    const all = sd instanceof Map ? new Map(sd) : new Map(Object.entries(sd));
    const missing: string[] = [], unexpected: string[] = [], errors: string[] = [];
    const load = (m: Module, local: Map<string, Tensor>, prefix: string) => {
      m._sync();
      m._loadFromStateDict(local, prefix, true, missing, unexpected, errors);
      for (const [name, c] of m._modules) {
        if (!c) continue;
        const cp = `${prefix}${name}.`;
        const sub = new Map<string, Tensor>();
        for (const [k, v] of local) if (k.startsWith(cp)) sub.set(k, v);
        load(c, sub, cp);
      }
    };
    load(this, all, "");
    if (strict) {
      if (unexpected.length) errors.unshift(`Unexpected key(s) in state_dict: ${unexpected.map((k) => `"${k}"`).join(", ")}. `);
      if (missing.length) errors.unshift(`Missing key(s) in state_dict: ${missing.map((k) => `"${k}"`).join(", ")}. `);
    }
    if (errors.length) throw new Error(`Error(s) in loading state_dict for ${this._getName()}:\n\t${errors.join("\n\t")}`);
    return { missingKeys: missing, unexpectedKeys: unexpected };
  }

  // ---- hooks ----
  private _hookForward(): void {
    const cur = (this as any).forward;
    if (Object.prototype.hasOwnProperty.call(this, "forward") && cur._hooked) return;
    const hadOwn = Object.prototype.hasOwnProperty.call(this, "forward");
    const self = this;
    const wrapper: any = function (...args: any[]) {
      for (const h of self._forwardPreHooks.values()) {
        const r = h(self, args);
        if (r !== undefined && r !== null) args = Array.isArray(r) ? r : [r];
      }
      let out = cur.apply(self, args);
      for (const h of self._forwardHooks.values()) {
        const r = h(self, args, out);
        if (r !== undefined && r !== null) out = r;
      }
      return out;
    };
    wrapper._hooked = true;
    wrapper._restore = () => { if (hadOwn) hidden(self, "forward", cur); else delete (self as any).forward; };
    hidden(this, "forward", wrapper);
    structureVersion++;
  }
  private _unhookForward(): void {
    if (this._forwardPreHooks.size || this._forwardHooks.size) return;
    const cur = (this as any).forward;
    if (Object.prototype.hasOwnProperty.call(this, "forward") && cur._hooked) { cur._restore(); structureVersion++; }
  }
  /** hook(module, args) runs before forward; it may return replacement args (an array, or one value). */
  registerForwardPreHook(hook: ForwardPreHook): RemovableHandle {
    const id = ++hookIds;
    this._forwardPreHooks.set(id, hook);
    this._hookForward();
    return { remove: () => { this._forwardPreHooks.delete(id); this._unhookForward(); } };
  }
  /** hook(module, args, output) runs after forward; it may return a replacement output. */
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    const id = ++hookIds;
    this._forwardHooks.set(id, hook);
    this._hookForward();
    return { remove: () => { this._forwardHooks.delete(id); this._unhookForward(); } };
  }

  // ---- printing ----
  _getName(): string { return this.constructor.name; }
  /** The layer's own settings, as in PyTorch's extra_repr ("in_features=3, out_features=4, bias=True"). */
  extraRepr(): string { return ""; }
  /** The module tree, printed as PyTorch's print(model). */
  toString(): string {
    this._sync();
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split("\n") : [];
    const childLines: string[] = [];
    for (const [k, m] of this._modules) childLines.push(`(${k}): ${addIndent(m ? m.toString() : "None", 2)}`);
    const lines = [...extraLines, ...childLines];
    let s = this._getName() + "(";
    if (lines.length) {
      if (extraLines.length === 1 && !childLines.length) s += extraLines[0];
      else s += "\n  " + lines.join("\n  ") + "\n";
    }
    return s + ")";
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string { return this.toString(); }
}

// ---- Python-style formatting for extraRepr ----
/** A float as Python's repr prints it (1e-05, 0.1, 1.0). */
export function pyFloat(x: number | null | undefined): string {
  if (x === null || x === undefined) return "None";
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(1);
  const e = x.toExponential();  // shortest round-trip digits
  const [mant, expS] = e.split("e");
  const exp = parseInt(expS, 10);
  if (exp < -4 || exp >= 16) return `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return String(x);
}
/** A number as Python would print it, given whether PyTorch stores it as a float. */
export function pyNum(x: number | null | undefined, isFloat: boolean): string {
  if (x === null || x === undefined) return "None";
  return isFloat ? pyFloat(x) : String(x);
}
export function pyBool(b: boolean): string { return b ? "True" : "False"; }
/** A tuple or int as Python prints it: (3, 3), (1,), 2. */
export function pyTuple(v: number | readonly (number | null)[] | null): string {
  if (v === null) return "None";
  if (typeof v === "number") return String(v);
  const items = v.map((x) => (x === null ? "None" : String(x)));
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
}
