// Data types; `code` is c10::ScalarType's number.
export class DType {
  constructor(readonly name: string, readonly code: number, readonly isFloatingPoint: boolean, readonly itemsize: number) {}
  toString(): string { return `torch.${this.name}`; }
  /** console.log / util.inspect print `torch.float32`, as Python's repr does. */
  [Symbol.for("nodejs.util.inspect.custom")](): string { return this.toString(); }
}
export const uint8 = new DType("uint8", 0, false, 1);
export const int8 = new DType("int8", 1, false, 1);
export const int16 = new DType("int16", 2, false, 2);
export const int32 = new DType("int32", 3, false, 4);
export const int64 = new DType("int64", 4, false, 8);
export const float16 = new DType("float16", 5, true, 2);
export const float32 = new DType("float32", 6, true, 4);
export const float64 = new DType("float64", 7, true, 8);
export const complex64 = new DType("complex64", 9, false, 8);
export const complex128 = new DType("complex128", 10, false, 16);
export const bool = new DType("bool", 11, false, 1);
export const bfloat16 = new DType("bfloat16", 15, true, 2);
export const half = float16, float = float32, double = float64, long = int64, int = int32, short = int16;

const byCode = new Map<number, DType>();
for (const d of [uint8, int8, int16, int32, int64, float16, float32, float64, complex64, complex128, bool, bfloat16]) byCode.set(d.code, d);

export function dtypeFromCode(code: number): DType {
  const d = byCode.get(code);
  if (!d) throw new Error(`unsupported dtype code ${code}`);
  return d;
}

export type TypedArray = Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint8Array | BigInt64Array | Uint16Array;

/** The TypedArray class holding a dtype's elements (float16/bfloat16 as raw Uint16). */
export function typedArrayFor(d: DType): any {
  switch (d) {
    case float32: return Float32Array;
    case float64: return Float64Array;
    case int64: return BigInt64Array;
    case int32: return Int32Array;
    case int16: return Int16Array;
    case int8: return Int8Array;
    case uint8: case bool: return Uint8Array;
    case float16: case bfloat16: return Uint16Array;
  }
  throw new Error(`no TypedArray for ${d}`);
}

export function dtypeOfTypedArray(a: ArrayBufferView): DType {
  if (a instanceof Float32Array) return float32;
  if (a instanceof Float64Array) return float64;
  if (a instanceof BigInt64Array) return int64;
  if (a instanceof Int32Array) return int32;
  if (a instanceof Int16Array) return int16;
  if (a instanceof Int8Array) return int8;
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return uint8;
  throw new TypeError("unsupported TypedArray type (use Float32Array, Float64Array, BigInt64Array, Int32Array, Int16Array, Int8Array or Uint8Array)");
}

export class MemoryFormat {
  constructor(readonly name: string, readonly code: number) {}
  toString(): string { return `torch.${this.name}`; }
  [Symbol.for("nodejs.util.inspect.custom")](): string { return this.toString(); }
}
export const contiguousFormat = new MemoryFormat("contiguous_format", 0);
export const preserveFormat = new MemoryFormat("preserve_format", 1);
export const channelsLast = new MemoryFormat("channels_last", 2);
export const channelsLast3d = new MemoryFormat("channels_last_3d", 3);

export class Layout {
  constructor(readonly name: string, readonly code: number) {}
  toString(): string { return `torch.${this.name}`; }
  [Symbol.for("nodejs.util.inspect.custom")](): string { return this.toString(); }
}
export const strided = new Layout("strided", 0);
export const sparseCoo = new Layout("sparse_coo", 1);
