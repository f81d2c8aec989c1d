// torch.cuda, torch.backends and memory formats. The parts that need a GPU are skipped (reported as
// pending) where CUDA is not available; the rest (errors without a GPU, backend switches, channels_last
// against PyTorch, the eager fallback of the graphed train step) runs everywhere.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as torch from "../lib";
import { cuda, backends } from "../lib";

const CL = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "amp", "channels_last.json"), "utf8"));
const cpu = { device: "cpu" };
function needsGpu(ctx: Mocha.Context): void { if (!cuda.isAvailable()) ctx.skip(); }
function noGpu(ctx: Mocha.Context): void { if (cuda.isAvailable()) ctx.skip(); }

describe("cuda without a GPU: clear errors, neutral figures", function () {
  before(function () { noGpu(this); });

  it("reports no device and zero memory", () => {
    expect(cuda.isAvailable()).to.equal(false);
    expect(cuda.deviceCount()).to.equal(0);
    expect(cuda.memoryAllocated()).to.equal(0);
    expect(cuda.memoryReserved()).to.equal(0);
    expect(cuda.maxMemoryAllocated()).to.equal(0);
    expect(() => { cuda.resetPeakMemoryStats(); cuda.emptyCache(); cuda.manualSeed(1); cuda.manualSeedAll(1); }).to.not.throw();
    expect(cuda.isCurrentStreamCapturing()).to.equal(false);
  });

  it("throws a TorchError naming the cause from every call that needs a device", () => {
    const calls: [string, () => unknown][] = [
      ["CUDAGraph", () => new cuda.CUDAGraph()],
      ["graphPoolHandle", () => cuda.graphPoolHandle()],
      ["Stream", () => new cuda.Stream()],
      ["Event", () => new cuda.Event({ enableTiming: true })],
      ["currentStream", () => cuda.currentStream()],
      ["defaultStream", () => cuda.defaultStream()],
      ["synchronize", () => cuda.synchronize()],
      ["getDeviceName", () => cuda.getDeviceName()],
      ["getDeviceProperties", () => cuda.getDeviceProperties()],
      ["currentDevice", () => cuda.currentDevice()],
      ["setDevice", () => cuda.setDevice(0)],
      ["memGetInfo", () => cuda.memGetInfo()],
    ];
    for (const [name, f] of calls) {
      let err: any = null;
      try { f(); } catch (e) { err = e; }
      expect(err, name).to.be.instanceOf(torch.TorchError);
      expect(err.message, name).to.match(/CUDA is not available/);
    }
  });

  it("cuda.graph() and cuda.stream() check their arguments", () => {
    expect(() => cuda.graph({} as any, () => 1)).to.throw(TypeError, /cuda.CUDAGraph/);
    expect(cuda.stream(null, () => 42)).to.equal(42);
  });

  it("has no pinned memory: isPinned() is false and pinMemory() throws a TorchError", () => {
    torch.tidy(() => {
      const t = torch.ones([4], cpu);
      expect(t.isPinned()).to.equal(false);
      expect(() => t.pinMemory()).to.throw(torch.TorchError);
    });
  });
});

