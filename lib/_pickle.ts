// A restricted pickle reader and a protocol-2 pickle writer, enough for PyTorch's checkpoints. The reader knows a
// fixed list of globals (tensor rebuild functions, storages, OrderedDict, a few builtins) and never imports or runs
// anything named by the file; the writer emits what Python's torch.save emits for tensors and containers.

/** A Python global named by the file (a class or function); resolved only through the reader's whitelist. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get full(): string { return `${this.module}.${this.name}`; }
}
/** An object of a class the reader does not know, kept as data when `unknownGlobals: "stub"` is asked for. */
export class PyStub {
  __class__: string;
  __args__: any[];
  __state__: any = undefined;
  [k: string]: any;
  constructor(cls: string, args: any[]) { this.__class__ = cls; this.__args__ = args; }
}
/** A Python tuple while reading (arrays after conversion). */
export class PyTuple extends Array<any> {}
/** A Python dict while reading: keys of any type, insertion order. */
export class PyDict extends Map<any, any> { ordered = false; }

const OPS = {
  MARK: 0x28, STOP: 0x2e, POP: 0x30, POP_MARK: 0x31, DUP: 0x32, FLOAT: 0x46, INT: 0x49, BININT: 0x4a,
  BININT1: 0x4b, LONG: 0x4c, BININT2: 0x4d, NONE: 0x4e, PERSID: 0x50, BINPERSID: 0x51, REDUCE: 0x52,
  STRING: 0x53, BINSTRING: 0x54, SHORT_BINSTRING: 0x55, UNICODE: 0x56, BINUNICODE: 0x58, APPEND: 0x61,
  BUILD: 0x62, GLOBAL: 0x63, DICT: 0x64, EMPTY_DICT: 0x7d, APPENDS: 0x65, GET: 0x67, BINGET: 0x68, INST: 0x69,
  LONG_BINGET: 0x6a, LIST: 0x6c, EMPTY_LIST: 0x5d, OBJ: 0x6f, PUT: 0x70, BINPUT: 0x71, LONG_BINPUT: 0x72,
  SETITEM: 0x73, TUPLE: 0x74, EMPTY_TUPLE: 0x29, SETITEMS: 0x75, BINFLOAT: 0x47, PROTO: 0x80, NEWOBJ: 0x81,
  EXT1: 0x82, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87, NEWTRUE: 0x88, NEWFALSE: 0x89, LONG1: 0x8a, LONG4: 0x8b,
  BINBYTES: 0x42, SHORT_BINBYTES: 0x43, SHORT_BINUNICODE: 0x8c, BINUNICODE8: 0x8d, BINBYTES8: 0x8e,
  EMPTY_SET: 0x8f, ADDITEMS: 0x90, FROZENSET: 0x91, NEWOBJ_EX: 0x92, STACK_GLOBAL: 0x93, MEMOIZE: 0x94,
  FRAME: 0x95, BYTEARRAY8: 0x96,
};

export interface UnpickleOptions {
  /** Resolves a persistent id (torch storages). */
  persistentLoad(pid: any): any;
  /** Calls a whitelisted global with args (REDUCE/NEWOBJ); returns undefined when the global is unknown. */
  call(g: PyGlobal, args: any[]): any;
  /** A global that is a value rather than something called (torch.float32, torch.FloatStorage). */
  value(g: PyGlobal): any;
  /** Applies BUILD state to obj; false when not allowed. */
  build(obj: any, state: any): boolean;
  unknownGlobals?: "error" | "stub";
}

class MarkT {}
const MARK = new MarkT();

