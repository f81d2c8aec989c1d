// torch.save / torch.load in PyTorch's zip format (and the legacy pre-1.6 format for reading).
// The zip container goes through libtorch's own reader and writer; the pickle is read by a whitelisting reader
// (lib/_pickle.ts), so a file can hold tensors, numbers, strings, lists, dicts and nothing that runs code.
import * as fs from "fs";
import { native, buildInfo } from "./native";
import { Tensor } from "./tensor";
import * as dt from "./dtype";
import { DType } from "./dtype";
import { unpickle, Pickler, PyGlobal, PyStub, PyTuple, PyDict, UnpickleOptions } from "./_pickle";

// ---- dtypes and storage classes ----
const STORAGE_CLASSES: [string, DType][] = [
  ["FloatStorage", dt.float32], ["DoubleStorage", dt.float64], ["HalfStorage", dt.float16],
  ["BFloat16Storage", dt.bfloat16], ["LongStorage", dt.int64], ["IntStorage", dt.int32], ["ShortStorage", dt.int16],
  ["CharStorage", dt.int8], ["ByteStorage", dt.uint8], ["BoolStorage", dt.bool],
  ["ComplexFloatStorage", dt.complex64], ["ComplexDoubleStorage", dt.complex128],
];
const storageClassOf = new Map<DType, string>(STORAGE_CLASSES.map(([n, d]) => [d, n]));
const DTYPE_NAMES: Record<string, DType> = {
  float32: dt.float32, float: dt.float32, float64: dt.float64, double: dt.float64, float16: dt.float16,
  half: dt.float16, bfloat16: dt.bfloat16, int64: dt.int64, long: dt.int64, int32: dt.int32, int: dt.int32,
  int16: dt.int16, short: dt.int16, int8: dt.int8, uint8: dt.uint8, bool: dt.bool, complex64: dt.complex64,
  cfloat: dt.complex64, complex128: dt.complex128, cdouble: dt.complex128,
};

class StorageType { constructor(readonly dtype: DType) {} }
class StorageRef {
  tensor: Tensor | null = null;
  constructor(readonly key: string, readonly dtype: DType, readonly location: string, readonly numel: number) {}
}
/** A storage as a tensor sees it: a root storage and an element offset (legacy files slice storages). */
class StorageView { constructor(readonly ref: StorageRef, readonly offset: number) {} }
class TensorSpec {
  constructor(readonly storage: StorageView, readonly offset: number, readonly size: number[], readonly stride: number[],
    public requiresGrad: boolean, readonly dtype: DType | null = null) {}
}
class NpDType { constructor(readonly str: string) {} }

export type MapLocation = string | Record<string, string> | ((location: string) => string | undefined | null);
export interface LoadOptions {
  /** Where storages go: a device ("cpu"), a map from saved location to device, or a function of the location. */
  mapLocation?: MapLocation;
  /** Accepted for PyTorch parity: torchts always loads with a restricted reader. */
  weightsOnly?: boolean;
  /** Objects of unknown Python classes: "error" (default) or "stub" (kept as { __class__, __args__, __state__ }). */
  unknownGlobals?: "error" | "stub";
}

function nums(x: any, what: string): number[] {
  if (!Array.isArray(x) || !x.every((v) => typeof v === "number" && Number.isInteger(v)))
    throw new Error(`corrupt tensor record: ${what} is not a list of integers`);
  return Array.from(x);
}
function int(x: any, what: string): number {
  if (typeof x !== "number" || !Number.isInteger(x)) throw new Error(`corrupt tensor record: ${what} is not an integer`);
  return x;
}

function npScalar(dtype: any, data: any): number | boolean {
  if (!(dtype instanceof NpDType) || !(data instanceof Uint8Array)) throw new Error("unsupported numpy scalar");
  const b = Buffer.from(data);
  const code = dtype.str.replace(/^[<|=]/, "");
  const readers: Record<string, () => number | boolean> = {
    f8: () => b.readDoubleLE(0), f4: () => b.readFloatLE(0), i8: () => Number(b.readBigInt64LE(0)),
    i4: () => b.readInt32LE(0), i2: () => b.readInt16LE(0), i1: () => b.readInt8(0), u1: () => b.readUInt8(0),
    u2: () => b.readUInt16LE(0), u4: () => b.readUInt32LE(0), u8: () => Number(b.readBigUInt64LE(0)), b1: () => b[0] !== 0,
    float64: () => b.readDoubleLE(0), float32: () => b.readFloatLE(0), int64: () => Number(b.readBigInt64LE(0)),
    int32: () => b.readInt32LE(0), bool: () => b[0] !== 0,
  };
  const r = readers[code];
  if (!r) throw new Error(`unsupported numpy scalar type '${dtype.str}'`);
  return r();
}