describe("cuda.OutOfMemoryError", () => {
  it("is a TorchError raised for CUDA allocation failures; the process goes on", () => {
    const native = require("../lib/native").native;
    let err: any = null;
    try { native.CudaTestRaiseOutOfMemory(); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(cuda.OutOfMemoryError);
    expect(err).to.be.instanceOf(torch.TorchError);
    expect(err.name).to.equal("OutOfMemoryError");
    expect(err.message).to.match(/^CUDA out of memory/);
    expect(torch.OutOfMemoryError).to.equal(cuda.OutOfMemoryError);
    expect(torch.tidy(() => torch.ones([3], cpu).sum().item())).to.equal(3);
  });

  it("is not raised for a failed CPU allocation (a plain TorchError, as PyTorch's RuntimeError)", () => {
    let err: any = null;
    try { torch.empty([2 ** 46], cpu); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(torch.TorchError);
    expect(err).to.not.be.instanceOf(cuda.OutOfMemoryError);
  });

  it("is raised by a too-large GPU allocation, after which memory can be freed and used", function () {
    needsGpu(this);
    const before = cuda.memoryAllocated();
    let err: any = null;
    try { torch.empty([2 ** 40], { device: "cuda" }); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(cuda.OutOfMemoryError);
    expect(err.message).to.match(/CUDA out of memory/);
    expect(cuda.memoryAllocated()).to.equal(before);
    cuda.emptyCache();
    expect(torch.tidy(() => torch.ones([1024, 1024], { device: "cuda" }).sum().item())).to.equal(1024 * 1024);
  });
});

describe("torch.backends and setFloat32MatmulPrecision", () => {
  let saved: any;
  before(() => {
    saved = { b: backends.cudnn.benchmark, d: backends.cudnn.deterministic, c: backends.cudnn.allowTf32,
      m: backends.cuda.matmul.allowTf32, p: torch.getFloat32MatmulPrecision(), e: backends.cudnn.enabled };
  });
  after(() => {
    backends.cudnn.benchmark = saved.b; backends.cudnn.deterministic = saved.d; backends.cudnn.allowTf32 = saved.c;
    torch.setFloat32MatmulPrecision(saved.p); backends.cuda.matmul.allowTf32 = saved.m; backends.cudnn.enabled = saved.e;
  });

  it("has PyTorch's defaults", () => {
    expect(backends.cudnn.benchmark).to.equal(false);
    expect(backends.cudnn.deterministic).to.equal(false);
    expect(backends.cudnn.allowTf32).to.equal(true);
    expect(backends.cudnn.enabled).to.equal(true);
    expect(backends.cuda.matmul.allowTf32).to.equal(false);
    expect(torch.getFloat32MatmulPrecision()).to.equal("highest");
  });

  it("sets and reads back each switch", () => {
    for (const v of [true, false]) {
      backends.cudnn.benchmark = v; expect(backends.cudnn.benchmark).to.equal(v);
      backends.cudnn.deterministic = v; expect(backends.cudnn.deterministic).to.equal(v);
      backends.cudnn.allowTf32 = v; expect(backends.cudnn.allowTf32).to.equal(v);
      backends.cuda.matmul.allowTf32 = v; expect(backends.cuda.matmul.allowTf32).to.equal(v);
    }
    expect(() => { (backends.cudnn as any).benchmark = 1; }).to.throw(TypeError);
  });

  it("setFloat32MatmulPrecision follows PyTorch: 'high' and 'medium' allow TF32 matmuls", () => {
    torch.setFloat32MatmulPrecision("high");
    expect(torch.getFloat32MatmulPrecision()).to.equal("high");
    expect(backends.cuda.matmul.allowTf32).to.equal(true);
    torch.setFloat32MatmulPrecision("medium");
    expect(torch.getFloat32MatmulPrecision()).to.equal("medium");
    torch.setFloat32MatmulPrecision("highest");
    expect(backends.cuda.matmul.allowTf32).to.equal(false);
    expect(() => torch.setFloat32MatmulPrecision("low" as any)).to.throw(TypeError);
  });
});

describe("memory formats (channels_last) match PyTorch's strides", () => {
  it("contiguous({memoryFormat}) and to({memoryFormat}) give channels_last strides", () => {
    torch.tidy(() => {
      const n = CL.shape.reduce((a: number, b: number) => a * b, 1);
      const x = torch.arange(0, n, 1, { dtype: torch.float32, device: "cpu" }).reshape(CL.shape);
      expect(x.stride()).to.deep.equal(CL.contiguous_stride);
      const cl = x.contiguous({ memoryFormat: torch.channelsLast });
      expect(cl.stride()).to.deep.equal(CL.cl_stride);
      expect(x.to({ memoryFormat: torch.channelsLast }).stride()).to.deep.equal(CL.to_cl_stride);
      expect(cl.isContiguous()).to.equal(CL.cl_is_contiguous);
      expect(cl.isContiguous({ memoryFormat: torch.channelsLast })).to.equal(CL.cl_is_cl);
      expect(cl.clone().stride()).to.deep.equal(CL.cl_clone_stride);
      expect(cl.contiguous().stride()).to.deep.equal(CL.cl_back_stride);
      expect(cl.equal(x)).to.equal(true);
      const n5 = CL.cl3_shape.reduce((a: number, b: number) => a * b, 1);
      const x5 = torch.arange(0, n5, 1, { dtype: torch.float32, device: "cpu" }).reshape(CL.cl3_shape);
      expect(x5.contiguous({ memoryFormat: torch.channelsLast3d }).stride()).to.deep.equal(CL.cl3_stride);
    });
  });

  it("conv2d keeps channels_last and computes what PyTorch computes", () => {
    torch.tidy(() => {
      const n = CL.shape.reduce((a: number, b: number) => a * b, 1);
      const cl = torch.arange(0, n, 1, { dtype: torch.float32, device: "cpu" }).reshape(CL.shape).contiguous({ memoryFormat: torch.channelsLast });
      const k = torch.tensor(CL.conv_kernel.values, { dtype: torch.float32, device: "cpu" }).reshape(CL.conv_kernel.shape);
      const out = torch.callOp("aten::conv2d", cl, k, null, [1, 1], [1, 1], [1, 1], 1) as torch.Tensor;
      expect(out.stride()).to.deep.equal(CL.conv_out_stride);
      expect(out.isContiguous({ memoryFormat: torch.channelsLast })).to.equal(CL.conv_out_is_cl);
      expect(out.shape).to.deep.equal(CL.conv_out.shape);
      const a = out.contiguous().dataNumbers() as Float32Array;
      CL.conv_out.values.forEach((v: number, i: number) => expect(Math.abs(a[i] - v)).to.be.at.most(1e-3 * Math.max(1, Math.abs(v))));
    });
  });

  it("module.to({ memoryFormat }) converts 4-D parameters like PyTorch, and the CNN computes the same", () => {
    const { nn } = torch;
    const m = new nn.Sequential(new nn.Conv2d(3, 6, 3), new nn.BatchNorm2d(6), new nn.Flatten(), new nn.Linear(6, 2)).to({ memoryFormat: torch.channelsLast });
    torch.tidy(() => {
      const sd = m.stateDict();
      for (const [k, v] of Object.entries(CL.module)) expect((sd[k] as torch.Tensor).stride(), k).to.deep.equal(v);
    });
    const { Cifar10CNN } = require("../examples/models/cifar10_cnn");
    torch.manualSeed(0);
    const net = new Cifar10CNN().to("cpu");
    net.eval();
    torch.tidy(() => {
      const x = torch.randn([2, 3, 32, 32], { device: "cpu" });
      const ref = net.forward(x);
      net.to({ memoryFormat: torch.channelsLast });
      const y = net.forward(x.contiguous({ memoryFormat: torch.channelsLast }));
      expect(y.allclose(ref, { rtol: 1e-4, atol: 1e-5 })).to.equal(true);
    });
  });

  it("keeps channels_last through a CUDA convolution with cudnn.benchmark", function () {
    needsGpu(this);
    const prev = backends.cudnn.benchmark;
    backends.cudnn.benchmark = true;
    try {
      torch.tidy(() => {
        const x = torch.randn([8, 16, 32, 32], { device: "cuda" }).contiguous({ memoryFormat: torch.channelsLast });
        const w = torch.randn([32, 16, 3, 3], { device: "cuda" }).contiguous({ memoryFormat: torch.channelsLast });
        const y = torch.callOp("aten::conv2d", x, w, null, [1, 1], [1, 1], [1, 1], 1) as torch.Tensor;
        expect(y.isContiguous({ memoryFormat: torch.channelsLast })).to.equal(true);
        const ref = torch.callOp("aten::conv2d", x.contiguous(), w.contiguous(), null, [1, 1], [1, 1], [1, 1], 1) as torch.Tensor;
        expect(y.allclose(ref, { rtol: 1e-3, atol: 1e-3 })).to.equal(true);
      });
    } finally { backends.cudnn.benchmark = prev; }
  });
});

// ---- the graphed training step ----
// A linear classifier on fixed data, a duck-typed SGD (step, paramGroups, zeroGrad).
function makeProblem(device: string, seed = 0) {
  torch.manualSeed(seed);
  const X = torch.keep(torch.randn([6, 8, 4], { device: "cpu" }).to(device));        // 6 batches of 8
  const Y = torch.keep(torch.randint(0, 3, [6, 8], { device: "cpu" }).to(device));
  const W = torch.keep(torch.randn([3, 4], { device: "cpu" }).mul(0.5).to(device).requiresGrad_(true));
  const b = torch.keep(torch.zeros([3], { device }).requiresGrad_(true));
  const lr = 0.1;
  const opt = {
    paramGroups: [{ params: [W, b], lr }],
    zeroGrad(o?: { setToNone?: boolean }) {
      for (const p of this.paramGroups[0].params) {
        if (o?.setToNone) p.grad = null; else torch.tidy(() => { p.grad?.zero_(); });
      }
    },
    step() { torch.noGrad(() => { for (const p of this.paramGroups[0].params) torch.tidy(() => { p.sub_(p.grad!, { alpha: lr }); }); }); },
  };
  const model = (x: torch.Tensor) => torch.callOp("aten::linear", x, W, b) as torch.Tensor;
  const lossFn = (out: torch.Tensor, y: torch.Tensor) => torch.callOp("aten::cross_entropy_loss", out, y) as torch.Tensor;
  const batch = (i: number): [torch.Tensor, torch.Tensor] => [X.select(0, i % 6), Y.select(0, i % 6)];
  const free = () => torch.dispose([X, Y, W, b]);
  return { X, Y, W, b, opt, model, lossFn, batch, free };
}

/** The reference: a plain eager loop. Returns the per-batch losses and correct counts. */
function eagerReference(p: ReturnType<typeof makeProblem>, steps: number): { losses: number[]; correct: number } {
  const losses: number[] = [];
  let correct = 0;
  for (let i = 0; i < steps; i++) {
    torch.tidy(() => {
      const [x, y] = p.batch(i);
      p.opt.zeroGrad({ setToNone: true });
      const out = p.model(x);
      const loss = p.lossFn(out, y);
      loss.backward();
      p.opt.step();
      losses.push(loss.item());
      correct += out.argmax(1).eq(y).sum().item();
    });
  }
  return { losses, correct };
}

describe("cuda.makeGraphedTrainStep", () => {
  it("falls back to eager steps with a clear message where CUDA is not available, and trains the same", function () {
    noGpu(this);
    const ref = makeProblem("cpu");
    const r = eagerReference(ref, 12);
    const Wref = torch.keep(ref.W.detach().clone());
    ref.free();

    const p = makeProblem("cpu");
    const messages: string[] = [];
    const [sx, sy] = p.batch(0);
    const train = cuda.makeGraphedTrainStep(p.model, p.opt, p.lossFn, sx, sy, { onFallback: (m) => messages.push(m) });
    sx.dispose(); sy.dispose();
    expect(messages).to.have.lengthOf(1);
    expect(messages[0]).to.match(/CUDA is not available.*runs eagerly/);
    expect(train.fallbackReason).to.match(/CUDA is not available/);
    let live = 0;
    for (let i = 0; i < 12; i++) {
      torch.tidy(() => { const [x, y] = p.batch(i); train.step(x, y); });
      if (i === 1) live = torch.memory().liveTensors;
      if (i === 6) {
        const m = train.readMetrics();
        expect(m.steps).to.equal(7);
        expect(m.samples).to.equal(56);
        expect(m.loss).to.be.closeTo(r.losses.slice(0, 7).reduce((a, b) => a + b) / 7, 1e-6);
      }
    }
    expect(torch.memory().liveTensors).to.equal(live + 0);
    const m = train.readMetrics();
    expect(m.steps).to.equal(5);
    expect(m.loss).to.be.closeTo(r.losses.slice(7).reduce((a, b) => a + b) / 5, 1e-6);
    expect(train.graphed).to.equal(false);
    expect(p.W.detach().equal(Wref)).to.equal(true);
    const m0 = train.readMetrics();
    expect(m0.steps).to.equal(0);
    train.dispose(); p.free(); Wref.dispose();
  });

  it("counts accuracy on the device like the eager loop", function () {
    const ref = makeProblem("cpu", 3);
    const r = eagerReference(ref, 6);
    ref.free();
    const p = makeProblem("cpu", 3);
    const [sx, sy] = p.batch(0);
    const train = cuda.makeGraphedTrainStep(p.model, p.opt, p.lossFn, sx, sy, { graph: false });
    expect(train.fallbackReason).to.equal(null);
    for (let i = 0; i < 6; i++) torch.tidy(() => { const [x, y] = p.batch(i); train.step(x, y); });
    const m = train.readMetrics();
    expect(m.accuracy).to.be.closeTo(r.correct / 48, 1e-12);
    train.dispose(); p.free(); sx.dispose(); sy.dispose();
  });

  it("checks its arguments", () => {
    expect(() => cuda.makeGraphedTrainStep((x) => x, {} as any, (a) => a, torch.ones([1], cpu), torch.ones([1], cpu))).to.throw(TypeError, /optimizer/);
    expect(() => cuda.makeGraphedTrainStep((x) => x, { step() {}, paramGroups: [] }, (a) => a, 1 as any, 2 as any)).to.throw(TypeError, /sampleX/);
  });

  it("captures the step into a CUDA graph and replays it, training like eager mode", function () {
    needsGpu(this);
    const ref = makeProblem("cuda", 5);
    const r = eagerReference(ref, 12);
    const Wref = torch.keep(ref.W.detach().clone());
    ref.free();
    const p = makeProblem("cuda", 5);
    const [sx, sy] = p.batch(0);
    const messages: string[] = [];
    const train = cuda.makeGraphedTrainStep(p.model, p.opt, p.lossFn, sx, sy, { onFallback: (m) => messages.push(m) });
    let live = 0;
    for (let i = 0; i < 12; i++) {
      torch.tidy(() => { const [x, y] = p.batch(i); train.step(x, y); });
      if (i === 5) live = torch.memory().liveTensors;
    }
    expect(messages).to.deep.equal([]);
    expect(train.graphed).to.equal(true);
    expect(torch.memory().liveTensors).to.equal(live);
    const m = train.readMetrics();
    expect(m.steps).to.equal(12);
    expect(m.loss).to.be.closeTo(r.losses.reduce((a, b) => a + b) / 12, 1e-5);
    expect(m.accuracy).to.be.closeTo(r.correct / 96, 1e-9);
    expect(p.W.detach().allclose(Wref, { rtol: 1e-5, atol: 1e-6 })).to.equal(true);
    train.dispose(); p.free(); Wref.dispose(); sx.dispose(); sy.dispose();
  });

  it("falls back to eager mode with a message when the step cannot be captured (host sync)", function () {
    needsGpu(this);
    const ref = makeProblem("cuda", 6);
    eagerReference(ref, 8);
    const Wref = torch.keep(ref.W.detach().clone());
    ref.free();
    const p = makeProblem("cuda", 6);
    const step = p.opt.step.bind(p.opt);
    (p.opt as any).step = () => { torch.tidy(() => p.W.sum().item()); step(); }; // .item() syncs with the host
    const [sx, sy] = p.batch(0);
    const messages: string[] = [];
    const train = cuda.makeGraphedTrainStep(p.model, p.opt, p.lossFn, sx, sy, { onFallback: (m) => messages.push(m) });
    for (let i = 0; i < 8; i++) torch.tidy(() => { const [x, y] = p.batch(i); train.step(x, y); });
    expect(messages).to.have.lengthOf(1);
    expect(messages[0]).to.match(/capture failed.*runs eagerly/);
    expect(train.graphed).to.equal(false);
    expect(train.readMetrics().steps).to.equal(8);
    expect(p.W.detach().allclose(Wref, { rtol: 1e-5, atol: 1e-6 })).to.equal(true);
    train.dispose(); p.free(); Wref.dispose(); sx.dispose(); sy.dispose();
  });
});

// ---- GPU-only: streams, events, graphs, pinned memory ----
describe("cuda streams, events, graphs and pinned memory (GPU)", function () {
  before(function () { needsGpu(this); });

  it("describes the device", () => {
    expect(cuda.deviceCount()).to.be.greaterThan(0);
    expect(cuda.getDeviceName()).to.be.a("string").and.not.equal("");
    const p = cuda.getDeviceProperties();
    expect(p.totalMemory).to.be.greaterThan(0);
    const [free, total] = cuda.memGetInfo();
    expect(total).to.equal(p.totalMemory);
    expect(free).to.be.at.most(total);
  });

  it("switches the current stream inside cuda.stream() and restores it", () => {
    const s = new cuda.Stream();
    const before = cuda.currentStream();
    expect(before.equals(cuda.defaultStream())).to.equal(true);
    cuda.stream(s, () => expect(cuda.currentStream().equals(s)).to.equal(true));
    expect(cuda.currentStream().equals(before)).to.equal(true);
    expect(() => cuda.stream(s, () => { throw new Error("x"); })).to.throw("x");
    expect(cuda.currentStream().equals(before)).to.equal(true);
    expect(s.device).to.equal("cuda:0");
  });

  it("times work with events and orders streams", () => {
    torch.tidy(() => {
      const a = new cuda.Event({ enableTiming: true }), b = new cuda.Event({ enableTiming: true });
      const m = torch.randn([2048, 2048], { device: "cuda" });
      a.record();
      for (let i = 0; i < 5; i++) m.matmul(m).dispose();
      b.record();
      b.synchronize();
      expect(b.query()).to.equal(true);
      expect(a.elapsedTime(b)).to.be.greaterThan(0);
      const s = new cuda.Stream();
      s.waitStream(cuda.currentStream());
      const r = cuda.stream(s, () => m.sum());
      cuda.currentStream().waitStream(s);
      s.synchronize();
      expect(s.query()).to.equal(true);
      expect(Number.isFinite(r.item())).to.equal(true);
    });
  });

  it("captures work into a CUDAGraph and replays it on new inputs", () => {
    const x = torch.keep(torch.zeros([1000], { device: "cuda" }));
    const g = new cuda.CUDAGraph();
    let capturing = false;
    const y = torch.keep(cuda.graph(g, () => { capturing = cuda.isCurrentStreamCapturing(); return torch.tidy(() => x.mul(2).add(1)); }));
    expect(capturing).to.equal(true);
    expect(cuda.isCurrentStreamCapturing()).to.equal(false);
    expect(cuda.currentStream().equals(cuda.defaultStream())).to.equal(true);
    torch.tidy(() => {
      x.copy_(torch.arange(0, 1000, 1, { dtype: torch.float32, device: "cuda" }));
      g.replay();
      expect(y.equal(torch.arange(0, 1000, 1, { dtype: torch.float32, device: "cuda" }).mul(2).add(1))).to.equal(true);
      x.fill_(3);
      g.replay();
      expect(y.eq(7).all().item()).to.equal(true);
    });
    g.reset();
    torch.dispose([x, y]);
  });

  it("shares a memory pool between graphs", () => {
    const pool = cuda.graphPoolHandle();
    const x = torch.keep(torch.ones([256], { device: "cuda" }));
    const g1 = new cuda.CUDAGraph(), g2 = new cuda.CUDAGraph();
    const y1 = torch.keep(cuda.graph(g1, () => x.mul(3), { pool }));
    const y2 = torch.keep(cuda.graph(g2, () => y1.add(1), { pool }));
    expect(g1.pool()).to.deep.equal(pool);
    g1.replay(); g2.replay();
    expect(torch.tidy(() => y2.eq(4).all().item())).to.equal(true);
    g2.reset(); g1.reset();
    torch.dispose([x, y1, y2]);
  });

  it("reports a failed capture as a TorchError and recovers", () => {
    const x = torch.keep(torch.ones([16], { device: "cuda" }));
    const g = new cuda.CUDAGraph();
    expect(() => cuda.graph(g, () => x.sum().item())).to.throw(torch.TorchError);
    g.reset();
    expect(torch.tidy(() => x.sum().item())).to.equal(16);
    x.dispose();
  });

  it("copies pinned host memory to the device asynchronously", () => {
    torch.tidy(() => {
      const h = torch.arange(0, 1 << 20, 1, { dtype: torch.float32, device: "cpu" }).pinMemory();
      expect(h.isPinned()).to.equal(true);
      const d = h.to("cuda", { nonBlocking: true });
      cuda.synchronize();
      expect(d.device).to.equal("cuda:0");
      expect(d.cpu().equal(h)).to.equal(true);
    });
  });

  it("runs autocast on CUDA in float16 (and bfloat16 where supported)", () => {
    torch.tidy(() => {
      const a = torch.randn([64, 64], { device: "cuda" }), b = torch.randn([64, 64], { device: "cuda" });
      expect(torch.autocast("cuda", () => a.matmul(b)).dtype).to.equal(torch.float16);
      expect(torch.autocast("cuda", () => torch.callOp("aten::mse_loss", a.matmul(b), b)).dtype).to.equal(torch.float32);
      if (cuda.isBf16Supported()) expect(torch.autocast("cuda", { dtype: torch.bfloat16 }, () => a.matmul(b)).dtype).to.equal(torch.bfloat16);
      expect(torch.autocast("cuda", { enabled: false }, () => a.matmul(b)).dtype).to.equal(torch.float32);
    });
  });
});

// ---- multi-tensor optimizer steps: SGD foreach (any device), Adam/AdamW fused (CUDA; CPU from libtorch 2.4) ----
function trajectory(make: (ps: torch.Tensor[]) => any, device: string, steps = 6, dtype = torch.float32): number[][] {
  torch.manualSeed(11);
  const W = torch.randn([5, 4], { device: "cpu" }).to({ device, dtype }).requiresGrad_(true);
  const b = torch.randn([5], { device: "cpu" }).to({ device, dtype }).requiresGrad_(true);
  const X = torch.randn([7, 4], { device: "cpu" }).to({ device, dtype }), T = torch.randn([7, 5], { device: "cpu" }).to({ device, dtype });
  const opt = make([W, b]);
  const out: number[][] = [];
  for (let i = 0; i < steps; i++) {
    torch.tidy(() => {
      opt.zeroGrad();
      X.matmul(W.t()).add(b).sub(T).pow(2).mean().backward();
      opt.step();
    });
    out.push([...(W.detach().cpu().dataNumbers() as ArrayLike<number>), ...(b.detach().cpu().dataNumbers() as ArrayLike<number>)]);
  }
  opt.dispose();
  torch.dispose([W, b, X, T]);
  return out;
}
const libtorch = torch.buildInfo.libtorchVersion.split(".").map(Number);
const cpuFused = libtorch[0] > 2 || (libtorch[0] === 2 && libtorch[1] >= 4);

describe("optimizer steps on multi-tensor kernels (foreach / fused)", () => {
  const { optim } = torch;
  const sgdCases: Record<string, any> = {
    momentum_nesterov_wd: { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 },
    dampening_maximize: { lr: 0.05, momentum: 0.5, dampening: 0.3, maximize: true },
    plain: { lr: 0.1 },
  };
  for (const [name, o] of Object.entries(sgdCases)) {
    it(`SGD foreach: true equals the single-tensor step exactly (${name}, CPU)`, () => {
      const a = trajectory((ps) => new optim.SGD(ps, { ...o, foreach: false }), "cpu");
      const b = trajectory((ps) => new optim.SGD(ps, { ...o, foreach: true }), "cpu");
      expect(b).to.deep.equal(a);
    });
  }

  it("Adam/AdamW fused: true checks its parameters like PyTorch", function () {
    const p = [torch.zeros([2], { device: "cpu", requiresGrad: true })];
    expect(() => new optim.Adam(p, { fused: true, foreach: true })).to.throw("`fused` and `foreach` cannot be `True` together.");
    if (cpuFused) this.skip();
    expect(() => new optim.Adam(p, { fused: true })).to.throw(/`fused=True` requires all the params to be floating point Tensors of supported devices: \['cuda'\]/);
    expect(() => new optim.AdamW(p, { fused: true })).to.throw(/supported devices/);
    p[0].dispose();
  });

  for (const [name, Cls, extra] of [["Adam", "Adam", {}], ["Adam amsgrad wd", "Adam", { amsgrad: true, weightDecay: 0.01 }], ["AdamW", "AdamW", {}]] as const) {
    it(`${name} fused: true follows the single-tensor trajectory (CUDA)`, function () {
      needsGpu(this);
      const a = trajectory((ps) => new (optim as any)[Cls](ps, { lr: 0.01, ...extra }), "cuda");
      const b = trajectory((ps) => new (optim as any)[Cls](ps, { lr: 0.01, fused: true, ...extra }), "cuda");
      a.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(b[i][j] - v), `step ${i} [${j}]`).to.be.at.most(1e-5)));
    });
  }

  it("fused Adam runs inside a captured CUDA graph (no host synchronisation)", function () {
    needsGpu(this);
    const ref = makeProblem("cuda", 9);
    const refOpt = new optim.Adam([ref.W, ref.b], { lr: 0.01, fused: true });
    for (let i = 0; i < 10; i++) torch.tidy(() => {
      const [x, y] = ref.batch(i);
      refOpt.zeroGrad({ setToNone: true });
      ref.lossFn(ref.model(x), y).backward();
      refOpt.step();
    });
    const Wref = torch.keep(ref.W.detach().clone());
    refOpt.dispose(); ref.free();
    const p = makeProblem("cuda", 9);
    const opt = new optim.Adam([p.W, p.b], { lr: 0.01, fused: true });
    const [sx, sy] = p.batch(0);
    const messages: string[] = [];
    const train = cuda.makeGraphedTrainStep(p.model, opt, p.lossFn, sx, sy, { onFallback: (m) => messages.push(m) });
    for (let i = 0; i < 10; i++) torch.tidy(() => { const [x, y] = p.batch(i); train.step(x, y); });
    expect(messages).to.deep.equal([]);
    expect(train.graphed).to.equal(true);
    expect(p.W.detach().allclose(Wref, { rtol: 1e-4, atol: 1e-5 })).to.equal(true);
    train.dispose(); opt.dispose(); p.free(); Wref.dispose(); sx.dispose(); sy.dispose();
  });
});

