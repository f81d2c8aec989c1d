// CIFAR-10 and CIFAR-100, official binary version (https://www.cs.toronto.edu/~kriz/cifar.html).
import * as fs from "fs";
import * as path from "path";
import { Tensor, fromTypedArray } from "../../tensor";
import { tidy, keep } from "../../memory";
import { ImageTensorDataset, VisionDatasetOptions, downloadAndExtractArchive, checkIntegrity } from "./utils";
import { loadNumpyPickle, dictGet, NdArray } from "./_numpy_pickle";

export interface CIFAROptions extends VisionDatasetOptions {
  /** The training set (5 batches, 50,000 images) or the test set (10,000). */
  train?: boolean;
  /** Fetch the official archive into root (verifying its MD5) unless the files are there. */
  download?: boolean;
}

const CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];
const CIFAR100_CLASSES = ("apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle " +
  "caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish forest fox girl " +
  "hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle mountain mouse mushroom oak_tree " +
  "orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine possum rabbit raccoon ray road rocket rose sea seal " +
  "shark shrew skunk skyscraper snail snake spider squirrel streetcar sunflower sweet_pepper table tank telephone television tiger tractor " +
  "train trout tulip turtle wardrobe whale willow_tree wolf woman worm").split(" ");
const CIFAR100_COARSE = ("aquatic_mammals fish flowers food_containers fruit_and_vegetables household_electrical_devices household_furniture " +
  "insects large_carnivores large_man-made_outdoor_things large_natural_outdoor_scenes large_omnivores_and_herbivores medium_mammals " +
  "non-insect_invertebrates people reptiles small_mammals trees vehicles_1 vehicles_2").split(" ");

interface Loaded { data: Tensor; targets: Tensor; coarse: Tensor | null; classes: string[]; folder: string; }

/**
 * CIFAR-10: 32x32 RGB images in 10 classes, read from the official binary files
 * (root/cifar-10-batches-bin/data_batch_{1..5}.bin, test_batch.bin) or, when those are absent, from torchvision's
 * python version (root/cifar-10-batches-py/data_batch_{1..5}, test_batch, batches.meta). `data` is uint8
 * [N, 32, 32, 3] as in torchvision; items are [HWCImage, label].
 */