/** The whitelist: every Python global a torch file may name, and what it becomes. */
function readerOptions(persistentLoad: (pid: any) => any, unknownGlobals: "error" | "stub"): UnpickleOptions {
  const spec = (storage: any, offset: any, size: any, stride: any, requiresGrad: any, dtype: DType | null = null) => {
    if (!(storage instanceof StorageView)) throw new Error("corrupt tensor record: no storage");
    return new TensorSpec(storage, int(offset, "storage offset"), nums(size, "size"), nums(stride, "stride"), !!requiresGrad, dtype);
  };
  return {
    persistentLoad,
    unknownGlobals,
    value(g: PyGlobal): any {
      if ((g.module === "torch" || g.module === "torch.cuda")) {
        const sc = STORAGE_CLASSES.find(([n]) => n === g.name);
        if (sc) return new StorageType(sc[1]);
        if (g.name === "UntypedStorage") return new StorageType(dt.uint8);
        if (g.module === "torch" && DTYPE_NAMES[g.name]) return DTYPE_NAMES[g.name];
      }
      if (g.module === "torch.storage" && (g.name === "UntypedStorage" || g.name === "_UntypedStorage")) return new StorageType(dt.uint8);
      return undefined;
    },
    call(g: PyGlobal, a: any[]): any {
      switch (g.full) {
        case "collections.OrderedDict": {
          const d = new PyDict();
          d.ordered = true;
          if (Array.isArray(a[0])) for (const kv of a[0]) if (Array.isArray(kv) && kv.length === 2) d.set(kv[0], kv[1]);
          return d;
        }
        case "torch._utils._rebuild_tensor": return spec(a[0], a[1], a[2], a[3], false);
        case "torch._utils._rebuild_tensor_v2": return spec(a[0], a[1], a[2], a[3], a[4]);
        case "torch._utils._rebuild_tensor_v3": {
          if (!(a[6] instanceof DType)) throw new Error("corrupt tensor record: no dtype");
          return spec(a[0], a[1], a[2], a[3], a[4], a[6]);
        }
        case "torch._utils._rebuild_parameter":
        case "torch._utils._rebuild_parameter_with_state":
        case "torch.nn.parameter.Parameter": {
          if (!(a[0] instanceof TensorSpec)) throw new Error("corrupt parameter record");
          a[0].requiresGrad = a.length > 1 ? !!a[1] : true;
          return a[0];
        }
        case "torch._tensor._rebuild_from_type_v2":
        case "torch._tensor._rebuild_from_type": {
          const f = a[0];
          if (!(f instanceof PyGlobal)) return a[2]?.[0] instanceof TensorSpec ? a[2][0] : undefined;
          return this.call(f, Array.from(a[2] ?? []));
        }
        case "torch.Size": return Array.from(a[0] ?? []);
        case "torch.device": return a.length > 1 && a[1] !== null ? `${a[0]}:${a[1]}` : String(a[0]);
        case "torch.serialization._get_layout": return String(a[0]);
        case "_codecs.encode": return new Uint8Array(Buffer.from(String(a[0]), a[1] === "latin1" || a[1] === "latin-1" ? "latin1" : "utf8"));
        case "builtins.bytearray": case "__builtin__.bytearray":
          return a.length ? new Uint8Array(typeof a[0] === "string" ? Buffer.from(a[0], "latin1") : a[0]) : new Uint8Array(0);
        case "builtins.bytes": case "__builtin__.bytes": return a.length ? new Uint8Array(a[0]) : new Uint8Array(0);
        case "builtins.set": case "builtins.frozenset": case "__builtin__.set": case "__builtin__.frozenset":
          return new Set(a[0] ?? []);
        case "numpy.dtype": return new NpDType(String(a[0]));
        case "numpy.core.multiarray.scalar": case "numpy._core.multiarray.scalar": return npScalar(a[0], a[1]);
        case "torch._utils._rebuild_sparse_tensor": case "torch._utils._rebuild_sparse_csr_tensor":
          throw new Error("sparse tensors are not supported by torchts.load");
        case "torch._utils._rebuild_qtensor":
          throw new Error("quantized tensors are not supported by torchts.load");
        case "torch._utils._rebuild_meta_tensor_no_storage": case "torch._utils._rebuild_wrapper_subclass":
        case "torch._utils._rebuild_device_tensor_from_numpy": case "torch._utils._rebuild_xla_tensor":
        case "torch._utils._rebuild_mlc_tensor": case "torch._utils._rebuild_nested_tensor":
          throw new Error(`tensors rebuilt by ${g.full} are not supported by torchts.load`);
      }
      return undefined;
    },
    build(obj: any, state: any): boolean {
      if (obj instanceof PyDict) {
        // OrderedDict state (state_dict's _metadata): an attribute in Python, not an entry; dropped
        if (state instanceof PyDict) return true;
        return state === null;
      }
      if (obj instanceof TensorSpec || obj instanceof NpDType) return true;  // parameter hooks state, numpy dtype flags
      if (obj instanceof Set && Array.isArray(state)) { for (const x of state) obj.add(x); return true; }
      return false;
    },
  };
}

