// TensorBoard event files: TFRecord framing (masked CRC32C) around hand-encoded protobuf Event/Summary messages.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Tensor, fromTypedArray } from "../tensor";
import { tidy } from "../memory";
import * as dt from "../dtype";
import { DataFormats, tensorToPNG } from "./png";

// ---- CRC32C (Castagnoli) and TFRecord's mask ----
const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli), the checksum of TFRecord files. */
export function crc32c(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC32C_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 and add 0xa282ead8. */
export function maskedCrc32c(buf: Uint8Array): number {
  const c = crc32c(buf);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord: uint64 length, masked CRC of the length, data, masked CRC of the data (little-endian). */
export function tfrecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(16 + data.length);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

// ---- a minimal protobuf writer ----
class Proto {
  private parts: Buffer[] = [];
  private varint(v: bigint | number): void {
    let x = BigInt.asUintN(64, BigInt(v));
    const bytes: number[] = [];
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x) b |= 0x80;
      bytes.push(b);
    } while (x);
    this.parts.push(Buffer.from(bytes));
  }
  private key(field: number, wire: number): void { this.varint((field << 3) | wire); }
  int(field: number, v: number | bigint): this { this.key(field, 0); this.varint(typeof v === "number" ? Math.trunc(v) : v); return this; }
  double(field: number, v: number): this { this.key(field, 1); const b = Buffer.alloc(8); b.writeDoubleLE(v); this.parts.push(b); return this; }
  float(field: number, v: number): this { this.key(field, 5); const b = Buffer.alloc(4); b.writeFloatLE(v); this.parts.push(b); return this; }
  bytes(field: number, v: Uint8Array | string): this {
    const b = typeof v === "string" ? Buffer.from(v, "utf8") : Buffer.from(v);
    this.key(field, 2); this.varint(b.length); this.parts.push(b); return this;
  }
  message(field: number, m: Proto): this { return this.bytes(field, m.finish()); }
  packedDoubles(field: number, vs: number[]): this {
    const b = Buffer.alloc(8 * vs.length);
    vs.forEach((v, i) => b.writeDoubleLE(v, 8 * i));
    return this.bytes(field, b);
  }
  finish(): Buffer { return Buffer.concat(this.parts); }
}

// Field numbers from tensorflow/core/util/event.proto and core/framework/summary.proto.
const EVENT = { wallTime: 1, step: 2, fileVersion: 3, summary: 5 };
const VALUE = { tag: 1, simpleValue: 2, image: 4, histo: 5, tensor: 8, metadata: 9 };
const IMAGE = { height: 1, width: 2, colorspace: 3, encoded: 4 };
const HISTO = { min: 1, max: 2, num: 3, sum: 4, sumSquares: 5, bucketLimit: 6, bucket: 7 };

function event(step: number, walltime: number | undefined, fill: (e: Proto) => void): Buffer {
  const e = new Proto().double(EVENT.wallTime, walltime ?? Date.now() / 1000);
  if (step) e.int(EVENT.step, step);
  fill(e);
  return e.finish();
}
function summaryEvent(value: Proto, step: number, walltime?: number): Buffer {
  return event(step, walltime, (e) => e.message(EVENT.summary, new Proto().message(1, value)));
}

function numbersOf(v: Tensor | ArrayLike<number>): Float64Array {
  if (v instanceof Tensor) return tidy(() => new Float64Array(v.detach().cpu().to(dt.float64).contiguous().data() as Float64Array));
  return Float64Array.from(v as ArrayLike<number>);
}

function scalarOf(v: number | Tensor): number {
  return typeof v === "number" ? v : v.item();
}

export interface SummaryWriterOptions {
  /** Appended to the default log directory name. */
  comment?: string;
  /** Appended to the event file's name. */
  filenameSuffix?: string;
}

/**
 * Writes TensorBoard event files, like `torch.utils.tensorboard.SummaryWriter`:
 * ```ts
 * const writer = new train.SummaryWriter("runs/exp1");
 * writer.addScalar("Loss/train", loss, step);
 * writer.close();          // then: tensorboard --logdir runs
 * ```
 */
