// Containers: Sequential, ModuleList, ModuleDict.
import { Tensor } from "../tensor";
import { Module, Parameter } from "./module";
import { PlanBuilder, acquire, release, runPlan, isPlannable, builtin } from "./plan";

function absIndex(i: number, n: number): number {
  if (!Number.isInteger(i) || i < -n || i >= n) throw new RangeError(`index ${i} is out of range`);
  return i < 0 ? i + n : i;
}

const INDEX = /^-?\d+$/;
/**
 * The container behind a Proxy that gives Python's seq[i] and seq[i] = m: positional (named Sequentials too) and
 * negative from the end; an index out of range reads undefined and throws a RangeError on assignment.
 */
function indexable<T extends Sequential | ModuleList>(c: T): T {
  return new Proxy(c, {
    get(t, k, r) {
      if (typeof k === "string" && INDEX.test(k)) {
        const n = t.length, i = Number(k);
        return i >= -n && i < n ? t.at(i) : undefined;
      }
      return Reflect.get(t, k, r);
    },
    set(t, k, v, r) {
      if (typeof k === "string" && INDEX.test(k)) { t.set(Number(k), v); return true; }
      return Reflect.set(t, k, v, r);
    },
  });
}

function isNamedArg(a: any): boolean {
  return a instanceof Map || (a !== null && typeof a === "object" && !(a instanceof Module) && !Array.isArray(a));
}

/**
 * Runs its modules in order. new Sequential(a, b, c) names them "0", "1", "2"; new Sequential({ conv: a, relu: b })
 * (or a Map) keeps the names. When every layer is a built-in one, the whole forward is one native call.
 */
export class Sequential extends Module {
  /** seq[i] and seq[i] = m as in Python: by position (named Sequentials too), negative from the end. */
  [index: number]: Module;
  /** Fuse runs of built-in layers into one native call (set false to call each layer's forward). */
  static nativeForward = process.env.TORCHTS_NN_FUSE !== "0";

  constructor(...modules: Module[]);
  constructor(named: Record<string, Module> | Map<string, Module>);
  constructor(...args: any[]) {
    super();
    if (args.length === 1 && isNamedArg(args[0])) {
      const entries: [string, Module][] = args[0] instanceof Map ? [...args[0].entries()] : Object.entries(args[0]);
      for (const [k, m] of entries) this.registerModule(k, m);
    } else {
      args.forEach((m, i) => this.registerModule(String(i), m));
    }
    return indexable(this);
  }
  get length(): number { this._sync(); return this._modules.size; }
  /** The module at index i (negative counts from the end). */
  at(i: number): Module {
    const vals = [...this._modules.values()];
    return vals[absIndex(i, vals.length)]!;
  }
  /** Same as at(i) (Python's seq[i]). */
  get(i: number): Module { return this.at(i); }
  /** A new Sequential over modules start..end (shared, names kept), like seq[start:end]. */
  slice(start?: number, end?: number): Sequential {
    return new Sequential(new Map([...this._modules.entries()].slice(start, end) as [string, Module][]));
  }
  /** Replaces the module at index i, keeping its name (Python's seq[i] = m). */
  set(i: number, m: Module): void {
    const keys = [...this._modules.keys()];
    this.registerModule(keys[absIndex(i, keys.length)], m);
  }
  /** Removes and returns the module at index i; the rest are renumbered "0", "1", ... as in PyTorch. */
  pop(i: number): Module {
    const items = [...this._modules.values()];
    const [m] = items.splice(absIndex(i, items.length), 1);
    renumber(this, items);
    return m!;
  }
  /** Python's del seq[i]: removes the module at index i and renumbers the rest. */
  delete(i: number): void { this.pop(i); }
  append(m: Module): this { this.registerModule(String(this.length), m); return this; }
  extend(ms: Iterable<Module>): this { for (const m of ms) this.append(m); return this; }
  insert(index: number, m: Module): this {
    const items = [...this._modules.values()] as Module[];
    const n = items.length;
    if (!Number.isInteger(index) || index < -n || index > n) throw new RangeError(`Index out of range: ${index}`);
    items.splice(index < 0 ? index + n : index, 0, m);
    renumber(this, items);
    return this;
  }
  [Symbol.iterator](): Iterator<Module> { return (this._modules.values() as any as Module[])[Symbol.iterator](); }

  _canPlan(): boolean {
    if (!Sequential.nativeForward) return false;
    for (const m of this._modules.values()) if (m && !isPlannable(m)) return false;
    return true;
  }
  _plan(b: PlanBuilder): void { for (const m of this._modules.values()) if (m) (m as any)._plan(b); }