function persistentLoader(refs: Map<string, StorageRef>, legacy: boolean) {
  const views = new Map<string, StorageView>();
  return (pid: any): any => {
    if (!Array.isArray(pid) || pid.length < 5) throw new Error("corrupt pickle: bad persistent id");
    const kind = pid[0] instanceof Uint8Array ? Buffer.from(pid[0]).toString("latin1") : pid[0];
    if (kind !== "storage") throw new Error(`unsupported persistent id '${String(kind)}'`);
    const type = pid[1];
    if (!(type instanceof StorageType)) throw new Error(`unsupported storage type ${type instanceof PyGlobal ? type.full : String(type)}`);
    const key = String(pid[2]);
    const location = String(pid[3]);
    const numel = int(pid[4], "storage size");
    let ref = refs.get(key);
    if (!ref) { ref = new StorageRef(key, type.dtype, location, numel); refs.set(key, ref); }
    else if (ref.dtype !== type.dtype) throw new Error(`storage '${key}' is used with two dtypes`);
    const vm = legacy ? pid[5] : null;
    if (vm !== null && vm !== undefined) {
      // legacy view: (view_key, offset, view_size)
      const vkey = String(vm[0]);
      let v = views.get(vkey);
      if (!v) { v = new StorageView(ref, int(vm[1], "view offset")); views.set(vkey, v); }
      return v;
    }
    return new StorageView(ref, 0);
  };
}

function deviceFor(location: string, ml: MapLocation | undefined, file: string): string {
  let dev: string = location;
  if (typeof ml === "string") dev = ml;
  else if (typeof ml === "function") dev = ml(location) ?? location;
  else if (ml && typeof ml === "object") dev = ml[location] ?? location;
  if (dev.startsWith("cuda") && !buildInfo.hasCuda)
    throw new Error(`'${file}' holds tensors saved on ${location}, but CUDA is not available. ` +
      "Use torch.load(path, { mapLocation: \"cpu\" }) to map them to the CPU.");
  return dev;
}

/** Turns the reader's Python-shaped values into JS values: dicts -> objects, tuples -> arrays, specs -> Tensors. */
function convert(v: any, memo: Map<any, any>): any {
  if (v === null || typeof v !== "object") return v;
  if (memo.has(v)) return memo.get(v);
  if (v instanceof TensorSpec) {
    const st = v.storage.ref.tensor!;
    const t = new Tensor(native.TensorFromStorage(st._id, v.storage.offset + v.offset, v.size, v.stride, v.dtype ? v.dtype.code : null));
    if (v.requiresGrad) t.requiresGrad_(true);
    memo.set(v, t);
    return t;
  }
  if (v instanceof StorageView) {
    // a bare storage (torch.save(t.untyped_storage())): a 1-D tensor over it
    const st = v.ref.tensor!;
    const n = st.numel() - v.offset;
    const t = new Tensor(native.TensorFromStorage(st._id, v.offset, [n], [1]));
    memo.set(v, t);
    return t;
  }
  if (v instanceof PyDict) {
    const o: Record<string, any> = {};
    memo.set(v, o);
    for (const [k, x] of v) o[Array.isArray(k) ? k.join(",") : String(k)] = convert(x, memo);
    return o;
  }
  if (Array.isArray(v)) {
    const a: any[] = [];
    memo.set(v, a);
    for (const x of v) a.push(convert(x, memo));
    return a;
  }
  if (v instanceof Set) {
    const s = new Set();
    memo.set(v, s);
    for (const x of v) s.add(convert(x, memo));
    return s;
  }
  if (v instanceof PyStub) {
    const o = new PyStub(v.__class__, []);
    memo.set(v, o);
    o.__args__ = convert(v.__args__, memo);
    o.__state__ = convert(v.__state__, memo);
    for (const k of Object.keys(v)) if (!k.startsWith("__")) o[k] = convert(v[k], memo);
    return o;
  }
  if (v instanceof PyGlobal) return `<${v.full}>`;
  if (v instanceof StorageType) return `<torch.${storageClassOf.get(v.dtype)}>`;
  if (v instanceof NpDType) return v.str;
  return v;  // DType, Uint8Array
}

