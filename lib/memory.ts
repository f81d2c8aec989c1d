// Deterministic release: tidy scopes, the live-tensor count, and the GC backstop.
import { native } from "./native";

interface Owned { _id: number; dispose(): void; }
const scopes: Owned[][] = [];

/** Called by every new Tensor: the innermost tidy scope owns it. */
export function track(t: Owned): void {
  if (scopes.length) scopes[scopes.length - 1].push(t);
}

/** Remove a tensor from every tidy scope, so it outlives them (parameters, optimizer state, caches). */
export function keep<T extends Owned>(t: T): T {
  for (const s of scopes) {
    const i = s.lastIndexOf(t);
    if (i >= 0) s.splice(i, 1);
  }
  (t as any)._kept = true;  // owners other than tidy scopes (the DataLoader) leave it alone too
  return t;
}

function collect(v: any, out: Set<Owned>, seen: Set<any>): void {
  if (v === null || typeof v !== "object" || seen.has(v)) return;
  seen.add(v);
  if (typeof v._id === "number" && typeof v.dispose === "function") { out.add(v); return; }
  if (Array.isArray(v)) { for (const x of v) collect(x, out, seen); return; }
  if (v instanceof Map) { for (const x of v.values()) collect(x, out, seen); return; }
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) for (const k of Object.keys(v)) collect(v[k], out, seen);
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
  scopes.push([]);
  let result: T;
  let scope: Owned[];
  try {
    result = fn();
  } catch (e) {
    scope = scopes.pop()!;
    for (const t of scope) t.dispose();
    throw e;
  }
  scope = scopes.pop()!;
  if (result && typeof (result as any).then === "function")
    throw new Error("torch.tidy() does not accept an async function; free tensors with dispose() across awaits");
  const kept = new Set<Owned>();
  collect(result, kept, new Set());
  const parent = scopes.length ? scopes[scopes.length - 1] : null;
  for (const t of scope) {
    if (kept.has(t)) { if (parent) parent.push(t); }
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

// The GC backstop: a Tensor that is never disposed is freed when collected.
export const finalizer = new FinalizationRegistry<number>((id) => native.dispose(id));

/**
 * @internal Runs fn and returns its result with the tensors created inside it (none is freed; they move to the
 * enclosing tidy scope). On an exception they are freed. The DataLoader uses this to free only what it made.
 */
export function _created<T>(fn: () => T): [T, Set<Owned>] {
  scopes.push([]);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    for (const t of scopes.pop()!) t.dispose();
    throw e;
  }
  const scope = scopes.pop()!;
  if (scopes.length) scopes[scopes.length - 1].push(...scope);
  return [result, new Set(scope)];
}