export class SummaryWriter {
  readonly logDir: string;
  /** The event file written. */
  readonly filePath: string;
  private fd: number | null;
  private children = new Map<string, SummaryWriter>();
  private readonly opts: SummaryWriterOptions;

  constructor(logDir?: string, opts: SummaryWriterOptions = {}) {
    this.opts = opts;
    if (!logDir) {
      const d = new Date();
      const p = (n: number) => String(n).padStart(2, "0");
      const stamp = `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
      logDir = path.join("runs", `${stamp}_${os.hostname()}${opts.comment ?? ""}`);
    }
    this.logDir = logDir;
    fs.mkdirSync(logDir, { recursive: true });
    const t = Math.floor(Date.now() / 1000);
    this.filePath = path.join(logDir, `events.out.tfevents.${String(t).padStart(10, "0")}.${os.hostname()}.${process.pid}.${SummaryWriter.uid++}${opts.filenameSuffix ?? ""}`);
    this.fd = fs.openSync(this.filePath, "a");
    this.write(event(0, undefined, (e) => e.bytes(EVENT.fileVersion, "brain.Event:2")));
  }
  private static uid = 0;

  private write(ev: Buffer): void {
    if (this.fd === null) throw new Error("SummaryWriter is closed");
    fs.writeSync(this.fd, tfrecord(ev));
  }

  /** Logs one scalar (a number or a one-element tensor). */
  addScalar(tag: string, value: number | Tensor, globalStep = 0, walltime?: number): void {
    this.write(summaryEvent(new Proto().bytes(VALUE.tag, tag).float(VALUE.simpleValue, scalarOf(value)), globalStep, walltime));
  }

  /**
   * Logs several scalars in one chart: as PyTorch does, each goes to its own run directory
   * `<logDir>/<mainTag>_<key>` under the tag mainTag.
   */
  addScalars(mainTag: string, tagScalarDict: Record<string, number | Tensor>, globalStep = 0, walltime?: number): void {
    for (const [k, v] of Object.entries(tagScalarDict)) {
      const dir = path.join(this.logDir, `${mainTag}_${k}`.replace(/[/\\]/g, "_"));
      let w = this.children.get(dir);
      if (!w) { w = new SummaryWriter(dir, { filenameSuffix: this.opts.filenameSuffix }); this.children.set(dir, w); }
      w.addScalar(mainTag, v, globalStep, walltime);
    }
  }

  /**
   * Logs an image tensor (CHW by default; floats in [0, 1], integers in [0, 255]), PNG-encoded.
   */
  addImage(tag: string, img: Tensor, globalStep = 0, walltime?: number, opts: { dataformats?: DataFormats } = {}): void {
    const { png, width, height } = tensorToPNG(img, opts.dataformats ?? "CHW");
    this.addImagePNG(tag, png, width, height, globalStep, walltime);
  }

  /** Logs a batch of NCHW images as one grid image. */
  addImages(tag: string, imgs: Tensor, globalStep = 0, walltime?: number, opts: { nrow?: number; padding?: number } = {}): void {
    const grid = makeGrid(imgs, opts);
    try { this.addImage(tag, grid, globalStep, walltime); } finally { grid.dispose(); }
  }

  /** Logs an already encoded PNG (e.g. a chart written by plotHistory). */
  addImagePNG(tag: string, png: Uint8Array, width: number, height: number, globalStep = 0, walltime?: number): void {
    const channels = ({ 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 } as Record<number, number>)[png[25]] ?? 3; // from the IHDR colour type
    const image = new Proto().int(IMAGE.height, height).int(IMAGE.width, width).int(IMAGE.colorspace, channels).bytes(IMAGE.encoded, png);
    this.write(summaryEvent(new Proto().bytes(VALUE.tag, tag).message(VALUE.image, image), globalStep, walltime));
  }

  /**
   * Logs a histogram of values. `bins` is a bin count (equal widths between min and max, default 64)
   * or explicit ascending bin edges.
   */
  addHistogram(tag: string, values: Tensor | ArrayLike<number>, globalStep = 0, bins: number | number[] = 64, walltime?: number): void {
    const v = numbersOf(values).filter((x) => Number.isFinite(x));
    if (v.length === 0) throw new RangeError(`addHistogram('${tag}'): no finite values`);
    let min = Infinity, max = -Infinity, sum = 0, sumSq = 0;
    for (const x of v) { if (x < min) min = x; if (x > max) max = x; sum += x; sumSq += x * x; }
    let edges: number[];
    if (Array.isArray(bins)) edges = bins;
    else {
      const n = Math.max(1, Math.floor(bins));
      const lo = min, hi = max > min ? max : min + 1;
      edges = Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
    }
    const counts = new Array(edges.length - 1).fill(0);
    for (const x of v) {
      if (x < edges[0] || x > edges[edges.length - 1]) continue;
      let lo = 0, hi = edges.length - 2; // binary search: the last bin includes its right edge (numpy's rule)
      while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (edges[mid] <= x) lo = mid; else hi = mid - 1; }
      counts[lo]++;
    }
    const h = new Proto().double(HISTO.min, min).double(HISTO.max, max).double(HISTO.num, v.length)
      .double(HISTO.sum, sum).double(HISTO.sumSquares, sumSq)
      .packedDoubles(HISTO.bucketLimit, edges.slice(1)).packedDoubles(HISTO.bucket, counts);
    this.write(summaryEvent(new Proto().bytes(VALUE.tag, tag).message(VALUE.histo, h), globalStep, walltime));
  }

  /** Logs text (markdown), shown in TensorBoard's Text tab. */
  addText(tag: string, text: string, globalStep = 0, walltime?: number): void {
    const plugin = new Proto().bytes(1, "text").bytes(2, "");
    const metadata = new Proto().message(1, plugin);
    const shape = new Proto().message(2, new Proto().int(1, 1));
    const tensor = new Proto().int(1, 7 /* DT_STRING */).message(2, shape).bytes(8, text);
    this.write(summaryEvent(new Proto().bytes(VALUE.tag, `${tag}/text_summary`).message(VALUE.metadata, metadata).message(VALUE.tensor, tensor), globalStep, walltime));
  }

  /** Writes are synchronous; flush() forces them to disk. */
  flush(): void {
    if (this.fd !== null) fs.fsyncSync(this.fd);
    for (const w of this.children.values()) w.flush();
  }
  close(): void {
    for (const w of this.children.values()) w.close();
    this.children.clear();
    if (this.fd !== null) { fs.closeSync(this.fd); this.fd = null; }
  }
  [Symbol.dispose](): void { this.close(); }
}

/** Tiles NCHW images into one CHW image, nrow per row, with padding (like torchvision.utils.make_grid). */
export function makeGrid(imgs: Tensor, opts: { nrow?: number; padding?: number; padValue?: number } = {}): Tensor {
  return tidy(() => {
    let t = imgs.detach().cpu();
    if (t.dim() === 3) t = t.unsqueeze(1);
    if (t.dim() !== 4) throw new RangeError(`makeGrid expects NCHW images, got shape [${t.shape}]`);
    const [n, c, h, w] = t.shape;
    const nrow = Math.min(opts.nrow ?? 8, n), pad = opts.padding ?? 2;
    const rows = Math.ceil(n / nrow);
    const H = rows * (h + pad) + pad, W = nrow * (w + pad) + pad;
    const src = t.float().contiguous().data() as Float32Array;
    const scale = t.isFloatingPoint() ? 1 : 1 / 255;
    const out = new Float32Array(c * H * W).fill(opts.padValue ?? 0);
    for (let i = 0; i < n; i++) {
      const y0 = Math.floor(i / nrow) * (h + pad) + pad, x0 = (i % nrow) * (w + pad) + pad;
      for (let ch = 0; ch < c; ch++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++)
            out[ch * H * W + (y0 + y) * W + x0 + x] = src[((i * c + ch) * h + y) * w + x] * scale;
    }
    return fromTypedArray(out, [c, H, W]);
  });
}

