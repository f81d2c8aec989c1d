// Optimizer: the base class of every optimiser (torch/optim/optimizer.py). Parameter groups hold
// camelCase options; stateDict()/loadStateDict() use PyTorch's layout and snake_case keys.
import { native } from "../native";
import { Tensor } from "../tensor";
import { keep } from "../memory";
import { enableGrad, noGrad } from "../autograd";
import { callOp } from "../ops";
import { float32 } from "../dtype";
import { pyFloat } from "../nn/module";

/** A parameter group as the user gives it: `{ params, lr, weightDecay, ... }`. */
export interface ParamGroupSpec { params: Tensor | Iterable<Tensor>; [option: string]: any; }
/** A parameter group as the optimizer holds it; schedulers write `lr`. */
export interface ParamGroup { params: Tensor[]; lr: number; [option: string]: any; }
export type Params = Iterable<Tensor> | Iterable<ParamGroupSpec>;

/** The shape of PyTorch's optimizer.state_dict(): state keyed by parameter index, snake_case keys. */
export interface OptimizerStateDict {
  state: { [index: number]: { [key: string]: any } };
  param_groups: { params: number[]; [key: string]: any }[];
}

/** "weightDecay" -> "weight_decay" (option names in state dicts). */
export function toSnake(k: string): string { return k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase()); }
/** "weight_decay" -> "weightDecay"; a leading underscore stays ("_step_count" -> "_stepCount"). */
export function toCamel(k: string): string {
  const lead = k.match(/^_*/)![0];
  return lead + k.slice(lead.length).replace(/_([A-Za-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function copyValue(v: any): any {
  if (Array.isArray(v)) return v.map(copyValue);
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const o: any = {};
    for (const k of Object.keys(v)) o[k] = copyValue(v[k]);
    return o;
  }
  return v;
}

/** Marks an option as required (SGD's lr). */
/** The checks of the Adam family's constructors (Adam, AdamW, Adamax, NAdam, RAdam): lr, eps, betas, weight decay. */
export function checkAdamFamily(g: ParamGroup): void {
  if (!(g.lr >= 0)) throw new RangeError(`Invalid learning rate: ${g.lr}`);
  if (!(g.eps >= 0)) throw new RangeError(`Invalid epsilon value: ${g.eps}`);
  if (!Array.isArray(g.betas) || g.betas.length !== 2) throw new TypeError("betas must be a pair [beta1, beta2]");
  if (!(g.betas[0] >= 0 && g.betas[0] < 1)) throw new RangeError(`Invalid beta parameter at index 0: ${g.betas[0]}`);
  if (!(g.betas[1] >= 0 && g.betas[1] < 1)) throw new RangeError(`Invalid beta parameter at index 1: ${g.betas[1]}`);
  if (!(g.weightDecay >= 0)) throw new RangeError(`Invalid weight_decay value: ${g.weightDecay}`);
}

export const required: unique symbol = Symbol("required");

export abstract class Optimizer {
  /** Options used where a parameter group does not set them (camelCase, PyTorch's defaults). */
  readonly defaults: Record<string, any>;
  /** The parameter groups; `lr` (and other options) may be changed between steps. */
  paramGroups: ParamGroup[] = [];
  /** Per-parameter state (snake_case keys as in PyTorch: step, exp_avg, momentum_buffer, ...). Owned by the optimizer. */
  state = new Map<Tensor, Record<string, any>>();

  constructor(params: Params, defaults: Record<string, any>) {
    this.defaults = defaults;
    if (params instanceof Tensor)
      throw new TypeError("params argument given to the optimizer should be an iterable of Tensors or param groups, but got a Tensor");
    const list: any[] = Array.from(params as Iterable<any>);
    if (list.length === 0) throw new Error("optimizer got an empty parameter list");
    const groups: ParamGroupSpec[] = list[0] instanceof Tensor ? [{ params: list }] : list;
    for (const g of groups) this.addParamGroup(g);
  }

  /** Adds a parameter group (fine-tuning: unfreeze layers as training goes). */
  addParamGroup(spec: ParamGroupSpec): void {
    if (!spec || typeof spec !== "object" || !("params" in spec)) throw new TypeError("param group must be an object with 'params'");
    const params: Tensor[] = spec.params instanceof Tensor ? [spec.params] : Array.from(spec.params as Iterable<Tensor>);
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new TypeError("optimizer can only optimize Tensors, but one of the params is " + typeof p);
      if (!this.defaults.differentiable && !p.isLeaf) throw new Error("can't optimize a non-leaf Tensor");
    }
    const group: any = { params };
    for (const k of Object.keys(spec)) if (k !== "params") group[k.includes("_") ? toCamel(k) : k] = copyValue(spec[k]);
    for (const [k, v] of Object.entries(this.defaults)) {
      if (v === required && !(k in group))
        throw new Error("parameter group didn't specify a value of required optimization parameter " + k);
      if (!(k in group)) group[k] = copyValue(v);
    }
    if (new Set(params).size !== params.length)
      process.emitWarning("optimizer contains a parameter group with duplicate parameters; in future, this will cause an error");
    for (const g of this.paramGroups)
      for (const p of g.params) if (params.includes(p)) throw new Error("some parameters appear in more than one parameter group");
    this.checkGroup(group);
    this.paramGroups.push(group);
  }

  /** Validates a group's options (subclasses throw like PyTorch's constructors). */
  protected checkGroup(_g: ParamGroup): void {}

  /** Sets the gradients of all optimized parameters to zero, or to null with { setToNone: true } (the default, as in PyTorch 2). */
  zeroGrad(opts?: { setToNone?: boolean }): void {
    for (const g of this.paramGroups) native.OptimZeroGrad(g.params.map((p) => p._id), opts?.setToNone ?? true);
  }

  /** Performs one optimization step. A closure (re-evaluating the loss) runs with grad enabled; its result is returned. */
  step(closure?: () => any): any {
    this._cudaGraphCaptureHealthCheck();
    const loss = closure ? enableGrad(closure) : undefined;
    // The update itself runs without autograd, as PyTorch's step does (libtorch 2.x records foreach ops, and an
    // in-place _foreach_add_ on parameters that require grad would then throw).
    noGrad(() => {
      for (const g of this.paramGroups) {
        const ps = this.withGrad(g);
        if (ps.length) this.updateGroup(g, ps);
      }
    });
    return loss;
  }

  /** Why step() cannot be captured in a CUDA graph (it reads the device from the host), or null when it can. */
  _captureProblem(): string | null { return null; }
  /** As PyTorch: a step that would synchronise with the host throws inside a CUDA graph capture instead of failing there. */
  protected _cudaGraphCaptureHealthCheck(): void {
    const why = this._captureProblem();
    if (why && native.CudaIsCurrentStreamCapturing())
      throw new Error(`Attempting CUDA graph capture of step() for an instance of ${this.constructor.name} but ${why}`);
  }

  /** Runs the native update of one group over the parameters that have a gradient. */
  protected abstract updateGroup(group: ParamGroup, params: Tensor[]): void;

  /** The parameters of a group whose .grad is set. */
  protected withGrad(g: ParamGroup): Tensor[] {
    const mask: boolean[] = native.OptimHasGrad(g.params.map((p) => p._id));
    return g.params.filter((_p, i) => mask[i]);
  }

  /** The state object of p (created empty). */
  protected stateOf(p: Tensor): Record<string, any> {
    let s = this.state.get(p);
    if (!s) { s = {}; this.state.set(p, s); }
    return s;
  }
  /** A zero-filled state tensor like p, owned by the optimizer. */
  protected zerosLike(p: Tensor): Tensor { return keep(callOp("aten::zeros_like", p)); }
  protected fullLike(p: Tensor, v: number): Tensor { return keep(callOp("aten::full_like", p, v)); }
  /** PyTorch's `torch.tensor(0.)` step counter (float32, CPU), owned by the optimizer. */
  protected stepTensor(v = 0): Tensor { return keep(callOp("aten::scalar_tensor", v, { dtype: float32 })); }

  /** The optimizer state in PyTorch's layout; tensors are new handles on the live state (dispose them when done). */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let next = 0;
    const groups = this.paramGroups.map((g) => {
      const packed: any = {};
      for (const k of Object.keys(g)) if (k !== "params") packed[toSnake(k)] = copyValue(g[k]);
      for (const p of g.params) if (!index.has(p)) index.set(p, next++);
      packed.params = g.params.map((p) => index.get(p)!);
      return packed;
    });
    const state: any = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const o: any = {};
      for (const k of Object.keys(s)) {
        const v = s[k];
        o[k] = v instanceof Tensor ? new Tensor(native.Share(v._id)) : copyValue(v);
      }
      state[i] = o;
    }
    return { state, param_groups: groups };
  }

  /** Loads a state dict made by stateDict() (or by Python's optimizer.state_dict(), tensors converted): copies it. */
  loadStateDict(sd: OptimizerStateDict): void {
    const saved = sd.param_groups;
    if (!Array.isArray(saved) || saved.length !== this.paramGroups.length)
      throw new Error("loaded state dict has a different number of parameter groups");
    saved.forEach((sg, i) => {
      if (sg.params.length !== this.paramGroups[i].params.length)
        throw new Error("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
    });
    const idMap = new Map<number, Tensor>();
    saved.forEach((sg, i) => sg.params.forEach((id, j) => idMap.set(Number(id), this.paramGroups[i].params[j])));
    const entries: [any, any][] = sd.state instanceof Map ? Array.from((sd.state as any).entries()) : Object.entries(sd.state ?? {});
    const state = new Map<Tensor, Record<string, any>>();
    for (const [k, v] of entries) {
      const p = idMap.get(Number(k));
      if (!p) continue;  // state not assigned to a parameter: nothing to keep it for
      const o: any = {};
      for (const key of Object.keys(v)) o[key] = castState(p, v[key], key);
      state.set(p, o);
    }
    this.disposeState();
    this.state = state;
    this.paramGroups = this.paramGroups.map((g, i) => {
      const ng: any = {};
      for (const k of Object.keys(saved[i])) if (k !== "params") ng[toCamel(k)] = copyValue(saved[i][k]);
      for (const [k, v] of Object.entries(this.defaults)) if (!(k in ng) && v !== required) ng[k] = copyValue(v);
      ng.params = g.params;
      return ng;
    });
  }

  /** Frees the optimizer's state tensors (the optimizer starts afresh on the next step). */
  dispose(): void { this.disposeState(); this.state = new Map(); }
  private disposeState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
  }

  toString(): string {
    let s = this.constructor.name + " (";
    this.paramGroups.forEach((g, i) => {
      s += `\nParameter Group ${i}\n`;
      for (const k of Object.keys(g).filter((k) => k !== "params").sort()) s += `    ${toSnake(k)}: ${fmt(g[k])}\n`;
    });
    return s + ")";
  }
}

function fmt(v: any): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (Array.isArray(v)) return "(" + v.map(fmt).join(", ") + ")";
  if (typeof v === "number" && !Number.isInteger(v)) return pyFloat(v);  // Python's repr: 1e-08, 0.001
  return String(v);
}

// Deep copy of a loaded state value; tensors (but the step counter) take the parameter's floating dtype and device.
function castState(p: Tensor, v: any, key?: string): any {
  if (v instanceof Tensor) {
    if (key === "step") return keep(callOp("aten::clone", v));
    const dtype = p.isFloatingPoint() ? p.dtype : v.dtype;
    const d = v.detach();
    const r = d.to({ device: p.device, dtype, copy: true });
    d.dispose();
    return keep(r);
  }
  if (Array.isArray(v)) return v.map((x) => castState(p, x));
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const o: any = {};
    for (const k of Object.keys(v)) o[k] = castState(p, v[k], k);
    return o;
  }
  return v;
}
