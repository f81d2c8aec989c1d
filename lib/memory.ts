// Deterministic release: tidy scopes, the live-tensor count, and the GC backstop.
import { native } from "./native";

interface Owned { _id: number; _reg?: boolean; dispose(): void; }
const scopes: Owned[][] = [];

/** Called by every new Tensor: the innermost tidy scope owns it; outside any scope the GC backstop does. */
export function track(t: Owned): void {
  if (scopes.length) scopes[scopes.length - 1].push(t);
  else adopt(t);
}

// The GC backstop: a Tensor that is never disposed is freed when collected. Registration is batched
// (at the end of the current job, or every 4096 tensors), so a temporary disposed before then never
// costs a registry entry; tensors owned by a tidy scope are registered only if they outlive it.
export const finalizer = new FinalizationRegistry<number>((id) => native.dispose(id));
let nursery: Owned[] = [];
let flushQueued = false;
function adopt(t: Owned): void {
  nursery.push(t);
  if (nursery.length >= 4096) flushNursery();
  else if (!flushQueued) { flushQueued = true; queueMicrotask(flushNursery); }
}
function flushNursery(): void {
  flushQueued = false;
  const n = nursery;
  nursery = [];
  for (const t of n) if (t._id >= 0 && !t._reg) { finalizer.register(t, t._id, t); t._reg = true; }
}
/** Called by dispose(). */
export function untrackFinalizer(t: Owned): void { if (t._reg) { finalizer.unregister(t); t._reg = false; } }

/** Remove a tensor from every tidy scope, so it outlives them (parameters, optimizer state, caches). */
export function keep<T extends Owned>(t: T): T {
  let found = false;
  for (const s of scopes) {
    const i = s.lastIndexOf(t);
    if (i >= 0) { s.splice(i, 1); found = true; }
  }
  if (found) adopt(t);
  (t as any)._kept = true;  // owners other than tidy scopes (the DataLoader) leave it alone too
  return t;
}

/**
 * A method name for objects that own tensors but are not plain objects (nn.utils.rnn.PackedSequence): it returns
 * them, so that tidy() keeps them when such an object is returned and dispose() frees them.
 */
export const containerTensors: unique symbol = Symbol.for("torchts.containerTensors");

function collect(v: any, out: Set<Owned>, seen: Set<any>): void {
  if (v === null || typeof v !== "object" || seen.has(v)) return;
  seen.add(v);
  if (typeof v._id === "number" && typeof v.dispose === "function") { out.add(v); return; }
  if (typeof v[containerTensors] === "function") { for (const x of v[containerTensors]()) collect(x, out, seen); return; }
  if (Array.isArray(v)) { for (const x of v) collect(x, out, seen); return; }
  if (v instanceof Map) { for (const x of v.values()) collect(x, out, seen); return; }
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) for (const k of Object.keys(v)) collect(v[k], out, seen);
}

/** Runs fn in a new scope and returns its result with the tensors created inside; on a throw they are freed. */
function runInScope<T>(fn: () => T): [T, Owned[]] {
  const scope: Owned[] = [];
  scopes.push(scope);
  try {
    return [fn(), scope];
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  } finally {
    if (scopes[scopes.length - 1] === scope) scopes.pop();
  }
}

/**
 * Runs fn and frees every tensor created inside it except those it returns (searched through arrays,
 * Maps and plain objects). Returned tensors move to the enclosing scope. Async functions are not allowed:
 * await with explicit dispose() instead.
 */
export function tidy<T>(fn: () => T): T;
export function tidy<T>(name: string, fn: () => T): T;
export function tidy<T>(a: any, b?: any): T {
  const fn: () => T = typeof a === "function" ? a : b;
  if (typeof fn !== "function") throw new TypeError("torch.tidy(): argument 'fn' must be a function");
  const [result, scope] = runInScope(fn);
  const parent = scopes.length ? scopes[scopes.length - 1] : null;
  const r: any = result;
  if (r !== null && typeof r === "object" && typeof r.then === "function") {
    for (const t of scope) t.dispose();
    throw new Error("torch.tidy() does not accept an async function; free tensors with dispose() across awaits");
  }
  if (r !== null && typeof r === "object" && typeof r._id === "number" && typeof r.dispose === "function") {
    // the common case: one tensor returned
    for (const t of scope) {
      if (t !== r) t.dispose();
      else if (parent) parent.push(t);
      else adopt(t);
    }
    return result;
  }
  let kept: Set<Owned> | null = null;
  if (r !== null && typeof r === "object") { kept = new Set(); collect(r, kept, new Set()); }
  for (const t of scope) {
    if (kept !== null && kept.has(t)) { if (parent) parent.push(t); else adopt(t); }
    else t.dispose();
  }
  return result;
}

/** Disposes every tensor found in v (arrays, Maps, plain objects). */
export function dispose(v: any): void {
  const out = new Set<Owned>();
  collect(v, out, new Set());
  for (const t of out) t.dispose();
}

export interface MemoryInfo { liveTensors: number; liveBytes: number; cudaAllocated?: number; cudaReserved?: number; }

/** Live tensor handles and the bytes of their distinct storages (plus CUDA allocator figures when CUDA is present). */
export function memory(): MemoryInfo {
  const m: MemoryInfo = native.memory();
  if (native.CudaMemoryAllocated && native.BuildInfo().hasCuda) {
    m.cudaAllocated = native.CudaMemoryAllocated(-1);
    m.cudaReserved = native.CudaMemoryReserved(-1);
  }
  return m;
}

/**
 * @internal Runs fn and returns its result with the tensors created inside it (none is freed; they move to the
 * enclosing tidy scope, or to the GC backstop). On an exception they are freed. The DataLoader uses this to free
 * only what it made.
 */
export function _created<T>(fn: () => T): [T, Set<Owned>] {
  const [result, scope] = runInScope(fn);
  if (scopes.length) scopes[scopes.length - 1].push(...scope);
  else for (const t of scope) adopt(t);
  return [result, new Set(scope)];
}
