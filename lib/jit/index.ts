// torch.jit: load TorchScript files, trace torchts modules and functions, compile TorchScript source.
import { native } from "../native";
import { Tensor, tracingHooks } from "../tensor";
import { tidy } from "../memory";
import { noGrad } from "../autograd";
import { ScriptModule, checkFile } from "./script_module";

export { ScriptModule } from "./script_module";
export type { ScriptValue } from "./script_module";

/** Loads a TorchScript file (Python's torch.jit.save or ScriptModule.save), optionally onto a device. */
export function load(path: string, opts?: { device?: string }): ScriptModule {
  checkFile(path, "jit.load");
  try {
    return new ScriptModule(native.JitLoad(path, opts?.device ?? null));
  } catch (e: any) {
    e.message = `jit.load('${path}'): ${e.message}`;
    throw e;
  }
}

/** What jit.trace needs from a module: PyTorch's nn.Module surface (duck-typed). */
export interface Traceable {
  forward(...args: any[]): any;
  namedParameters(): [string, Tensor][];
  namedBuffers?(): [string, Tensor][];
  namedModules?(): [string, any][];
  training?: boolean;
}

export interface TraceOptions {
  /** Re-run the module and the trace on the example inputs and warn when they differ (default true). */
  checkTrace?: boolean;
  /** Relative and absolute tolerance of that check (default 1e-5). */
  checkTolerance?: number;
  /** Refuse mutable containers (dicts) as outputs, as PyTorch's strict tracing does (default true). */
  strict?: boolean;
}

function className(x: any, fallback: string): string {
  const n = String(x?.constructor?.name ?? "").replace(/[^A-Za-z0-9_]/g, "_");
  return n && n !== "Object" && n !== "Function" ? n : fallback;
}

function flatTensors(v: any, out: Tensor[] = []): Tensor[] {
  if (v instanceof Tensor) out.push(v);
  else if (Array.isArray(v)) for (const x of v) flatTensors(x, out);
  else if (v && typeof v === "object") for (const k of Object.keys(v)) flatTensors(v[k], out);
  return out;
}

/** Parameter names of a function or method, when they are plain identifiers (names the traced graph's inputs). */
function argNames(f: Function, n: number): string[] {
  const src = Function.prototype.toString.call(f);
  const m = /^(?:async\s+)?(?:function\b[^(]*|[A-Za-z_$][\w$]*\s*)?\(([^)]*)\)/.exec(src) ?? /^([A-Za-z_$][\w$]*)\s*=>/.exec(src);
  if (!m) return [];
  const names = m[1].split(",").map((s) => s.trim()).filter((s) => s.length);
  const ok = names.length === n && names.every((s) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && s !== "self");
  return ok ? names : [];
}

let tracing = 0;
/** True while jit.trace runs the traced function. */
export function isTracing(): boolean { return tracing > 0 || native.IsTracing(); }

/**
 * Traces a module (or a function of tensors) on example inputs with libtorch's tracer and returns a ScriptModule
 * whose parameters and buffers are the module's own tensors. Control flow that depends on tensor values is baked
 * into the trace: reading values (item(), toArray(), data()) while tracing prints a TracerWarning, as in PyTorch.
 */
export function trace(mod: Traceable | ((...xs: Tensor[]) => any), exampleInputs: Tensor | Tensor[], opts: TraceOptions = {}): ScriptModule {
  const inputs = Array.isArray(exampleInputs) ? exampleInputs : [exampleInputs];
  if (!inputs.every((x) => x instanceof Tensor)) throw new TypeError("argument 'exampleInputs' must be a Tensor or an array of Tensors");
  const isModule = typeof (mod as any).forward === "function";
  if (!isModule && typeof mod !== "function") throw new TypeError("jit.trace expects a module (with forward) or a function");
  const fn: (...xs: Tensor[]) => any = isModule ? (...xs) => (mod as Traceable).forward(...xs) : (mod as any);
  const typeName = isModule ? className(mod, "Module") : (String((mod as any).name || "").replace(/[^A-Za-z0-9_]/g, "_") || "TracedFunction");

  const mods: [string, string, boolean][] = [];
  const tensors: [string, Tensor, boolean][] = [];
  if (isModule) {
    const m = mod as Traceable;
    const rootTraining = m.training ?? false;
    if (typeof m.namedModules === "function") {
      for (const [n, sub] of m.namedModules()) mods.push([n, n === "" ? typeName : className(sub, "Module"), sub?.training ?? rootTraining]);
    } else mods.push(["", typeName, rootTraining]);
    const seen = new Set<string>();
    for (const [n, t] of m.namedParameters()) if (!seen.has(n)) { seen.add(n); tensors.push([n, t, false]); }
    if (typeof m.namedBuffers === "function")
      for (const [n, t] of m.namedBuffers()) if (t && !seen.has(n)) { seen.add(n); tensors.push([n, t, true]); }
  } else mods.push(["", typeName, false]);

  const warned = new Set<string>();
  const prevHook = tracingHooks.onRead;
  tracingHooks.onRead = (what: string) => {
    if (warned.has(what)) return;
    warned.add(what);
    console.warn(`TracerWarning: Converting a tensor to a JS value (${what}) might cause the trace to be incorrect. ` +
      "We can't record the data flow of JS values, so this value will be treated as a constant in the future. " +
      "This means that the trace might not generalize to other inputs!");
  };
  tracing++;
  let res: { handle: any; warnings: string[] };
  try {
    const names = argNames(isModule ? (mod as Traceable).forward : (mod as Function), inputs.length);
    res = tidy(() => native.JitTrace(typeName, mods, tensors, inputs, fn, opts.strict ?? true, names));
  } finally {
    tracing--;
    tracingHooks.onRead = prevHook;
  }
  for (const w of res.warnings) console.warn(`TracerWarning: ${w}`);
  const sm = new ScriptModule(res.handle);

  if (opts.checkTrace ?? true) {
    const tol = opts.checkTolerance ?? 1e-5;
    noGrad(() => tidy(() => {
      const expected = flatTensors(fn(...inputs));
      const got = flatTensors(sm.forward(...inputs));
      if (expected.length !== got.length) {
        console.warn(`TracerWarning: the traced function returned ${got.length} tensors, the module ${expected.length}`);
        return;
      }
      expected.forEach((e, i) => {
        const g = got[i];
        const same = e.shape.length === g.shape.length && e.shape.every((d, k) => d === g.shape[k]) &&
          e.dtype === g.dtype && (!e.dtype.isFloatingPoint ? e.equal(g) : e.allclose(g, { rtol: tol, atol: tol }));
        if (!same) console.warn(`TracerWarning: Output nr ${i + 1}. of the traced function does not match the corresponding output of the module (tolerance ${tol}). ` +
          "The trace may depend on data (control flow on tensor values) or on randomness (dropout in training mode).");
      });
    }));
  }
  return sm;
}

/**
 * Compiles TorchScript source (Python syntax with type annotations) into a module whose methods are the source's
 * functions: `jit.compile("def f(x: Tensor, k: int) -> Tensor:\n  return x * k").runMethod("f", t, 3)`.
 */
export function compile(source: string): ScriptModule {
  if (typeof source !== "string") throw new TypeError("argument 'source' must be a string");
  return new ScriptModule(native.JitCompile(source));
}
