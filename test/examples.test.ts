// Runs every example on tiny data (--tiny), so the examples cannot rot.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.join(__dirname, "..");

function run(example: string, args: string[] = []): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join("examples", example), "--tiny", ...args], {
    cwd: root, encoding: "utf8", timeout: 240_000, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1" },
  });
  const out = (r.stdout ?? "") + (r.stderr ?? "");
  return { code: r.status, out };
}

function isPng(file: string): boolean {
  const b = fs.readFileSync(file);
  return b.subarray(1, 4).toString() === "PNG" && b.readUInt32BE(16) > 100 && b.readUInt32BE(20) > 100;
}

describe("examples (--tiny)", function () {
  this.timeout(300_000);

  it("demo.ts trains, evaluates, predicts and saves a run folder", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "tts-demo-"));
    try {
      const r = run("demo.ts", ["--out", out]);
      expect(r.code, r.out).to.equal(0);
      expect(r.out).to.match(/Epoch 1\/1: \d+ img in/);
      expect(r.out).to.match(/Test accuracy: \d+\.\d\d%/);
      expect(r.out).to.match(/#0 {2}predicted \S+ +\d+\.\d%/);
      const runs = fs.readdirSync(out);
      expect(runs).to.have.length(1);
      const dir = path.join(out, runs[0]);
      for (const f of ["model.pt", "model_ts.pt", "curves.png", "curves.svg", "predictions.png", "confusion_matrix.png", "history.json", "meta.json"])
        expect(fs.existsSync(path.join(dir, f)), f).to.equal(true);
      expect(isPng(path.join(dir, "curves.png"))).to.equal(true);
      // model.pt is a zip (PyTorch's format), and so is the TorchScript file.
      expect(fs.readFileSync(path.join(dir, "model.pt")).subarray(0, 2).toString()).to.equal("PK");
      expect(fs.readFileSync(path.join(dir, "model_ts.pt")).subarray(0, 2).toString()).to.equal("PK");
      expect(fs.readdirSync(path.join(dir, "tensorboard"))).to.include.members(["train", "validation"]);
    } finally { fs.rmSync(out, { recursive: true, force: true }); }
  });

  it("keras_style.ts: compile, fit with callbacks, evaluate, predict, save and load", () => {
    const r = run("keras_style.ts");
    expect(r.code, r.out).to.equal(0);
    expect(r.out).to.match(/test accuracy \d+\.\d\d%/);
    expect(r.out).to.contain("(same: true)");
  });

  it("pytorch_style.ts: the explicit loop", () => {
    const r = run("pytorch_style.ts");
    expect(r.code, r.out).to.equal(0);
    expect(r.out).to.match(/Test accuracy: \d+\.\d\d%/);
    const live = /live tensors after each epoch: ([\d, ]+)/.exec(r.out)![1].split(", ").map(Number);
    expect(live.length, r.out).to.be.greaterThan(1);
    expect(new Set(live).size, r.out).to.equal(1);
  });

  it("transfer_learning.ts: random weights, head then layer4", () => {
    const r = run("transfer_learning.ts");
    expect(r.code, r.out).to.equal(0);
    expect(r.out).to.contain("head only:").and.contain("fine-tuned layer4:");
  });

  const epochsOf = (out: string) => [...out.matchAll(/^Epoch (\d)\/2 - loss: ([\d.]+) - acc: ([\d.]+) - .* - graphed: (\w+) - live tensors: (\d+)$/gm)];

  it("gpu_resident.ts on the CPU: device-resident data, batched augmentation, capturable Adam; the graph falls back once", () => {
    const r = run("gpu_resident.ts", ["--device", "cpu"]);
    expect(r.code, r.out).to.equal(0);
    expect(r.out).to.match(/device cpu: train 320, test 128 images resident as uint8/);
    const fallbacks = r.out.match(/cuda\.makeGraphedTrainStep: .*the training step runs eagerly/g) ?? [];
    expect(fallbacks, r.out).to.have.lengthOf(1);
    expect(fallbacks[0]).to.match(/CUDA is not available|CUDA graphs need CUDA tensors/);
    const epochs = epochsOf(r.out);
    expect(epochs.map((m) => m[1]), r.out).to.deep.equal(["1", "2"]);
    const losses = epochs.map((m) => Number(m[2]));
    for (const l of losses) expect(Number.isFinite(l) && l > 0).to.equal(true);
    expect(losses[1], r.out).to.be.lessThan(losses[0]);  // the synthetic classes differ in colour: it learns
    expect(epochs.map((m) => m[4])).to.deep.equal(["false", "false"]);
    expect(epochs[1][5], "live tensors flat across epochs").to.equal(epochs[0][5]);
    expect(r.out).to.match(/Test loss: [\d.]+ - Test accuracy: [\d.]+% \(training [\d.]+s on cpu\)/);
  });

  it("gpu_resident.ts on CUDA: the step is captured (bf16, channels_last, capturable Adam)", function () {
    if (!require("../lib").cuda.isAvailable()) this.skip();
    const r = run("gpu_resident.ts", ["--device", "cuda"]);
    expect(r.code, r.out).to.equal(0);
    expect(r.out).to.not.match(/runs eagerly/);
    const epochs = epochsOf(r.out);
    expect(epochs.map((m) => m[4]), r.out).to.deep.equal(["true", "true"]);
    for (const m of epochs) expect(Number.isFinite(Number(m[2]))).to.equal(true);
    expect(epochs[1][5]).to.equal(epochs[0][5]);
    expect(r.out).to.match(/Test accuracy: [\d.]+%/);
  });

  it("serve_torchscript.ts: answers POST /predict", () => {
    const r = run("serve_torchscript.ts");
    expect(r.code, r.out).to.equal(0);
    expect(r.out).to.match(/POST \/predict → \{"predictions":\[\{"index":\d,"label":"\d","probability":[\d.]+\}/);
    expect(r.out).to.contain("3 concurrent requests answered: true");
    expect(r.out).to.contain("a bad upload → HTTP 400");
  });
});
