// Shared by the built-in datasets: the in-memory image dataset base class, file checks (MD5), archive
// extraction (a small tar reader over zlib), downloads, and IDX files.
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import * as crypto from "crypto";
import { Worker, MessageChannel, receiveMessageOnPort } from "worker_threads";
import { Tensor, fromTypedArray } from "../../tensor";
import * as dt from "../../dtype";
import { Dataset, NativeSource } from "../../data/dataset";
import { DeviceDataset } from "../../data/device_loader";
import { HWCImage, asHWCImage, applyTransform, TransformLike, _compileNative } from "../transforms";

// ---------------- the in-memory image dataset ----------------
export interface VisionDatasetOptions {
  root?: string;
  transform?: TransformLike | null;
  targetTransform?: TransformLike | null;
}

/**
 * Images held as one uint8 tensor `data` ([N, H, W, C], [N, H, W] for grayscale, or [N, C, H, W]) with integer
 * targets; item i is [image, target] where the image is an HWCImage (what a PIL image is to torchvision) passed
 * through `transform`. The DataLoader runs supported transforms for these datasets in native threads.
 */
export class ImageTensorDataset extends Dataset<[any, any]> {
  data: Tensor;
  transform: TransformLike | null;
  targetTransform: TransformLike | null;
  classes: string[];
  readonly layout: "HWC" | "HW" | "CHW";
  readonly root: string;
  protected _targets: Tensor;