function moveStorages(refs: Map<string, StorageRef>, ml: MapLocation | undefined, file: string): void {
  for (const ref of refs.values()) {
    const dev = deviceFor(ref.location, ml, file);
    if (dev !== "cpu") {
      const moved = ref.tensor!.to(dev);
      ref.tensor!.dispose();
      ref.tensor = moved;
    }
  }
}

function finish(value: any, refs: Map<string, StorageRef>): any {
  try {
    return convert(value, new Map());
  } finally {
    for (const r of refs.values()) r.tensor?.dispose();
  }
}

function loadZip(file: string, opts: LoadOptions): any {
  let h: any;
  try {
    h = native.ZipReaderOpen(file);
  } catch (e: any) {
    throw new Error(`truncated or corrupt zip archive (${e.message})`);
  }
  const refs = new Map<string, StorageRef>();
  try {
    const records: string[] = native.ZipRecords(h);
    if (records.includes("constants.pkl") || records.some((r) => r.startsWith("code/"))) {
      native.ZipReaderClose(h);
      console.warn(`torch.load: '${file}' is a TorchScript archive; loading it with jit.load()`);
      const { load: jitLoad } = require("./jit");
      const dev = typeof opts.mapLocation === "string" ? opts.mapLocation : undefined;
      return jitLoad(file, { device: dev });
    }
    if (!records.includes("data.pkl")) throw new Error("not a torch.save archive (it has no data.pkl record)");
    if (records.includes("byteorder")) {
      const bo = Buffer.from(native.ZipReadRecord(h, "byteorder")).toString("latin1");
      if (bo !== "little") throw new Error(`the file was written with byte order '${bo}', which torchts does not read`);
    }
    const pkl: Buffer = native.ZipReadRecord(h, "data.pkl");
    const value = unpickle(pkl, readerOptions(persistentLoader(refs, false), opts.unknownGlobals ?? "error")).value;
    for (const ref of refs.values()) {
      const rec = `data/${ref.key}`;
      if (!records.includes(rec)) throw new Error(`the archive has no storage record '${rec}'`);
      ref.tensor = new Tensor(native.ZipReadStorage(h, rec, ref.dtype.code));
      const n = ref.tensor.numel();
      if (n !== ref.numel && !(ref.dtype === dt.uint8 && n >= ref.numel))
        throw new Error(`storage '${ref.key}' has ${n} elements, the pickle says ${ref.numel}`);
    }
    moveStorages(refs, opts.mapLocation, file);
    return finish(value, refs);
  } catch (e) {
    for (const r of refs.values()) r.tensor?.dispose();
    throw e;
  } finally {
    native.ZipReaderClose(h);
  }
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function loadLegacy(file: string, buf: Buffer, opts: LoadOptions): any {
  const plain = readerOptions(() => { throw new Error("unexpected persistent id"); }, "error");
  const magic = unpickle(buf, plain, 0);
  if (BigInt(magic.value) !== LEGACY_MAGIC) throw new Error("not a PyTorch file (bad magic number)");
  const proto = unpickle(buf, plain, magic.end);
  if (proto.value !== 1001) throw new Error(`unsupported legacy protocol version ${proto.value}`);
  const sys = unpickle(buf, plain, proto.end);
  if (sys.value instanceof PyDict && sys.value.get("little_endian") === false) throw new Error("big-endian legacy files are not supported");
  const refs = new Map<string, StorageRef>();
  const main = unpickle(buf, readerOptions(persistentLoader(refs, true), opts.unknownGlobals ?? "error"), sys.end);
  const keys = unpickle(buf, plain, main.end);
  if (!Array.isArray(keys.value)) throw new Error("corrupt legacy file: no storage key list");
  let pos = keys.end;
  try {
    for (const k of keys.value) {
      const ref = refs.get(String(k));
      if (pos + 8 > buf.length) throw new Error("truncated storage data");
      const numel = Number(buf.readBigInt64LE(pos));
      pos += 8;
      const size = ref ? ref.dtype.itemsize : 1;
      const nbytes = numel * size;
      if (numel < 0 || pos + nbytes > buf.length) throw new Error("truncated storage data");
      if (ref) {
        if (numel !== ref.numel) throw new Error(`storage '${ref.key}' has ${numel} elements, the pickle says ${ref.numel}`);
        ref.tensor = new Tensor(native.FromBuffer(buf.subarray(pos, pos + nbytes), [numel], ref.dtype.code, false));
      }
      pos += nbytes;
    }
    for (const ref of refs.values()) if (!ref.tensor) throw new Error(`storage '${ref.key}' has no data`);
    moveStorages(refs, opts.mapLocation, file);
  } catch (e) {
    for (const r of refs.values()) r.tensor?.dispose();
    throw e;
  }
  return finish(main.value, refs);
}

/**
 * torch.load: reads a file written by torch.save (torchts or Python; zip format, or the legacy format before 1.6).
 * State dicts (OrderedDict) become plain objects keyed by name, tuples and lists become arrays, int dict keys
 * become strings. Only tensors, numbers, strings, containers and a few known types are read: nothing runs.
 */
export function load(file: string, opts: LoadOptions = {}): any {
  if (typeof file !== "string") throw new TypeError("argument 'path' must be a string");
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (e: any) {
    throw new Error(`torch.load: cannot open '${file}': ${e.code === "ENOENT" ? "no such file" : e.message}`);
  }
  const head = Buffer.alloc(512);
  let n: number;
  try { n = fs.readSync(fd, head, 0, 512, 0); } finally { fs.closeSync(fd); }
  try {
    if (n >= 4 && head.readUInt32LE(0) === 0x04034b50) return loadZip(file, opts);
    if (n >= 2 && head[0] === 0x80 && head[1] === 0x02) return loadLegacy(file, fs.readFileSync(file), opts);
    if (n >= 262 && head.toString("latin1", 257, 262) === "ustar")
      throw new Error("this is a tar archive from PyTorch before 0.4, which torchts does not read; re-save it with a newer PyTorch");
    throw new Error(n === 0 ? "the file is empty" : "not a PyTorch file (neither a zip archive nor a legacy torch.save pickle)");
  } catch (e: any) {
    if (e instanceof Error && !e.message.startsWith("torch.load:")) {
      e.message = `torch.load('${file}'): ${e.message}`;
    }
    throw e;
  }
}

// ---- save ----
function isPlainObject(v: any): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}
const INT_KEY = /^(0|-?[1-9][0-9]{0,15})$/;

