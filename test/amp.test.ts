// Automatic mixed precision against PyTorch 1.13 (scripts/fixtures/amp.py): CPU autocast to bfloat16
// (dtypes and values), autocast nesting, and GradScaler's control flow with injected infs and NaNs.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as torch from "../lib";
import { amp, cuda } from "../lib";
import { sameTorch, FIXTURES_TORCH } from "./helpers";

const FIX = path.join(__dirname, "fixtures", "amp");
const AC = JSON.parse(fs.readFileSync(path.join(FIX, "autocast.json"), "utf8"));
const GS = JSON.parse(fs.readFileSync(path.join(FIX, "grad_scaler.json"), "utf8"));

type Enc = { values: (number | string)[]; shape: number[]; dtype: string };
const num = (v: number | string) => (typeof v === "number" ? v : v === "inf" ? Infinity : v === "-inf" ? -Infinity : NaN);
/** A fixture tensor, always on the CPU (the GPU check runs the suite with the default device set to cuda). */
function dec(e: Enc, device = "cpu"): torch.Tensor {
  return torch.tidy(() => torch.tensor(e.values.map(num), { dtype: torch.float64, device: "cpu" })
    .to((torch as any)[e.dtype] as torch.DType).reshape(e.shape).to(device));
}
/** Elementwise within tol * max(1, |want|), or within rel * |want| + abs. */
function expectMatches(t: torch.Tensor, e: Enc, tol: number | { rel: number; abs: number }, what: string): void {
  expect(t.dtype.name, `${what} dtype`).to.equal(e.dtype);
  expect(t.shape, `${what} shape`).to.deep.equal(e.shape);
  const a = Array.from(t.dataNumbers() as ArrayLike<number>);
  a.forEach((x, i) => {
    const y = num(e.values[i]);
    if (!Number.isFinite(y)) expect(Object.is(x, y) || (isNaN(x) && isNaN(y)), `${what}[${i}] ${x} vs ${y}`).to.equal(true);
    else expect(Math.abs(x - y), `${what}[${i}]: ${x} vs ${y}`)
      .to.be.at.most(typeof tol === "number" ? tol * Math.max(1, Math.abs(y)) : tol.rel * Math.abs(y) + tol.abs);
  });
}

