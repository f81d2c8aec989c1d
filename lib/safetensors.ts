// safetensors: an 8-byte little-endian header length, a JSON header ({name: {dtype, shape, data_offsets}},
// "__metadata__": {str: str}), then the tensors' bytes. Loading reads each tensor's bytes straight into its storage
// (no second copy of the file in memory); saving writes each tensor's bytes straight from its storage.
import * as fs from "fs";
import { native } from "./native";
import { Tensor } from "./tensor";
import * as dt from "./dtype";
import { DType } from "./dtype";
import { callOp } from "./ops";

const CODES: [string, DType][] = [
  ["F64", dt.float64], ["F32", dt.float32], ["F16", dt.float16], ["BF16", dt.bfloat16], ["I64", dt.int64],
  ["I32", dt.int32], ["I16", dt.int16], ["I8", dt.int8], ["U8", dt.uint8], ["BOOL", dt.bool],
  ["C64", dt.complex64], ["C128", dt.complex128],
];
const byCode = new Map(CODES);
const codeOf = new Map(CODES.map(([c, d]) => [d, c]));
const KNOWN_UNSUPPORTED = new Set(["U16", "U32", "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4"]);
const MAX_HEADER = 100_000_000;

export type Metadata = Record<string, string>;
interface Entry { dtype: DType; shape: number[]; begin: number; end: number; }