class Writer {
  readonly p = new Pickler();
  readonly storages = new Map<string, { name: string; tensor: Tensor }>();
  private active = new Set<any>();

  key(k: string | number): void {
    if (typeof k === "number" && Number.isSafeInteger(k)) this.p.int(k);
    else if (typeof k === "string" && INT_KEY.test(k) && Number.isSafeInteger(Number(k))) this.p.int(Number(k));
    else this.p.str(String(k));
  }

  tensor(t: Tensor): void {
    if (t.isDisposed) throw new Error("cannot save a disposed Tensor");
    const info = native.StorageInfo(t._id);
    const dtype = t.dtype;
    const cls = storageClassOf.get(dtype);
    if (!cls) throw new Error(`cannot save tensors of dtype ${dtype}`);
    const id = `${info.key}:${dtype.code}`;
    let s = this.storages.get(id);
    if (!s) { s = { name: String(this.storages.size), tensor: t }; this.storages.set(id, s); }
    const p = this.p;
    p.global("torch._utils", "_rebuild_tensor_v2");
    p.mark();
    p.mark(); p.str("storage"); p.global("torch", cls); p.str(s.name); p.str(info.device);
    p.int(Math.floor(info.nbytes / dtype.itemsize)); p.tupleMark(); p.binpersid();
    p.int(info.offset);
    p.intTuple(t.shape);
    p.intTuple(t.stride());
    p.bool(t.requiresGrad);
    p.orderedDict();
    p.tupleMark();
    p.reduce();
  }