describe("amp.autocast on the CPU (bfloat16) matches torch.autocast('cpu')", () => {
  let threads = 1;
  const I: Record<string, torch.Tensor> = {};
  before(() => {
    threads = torch.getNumThreads();
    torch.setNumThreads(1);
    for (const [k, v] of Object.entries(AC.inputs)) I[k] = torch.keep(dec(v as Enc));
  });
  after(() => { torch.setNumThreads(threads); torch.dispose(Object.values(I)); });

  it("gives each op PyTorch's output dtype and values", () => {
    torch.tidy(() => {
      const out: Record<string, torch.Tensor> = {};
      let inner = true, afterInner = false;
      torch.autocast("cpu", { dtype: torch.bfloat16 }, () => {
        out.linear = torch.callOp("aten::linear", I.x, I.w, I.b);
        out.matmul = I.a.matmul(I.m);
        out.mm = I.a.mm(I.m);
        out.bmm = I.ba.bmm(I.bb);
        out.addmm = torch.callOp("aten::addmm", I.kb.index([torch.slice(0, 3)]), I.x, I.w.t());
        out.conv2d = torch.callOp("aten::conv2d", I.img, I.k, I.kb, [1, 1], [1, 1], [1, 1], 1);
        const lin = torch.callOp("aten::linear", I.x, I.w, I.b);
        out.relu_of_linear = lin.relu();
        out.mse_loss = torch.callOp("aten::mse_loss", lin, I.t);
        out.cat_promote = torch.cat([lin, I.t], 0);
        out.add_fp32 = I.x.add(1);
        torch.autocast("cpu", { enabled: false }, () => {
          out.nested_disabled_linear = torch.callOp("aten::linear", I.x, I.w, I.b);
          inner = amp.isAutocastEnabled("cpu");
        });
        afterInner = amp.isAutocastEnabled("cpu");
      });
      expect(inner).to.equal(AC.inner_enabled);
      expect(afterInner).to.equal(AC.after_inner);
      expect(amp.isAutocastEnabled("cpu")).to.equal(AC.after_exit);
      for (const [k, t] of Object.entries(out)) expectMatches(t, AC.outputs[k], t.dtype === torch.bfloat16 ? 1e-2 : 1e-5, k);
    });
  });

  it("trains through autocast: logits in bfloat16, float32 loss and float32 gradients as in PyTorch", () => {
    torch.tidy(() => {
      const [w1, b1, w2, b2] = ["w1", "b1", "w2", "b2"].map((k) => I[k].clone().requiresGrad_(true));
      const [logits, loss] = torch.autocast("cpu", { dtype: torch.bfloat16 }, () => {
        const h = torch.callOp("aten::linear", I.x, w1, b1).relu();
        const lg = torch.callOp("aten::linear", h, w2, b2);
        return [lg, torch.callOp("aten::cross_entropy_loss", lg, I.y)];
      });
      loss.backward();
      expectMatches(logits, AC.outputs.mlp_logits, 1e-2, "logits");
      expectMatches(loss, AC.outputs.mlp_loss, 1e-5, "loss");
      // The gradients flow through bfloat16 matmuls: another libtorch's kernels round the bfloat16 sums differently
      // (2^-8 relative to the terms, which cancel in small entries); the fixtures' own version must agree to 1e-5.
      for (const [k, p] of Object.entries({ w1, b1, w2, b2 })) {
        const e = AC.grads[k] as Enc, big = Math.max(...e.values.map((v) => Math.abs(num(v))));
        expectMatches(p.grad!, e, sameTorch(FIXTURES_TORCH) ? 1e-5 : { rel: 2 ** -6, abs: 2 ** -6 * big }, `grad ${k}`);
      }
    });
  });

  it("uses bfloat16 by default on the CPU and restores the state after an error", () => {
    expect(amp.getAutocastDtype("cpu").name).to.equal(AC.default_cpu_dtype);
    expect(() => torch.autocast("cpu", () => { throw new Error("boom"); })).to.throw("boom");
    expect(amp.isAutocastEnabled("cpu")).to.equal(false);
    // nesting: the inner region's dtype and enabled flag are undone on exit
    torch.autocast("cpu", { dtype: torch.bfloat16 }, () => {
      torch.autocast("cpu", { enabled: false }, () => expect(amp.isAutocastEnabled("cpu")).to.equal(false));
      expect(amp.isAutocastEnabled("cpu")).to.equal(true);
      expect(amp.getAutocastDtype("cpu")).to.equal(torch.bfloat16);
    });
  });

  it("refuses bad arguments and async functions", () => {
    expect(() => torch.autocast("tpu" as any, () => 1)).to.throw(TypeError, /deviceType/);
    expect(() => torch.autocast("cpu", { dtype: torch.bfloat16 }, (async () => 1) as any)).to.throw(/synchronous/);
    expect(amp.isAutocastEnabled("cpu")).to.equal(false);
  });

  it("disables CUDA autocast with a warning when CUDA is not available", function () {
    if (cuda.isAvailable()) this.skip();
    const warnings: string[] = [];
    const onWarn = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarn);
    try {
      const dt = torch.tidy(() => torch.autocast("cuda", () => torch.ones([2, 2], { device: "cpu" }).matmul(torch.ones([2, 2], { device: "cpu" })).dtype));
      expect(dt).to.equal(torch.float32);
    } finally {
      return new Promise<void>((resolve) => setImmediate(() => {
        process.off("warning", onWarn);
        expect(warnings.join("\n")).to.match(/CUDA is not available/);
        resolve();
      }));
    }
  });
});

// The reference loop of scripts/fixtures/amp.py: loss = mean((X W + B - T)^2), SGD(lr), GradScaler(config).
// The optimizer here is a plain object with step() and paramGroups: GradScaler duck-types it.
function scalerRun(device: string) {
  const X = dec(GS.X, device), T = dec(GS.T, device);
  const W = dec(GS.W0, device).requiresGrad_(true), B = dec(GS.B0, device).requiresGrad_(true);
  let stepCalls = 0;
  const opt = {
    paramGroups: [{ params: [W, B], lr: GS.lr }],
    step() {
      stepCalls++;
      torch.noGrad(() => { for (const p of this.paramGroups[0].params) torch.tidy(() => { p.sub_(p.grad!, { alpha: GS.lr }); }); });
      return "stepped";
    },
  };
  const c = GS.config;
  const scaler = new amp.GradScaler(device.startsWith("cuda") ? "cuda" : "cpu",
    { initScale: c.init_scale, growthFactor: c.growth_factor, backoffFactor: c.backoff_factor, growthInterval: c.growth_interval });
  return { X, T, W, B, opt, scaler, stepCalls: () => stepCalls };
}