function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Reads one pickle starting at `start`; returns the value and the offset after its STOP. */
export function unpickle(buf: Uint8Array, opts: UnpickleOptions, start = 0): { value: any; end: number } {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const td = new TextDecoder("utf-8");
  let pos = start;
  let stack: any[] = [];
  const metastack: any[][] = [];
  const memo = new Map<number, any>();
  const fail = (msg: string): never => { throw new Error(`corrupt or unsupported pickle at byte ${pos}: ${msg}`); };
  const need = (n: number) => { if (n < 0 || pos + n > buf.length) fail("truncated data"); };
  const u8 = () => { need(1); return buf[pos++]; };
  const bytes = (n: number) => { need(n); const b = buf.subarray(pos, pos + n); pos += n; return b; };
  const u16 = () => { need(2); const v = dv.getUint16(pos, true); pos += 2; return v; };
  const u32 = () => { need(4); const v = dv.getUint32(pos, true); pos += 4; return v; };
  const i32 = () => { need(4); const v = dv.getInt32(pos, true); pos += 4; return v; };
  const u64 = () => { need(8); const v = dv.getBigUint64(pos, true); pos += 8; if (v > BigInt(buf.length)) fail("length too large"); return Number(v); };
  const line = () => {
    const e = buf.indexOf(0x0a, pos);
    if (e < 0) fail("truncated line");
    const s = Buffer.from(buf.subarray(pos, e)).toString("latin1");
    pos = e + 1;
    return s;
  };
  const pop = () => { if (!stack.length) fail("stack underflow"); return stack.pop(); };
  const top = () => { if (!stack.length) fail("stack underflow"); return stack[stack.length - 1]; };
  const popMark = () => {
    if (!metastack.length) fail("MARK expected");
    const items = stack;
    stack = metastack.pop()!;
    return items;
  };
  const push = (v: any) => stack.push(v);
  const tuple = (items: any[]) => { const t = new PyTuple(); t.push(...items); return t; };
  const global = (module: string, name: string) => {
    const g = new PyGlobal(module, name);
    const v = opts.value(g);
    return v === undefined ? g : v;
  };
  const callGlobal = (f: any, args: any[]) => {
    if (!(f instanceof PyGlobal)) fail(`cannot call ${typeof f === "object" ? "this object" : String(f)}`);
    const r = opts.call(f, args);
    if (r !== undefined) return r;
    if (opts.unknownGlobals === "stub") return new PyStub(f.full, args);
    throw new Error(`the file needs the Python global '${f.full}', which torchts does not load (only tensors, ` +
      "containers, numbers and strings can be loaded; pass { unknownGlobals: \"stub\" } to keep such objects as data)");
  };
  const setItem = (d: any, k: any, v: any) => {
    if (d instanceof Map) d.set(k, v);
    else if (d instanceof PyStub) d[String(k)] = v;
    else fail("SETITEM on a non-dict");
  };
  const text = (b: Uint8Array) => td.decode(b);
  const textInt = (s: string) => {
    if (!/^[+-]?[0-9]+$/.test(s)) fail("bad integer");
    const v = BigInt(s);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const memoIndex = (s: string) => { if (!/^[0-9]+$/.test(s)) fail("bad memo index"); return parseInt(s, 10); };

  for (;;) {
    const op = u8();
    switch (op) {
      case OPS.PROTO: u8(); break;
      case OPS.FRAME: u64(); break;
      case OPS.STOP: {
        const v = pop();
        return { value: v, end: pos };
      }
      case OPS.MARK: metastack.push(stack); stack = []; break;
      case OPS.POP: if (stack.length) pop(); else popMark(); break;
      case OPS.POP_MARK: popMark(); break;
      case OPS.DUP: push(top()); break;
      case OPS.NONE: push(null); break;
      case OPS.NEWTRUE: push(true); break;
      case OPS.NEWFALSE: push(false); break;
      case OPS.BININT: push(i32()); break;
      case OPS.BININT1: push(u8()); break;
      case OPS.BININT2: push(u16()); break;
      case OPS.LONG1: push(decodeLong(bytes(u8()))); break;
      case OPS.LONG4: { const n = i32(); if (n < 0) fail("negative length"); push(decodeLong(bytes(n))); break; }
      case OPS.INT: {
        const s = line();
        if (s === "00") push(false); else if (s === "01") push(true);
        else push(textInt(s));
        break;
      }
      case OPS.LONG: { const s = line(); push(textInt(s.endsWith("L") ? s.slice(0, -1) : s)); break; }
      case OPS.FLOAT: push(parseFloat(line())); break;
      case OPS.BINFLOAT: { need(8); push(dv.getFloat64(pos, false)); pos += 8; break; }
      case OPS.BINUNICODE: push(text(bytes(u32()))); break;
      case OPS.SHORT_BINUNICODE: push(text(bytes(u8()))); break;
      case OPS.BINUNICODE8: push(text(bytes(u64()))); break;
      case OPS.UNICODE: push(line()); break;
      case OPS.STRING: { let s = line(); if (s.length >= 2 && (s[0] === "'" || s[0] === '"')) s = s.slice(1, -1); push(s); break; }
      case OPS.BINSTRING: { const n = i32(); push(Buffer.from(bytes(n)).toString("latin1")); break; }
      case OPS.SHORT_BINSTRING: push(Buffer.from(bytes(u8())).toString("latin1")); break;
      case OPS.BINBYTES: push(new Uint8Array(bytes(u32()))); break;
      case OPS.SHORT_BINBYTES: push(new Uint8Array(bytes(u8()))); break;
      case OPS.BINBYTES8: case OPS.BYTEARRAY8: push(new Uint8Array(bytes(u64()))); break;
      case OPS.EMPTY_TUPLE: push(tuple([])); break;
      case OPS.TUPLE: push(tuple(popMark())); break;
      case OPS.TUPLE1: push(tuple([pop()])); break;
      case OPS.TUPLE2: { const b = pop(), a = pop(); push(tuple([a, b])); break; }
      case OPS.TUPLE3: { const c = pop(), b = pop(), a = pop(); push(tuple([a, b, c])); break; }
      case OPS.EMPTY_LIST: push([]); break;
      case OPS.LIST: push(popMark()); break;
      case OPS.APPEND: { const v = pop(); const l = top(); if (!Array.isArray(l) || l instanceof PyTuple) fail("APPEND to a non-list"); l.push(v); break; }
      case OPS.APPENDS: { const items = popMark(); const l = top(); if (!Array.isArray(l) || l instanceof PyTuple) fail("APPENDS to a non-list"); for (const x of items) l.push(x); break; }
      case OPS.EMPTY_DICT: push(new PyDict()); break;
      case OPS.DICT: { const items = popMark(); const d = new PyDict(); for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i], items[i + 1]); push(d); break; }
      case OPS.SETITEM: { const v = pop(), k = pop(); setItem(top(), k, v); break; }
      case OPS.SETITEMS: { const items = popMark(); const d = top(); for (let i = 0; i + 1 < items.length; i += 2) setItem(d, items[i], items[i + 1]); break; }
      case OPS.EMPTY_SET: push(new Set()); break;
      case OPS.ADDITEMS: { const items = popMark(); const s = top(); if (!(s instanceof Set)) fail("ADDITEMS to a non-set"); for (const x of items) s.add(x); break; }
      case OPS.FROZENSET: push(new Set(popMark())); break;
      case OPS.GLOBAL: { const m = line(); const n = line(); push(global(m, n)); break; }
      case OPS.STACK_GLOBAL: { const n = pop(), m = pop(); if (typeof m !== "string" || typeof n !== "string") fail("STACK_GLOBAL needs strings"); push(global(m, n)); break; }
      case OPS.REDUCE: { const args = pop(); const f = pop(); push(callGlobal(f, Array.from(args ?? []))); break; }
      case OPS.NEWOBJ: { const args = pop(); const cls = pop(); push(callGlobal(cls, Array.from(args ?? []))); break; }
      case OPS.NEWOBJ_EX: { pop(); const args = pop(); const cls = pop(); push(callGlobal(cls, Array.from(args ?? []))); break; }
      case OPS.BUILD: {
        const state = pop();
        const obj = top();
        if (obj instanceof PyStub) { obj.__state__ = state; break; }
        if (!opts.build(obj, state)) fail(`BUILD is not allowed on ${obj?.constructor?.name ?? typeof obj}`);
        break;
      }
      case OPS.BINPERSID: push(opts.persistentLoad(pop())); break;
      case OPS.PERSID: push(opts.persistentLoad(line())); break;
      case OPS.BINGET: { const i = u8(); if (!memo.has(i)) fail(`memo ${i} missing`); push(memo.get(i)); break; }
      case OPS.LONG_BINGET: { const i = u32(); if (!memo.has(i)) fail(`memo ${i} missing`); push(memo.get(i)); break; }
      case OPS.GET: { const i = memoIndex(line()); if (!memo.has(i)) fail(`memo ${i} missing`); push(memo.get(i)); break; }
      case OPS.BINPUT: memo.set(u8(), top()); break;
      case OPS.LONG_BINPUT: memo.set(u32(), top()); break;
      case OPS.PUT: memo.set(memoIndex(line()), top()); break;
      case OPS.MEMOIZE: memo.set(memo.size, top()); break;
      case OPS.INST: case OPS.OBJ: case OPS.EXT1:
        fail("old-style class instances are not supported");
        break;
      default:
        fail(`unknown opcode 0x${op.toString(16)}`);
    }
  }
}