function readHeader(path: string, fd: number): { entries: Map<string, Entry>; metadata: Metadata | null; dataStart: number } {
  const fail = (msg: string): never => { throw new Error(`safetensors.load('${path}'): ${msg}`); };
  const size = fs.fstatSync(fd).size;
  if (size < 8) fail("the file is too short to be a safetensors file");
  const lenBuf = Buffer.alloc(8);
  fs.readSync(fd, lenBuf, 0, 8, 0);
  const n = lenBuf.readBigUInt64LE(0);
  if (n > BigInt(Math.min(MAX_HEADER, size - 8))) fail(`invalid header length ${n} (the file has ${size} bytes)`);
  const hb = Buffer.alloc(Number(n));
  if (fs.readSync(fd, hb, 0, hb.length, 8) !== hb.length) fail("truncated header");
  let header: any;
  try { header = JSON.parse(hb.toString("utf8")); } catch (e: any) { fail(`the header is not valid JSON (${e.message})`); }
  if (!header || typeof header !== "object" || Array.isArray(header)) fail("the header is not a JSON object");
  const dataStart = 8 + hb.length;
  const dataLen = size - dataStart;
  let metadata: Metadata | null = null;
  const entries = new Map<string, Entry>();
  for (const [name, v] of Object.entries<any>(header)) {
    if (name === "__metadata__") {
      if (v === null) continue;
      if (typeof v !== "object" || Array.isArray(v) || !Object.values(v).every((x) => typeof x === "string"))
        fail("__metadata__ must map strings to strings");
      metadata = v;
      continue;
    }
    if (!v || typeof v !== "object") fail(`bad entry for '${name}'`);
    const dtype = byCode.get(v.dtype);
    if (!dtype) fail(KNOWN_UNSUPPORTED.has(v.dtype) ? `tensor '${name}': dtype ${v.dtype} is not supported by this libtorch` : `tensor '${name}': unknown dtype ${JSON.stringify(v.dtype)}`);
    if (!Array.isArray(v.shape) || !v.shape.every((d: any) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor '${name}': bad shape`);
    const off = v.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d: any) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1])
      fail(`tensor '${name}': bad data_offsets`);
    if (off[1] > dataLen) fail(`tensor '${name}': data_offsets [${off}] run past the end of the file (truncated?)`);
    const numel = v.shape.reduce((a: number, b: number) => a * b, 1);
    if (numel * dtype!.itemsize !== off[1] - off[0])
      fail(`tensor '${name}': shape [${v.shape}] of ${v.dtype} needs ${numel * dtype!.itemsize} bytes, data_offsets give ${off[1] - off[0]}`);
    entries.set(name, { dtype: dtype!, shape: v.shape, begin: off[0], end: off[1] });
  }
  // the spec forbids overlapping tensors
  const spans = [...entries.values()].filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < spans.length; i++) if (spans[i].begin < spans[i - 1].end) fail("tensors overlap in the data section");
  return { entries, metadata, dataStart };
}

/**
 * Loads every tensor of a safetensors file (each read straight into its own storage), onto `device` if given.
 * Metadata: safetensors.metadata(path).
 */
export function load(path: string, opts?: { device?: string }): Record<string, Tensor> {
  if (typeof path !== "string") throw new TypeError("argument 'path' must be a string");
  let fd: number;
  try { fd = fs.openSync(path, "r"); } catch (e: any) {
    throw new Error(`safetensors.load('${path}'): ${e.code === "ENOENT" ? "no such file" : e.message}`);
  }
  const out: Record<string, Tensor> = {};
  try {
    const { entries, dataStart } = readHeader(path, fd);
    for (const [name, e] of entries) {
      let t: Tensor = callOp("aten::empty", e.shape, { dtype: e.dtype });
      out[name] = t;
      try {
        native.ReadInto(t._id, fd, dataStart + e.begin);
      } catch (err: any) {
        throw new Error(`safetensors.load('${path}'): tensor '${name}': ${err.message}`);
      }
      if (opts?.device && opts.device !== "cpu") { out[name] = t.to(opts.device); t.dispose(); }
    }
  } catch (e) {
    for (const t of Object.values(out)) t.dispose();
    throw e;
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

/** The __metadata__ of a safetensors file (null when absent). */
export function metadata(path: string): Metadata | null {
  const fd = fs.openSync(path, "r");
  try { return readHeader(path, fd).metadata; } finally { fs.closeSync(fd); }
}

/** Names, dtypes and shapes of the tensors in a file, without reading their data. */
export function describe(path: string): Record<string, { dtype: DType; shape: number[] }> {
  const fd = fs.openSync(path, "r");
  try {
    const r: Record<string, { dtype: DType; shape: number[] }> = {};
    for (const [n, e] of readHeader(path, fd).entries) r[n] = { dtype: e.dtype, shape: e.shape };
    return r;
  } finally { fs.closeSync(fd); }
}

/**
 * Saves tensors (a plain object or Map of name -> Tensor) as safetensors, with optional string metadata. Tensors
 * are laid out by decreasing element size, then name, so each is aligned to its element size.
 */
export function save(tensors: Record<string, Tensor> | Map<string, Tensor>, path: string, meta?: Metadata): void {
  const items = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors ?? {});
  for (const [n, t] of items) {
    if (!(t instanceof Tensor)) throw new TypeError(`safetensors.save: '${n}' is not a Tensor`);
    if (n === "__metadata__") throw new TypeError("safetensors.save: '__metadata__' is a reserved name");
    if (!codeOf.has(t.dtype)) throw new TypeError(`safetensors.save: '${n}' has dtype ${t.dtype}, which safetensors cannot hold`);
  }
  if (meta !== undefined && meta !== null) {
    if (typeof meta !== "object" || !Object.values(meta).every((v) => typeof v === "string"))
      throw new TypeError("safetensors.save: metadata must map strings to strings");
  }
  const sorted = items.slice().sort((a, b) => b[1].dtype.itemsize - a[1].dtype.itemsize || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const header: any = {};
  if (meta && Object.keys(meta).length) header.__metadata__ = meta;
  let off = 0;
  for (const [n, t] of sorted) {
    const bytes = t.numel() * t.dtype.itemsize;
    header[n] = { dtype: codeOf.get(t.dtype), shape: t.shape, data_offsets: [off, off + bytes] };
    off += bytes;
  }
  let hb = Buffer.from(JSON.stringify(header), "utf8");
  const pad = (8 - (hb.length % 8)) % 8;
  if (pad) hb = Buffer.concat([hb, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(hb.length));
  let fd: number;
  try { fd = fs.openSync(path, "w"); } catch (e: any) { throw new Error(`safetensors.save: cannot write '${path}': ${e.message}`); }
  try {
    fs.writeSync(fd, len);
    fs.writeSync(fd, hb);
    for (const [, t] of sorted) native.WriteFrom(fd, t._id);
  } catch (e: any) {
    fs.closeSync(fd);
    try { fs.unlinkSync(path); } catch { /* ignore */ }
    throw new Error(`safetensors.save('${path}'): ${e.message}`);
  }
  fs.closeSync(fd);
}