function checkScalerAgainstPython(device: string): void {
  const { X, T, W, B, opt, scaler, stepCalls } = scalerRun(device);
  let expectedCalls = 0;
  const live0 = torch.memory().liveTensors;
  GS.steps.forEach((ref: any, it: number) => {
    torch.tidy(() => {
      W.grad = null; B.grad = null;
      const loss = X.matmul(W).add(B).sub(T).pow(2).mean();
      expect(loss.item()).to.be.closeTo(ref.loss, 1e-5);
      scaler.scale(loss).backward();
      const inj = GS.inject[String(it)];
      if (inj !== undefined) torch.noGrad(() => { W.grad!.select(0, 1).select(0, 2).fill_(num(inj)); });
      expect(W.grad!.select(0, 0).select(0, 0).item()).to.be.closeTo(ref.scaled_grad_w00, 1e-3 * Math.abs(ref.scaled_grad_w00));
      if (GS.unscale_explicit.includes(it)) {
        scaler.unscale_(opt);
        expectMatches(W.grad!.cpu(), ref.unscaled_grad_w, 1e-5, `unscaled grad at ${it}`);
      }
      const r = scaler.step(opt);
      expect(r, `step ${it} return`).to.equal(ref.skipped ? undefined : "stepped");
      if (!ref.skipped) expectedCalls++;
      expect(stepCalls(), `optimizer.step calls after iteration ${it}`).to.equal(expectedCalls);
      scaler.update();
      expect(scaler.getScale(), `scale after iteration ${it}`).to.equal(ref.scale);
      expect((scaler as any).getGrowthTracker(), `tracker after iteration ${it}`).to.equal(ref.tracker);
      expectMatches(W.detach().cpu(), ref.W, 1e-5, `W after ${it}`);
      expectMatches(B.detach().cpu(), ref.B, 1e-5, `B after ${it}`);
    });
    if (it === 0) expect(torch.memory().liveTensors).to.be.at.most(live0 + 2 + 2); // scale + tracker, W.grad + B.grad
  });
  expect(scaler.stateDict()).to.deep.equal(GS.state_dict);
}