  value(v: any, where: string): void {
    const p = this.p;
    if (v === null || v === undefined) return p.none();
    switch (typeof v) {
      case "boolean": return p.bool(v);
      case "number": return Number.isSafeInteger(v) && !Object.is(v, -0) ? p.int(v) : p.float(v);
      case "bigint": return p.int(v);
      case "string": return p.str(v);
      case "object": break;
      default: throw new TypeError(`torch.save cannot save a ${typeof v} (at ${where})`);
    }
    if (v instanceof Tensor) return this.tensor(v);
    if (v instanceof DType) return p.global("torch", v.name);
    if (v instanceof Uint8Array) return p.bytes(v);
    if (this.active.has(v)) throw new TypeError(`torch.save cannot save a circular structure (at ${where})`);
    this.active.add(v);
    try {
      if (Array.isArray(v)) {
        p.emptyList();
        if (v.length) {
          p.mark();
          v.forEach((x, i) => this.value(x, `${where}[${i}]`));
          p.appends();
        }
      } else if (v instanceof Map) {
        p.orderedDict();
        if (v.size) {
          p.mark();
          for (const [k, x] of v) {
            if (typeof k !== "string" && typeof k !== "number") throw new TypeError(`torch.save: Map keys must be strings or numbers (at ${where})`);
            if (typeof k === "number") p.int(k); else p.str(k);
            this.value(x, `${where}.${k}`);
          }
          p.setitems();
        }
      } else if (v instanceof Set) {
        p.global("builtins", "set");
        p.emptyList();
        if (v.size) { p.mark(); for (const x of v) this.value(x, `${where}{}`); p.appends(); }
        p.tuple(1);
        p.reduce();
      } else if (isPlainObject(v)) {
        const keys = Object.keys(v);
        // a state dict (all values Tensors) is an OrderedDict, as in Python; other objects are dicts
        const isStateDict = keys.length > 0 && keys.every((k) => v[k] instanceof Tensor);
        if (isStateDict) p.orderedDict(); else p.emptyDict();
        if (keys.length) {
          p.mark();
          for (const k of keys) {
            if (isStateDict) this.p.str(k); else this.key(k);
            this.value(v[k], where ? `${where}.${k}` : k);
          }
          p.setitems();
        }
      } else if (ArrayBuffer.isView(v)) {
        throw new TypeError(`torch.save cannot save a ${v.constructor.name}; make it a Tensor first (at ${where})`);
      } else {
        const name = v.constructor?.name ?? "object";
        const hint = name === "ScriptModule" ? "; use its save(path) method for TorchScript"
          : typeof v.stateDict === "function" ? `; save ${name}.stateDict() instead` : "";
        throw new TypeError(`torch.save cannot save an object of class ${name} (at ${where || "top level"})${hint}`);
      }
    } finally {
      this.active.delete(v);
    }
  }
}

/**
 * torch.save: writes obj (Tensors, numbers, strings, booleans, null, arrays, plain objects, Maps, nested) in
 * PyTorch's zip format, readable by Python's torch.load (weights_only=True included, for tensors and containers
 * of them). Objects whose values are all Tensors are written as OrderedDicts (state dicts); object keys that are
 * integers ("0", "12") become Python ints, as in optimizer state dicts.
 */
export function save(obj: any, file: string): void {
  if (typeof file !== "string") throw new TypeError("argument 'path' must be a string");
  const w = new Writer();
  w.p.proto();
  w.value(obj, "");
  w.p.stop();
  const pkl = w.p.result();
  let h: any;
  try {
    h = native.ZipWriterOpen(file);
  } catch (e: any) {
    throw new Error(`torch.save: cannot write '${file}': ${e.message}`);
  }
  try {
    native.ZipWriteRecord(h, "data.pkl", pkl);
    native.ZipWriteRecord(h, "byteorder", Buffer.from("little"));
    for (const s of w.storages.values()) native.ZipWriteStorage(h, `data/${s.name}`, s.tensor._id);
    native.ZipWriterClose(h);
  } catch (e: any) {
    try { native.ZipWriterClose(h); } catch { /* already reported */ }
    try { fs.unlinkSync(file); } catch { /* nothing to remove */ }
    throw new Error(`torch.save('${file}'): ${e.message}`);
  }
}