  forward(input: any): any {
    let x = input;
    if (!Sequential.nativeForward) {
      let prevOwned = false;  // x came from a built-in layer here, so nothing else holds it
      for (const m of this._modules.values()) {
        if (!m) continue;
        const builtinLayer = isPlannable(m);
        const y = m.forward(x);
        if (prevOwned && builtinLayer && y !== x) (x as Tensor).dispose();
        prevOwned = builtinLayer && y !== input && (y !== x || prevOwned);
        x = y;
      }
      return x;
    }
    const b = acquire();
    let owned = false;
    try {
      for (const m of this._modules.values()) {
        if (!m) continue;
        if (isPlannable(m)) { (m as any)._plan(b); continue; }
        if (b.n) {
          const y = runPlan(b, x);
          if (owned && y !== x) x.dispose();
          owned = y !== x || owned;
          x = y;
          b.n = 0;
        }
        x = m.forward(x);
        owned = false;
      }
      if (b.n) {
        const y = runPlan(b, x);
        if (owned && y !== x) x.dispose();
        x = y;
      }
    } finally { release(b); }
    return x;
  }
}
builtin(Sequential);

function renumber(m: Module, items: (Module | null)[]): void {
  for (const k of [...m._modules.keys()]) { delete (m as any)[k]; m._modules.delete(k); }
  items.forEach((c, i) => m.registerModule(String(i), c));
}

/** A list of modules, registered as "0", "1", ... (no forward of its own). */
export class ModuleList extends Module {
  /** ml[i] and ml[i] = m as in Python, negative from the end. */
  [index: number]: Module;
  constructor(modules?: Iterable<Module>) {
    super();
    if (modules) for (const m of modules) this.append(m);
    return indexable(this);
  }
  get length(): number { this._sync(); return this._modules.size; }
  at(i: number): Module {
    const vals = [...this._modules.values()];
    return vals[absIndex(i, vals.length)]!;
  }
  /** The module at index i (Python's ml[i]); same as at(i). */
  get(i: number): Module { return this.at(i); }
  /** Replaces the module at index i. */
  set(i: number, m: Module): void { this.registerModule(String(absIndex(i, this.length)), m); }
  append(m: Module): this { this.registerModule(String(this.length), m); return this; }
  extend(ms: Iterable<Module>): this { for (const m of ms) this.append(m); return this; }
  insert(index: number, m: Module): void {
    const items = [...this._modules.values()];
    const n = items.length;
    items.splice(index < 0 ? Math.max(0, index + n) : Math.min(index, n), 0, m);
    renumber(this, items);
  }
  /** Removes and returns the module at index i (default: the last). */
  pop(i = -1): Module {
    const items = [...this._modules.values()];
    const k = absIndex(i, items.length);
    const [m] = items.splice(k, 1);
    renumber(this, items);
    return m!;
  }
  /** Python's del ml[i]: removes the module at index i and renumbers the rest. */
  delete(i: number): void { this.pop(i); }
  slice(start?: number, end?: number): ModuleList { return new ModuleList(([...this._modules.values()] as Module[]).slice(start, end)); }
  [Symbol.iterator](): Iterator<Module> { return (this._modules.values() as any as Module[])[Symbol.iterator](); }
  map<T>(fn: (m: Module, i: number) => T): T[] { return ([...this._modules.values()] as Module[]).map(fn); }
  forEach(fn: (m: Module, i: number) => void): void { ([...this._modules.values()] as Module[]).forEach(fn); }
}

/** Modules by name, in insertion order; iterating gives the keys, as in PyTorch. */
export class ModuleDict extends Module {
  constructor(modules?: Record<string, Module> | Map<string, Module> | Iterable<[string, Module]>) {
    super();
    if (modules) this.update(modules);
  }
  get length(): number { this._sync(); return this._modules.size; }
  get size(): number { return this.length; }
  get(key: string): Module {
    const m = this._modules.get(key);
    if (m === undefined) throw new Error(`KeyError: '${key}'`);
    return m!;
  }
  set(key: string, m: Module): this { this.registerModule(key, m); return this; }
  has(key: string): boolean { return this._modules.has(key); }
  /** Removes key and returns its module. */
  pop(key: string): Module {
    const m = this.get(key);
    delete (this as any)[key];
    this._modules.delete(key);
    return m;
  }
  delete(key: string): boolean { if (!this.has(key)) return false; this.pop(key); return true; }
  clear(): void { for (const k of [...this._modules.keys()]) this.pop(k); }
  keys(): string[] { return [...this._modules.keys()]; }
  values(): Module[] { return [...this._modules.values()] as Module[]; }
  items(): [string, Module][] { return [...this._modules.entries()] as [string, Module][]; }
  entries(): [string, Module][] { return this.items(); }
  update(modules: Record<string, Module> | Map<string, Module> | Iterable<[string, Module]>): void {
    let entries: Iterable<[string, Module]>;
    if (modules instanceof Map || (Symbol.iterator in Object(modules) && !(modules instanceof Module))) entries = modules as Iterable<[string, Module]>;
    else entries = Object.entries(modules as Record<string, Module>);
    for (const [k, m] of entries) this.registerModule(k, m);
  }
  [Symbol.iterator](): Iterator<string> { return this._modules.keys(); }
}

