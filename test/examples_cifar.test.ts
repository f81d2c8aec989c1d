// examples/cifar10_pytorch.ts on a tiny CIFAR-10-format folder written here (random records).
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as torch from "../lib";
import { vision, data } from "../lib";

const RECORD = 3073;

/** Writes data_batch_1..5.bin (perFile records each) and test_batch.bin; returns the records' bytes by file. */
function writeTinyCifar(dir: string, perFile: number, testRecords: number): Buffer[] {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16) & 0xff;
  const files = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`).concat(["test_batch.bin"]);
  return files.map((f, i) => {
    const n = i < 5 ? perFile : testRecords;
    const b = Buffer.alloc(n * RECORD);
    for (let r = 0; r < n; r++) {
      b[r * RECORD] = (r + i) % 10;
      for (let k = 1; k < RECORD; k++) b[r * RECORD + k] = rnd();
    }
    fs.writeFileSync(path.join(dir, f), b);
    return b;
  });
}

describe("examples/cifar10_pytorch.ts", function () {
  this.timeout(300000);
  let dir = "";
  let bufs: Buffer[] = [];
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "torchts-cifar-"));
    bufs = writeTinyCifar(dir, 40, 30);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the folder is a CIFAR-10 binary folder: vision.datasets.CIFAR10 reads its records (label byte, 3x32x32 pixels)", () => {
    const ds = new vision.datasets.CIFAR10({ root: dir, train: true });
    expect(ds.length).to.equal(200);
    const sub = new data.Subset(ds, [...Array(50).keys()]);  // --limit 50 spans data_batch_1 and data_batch_2
    const want = [...Array(50).keys()].map((r) => (r < 40 ? r % 10 : (r - 40 + 1) % 10));
    expect([...Array(50).keys()].map((i) => sub.getItem(i)[1])).to.deep.equal(want);
    // record 45 is the 6th record of data_batch_2.bin; the dataset keeps torchvision's HWC layout
    const img = sub.getItem(45)[0];
    const chw = torch.tidy(() => (img as torch.Tensor).permute(2, 0, 1).contiguous().flatten().data()) as Uint8Array;
    expect(Buffer.from(chw).equals(bufs[1].subarray(5 * RECORD + 1, 6 * RECORD))).to.equal(true);
    expect(new vision.datasets.CIFAR10({ root: dir, train: false }).length).to.equal(30);
    expect(() => new vision.datasets.CIFAR10({ root: path.join(dir, "missing") })).to.throw(/data_batch_1\.bin/);
  });

  it("trains, validates, stops or finishes, and evaluates on the test file", () => {
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "..", "examples", "cifar10_pytorch.ts"),
      "--root", dir, "--epochs", "3", "--batch-size", "16", "--limit", "120", "--print-every", "2"],
      { encoding: "utf8", env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1" } });
    expect(r.status, r.stderr + r.stdout).to.equal(0);
    const out = r.stdout;
    expect(out).to.match(/train 108, validation 12, test 30 images/);
    // progress every 2 epochs, plus the first and the last
    const epochs = [...out.matchAll(/^Epoch (\d+)\/3 - loss: ([\d.]+) - acc: [\d.]+ - val_loss: ([\d.]+) - val_acc: [\d.]+ - lr: [\d.e-]+/gm)];
    expect(epochs.map((m) => Number(m[1]))).to.deep.equal([1, 2, 3]);
    for (const m of epochs) { expect(Number.isFinite(Number(m[2]))).to.equal(true); expect(Number.isFinite(Number(m[3]))).to.equal(true); }
    // the live tensor count does not grow from epoch to epoch
    const live = [...out.matchAll(/live tensors: (\d+)/g)].map((m) => Number(m[1]));
    expect(new Set(live.slice(1)).size, out).to.equal(1);
    expect(out).to.match(/Test loss: [\d.]+ - Test accuracy: [\d.]+%/);
  });

  it("early stopping ends training and restores the best weights", () => {
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "..", "examples", "cifar10_pytorch.ts"),
      "--root", dir, "--epochs", "30", "--batch-size", "32", "--limit", "64", "--patience", "1", "--lr", "0.05"],
      { encoding: "utf8" });
    expect(r.status, r.stderr + r.stdout).to.equal(0);
    expect(r.stdout).to.match(/Early stopping at epoch (\d+); restored the weights of epoch (\d+)/);
    expect(r.stdout).to.match(/Test accuracy/);
  });
});