export class CIFAR10 extends ImageTensorDataset {
  static baseFolder = "cifar-10-batches-bin";
  static url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
  static filename = "cifar-10-binary.tar.gz";
  static tgzMd5 = "c32a1d4ab5d03f1284b67883e8d87530";
  static trainList = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];
  static testList = ["test_batch.bin"];
  static metaFile = "batches.meta.txt";
  static coarseMetaFile: string | null = null;
  /** Label bytes per record, and which of them is the label. */
  static labelBytes = 1;
  static labelIndex = 0;
  static numClasses = 10;
  static defaultClasses = CIFAR10_CLASSES;
  /** torchvision's files (the "python version", numpy arrays in pickles), read when the binary ones are absent. */
  static pyFolder = "cifar-10-batches-py";
  static pyTrainList = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5"];
  static pyTestList = ["test_batch"];
  static pyMetaFile = "batches.meta";
  static pyLabelsKey = "labels";
  static pyNamesKey = "label_names";

  readonly train: boolean;
  /** The folder the files were read from. */
  readonly folder: string;

  constructor(opts: CIFAROptions = {}) {
    const cls = new.target as typeof CIFAR10;
    const root = path.resolve(opts.root ?? "data");
    const train = opts.train ?? true;
    if (opts.download) cls.download(root);
    const l = cls.load(root, train);
    super(l.data, l.targets, { root, transform: opts.transform, targetTransform: opts.targetTransform, classes: l.classes, layout: "HWC" });
    this.train = train;
    this.folder = l.folder;
    (this as any)._coarse = l.coarse;
  }

  /** The labels as numbers, like torchvision's `targets` list. */
  get targets(): number[] { return this.targetList; }

  /** Fetches and extracts the official archive into root, unless the extracted files are already there. */
  static download(root: string): void {
    const dir = path.join(root, this.baseFolder);
    if ([...this.trainList, ...this.testList].every((f) => checkIntegrity(path.join(dir, f)))) return;
    if ([...this.pyTrainList, ...this.pyTestList].every((f) => checkIntegrity(path.join(root, this.pyFolder, f)))) return;
    downloadAndExtractArchive(this.url, root, { filename: this.filename, md5: this.tgzMd5 });
  }

  protected static load(root: string, train: boolean): Loaded {
    const files = train ? this.trainList : this.testList;
    const dirs = [path.join(root, this.baseFolder), root];
    const dir = dirs.find((d) => files.every((f) => fs.existsSync(path.join(d, f))));
    if (!dir) {
      const pyFiles = train ? this.pyTrainList : this.pyTestList;
      const pyDirs = [path.join(root, this.pyFolder), root];
      const pyDir = pyDirs.find((d) => pyFiles.every((f) => fs.existsSync(path.join(d, f))));
      if (pyDir) return this.loadPython(pyDir, pyFiles);
      throw new Error(`${this.name}: dataset files not found. Looked for ${files.join(", ")} in ${dirs.join(" and ")} ` +
        `(or torchvision's ${pyFiles.join(", ")} in ${pyDirs[0]}). ` +
        `Pass download: true to fetch ${this.url} (MD5 ${this.tgzMd5}) into ${root}, or download that archive and extract it there.`);
    }
    const rec = this.labelBytes + 3072;
    const bufs: Buffer[] = [];
    let n = 0;
    for (const f of files) {
      const p = path.join(dir, f);
      const b = fs.readFileSync(p);
      if (b.length >= 2 && b[0] === 0x80 && b[1] <= 5)
        throw new Error(`${p}: this is the Python (pickle) version of ${this.name}; expected the binary version (${this.url})`);
      if (b.length === 0 || b.length % rec !== 0)
        throw new Error(`${p}: truncated or not a ${this.name} binary file: expected a multiple of ${rec} bytes ` +
          `(${this.labelBytes} label byte${this.labelBytes > 1 ? "s" : ""} + 3072 pixel bytes per record), found ${b.length} bytes`);
      for (let r = 0; r < b.length / rec; r++) {
        for (let k = 0; k < this.labelBytes; k++) {
          const v = b[r * rec + k];
          const limit = k === this.labelIndex ? this.numClasses : CIFAR100_COARSE.length;
          if (v >= limit) throw new Error(`${p}: record ${r}: label ${v} is out of range [0, ${limit})`);
        }
      }
      bufs.push(b);
      n += b.length / rec;
    }
    const pix = new Uint8Array(n * 3072);
    const labels = new BigInt64Array(n);
    const coarse = this.labelBytes > 1 ? new BigInt64Array(n) : null;
    let k = 0;
    for (const b of bufs) {
      for (let off = 0; off < b.length; off += rec, k++) {
        labels[k] = BigInt(b[off + this.labelIndex]);
        if (coarse) coarse[k] = BigInt(b[off]);
        pix.set(b.subarray(off + this.labelBytes, off + rec), k * 3072);
      }
    }
    const data = tidy(() => keep(fromTypedArray(pix, [n, 3, 32, 32], { share: true }).permute(0, 2, 3, 1).contiguous()));
    const targets = fromTypedArray(labels);
    let classes = this.defaultClasses;
    const meta = path.join(dir, this.metaFile);
    if (fs.existsSync(meta)) {
      const names = fs.readFileSync(meta, "utf8").split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
      if (names.length === this.numClasses) classes = names;
    }
    return { data, targets, coarse: coarse ? fromTypedArray(coarse) : null, classes, folder: dir };
  }
  /** Reads torchvision's pickled batches (dicts with data: uint8 [N, 3072] and the labels list). */
  protected static loadPython(dir: string, files: string[]): Loaded {
    const pixels: Uint8Array[] = [];
    const labels: number[] = [], coarse: number[] = [];
    for (const f of files) {
      const p = path.join(dir, f);
      let d: any;
      try { d = loadNumpyPickle(fs.readFileSync(p)); } catch (e: any) { throw new Error(`${p}: not a ${this.name} (python version) batch: ${e.message}`); }
      const arr = dictGet(d, "data"), ls = dictGet(d, this.pyLabelsKey);
      if (!(arr instanceof NdArray) || !Array.isArray(ls))
        throw new Error(`${p}: expected a dict with 'data' (a numpy array) and '${this.pyLabelsKey}' (a list)`);
      const n = arr.shape[0];
      if (arr.fortran || arr.dtype.replace(/^[<>|=]/, "") !== "u1" || arr.size !== n * 3072 || ls.length !== n || arr.bytes.length !== n * 3072)
        throw new Error(`${p}: 'data' must be a C-ordered uint8 array of ${ls.length} x 3072, found ${arr.dtype} ${JSON.stringify(arr.shape)}`);
      for (const v of ls) if (!(Number(v) >= 0 && Number(v) < this.numClasses)) throw new Error(`${p}: label ${v} is out of range [0, ${this.numClasses})`);
      pixels.push(arr.bytes);
      labels.push(...ls.map(Number));
      if (this.labelBytes > 1) coarse.push(...(dictGet(d, "coarse_labels") ?? []).map(Number));
    }
    const n = labels.length;
    const pix = new Uint8Array(n * 3072);
    let off = 0;
    for (const b of pixels) { pix.set(b, off); off += b.length; }
    const data = tidy(() => keep(fromTypedArray(pix, [n, 3, 32, 32], { share: true }).permute(0, 2, 3, 1).contiguous()));
    let classes = this.defaultClasses;
    const meta = path.join(dir, this.pyMetaFile);
    if (fs.existsSync(meta)) {
      try {
        const names = dictGet(loadNumpyPickle(fs.readFileSync(meta)), this.pyNamesKey);
        if (Array.isArray(names) && names.length === this.numClasses) classes = names.map(String);
      } catch { /* keep the default names */ }
    }
    return { data, targets: fromTypedArray(BigInt64Array.from(labels, BigInt)), classes, folder: dir,
      coarse: coarse.length === n && n > 0 ? fromTypedArray(BigInt64Array.from(coarse, BigInt)) : null };
  }

  protected extraRepr(): string[] { return [`Split: ${this.train ? "Train" : "Test"}`]; }
}

/** CIFAR-100: 100 fine classes (targets) in 20 coarse ones (coarseTargets), from cifar-100-binary/{train,test}.bin
 *  (or torchvision's cifar-100-python/{train,test,meta}). */
export class CIFAR100 extends CIFAR10 {
  static baseFolder = "cifar-100-binary";
  static url = "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz";
  static filename = "cifar-100-binary.tar.gz";
  static tgzMd5 = "03b5dce01913d631647c71ecec9e9cb8";
  static trainList = ["train.bin"];
  static testList = ["test.bin"];
  static metaFile = "fine_label_names.txt";
  static coarseMetaFile = "coarse_label_names.txt";
  static labelBytes = 2;
  static labelIndex = 1;
  static numClasses = 100;
  static defaultClasses = CIFAR100_CLASSES;
  static coarseClasses = CIFAR100_COARSE;
  static pyFolder = "cifar-100-python";
  static pyTrainList = ["train"];
  static pyTestList = ["test"];
  static pyMetaFile = "meta";
  static pyLabelsKey = "fine_labels";
  static pyNamesKey = "fine_label_names";

  /** The 20 superclass labels. */
  get coarseTargets(): number[] { return Array.from((this as any)._coarse.data() as BigInt64Array, Number); }
}