  private readonly _n: number;
  /** `count` is for subclasses that store images of different sizes in a flat `data` and override image(i). */
  constructor(data: Tensor, targets: Tensor | ArrayLike<number>,
              opts: VisionDatasetOptions & { classes?: string[]; layout?: "HWC" | "HW" | "CHW"; count?: number } = {}) {
    super();
    if (!(data instanceof Tensor)) throw new TypeError("ImageTensorDataset: data must be a uint8 Tensor");
    if (data.dtype !== dt.uint8) throw new TypeError(`ImageTensorDataset: data must be uint8 images, got ${data.dtype}`);
    this.layout = opts.layout ?? (data.dim() === 3 ? "HW" : "HWC");
    const want = this.layout === "HW" ? 3 : 4;
    if (opts.count === undefined && data.dim() !== want) throw new RangeError(`ImageTensorDataset: layout ${this.layout} needs a ${want}-D data tensor, got shape [${data.shape}]`);
    this._n = opts.count ?? data.shape[0];
    const t = targets instanceof Tensor ? targets : fromTypedArray(BigInt64Array.from(Array.from(targets), (x) => BigInt(x)));
    if (t.dim() !== 1 || t.shape[0] !== this._n)
      throw new RangeError(`ImageTensorDataset: ${this._n} images but ${t.dim() === 1 ? t.shape[0] : "a non 1-D tensor of"} targets`);
    this.data = data;
    this._targets = t.dtype === dt.int64 ? t : t.to(dt.int64);
    if (this._targets !== t && !(targets instanceof Tensor)) t.dispose();
    this.transform = opts.transform ?? null;
    this.targetTransform = opts.targetTransform ?? null;
    this.root = opts.root ?? "";
    this.classes = opts.classes ?? [];
  }
  get length(): number { return this._n; }
  /** {class name: index}. */
  get classToIdx(): Record<string, number> { return Object.fromEntries(this.classes.map((c, i) => [c, i])); }
  /** The targets as an int64 tensor. */
  get targetTensor(): Tensor { return this._targets; }
  private _targetList: number[] | null = null;
  /** The targets as numbers (torchvision keeps CIFAR's as a list). */
  get targetList(): number[] {
    if (!this._targetList) this._targetList = Array.from(this._targets.data() as BigInt64Array, Number);
    return this._targetList;
  }
  /** The raw image i: an HWCImage view (or a [C, H, W] view for CHW data). */
  protected image(i: number): Tensor {
    const row = this.data.select(0, i);
    if (this.layout === "CHW") return row;
    const img = asHWCImage(row);
    row.dispose();
    return img;
  }
  getItem(index: number): [any, any] {
    const n = this.length;
    if (!Number.isInteger(index) || index < -n || index >= n) throw new RangeError(`${this.constructor.name}: index ${index} is out of range for ${n} items`);
    const i = index < 0 ? index + n : index;
    const raw = this.image(i);
    let img: any;
    if (this.transform) {
      img = applyTransform(this.transform, raw);
      if (img !== raw) raw.dispose();
    } else {
      img = raw instanceof HWCImage ? asHWCImage(raw.clone()) : raw.clone();  // the caller may modify it in place
      raw.dispose();
    }
    const target = this.targetList[i];
    return [img, this.targetTransform ? applyTransform(this.targetTransform, target) : target];
  }
  /** @internal what the native batch pipeline needs, or null when the transform (or an override) rules it out */
  _nativeSource(): (NativeSource & { pipeline: any }) | null {
    if (this.getItem !== ImageTensorDataset.prototype.getItem) return null;
    if (!this.data.isContiguous() || this.data.device !== "cpu") return null;
    const C = this.layout === "HW" ? 1 : this.layout === "HWC" ? this.data.shape[3] : this.data.shape[1];
    const pipeline = _compileNative(this.transform, this.layout, C);
    if (!pipeline) return null;
    return { images: this.data, targets: this._targets, layout: this.layout, transform: this.transform, targetTransform: this.targetTransform, pipeline };
  }
  /**
   * The dataset on a device, for data.DeviceLoader: the images as one uint8 tensor there (HWC; grayscale gets a
   * channel of 1), shuffled and transformed batch by batch on the device.
   */
  toDevice(device: string, opts: { transform?: TransformLike | null } = {}): DeviceDataset {
    let d: Tensor;
    if (this.layout === "HW") { const u = this.data.unsqueeze(-1); d = u.to(device); if (d !== u) u.dispose(); }
    else d = this.data.to(device);
    if (d === this.data) d = this.data.alias();
    const y = this._targets.to(device);
    const wrap = this.layout === "CHW" ? (x: Tensor) => x : (x: Tensor) => asHWCImage(x);
    return new DeviceDataset(d, y === this._targets ? y.alias() : y, {
      transform: opts.transform === undefined ? this.transform : opts.transform, targetTransform: this.targetTransform, wrap, classes: this.classes,
    });
  }
  protected extraRepr(): string[] { return []; }
  toString(): string {
    const lines = [`Dataset ${this.constructor.name}`, `    Number of datapoints: ${this.length}`];
    if (this.root) lines.push(`    Root location: ${this.root}`);
    for (const l of this.extraRepr()) lines.push(`    ${l}`);
    if (this.transform) lines.push(`    StandardTransform\n    Transform: ${String(this.transform).replace(/\n/g, "\n               ")}`);
    return lines.join("\n");
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string { return this.toString(); }
}

// ---------------- files ----------------
/** MD5 of a file, read in chunks. */
export function calculateMd5(file: string): string {
  const h = crypto.createHash("md5");
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) { const n = fs.readSync(fd, buf, 0, buf.length, null); if (!n) break; h.update(buf.subarray(0, n)); }
  } finally { fs.closeSync(fd); }
  return h.digest("hex");
}
/** True when the file exists and (if md5 is given) has that MD5. */
export function checkIntegrity(file: string, md5?: string | null): boolean {
  if (!fs.existsSync(file)) return false;
  return md5 ? calculateMd5(file) === md5 : true;
}
function checkMd5OrThrow(file: string, md5?: string | null): void {
  if (!md5) return;
  const got = calculateMd5(file);
  if (got !== md5)
    throw new Error(`${file}: MD5 mismatch: expected ${md5}, found ${got}. The file is corrupt or incomplete; delete it and download again.`);
}

/** Reads a whole file, gunzipping it when it is gzip (by name or magic bytes); errors name the file. */
export function readMaybeGz(file: string): Buffer {
  const raw = fs.readFileSync(file);
  if (file.endsWith(".gz") || (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b)) {
    try { return zlib.gunzipSync(raw); } catch (e: any) {
      throw new Error(`${file}: expected a gzip file, but it is truncated or corrupt (${e.message})`);
    }
  }
  return raw;
}