// ---- writer ----
/** Protocol-2 pickle writer (what torch.save uses). */
export class Pickler {
  private chunks: Buffer[] = [];
  private cur = Buffer.allocUnsafe(1 << 16);
  private n = 0;

  private ensure(k: number): void {
    if (this.n + k <= this.cur.length) return;
    this.chunks.push(this.cur.subarray(0, this.n));
    this.cur = Buffer.allocUnsafe(Math.max(1 << 16, k));
    this.n = 0;
  }
  op(b: number): void { this.ensure(1); this.cur[this.n++] = b; }
  raw(b: Uint8Array): void { this.ensure(b.length); this.cur.set(b, this.n); this.n += b.length; }
  proto(): void { this.op(OPS.PROTO); this.op(2); }
  stop(): void { this.op(OPS.STOP); }
  mark(): void { this.op(OPS.MARK); }
  none(): void { this.op(OPS.NONE); }
  bool(v: boolean): void { this.op(v ? OPS.NEWTRUE : OPS.NEWFALSE); }
  int(v: number | bigint): void {
    if (typeof v === "number" && Number.isSafeInteger(v)) {
      if (v >= 0 && v < 256) { this.op(OPS.BININT1); this.op(v); return; }
      if (v >= 0 && v < 65536) { this.op(OPS.BININT2); this.ensure(2); this.cur.writeUInt16LE(v, this.n); this.n += 2; return; }
      if (v >= -0x80000000 && v <= 0x7fffffff) { this.op(OPS.BININT); this.ensure(4); this.cur.writeInt32LE(v, this.n); this.n += 4; return; }
    }
    // LONG1: little-endian two's complement, shortest form
    let x = BigInt(v);
    const out: number[] = [];
    for (;;) {
      const byte = Number(x & 0xffn);
      out.push(byte);
      x >>= 8n;
      if ((x === 0n && !(byte & 0x80)) || (x === -1n && (byte & 0x80))) break;
    }
    this.op(OPS.LONG1); this.op(out.length); this.raw(Uint8Array.from(out));
  }
  float(v: number): void { this.op(OPS.BINFLOAT); this.ensure(8); this.cur.writeDoubleBE(v, this.n); this.n += 8; }
  str(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.op(OPS.BINUNICODE); this.ensure(4); this.cur.writeUInt32LE(b.length, this.n); this.n += 4; this.raw(b);
  }
  global(module: string, name: string): void { this.op(OPS.GLOBAL); this.raw(Buffer.from(`${module}\n${name}\n`, "latin1")); }
  /** bytes in protocol 2, as Python 3 writes them: _codecs.encode(latin1 text, "latin1"). */
  bytes(b: Uint8Array): void {
    this.global("_codecs", "encode");
    this.str(Buffer.from(b).toString("latin1"));
    this.str("latin1");
    this.op(OPS.TUPLE2);
    this.op(OPS.REDUCE);
  }
  tuple(n: number): void {
    if (n === 0) this.op(OPS.EMPTY_TUPLE);
    else if (n === 1) this.op(OPS.TUPLE1);
    else if (n === 2) this.op(OPS.TUPLE2);
    else if (n === 3) this.op(OPS.TUPLE3);
    else throw new Error("tuple(n) > 3: use mark() ... tupleMark()");
  }
  tupleMark(): void { this.op(OPS.TUPLE); }
  intTuple(xs: number[]): void {
    if (xs.length > 3) this.mark();
    for (const x of xs) this.int(x);
    if (xs.length > 3) this.tupleMark(); else this.tuple(xs.length);
  }
  emptyList(): void { this.op(OPS.EMPTY_LIST); }
  appends(): void { this.op(OPS.APPENDS); }
  emptyDict(): void { this.op(OPS.EMPTY_DICT); }
  setitems(): void { this.op(OPS.SETITEMS); }
  reduce(): void { this.op(OPS.REDUCE); }
  binpersid(): void { this.op(OPS.BINPERSID); }
  /** collections.OrderedDict() on the stack (items follow with mark ... setitems). */
  orderedDict(): void { this.global("collections", "OrderedDict"); this.op(OPS.EMPTY_TUPLE); this.op(OPS.REDUCE); }
  result(): Buffer {
    this.chunks.push(this.cur.subarray(0, this.n));
    return Buffer.concat(this.chunks);
  }
}