describe("Adam capturable: true in CUDA graphs", () => {
  const { optim } = torch;
  const trainAdam = (graphed: boolean, opts: any, messages: string[] = []) => {
    const p = makeProblem("cuda", 10);
    const opt = new optim.Adam([p.W, p.b], { lr: 0.01, ...opts });
    const [sx, sy] = p.batch(0);
    const train = cuda.makeGraphedTrainStep(p.model, opt, p.lossFn, sx, sy, { graph: graphed, onFallback: (m) => messages.push(m) });
    for (let i = 0; i < 12; i++) torch.tidy(() => { const [x, y] = p.batch(i); train.step(x, y); });
    const m = train.readMetrics();
    const W = torch.keep(p.W.detach().clone());
    const step = opt.stateDict().state[0].step;
    const r = { W, m, graphedRun: train.graphed, step: [step.device, step.item()] };
    step.dispose();
    train.dispose(); opt.dispose(); p.free(); sx.dispose(); sy.dispose();
    return r;
  };

  it("is captured by makeGraphedTrainStep and trains like eager steps (amsgrad, weight decay)", function () {
    needsGpu(this);
    const eager = trainAdam(false, { capturable: true, amsgrad: true, weightDecay: 0.01 });
    const messages: string[] = [];
    const g = trainAdam(true, { capturable: true, amsgrad: true, weightDecay: 0.01 }, messages);
    expect(messages).to.deep.equal([]);
    expect(g.graphedRun).to.equal(true);
    expect(g.step[0]).to.match(/^cuda/);
    expect(g.step[1]).to.equal(12);  // the replays advanced the device-side step counter
    expect(g.m.loss).to.be.closeTo(eager.m.loss, 1e-5);
    expect(g.W.allclose(eager.W, { rtol: 1e-5, atol: 1e-6 })).to.equal(true);
    torch.dispose([g.W, eager.W]);
  });

  it("without capturable, makeGraphedTrainStep runs eagerly and says to pass capturable: true", function () {
    needsGpu(this);
    const messages: string[] = [];
    const r = trainAdam(true, {}, messages);
    expect(messages).to.have.lengthOf(1);
    expect(messages[0]).to.match(/Adam was constructed with capturable: false.*capturable: true.*runs eagerly/);
    expect(r.graphedRun).to.equal(false);
    expect(r.m.steps).to.equal(12);
    r.W.dispose();
  });

  it("without capturable, step() inside a capture throws PyTorch's error", function () {
    needsGpu(this);
    const W = torch.keep(torch.ones([4], { device: "cuda" }).requiresGrad_(true));
    const opt = new optim.Adam([W], { lr: 0.1 });
    torch.tidy(() => { W.sum().backward(); opt.step(); });  // lazy state outside the capture
    const g = new cuda.CUDAGraph();
    expect(() => cuda.graph(g, () => opt.step())).to.throw(/Attempting CUDA graph capture of step\(\) for an instance of Adam but Adam was constructed with capturable: false/);
    g.reset();
    opt.dispose(); W.dispose();
  });
});

