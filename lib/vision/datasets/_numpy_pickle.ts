// Reads the pickles of torchvision's dataset files (CIFAR's "python version"): dicts of lists, strings and numpy
// arrays. Only numpy's array/dtype/scalar rebuild functions are honoured; nothing named by the file is run.
import { unpickle, PyGlobal, PyDict, PyTuple } from "../../_pickle";

/** A numpy array read from a pickle: raw little-endian bytes, a dtype string such as "u1" or "<i8", a shape. */
export class NdArray {
  dtype = "u1";
  shape: number[] = [];
  fortran = false;
  bytes: Uint8Array = new Uint8Array(0);
  get size(): number { return this.shape.reduce((a, b) => a * b, 1); }
  /** The elements as numbers (integer and float dtypes of 1, 2, 4 or 8 bytes). */
  toNumbers(): number[] {
    const kind = this.dtype.replace(/^[<>|=]/, "");
    const big = this.dtype.startsWith(">");
    const dv = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    const n = this.size, out = new Array<number>(n);
    const rd: Record<string, [number, (o: number) => number]> = {
      u1: [1, (o) => dv.getUint8(o)], i1: [1, (o) => dv.getInt8(o)], b1: [1, (o) => dv.getUint8(o)],
      u2: [2, (o) => dv.getUint16(o, !big)], i2: [2, (o) => dv.getInt16(o, !big)],
      u4: [4, (o) => dv.getUint32(o, !big)], i4: [4, (o) => dv.getInt32(o, !big)],
      u8: [8, (o) => Number(dv.getBigUint64(o, !big))], i8: [8, (o) => Number(dv.getBigInt64(o, !big))],
      f4: [4, (o) => dv.getFloat32(o, !big)], f8: [8, (o) => dv.getFloat64(o, !big)],
    };
    const r = rd[kind];
    if (!r) throw new Error(`numpy dtype '${this.dtype}' is not supported here`);
    if (this.bytes.length < n * r[0]) throw new Error(`numpy array data truncated: ${this.bytes.length} bytes for ${n} x ${kind}`);
    for (let i = 0; i < n; i++) out[i] = r[1](i * r[0]);
    return out;
  }
}
class NpDtype { constructor(public str: string) {} }

const asBytes = (v: any): Uint8Array => (typeof v === "string" ? new Uint8Array(Buffer.from(v, "latin1")) : v as Uint8Array);
const dtypeStr = (d: any): string => (d instanceof NpDtype ? d.str : String(d));
const NUMPY = /^numpy(\._core|\.core)?(\.multiarray|\.numeric)?$/;

/** Unpickles a file made by Python's pickle (protocol 0-5, Python 2 or 3) holding numpy arrays. */
export function loadNumpyPickle(buf: Uint8Array): any {
  const { value } = unpickle(buf, {
    persistentLoad: () => { throw new Error("persistent ids are not expected in a dataset pickle"); },
    value: () => undefined,
    call: (g: PyGlobal, args: any[]) => {
      if (NUMPY.test(g.module) && g.name === "_reconstruct") return new NdArray();
      if (NUMPY.test(g.module) && g.name === "dtype") {
        const s = String(args[0]);
        return new NpDtype(s === "uint8" ? "u1" : s === "int64" ? "i8" : s === "int32" ? "i4" : s);
      }
      if (NUMPY.test(g.module) && g.name === "_frombuffer") {
        const a = new NdArray();
        a.bytes = asBytes(args[0]); a.dtype = dtypeStr(args[1]); a.shape = Array.from(args[2] ?? [], Number); a.fortran = args[3] === "F";
        return a;
      }
      if (NUMPY.test(g.module) && g.name === "scalar") {
        const a = new NdArray();
        a.dtype = dtypeStr(args[0]); a.bytes = asBytes(args[1]); a.shape = [];
        return a.toNumbers()[0];
      }
      if ((g.module === "_codecs" && g.name === "encode") ) return asBytes(String(args[0]));
      if (g.module === "collections" && g.name === "OrderedDict") return new PyDict();
      return undefined;
    },
    build: (obj: any, state: any) => {
      if (obj instanceof NpDtype) {
        // (version, byteorder, subarray, names, fields, elsize, alignment, flags)
        const order = Array.isArray(state) ? String(state[1]) : "|";
        if (!/^[<>|=]/.test(obj.str)) obj.str = (order === "|" || order === "=" ? "<" : order) + obj.str;
        return true;
      }
      if (obj instanceof NdArray) {
        // (version, shape, dtype, is_fortran, raw data)
        const s = state as PyTuple;
        obj.shape = Array.from(s[1] ?? [], Number);
        obj.dtype = dtypeStr(s[2]);
        obj.fortran = Boolean(s[3]);
        obj.bytes = asBytes(s[4]);
        return true;
      }
      return false;
    },
  });
  return value;
}

/** The value under a str or bytes key of an unpickled dict (Python 2 files have str keys; Python 3 ones often bytes). */
export function dictGet(d: any, key: string): any {
  if (!(d instanceof Map)) return undefined;
  for (const [k, v] of d) {
    const ks = typeof k === "string" ? k : k instanceof Uint8Array ? Buffer.from(k).toString("latin1") : undefined;
    if (ks === key) return v;
  }
  return undefined;
}