const typeNames: Record<string, string> = { float32: "Float", float64: "Double", float16: "Half", bfloat16: "BFloat16", int64: "Long",
  int32: "Int", int16: "Short", int8: "Char", uint8: "Byte", bool: "Bool" };
/** One line of ParameterList/ParameterDict's printout, as PyTorch's extra_repr writes it. */
function paramLine(k: string, p: Tensor, typeName: boolean): string {
  const dev = p.device;
  const cuda = dev.startsWith("cuda");
  const ty = typeName ? `torch.${cuda ? "cuda." : ""}${typeNames[p.dtype.name] ?? p.dtype.name}Tensor` : String(p.dtype);
  const gpu = cuda ? ` (GPU ${dev.includes(":") ? dev.split(":")[1] : 0})` : "";
  return `  (${k}): ${p instanceof Parameter ? "Parameter" : "Tensor"} containing: [${ty} of size ${p.shape.join("x")}${gpu}]`;
}
function asParam(v: Tensor): Parameter {
  if (v instanceof Parameter) return v;
  if (v instanceof Tensor) return new Parameter(v);
  throw new TypeError(`ParameterList/ParameterDict hold Tensors, got ${v === null ? "null" : typeof v}`);
}

/** Parameters in a list, registered as "0", "1", ... (torch.nn.ParameterList); plain Tensors become Parameters. */
export class ParameterList extends Module {
  constructor(values?: Iterable<Tensor>) {
    super();
    if (values) this.extend(values);
  }
  get length(): number { return this._parameters.size; }
  at(i: number): Parameter {
    const vals = [...this._parameters.values()];
    return vals[absIndex(i, vals.length)]!;
  }
  /** Replaces the parameter at index i. */
  set(i: number, p: Tensor): void { this.registerParameter(String(absIndex(i, this.length)), asParam(p)); }
  append(p: Tensor): this { this.registerParameter(String(this.length), asParam(p)); return this; }
  extend(ps: Iterable<Tensor>): this { for (const p of ps) this.append(p); return this; }
  [Symbol.iterator](): Iterator<Parameter> { return ([...this._parameters.values()] as Parameter[])[Symbol.iterator](); }
  map<T>(fn: (p: Parameter, i: number) => T): T[] { return ([...this._parameters.values()] as Parameter[]).map(fn); }
  forEach(fn: (p: Parameter, i: number) => void): void { ([...this._parameters.values()] as Parameter[]).forEach(fn); }
  forward(): never { throw new Error("ParameterList should not be called."); }
  extraRepr(): string { return [...this._parameters.entries()].map(([k, p]) => paramLine(k, p!, false)).join("\n"); }
}

/**
 * Parameters by name (torch.nn.ParameterDict); iterating gives the keys. A plain object's entries are added in
 * sorted key order, as PyTorch does for a dict; a Map or a list of pairs keeps its order.
 */
export class ParameterDict extends Module {
  constructor(params?: Record<string, Tensor> | Map<string, Tensor> | Iterable<[string, Tensor]>) {
    super();
    if (params) this.update(params);
  }
  get length(): number { return this._parameters.size; }
  get size(): number { return this.length; }
  get(key: string): Parameter {
    const p = this._parameters.get(key);
    if (p === undefined) throw new Error(`KeyError: '${key}'`);
    return p!;
  }
  set(key: string, p: Tensor): this {
    if (typeof key !== "string") throw new TypeError(`Parameter keys must be strings, got ${typeof key}`);
    this.registerParameter(key, asParam(p));
    return this;
  }
  has(key: string): boolean { return this._parameters.has(key); }
  pop(key: string): Parameter {
    const p = this.get(key);
    delete (this as any)[key];
    this._parameters.delete(key);
    return p;
  }
  delete(key: string): boolean { if (!this.has(key)) return false; this.pop(key); return true; }
  clear(): void { for (const k of [...this._parameters.keys()]) this.pop(k); }
  keys(): string[] { return [...this._parameters.keys()]; }
  values(): Parameter[] { return [...this._parameters.values()] as Parameter[]; }
  items(): [string, Parameter][] { return [...this._parameters.entries()] as [string, Parameter][]; }
  entries(): [string, Parameter][] { return this.items(); }
  update(params: Record<string, Tensor> | Map<string, Tensor> | Iterable<[string, Tensor]>): void {
    let entries: [string, Tensor][];
    if (params instanceof Map || params instanceof ParameterDict) entries = [...(params as any).entries()];
    else if (Symbol.iterator in Object(params)) entries = [...(params as Iterable<[string, Tensor]>)];
    else entries = Object.entries(params as Record<string, Tensor>).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [k, p] of entries) this.set(k, p);
  }
  [Symbol.iterator](): Iterator<string> { return this._parameters.keys(); }
  forward(): never { throw new Error("ParameterDict should not be called."); }
  extraRepr(): string { return [...this._parameters.entries()].map(([k, p]) => paramLine(k, p!, true)).join("\n"); }
}