describe("amp.GradScaler follows PyTorch's GradScaler", () => {
  it("backs off on inf/NaN gradients, skips those steps, grows after growthInterval clean steps (CPU)", () => {
    checkScalerAgainstPython("cpu");
  });

  it("does the same on CUDA with ATen's kernels", function () {
    if (!cuda.isAvailable()) this.skip();
    checkScalerAgainstPython("cuda");
  });

  it("keeps the number of live tensors constant over a training loop", () => {
    const { X, T, W, B, opt, scaler } = scalerRun("cpu");
    const iter = () => torch.tidy(() => {
      W.grad = null; B.grad = null;
      scaler.scale(X.matmul(W).add(B).sub(T).pow(2).mean()).backward();
      scaler.step(opt);
      scaler.update();
    });
    iter();
    const live = torch.memory().liveTensors;
    for (let i = 0; i < 5; i++) iter();
    expect(torch.memory().liveTensors).to.equal(live);
  });

  it("raises PyTorch's errors on misuse", () => {
    const { X, T, W, B, opt, scaler } = scalerRun("cpu");
    expect(() => scaler.update()).to.throw(/Attempted update but _scale is None/);
    expect(() => scaler.step(opt)).to.throw(/Attempted step but _scale is None/);
    torch.tidy(() => {
      scaler.scale(X.matmul(W).add(B).sub(T).pow(2).mean()).backward();
      scaler.unscale_(opt);
      expect(() => scaler.unscale_(opt)).to.throw(/unscale_\(\) has already been called/);
      scaler.step(opt);
      expect(() => scaler.step(opt)).to.throw(/step\(\) has already been called since the last update/);
      expect(() => scaler.unscale_(opt)).to.throw(/unscale_\(\) is being called after step/);
      scaler.update();
    });
    const fp16 = { paramGroups: [{ params: [torch.zeros([2], { dtype: torch.float16, device: "cpu", requiresGrad: true })] }], step() {} };
    torch.tidy(() => {
      fp16.paramGroups[0].params[0].grad = torch.ones([2], { dtype: torch.float16, device: "cpu" });
      expect(() => scaler.unscale_(fp16)).to.throw("Attempting to unscale FP16 gradients.");
    });
    expect(() => scaler.loadStateDict({})).to.throw(/state dict is empty/);
    expect(() => new amp.GradScaler("cpu", { growthFactor: 1 })).to.throw("The growth factor must be > 1.0.");
    expect(() => new amp.GradScaler("cpu", { backoffFactor: 1 })).to.throw("The backoff factor must be < 1.0.");
  });

  it("round-trips stateDict, and update(newScale) sets the scale", () => {
    const a = new amp.GradScaler("cpu", { initScale: 1024, growthInterval: 7 });
    const b = new amp.GradScaler("cpu");
    b.loadStateDict(a.stateDict());
    expect(b.stateDict()).to.deep.equal({ scale: 1024, growth_factor: 2, backoff_factor: 0.5, growth_interval: 7, _growth_tracker: 0 });
    torch.tidy(() => { b.scale(torch.ones([1], { device: "cpu" })); });
    b.update(8);
    expect(b.getScale()).to.equal(8);
    torch.tidy(() => b.update(torch.tensor([2], { dtype: torch.float32, device: "cpu" })));
    expect(b.getScale()).to.equal(2);
    expect(() => b.update(torch.tensor([2, 3], { device: "cpu" }))).to.throw(/new_scale should be a float/);
    a.dispose(); b.dispose();
  });

  it("is a pass-through when disabled (and for cuda without a GPU)", function () {
    const off = new amp.GradScaler("cpu", { enabled: false });
    const x = torch.ones([2], { device: "cpu" });
    expect(off.scale(x)).to.equal(x);
    expect(off.getScale()).to.equal(1);
    expect(off.stateDict()).to.deep.equal({});
    let called = 0;
    off.step({ paramGroups: [], step() { called++; } });
    expect(called).to.equal(1);
    x.dispose();
    if (cuda.isAvailable()) return;
    const warned: string[] = [];
    const w = (e: Error) => warned.push(e.message);
    process.on("warning", w);
    expect(new amp.GradScaler().isEnabled()).to.equal(false);
    return new Promise<void>((resolve) => setImmediate(() => {
      process.off("warning", w);
      expect(warned.join()).to.match(/CUDA is not available/);
      resolve();
    }));
  });

  it("unscale kernel: scales every grad, flags inf and NaN; update kernel keeps a finite scale", () => {
    const native = require("../lib/native").native;
    torch.tidy(() => {
      const g1 = torch.tensor([2, 4], { dtype: torch.float32, device: "cpu" }), g2 = torch.tensor([8, NaN], { device: "cpu" });
      const fi = torch.zeros([1], { device: "cpu" }), inv = torch.tensor([0.5], { device: "cpu" });
      native.AmpUnscale([g1._id], fi._id, inv._id);
      expect(g1.toArray()).to.deep.equal([1, 2]);
      expect(fi.item()).to.equal(0);
      native.AmpUnscale([g2._id], fi._id, inv._id);
      expect(g2.index([0]).item()).to.equal(4);
      expect(fi.item()).to.equal(1);
      const bf = torch.tensor([3, 5], { dtype: torch.bfloat16, device: "cpu" });
      native.AmpUnscale([bf._id], torch.zeros([1], { device: "cpu" })._id, inv._id);
      expect(bf.toArray()).to.deep.equal([1.5, 2.5]);
      const scale = torch.tensor([3e38], { dtype: torch.float32, device: "cpu" }), tr = torch.tensor([0], { dtype: torch.int32, device: "cpu" });
      native.AmpUpdateScale(scale._id, tr._id, torch.zeros([1], { device: "cpu" })._id, 2.0, 0.5, 1);
      expect(scale.item()).to.be.closeTo(3e38, 1e32); // 6e38 overflows float32: the scale stays
      expect(tr.item()).to.equal(0);
    });
  });
});
