// ImageFolder: root/<class>/**/<image>, one class per subfolder; PNG and JPEG (also WebP, TIFF, GIF) decoded with sharp.
import * as fs from "fs";
import * as path from "path";
import { Tensor, fromTypedArray } from "../../tensor";
import { ImageTensorDataset, VisionDatasetOptions, runSync } from "./utils";
import { asHWCImage } from "../transforms";

export const IMG_EXTENSIONS = [".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".gif"];

export interface ImageFolderOptions extends VisionDatasetOptions {
  root: string;
  /** File extensions to accept (lower case, with the dot). */
  extensions?: string[];
  /** Or a predicate on the file path (replaces extensions). */
  isValidFile?: (file: string) => boolean;
}

const DECODE = `
const { workerData } = require("worker_threads");
const sharp = require(workerData.sharp);
const sig = new Int32Array(workerData.sig);
function done(r, transfer) { workerData.port.postMessage(r, transfer || []); Atomics.store(sig, 0, 1); Atomics.notify(sig, 0); }
(async () => {
  const files = workerData.files;
  const out = new Array(files.length);
  let next = 0, failed = null;
  async function run() {
    while (next < files.length && !failed) {
      const k = next++;
      try {
        const { data, info } = await sharp(files[k]).removeAlpha().toColourspace("srgb").raw().toBuffer({ resolveWithObject: true });
        out[k] = { data, h: info.height, w: info.width, c: info.channels };
      } catch (e) { failed = { file: files[k], message: String((e && e.message) || e) }; }
    }
  }
  await Promise.all(Array.from({ length: 8 }, run));
  if (failed) return done({ ok: false, ...failed });
  let total = 0;
  for (const o of out) total += o.data.length;
  const buf = new ArrayBuffer(total);
  const u8 = new Uint8Array(buf);
  const shapes = new Int32Array(files.length * 3), offsets = new Float64Array(files.length);
  let off = 0;
  out.forEach((o, k) => { u8.set(o.data, off); offsets[k] = off; shapes.set([o.h, o.w, o.c], 3 * k); off += o.data.length; });
  done({ ok: true, buf, shapes, offsets }, [buf]);
})().catch((e) => done({ ok: false, file: "?", message: String(e && e.message || e) }));`;

/** Decodes image files to RGB uint8 (blocking; sharp runs in a worker thread). */
export function decodeImages(files: string[]): { bytes: Uint8Array; shapes: Int32Array; offsets: Float64Array } {
  if (!files.length) return { bytes: new Uint8Array(0), shapes: new Int32Array(0), offsets: new Float64Array(0) };
  let sharpPath: string;
  try { sharpPath = require.resolve("sharp"); } catch { throw new Error("ImageFolder needs the npm package sharp to decode images (npm install sharp)"); }
  const r = runSync(DECODE, { files, sharp: sharpPath });
  if (!r.ok) throw new Error(`${r.file}: cannot decode image: expected a PNG or JPEG (or WebP, TIFF, GIF) file: ${r.message}`);
  return { bytes: new Uint8Array(r.buf), shapes: r.shapes, offsets: r.offsets };
}

/**
 * A folder of images, one class per subfolder (sorted names are the classes, as in torchvision). All images are
 * decoded when the dataset is made and kept as one uint8 tensor: [N, H, W, 3] when they share a size (then the
 * DataLoader's native pipeline can batch them), else one flat buffer with per-image offsets.
 */
export class ImageFolder extends ImageTensorDataset {
  /** [file, class index] per image, in order. */
  readonly samples: [string, number][];
  readonly extensions: string[] | null;
  private readonly uniform: boolean;
  private readonly offsets: Float64Array;
  private readonly shapes: Int32Array;

  constructor(opts: ImageFolderOptions) {
    const root = path.resolve(opts.root);
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new Error(`ImageFolder: ${root} is not a directory`);
    const classes = fs.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    if (!classes.length) throw new Error(`ImageFolder: couldn't find any class folder in ${root}`);
    const exts = opts.isValidFile ? null : (opts.extensions ?? IMG_EXTENSIONS).map((e) => e.toLowerCase());
    const valid = opts.isValidFile ?? ((f: string) => exts!.includes(path.extname(f).toLowerCase()));
    const samples: [string, number][] = [];
    classes.forEach((c, ci) => {
      const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
          const p = path.join(dir, e.name);
          if (e.isDirectory()) walk(p);
          else if (valid(p)) samples.push([p, ci]);
        }
      };
      walk(path.join(root, c));
    });
    const empty = classes.filter((_, ci) => !samples.some((s) => s[1] === ci));
    if (empty.length)
      throw new Error(`ImageFolder: found no valid file for the classes ${empty.join(", ")} in ${root}. Supported extensions are: ${(exts ?? ["(isValidFile)"]).join(", ")}`);
    const dec = decodeImages(samples.map((s) => s[0]));
    const n = samples.length;
    const [h0, w0, c0] = [dec.shapes[0], dec.shapes[1], dec.shapes[2]];
    let uniform = true;
    for (let k = 0; k < n; k++) if (dec.shapes[3 * k] !== h0 || dec.shapes[3 * k + 1] !== w0 || dec.shapes[3 * k + 2] !== c0) { uniform = false; break; }
    const data = uniform ? fromTypedArray(dec.bytes, [n, h0, w0, c0]) : fromTypedArray(dec.bytes, [dec.bytes.length]);
    const targets = samples.map((s) => s[1]);
    super(data, targets, { root, transform: opts.transform, targetTransform: opts.targetTransform, classes, layout: "HWC", count: uniform ? undefined : n });
    this.samples = samples;
    this.extensions = exts;
    this.uniform = uniform;
    this.offsets = dec.offsets;
    this.shapes = dec.shapes;
  }
  /** torchvision's alias of samples. */
  get imgs(): [string, number][] { return this.samples; }
  get targets(): number[] { return this.samples.map((s) => s[1]); }
  protected image(i: number): Tensor {
    if (this.uniform) return super.image(i);
    const [h, w, c] = [this.shapes[3 * i], this.shapes[3 * i + 1], this.shapes[3 * i + 2]];
    const flat = this.data.narrow(0, this.offsets[i], h * w * c);
    const img = asHWCImage(flat.view([h, w, c]));
    flat.dispose();
    return img;
  }
  _nativeSource(): any { return this.uniform ? super._nativeSource() : null; }
  toDevice(device: string, opts: { transform?: any } = {}): any {
    if (!this.uniform) throw new Error("ImageFolder.toDevice: the images have different sizes; a device-resident dataset needs one size");
    return super.toDevice(device, opts);
  }
}