export interface TarEntry { name: string; type: "file" | "dir" | "other"; data: Buffer; mode: number; }
/** Parses a (ustar / GNU / pax) tar archive. */
export function readTar(buf: Buffer, what = "archive"): TarEntry[] {
  const out: TarEntry[] = [];
  let off = 0, longName: string | null = null, paxPath: string | null = null;
  const str = (b: Buffer) => { const z = b.indexOf(0); return (z < 0 ? b : b.subarray(0, z)).toString("utf8"); };
  const oct = (b: Buffer) => { const s = str(b).trim(); return s ? parseInt(s, 8) : 0; };
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    let sum = 0;
    for (let k = 0; k < 512; k++) sum += k >= 148 && k < 156 ? 32 : h[k];
    if (sum !== oct(h.subarray(148, 156))) throw new Error(`${what}: not a tar archive (bad header checksum at byte ${off})`);
    const size = oct(h.subarray(124, 136));
    const type = String.fromCharCode(h[156] || 48);
    const magic = str(h.subarray(257, 263));
    let name = str(h.subarray(0, 100));
    if (magic.startsWith("ustar")) { const prefix = str(h.subarray(345, 500)); if (prefix) name = `${prefix}/${name}`; }
    const start = off + 512;
    if (start + size > buf.length) throw new Error(`${what}: truncated tar archive: entry '${name}' needs ${size} bytes, found ${buf.length - start}`);
    const data = buf.subarray(start, start + size);
    off = start + Math.ceil(size / 512) * 512;
    if (type === "L") { longName = str(data); continue; }
    if (type === "x") {
      for (const line of data.toString("utf8").split("\n")) { const m = /^\d+ path=(.*)$/.exec(line); if (m) paxPath = m[1]; }
      continue;
    }
    if (type === "g") continue;
    if (paxPath) { name = paxPath; paxPath = null; }
    if (longName) { name = longName; longName = null; }
    out.push({ name, type: type === "0" || type === "7" ? "file" : type === "5" ? "dir" : "other", data, mode: oct(h.subarray(100, 108)) });
  }
  return out;
}

/** Extracts .tar, .tar.gz / .tgz (or a single-file .gz) into `to` (default: the archive's folder); returns the files written. */
export function extractArchive(from: string, to?: string, removeFinished = false): string[] {
  const dest = path.resolve(to ?? path.dirname(from));
  const lower = from.toLowerCase();
  let buf = fs.readFileSync(from);
  const gz = buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  if (gz) {
    try { buf = zlib.gunzipSync(buf); } catch (e: any) { throw new Error(`${from}: expected a gzip archive, but it is truncated or corrupt (${e.message})`); }
  }
  const written: string[] = [];
  const isTar = lower.endsWith(".tar") || lower.endsWith(".tar.gz") || lower.endsWith(".tgz") || (buf.length >= 263 && buf.subarray(257, 262).toString() === "ustar");
  if (!isTar) {
    if (!gz) throw new Error(`${from}: not an archive this reader knows (.tar, .tar.gz, .tgz, .gz)`);
    const out = path.join(dest, path.basename(from).replace(/\.gz$/i, ""));
    fs.mkdirSync(dest, { recursive: true });
    fs.writeFileSync(out, buf);
    written.push(out);
  } else {
    for (const e of readTar(buf, from)) {
      const target = path.resolve(dest, e.name);
      if (target !== dest && !target.startsWith(dest + path.sep)) throw new Error(`${from}: entry '${e.name}' would be written outside ${dest}`);
      if (e.type === "dir") fs.mkdirSync(target, { recursive: true });
      else if (e.type === "file") {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, e.data);
        written.push(target);
      }
    }
  }
  if (removeFinished) fs.unlinkSync(from);
  return written;
}