describe("amp.GradScaler with a fused optimizer (no host synchronisation)", () => {
  it("unscales in the fused kernel and skips the step on inf like the unfused path (CUDA)", function () {
    needsGpu(this);
    const { optim, amp } = torch;
    const run = (fused: boolean) => {
      torch.manualSeed(21);
      const W = torch.randn([5, 4], { device: "cuda" }).requiresGrad_(true);
      const X = torch.randn([7, 4], { device: "cuda" }), T = torch.randn([7, 5], { device: "cuda" });
      const opt = new optim.Adam([W], { lr: 0.01, fused });
      expect((opt as any)._stepSupportsAmpScaling).to.equal(fused);
      const scaler = new amp.GradScaler("cuda", { initScale: 1024, growthInterval: 2 });
      const scales: number[] = [];
      for (let i = 0; i < 6; i++) torch.tidy(() => {
        opt.zeroGrad({ setToNone: true });
        const loss = torch.autocast("cuda", { dtype: torch.float16 }, () => X.matmul(W.t()).sub(T).pow(2).mean());
        scaler.scale(loss).backward();
        if (i === 2) torch.noGrad(() => W.grad!.select(0, 0).select(0, 0).fill_(Infinity));
        scaler.step(opt);
        scaler.update();
        scales.push(scaler.getScale());
      });
      const w = W.detach().cpu().dataNumbers() as Float32Array;
      const step = (opt.state.get(W)!.step as torch.Tensor).item();
      opt.dispose(); scaler.dispose(); torch.dispose([W, X, T]);
      return { w, scales, step };
    };
    const a = run(false), b = run(true);
    expect(b.scales).to.deep.equal(a.scales);
    expect(b.step).to.equal(5);
    expect(a.step).to.equal(5);
    Array.from(a.w).forEach((v, j) => expect(Math.abs(b.w[j] - v), `[${j}]`).to.be.at.most(1e-4));
  });
});
