// Collation: a list of samples -> one batch (torch.utils.data.default_collate).
import { Tensor, tensor, fromTypedArray } from "../tensor";
import { stack } from "../functions";
import * as dt from "../dtype";

function isPlainObject(v: any): boolean {
  if (v === null || typeof v !== "object") return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}
function isTypedArray(v: any): v is ArrayBufferView & ArrayLike<number> {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/**
 * Stacks tensors along a new first dimension; numbers become an int64 tensor (all integers) or a float64
 * tensor; booleans a bool tensor; TypedArrays are stacked as tensors (numpy arrays in Python); strings stay a
 * list; objects, Maps and arrays are collated field by field (arrays are transposed: [[x, y], ...] -> [X, Y]).
 */
export function defaultCollate(batch: any[]): any {
  if (!Array.isArray(batch)) throw new TypeError("default_collate: batch must be an array of samples");
  if (batch.length === 0) throw new RangeError("default_collate: empty batch");
  const elem = batch[0];
  if (elem instanceof Tensor) {
    for (const b of batch) if (!(b instanceof Tensor)) throw new TypeError("default_collate: batch mixes Tensors and other values");
    return stack(batch, 0);
  }
  if (isTypedArray(elem)) {
    const ts = batch.map((b) => fromTypedArray(b as any));
    try { return stack(ts, 0); } finally { for (const t of ts) t.dispose(); }
  }
  if (typeof elem === "number") {
    if (!batch.every((b) => typeof b === "number")) throw new TypeError("default_collate: batch mixes numbers and other values");
    return batch.every(Number.isInteger) ? tensor(batch, { dtype: dt.int64 }) : tensor(batch, { dtype: dt.float64 });
  }
  if (typeof elem === "boolean") return tensor(batch.map(Boolean));
  if (typeof elem === "bigint") return tensor(batch, { dtype: dt.int64 });
  if (typeof elem === "string") return batch.slice();
  if (elem instanceof Map) {
    const out = new Map();
    for (const k of elem.keys()) out.set(k, defaultCollate(batch.map((d) => d.get(k))));
    return out;
  }
  if (Array.isArray(elem)) {
    const n = elem.length;
    for (const b of batch)
      if (!Array.isArray(b) || b.length !== n) throw new RangeError("each element in list of batch should be of equal size");
    const out: any[] = [];
    for (let k = 0; k < n; k++) out.push(defaultCollate(batch.map((b) => b[k])));
    return out;
  }
  if (isPlainObject(elem) || (elem && typeof elem === "object" && !(elem instanceof Tensor))) {
    const out: any = {};
    for (const k of Object.keys(elem)) out[k] = defaultCollate(batch.map((d) => d?.[k]));
    return out;
  }
  throw new TypeError(`default_collate: batch must contain tensors, TypedArrays, numbers, booleans, strings, objects or arrays; found ${elem === null ? "null" : typeof elem}`);
}

/** Per-sample conversion used when batching is off (batchSize: null): TypedArrays become tensors. */
export function defaultConvert(data: any): any {
  if (data instanceof Tensor) return data;
  if (isTypedArray(data)) return fromTypedArray(data as any);
  if (Array.isArray(data)) return data.map(defaultConvert);
  if (data instanceof Map) return new Map([...data].map(([k, v]) => [k, defaultConvert(v)]));
  if (isPlainObject(data)) { const o: any = {}; for (const k of Object.keys(data)) o[k] = defaultConvert(data[k]); return o; }
  return data;
}

/** Every Tensor inside v (arrays, Maps, plain objects). */
export function tensorsIn(v: any, out: Set<Tensor> = new Set(), seen: Set<any> = new Set()): Set<Tensor> {
  if (v === null || typeof v !== "object" || seen.has(v)) return out;
  seen.add(v);
  if (v instanceof Tensor) { out.add(v); return out; }
  if (Array.isArray(v)) { for (const x of v) tensorsIn(x, out, seen); return out; }
  if (v instanceof Map) { for (const x of v.values()) tensorsIn(x, out, seen); return out; }
  if (isPlainObject(v)) for (const k of Object.keys(v)) tensorsIn(v[k], out, seen);
  return out;
}