// ---------------- running async work synchronously ----------------
/** Runs `code` (CommonJS, with workerData.port and workerData.sig) in a worker thread and blocks until it posts its result. */
export function runSync(code: string, data: Record<string, any>, timeoutMs = 0): any {
  const sab = new SharedArrayBuffer(4);
  const sig = new Int32Array(sab);
  const ch = new MessageChannel();
  const w = new Worker(code, { eval: true, workerData: { ...data, port: ch.port2, sig: sab }, transferList: [ch.port2 as any] });
  const t0 = Date.now();
  try {
    for (;;) {
      const m = receiveMessageOnPort(ch.port1);
      if (m) return m.message;
      if (timeoutMs && Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s`);
      Atomics.wait(sig, 0, 0, 100);
    }
  } finally {
    w.unref();  // it ends by itself once it has posted its result
    ch.port1.close();
  }
}

const DOWNLOAD = `
const { workerData } = require("worker_threads");
const fs = require("fs");
const sig = new Int32Array(workerData.sig);
function done(r) { workerData.port.postMessage(r); Atomics.store(sig, 0, 1); Atomics.notify(sig, 0); }
(async () => {
  const tmp = workerData.dest + ".part";
  try {
    const res = await fetch(workerData.url, { redirect: "follow" });
    if (!res.ok) throw new Error("HTTP " + res.status + " " + res.statusText);
    const out = fs.createWriteStream(tmp);
    for await (const chunk of res.body) { if (!out.write(chunk)) await new Promise((r) => out.once("drain", r)); }
    await new Promise((r, j) => out.end((e) => (e ? j(e) : r())));
    fs.renameSync(tmp, workerData.dest);
    done({ ok: true });
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch {}
    const cause = e && e.cause && e.cause.message ? " (" + e.cause.message + ")" : "";
    done({ ok: false, message: String((e && e.message) || e) + cause });
  }
})();`;

/** Downloads url to root/filename (blocking), then checks the MD5 if given. */
export function downloadUrl(url: string, root: string, filename?: string | null, md5?: string | null): string {
  fs.mkdirSync(root, { recursive: true });
  const dest = path.join(root, filename ?? path.basename(new URL(url).pathname));
  if (checkIntegrity(dest, md5)) return dest;
  process.stderr.write(`Downloading ${url} to ${dest}\n`);
  const r = runSync(DOWNLOAD, { url, dest });
  if (!r.ok) throw new Error(`could not download ${url}: ${r.message}`);
  checkMd5OrThrow(dest, md5);
  return dest;
}

/** Downloads (unless a file with the right MD5 is already there), verifies the MD5, and extracts. */
export function downloadAndExtractArchive(url: string, downloadRoot: string,
  opts: { extractRoot?: string; filename?: string; md5?: string | null; removeFinished?: boolean } = {}): string[] {
  const filename = opts.filename ?? path.basename(new URL(url).pathname);
  const archive = path.join(downloadRoot, filename);
  if (fs.existsSync(archive)) checkMd5OrThrow(archive, opts.md5);
  else downloadUrl(url, downloadRoot, filename, opts.md5);
  return extractArchive(archive, opts.extractRoot ?? downloadRoot, !!opts.removeFinished);
}

// ---------------- IDX (MNIST) files ----------------
const IDX_TYPES: Record<number, string> = { 0x08: "unsigned byte", 0x09: "signed byte", 0x0b: "short", 0x0c: "int", 0x0d: "float", 0x0e: "double" };
/** Reads an IDX file (raw or .gz) of unsigned bytes with `ndim` dimensions: its dims and its data. */
export function readIdx(file: string, ndim: number): { dims: number[]; data: Uint8Array } {
  const buf = readMaybeGz(file);
  const what = ndim === 3 ? "an IDX image file (magic 0x00000803)" : "an IDX label file (magic 0x00000801)";
  if (buf.length < 4) throw new Error(`${file}: expected ${what}, found only ${buf.length} bytes`);
  if (buf[0] !== 0 || buf[1] !== 0) throw new Error(`${file}: expected ${what}, found magic 0x${buf.readUInt32BE(0).toString(16).padStart(8, "0")} (not an IDX file)`);
  if (buf[2] !== 0x08) throw new Error(`${file}: expected ${what} of unsigned bytes (type 0x08), found type 0x${buf[2].toString(16)} (${IDX_TYPES[buf[2]] ?? "unknown"})`);
  if (buf[3] !== ndim) throw new Error(`${file}: expected ${what} with ${ndim} dimension${ndim > 1 ? "s" : ""}, found ${buf[3]}`);
  const header = 4 + 4 * ndim;
  if (buf.length < header) throw new Error(`${file}: truncated: the header needs ${header} bytes, found ${buf.length}`);
  const dims: number[] = [];
  for (let k = 0; k < ndim; k++) dims.push(buf.readUInt32BE(4 + 4 * k));
  const need = dims.reduce((a, b) => a * b, 1);
  if (buf.length - header < need)
    throw new Error(`${file}: truncated: dimensions [${dims}] need ${need} bytes of data after the header, found ${buf.length - header}`);
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + header, need) };
}

/** The first folder of `dirs` that holds every file in `names` (each may also be name.gz); the paths found. */
export function findFiles(dirs: string[], names: string[]): string[] | null {
  for (const d of dirs) {
    const found: string[] = [];
    for (const n of names) {
      const p = [path.join(d, n), path.join(d, n + ".gz")].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
      if (!p) break;
      found.push(p);
    }
    if (found.length === names.length) return found;
  }
  return null;
}
