// Moving JS values between threads for DataLoader workers: tensors travel as hand-off tokens (the same
// storage, no copy); class instances are rebuilt from the module that exports their class.
import { native } from "../native";
import { Tensor } from "../tensor";

export class PackError extends Error {}

const locations = new WeakMap<Function, { file: string; name: string } | null>();

/** The module file and export name of a class, found among loaded modules (the entry script excluded). */
export function classLocation(ctor: Function): { file: string; name: string } | null {
  if (locations.has(ctor)) return locations.get(ctor)!;
  let found: { file: string; name: string } | null = null;
  for (const m of Object.values(require.cache)) {
    if (!m || m === require.main) continue;
    const ex = m.exports;
    if (ex === ctor) { found = { file: m.filename, name: "" }; break; }
    if (ex && (typeof ex === "object" || typeof ex === "function")) {
      for (const k of Object.keys(ex)) {
        // data properties only: reading getters of arbitrary modules can have side effects
        const d = Object.getOwnPropertyDescriptor(ex, k);
        // (a class exported through a callable Proxy, like the transforms, shares its prototype)
        if (d && "value" in d && (d.value === ctor || (typeof d.value === "function" && d.value.prototype === ctor.prototype))) {
          found = { file: m.filename, name: k };
          break;
        }
      }
    }
    if (found) break;
  }
  locations.set(ctor, found);
  return found;
}

function isPlain(v: any): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Packs a value for postMessage. Tensors become tokens (take them on the other side, or drop them). */
export class Packer {
  readonly tokens: number[] = [];
  private ids = new Map<any, number>();
  constructor(private readonly allowClasses = true) {}

  pack(v: any, path = "value"): any {
    if (v === null || v === undefined || typeof v === "number" || typeof v === "string" || typeof v === "boolean" || typeof v === "bigint") return v;
    if (typeof v === "function") throw new PackError(`${path} is a function, which cannot be sent to a worker thread`);
    if (typeof v === "symbol") throw new PackError(`${path} is a symbol, which cannot be sent to a worker thread`);
    if (this.ids.has(v)) return { $ref: this.ids.get(v) };
    const id = this.ids.size;
    this.ids.set(v, id);
    if (v instanceof Tensor) {
      if (v.isDisposed) throw new PackError(`${path} is a disposed Tensor`);
      const tok = native.HandoffPut(v._id);
      this.tokens.push(tok);
      const cls = v.constructor !== Tensor ? this.where(v.constructor, path) : null;
      return { $t: tok, id, cls };
    }
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof Date || v instanceof RegExp) return { $raw: v, id };
    if (typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer) return { $raw: v, id };
    if (Array.isArray(v)) return { $a: v.map((x, i) => this.pack(x, `${path}[${i}]`)), id };
    if (v instanceof Map) return { $m: [...v].map(([k, x], i) => [this.pack(k, `${path}.key${i}`), this.pack(x, `${path}.get(${String(k)})`)]), id };
    if (v instanceof Set) return { $s: [...v].map((x, i) => this.pack(x, `${path}[${i}]`)), id };
    if (typeof v === "object" && typeof v._gen === "object") throw new PackError(`${path} is a torch.Generator, which cannot be sent to a worker thread`);
    const fields: any = {};
    for (const k of Object.keys(v)) fields[k] = this.pack(v[k], `${path}.${k}`);
    if (isPlain(v)) return { $p: fields, id };
    if (!this.allowClasses) throw new PackError(`${path} is a ${v.constructor?.name} instance, which cannot be sent back from a worker thread`);
    return { $o: fields, id, cls: this.where(v.constructor, path) };
  }
  private where(ctor: Function, path: string): { file: string; name: string } {
    const loc = classLocation(ctor);
    if (!loc)
      throw new PackError(`${path} is a ${ctor?.name || "anonymous"} instance, and its class is not exported by a module that a ` +
        "worker thread can load (define it in a module of its own and export it; the entry script is not reloaded)");
    return loc;
  }
  /** Drops tokens that were never taken (when a message could not be delivered). */
  dropAll(): void { for (const t of this.tokens) native.HandoffDrop(t); this.tokens.length = 0; }
}

/** Rebuilds what Packer.pack made. */
export class Unpacker {
  private ids = new Map<number, any>();
  unpack(p: any): any {
    if (p === null || typeof p !== "object") return p;
    if ("$ref" in p) return this.ids.get(p.$ref);
    if ("$t" in p) {
      const id = native.HandoffTake(p.$t);
      const C = p.cls ? load(p.cls) : Tensor;
      const t = new C(id);
      this.ids.set(p.id, t);
      return t;
    }
    if ("$raw" in p) { this.ids.set(p.id, p.$raw); return p.$raw; }
    if ("$a" in p) { const a: any[] = []; this.ids.set(p.id, a); for (const x of p.$a) a.push(this.unpack(x)); return a; }
    if ("$m" in p) { const m = new Map(); this.ids.set(p.id, m); for (const [k, x] of p.$m) m.set(this.unpack(k), this.unpack(x)); return m; }
    if ("$s" in p) { const s = new Set(); this.ids.set(p.id, s); for (const x of p.$s) s.add(this.unpack(x)); return s; }
    let o: any;
    if ("$p" in p) o = {};
    else o = Object.create(load(p.cls).prototype);
    this.ids.set(p.id, o);
    const fields = p.$p ?? p.$o;
    for (const k of Object.keys(fields)) {
      const v = this.unpack(fields[k]);
      try { o[k] = v; } catch { Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true }); }
    }
    return o;
  }
}

function load(cls: { file: string; name: string }): any {
  const m = require(cls.file);
  const C = cls.name ? m[cls.name] : m;
  if (typeof C !== "function") throw new Error(`${cls.file} does not export a class named ${cls.name}`);
  return C;
}

/** Set inside DataLoader worker threads. */
export interface WorkerInfo { id: number; numWorkers: number; seed: bigint; dataset: any; }
let info: WorkerInfo | null = null;
/** In a DataLoader worker thread: its id, the number of workers, its seed and its copy of the dataset; else null. */
export function getWorkerInfo(): WorkerInfo | null { return info; }
export function _setWorkerInfo(i: WorkerInfo): void { info = i; }
