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

  it("serve_torchscript.ts: answers POST /predict", () => {
    const r = run("serve_torchscript.ts");
    expect(r.code, r.out).to.equal(0);
    expect(r.out).to.match(/POST \/predict → \{"predictions":\[\{"index":\d,"label":"\d","probability":[\d.]+\}/);
    expect(r.out).to.contain("3 concurrent requests answered: true");
    expect(r.out).to.contain("a bad upload → HTTP 400");
  });
});
