// Forward plans: built-in layers describe themselves as numbers in a Float64Array that native/nn.cc runs on
// libtorch's kernels. One layer's forward is one native call; a Sequential of built-in layers is one call too.
import { native } from "../native";
import { Tensor } from "../tensor";
import type { Module } from "./module";

/** Layer kinds; native/nn.cc holds the same numbers. */
export enum Kind {
  Identity = 0, Linear = 1, Conv = 2, ConvT = 3, BatchNorm = 4, LayerNorm = 5, GroupNorm = 6,
  Dropout = 7, FeatureDropout = 8, Relu = 9, LeakyRelu = 10, Gelu = 11, Silu = 12, Sigmoid = 13,
  Tanh = 14, Softmax = 15, LogSoftmax = 16, MaxPool = 17, AvgPool = 18, AdaptiveAvgPool = 19,
  Flatten = 20, Unflatten = 21, Embedding = 22, AdaptiveMaxPool = 23, Elu = 24, Hardtanh = 25,
  Softplus = 26, Mish = 27, Hardswish = 28, Hardsigmoid = 29, Prelu = 30,
}

export class PlanBuilder {
  buf = new Float64Array(256);
  n = 0;
  private grow(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const b = new Float64Array(Math.max(this.buf.length * 2, this.n + k));
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  num(x: number): this { this.grow(1); this.buf[this.n++] = x; return this; }
  bool(b: boolean): this { return this.num(b ? 1 : 0); }
  /** A tensor (its slot id) or none. */
  t(x: Tensor | null | undefined): this {
    if (x && x._id < 0) x.shape;   // throws the disposed-tensor error
    return this.num(x ? x._id : -1);
  }
  /** NaN encodes None. */
  opt(x: number | null | undefined): this { return this.num(x === null || x === undefined ? NaN : x); }
  ints(xs: readonly number[]): this { for (const x of xs) this.num(x); return this; }
  list(xs: readonly number[]): this { this.num(xs.length); return this.ints(xs); }
}

/** A built-in layer: it can describe its forward as a plan. */
export interface Plannable { _plan(b: PlanBuilder): void; }

/** The forward functions of built-in layers; a module whose forward is one of these (not overridden, not hooked) can be planned. */
export const plannedForwards = new Set<Function>();
/** Marks cls (a built-in layer) as plannable: its prototype's forward runs its plan. */
export function builtin(cls: { prototype: any }): void { plannedForwards.add(cls.prototype.forward); }

export function isPlannable(m: Module | null | undefined): m is Module & Plannable {
  if (!m) return false;
  const f = (m as any).forward;
  if (!plannedForwards.has(f)) return false;
  const c = (m as any)._canPlan;
  return typeof c !== "function" || c.call(m);
}

const pool: PlanBuilder[] = [];
export function acquire(): PlanBuilder { const b = pool.pop() ?? new PlanBuilder(); b.n = 0; return b; }
export function release(b: PlanBuilder): void { pool.push(b); }

/** Runs a plan on x; the input itself comes back when the plan changed it in place or did nothing. */
export function runPlan(b: PlanBuilder, x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError("forward() expects a Tensor input");
  const id = native.NnRun(x._id, b.buf, b.n);
  return id === -2 ? x : new Tensor(id);
}

/** forward() of a built-in layer: one native call. */
export function planForward(m: Plannable, x: Tensor): Tensor {
  const b = acquire();
  try {
    m._plan(b);
    return runPlan(b, x);
  } finally { release(b); }
}
