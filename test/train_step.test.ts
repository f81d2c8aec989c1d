// The tutorial's CIFAR-10 CNN trained in torchts against the same steps in PyTorch (scripts/fixtures/train_step.py),
// and a 1,000-step loop that must not leak tensors or memory.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import * as torch from "../lib";
import { nn, optim, Tensor } from "../lib";
import { Cifar10CNN } from "../examples/models/cifar10_cnn";
import { expectClose } from "./nn_helpers";
import { hasPythonTorch, PY } from "./io_helpers";
import { sameTorch, LIBTORCH_MM } from "./helpers";

// The committed fixtures, or (where Python's torch is installed) the same script run here: oneDNN chooses its
// convolution kernels by CPU family, so the last bits of a trajectory are particular to the machine.
let dir = path.join(__dirname, "fixtures", "train_step");
if (hasPythonTorch() && !process.env.TORCHTS_COMMITTED_FIXTURES) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "torchts-train-step-"));
  const r = spawnSync(PY, [path.join(__dirname, "..", "scripts", "fixtures", "train_step.py"), tmp], { encoding: "utf8" });
  if (r.status === 0) dir = tmp;
  else console.log(`      (train_step.py failed here, using the committed fixtures: ${r.stderr.trim().split("\n").pop()})`);
}
const fx = JSON.parse(fs.readFileSync(path.join(dir, "train_step.json"), "utf8"));

/** The Python-made starting weights: weight = q * scale (exact in float32), plus the int64 counters. */
function pythonWeights(): Record<string, Tensor> {
  const raw = torch.load(path.join(dir, "weights.pt"));
  const sd: Record<string, Tensor> = {};
  for (const [k, q] of Object.entries(raw.q as Record<string, Tensor>)) {
    sd[k] = torch.tidy(() => q.to(torch.float32).mul(raw.scale[k]));
    q.dispose();
  }
  for (const [k, v] of Object.entries(raw.int as Record<string, Tensor>)) sd[k] = v;
  return sd;
}

describe("CIFAR-10 CNN training steps match PyTorch", function () {
  this.timeout(600000);
  let threads = 0;
  before(() => { threads = torch.getNumThreads(); torch.setNumThreads(1); });  // as the fixture script
  after(() => {
    torch.setNumThreads(threads);
    if (dir.startsWith(os.tmpdir())) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("5 Adam steps in train mode: the same losses (1e-4), then the same eval logits", () => {
    const model = new Cifar10CNN();
    const sd = pythonWeights();
    model.loadStateDict(sd);
    torch.dispose(sd);
    const opt = new optim.Adam(model.parameters(), { lr: fx.lr });
    const criterion = new nn.CrossEntropyLoss();
    model.train();
    torch.manualSeed(fx.dataSeed);
    const losses: number[] = [];
    for (let s = 0; s < fx.steps; s++) {
      // The same calls in the same order as Python: randn, randint, then the forward's dropout masks.
      losses.push(torch.tidy(() => {
        const x = torch.randn([fx.batch, 3, 32, 32]);
        const y = torch.randint(0, 10, [fx.batch]);
        opt.zeroGrad();
        const loss = criterion.forward(model.forward(x), y);
        loss.backward();
        opt.step();
        return loss.item();
      }));
    }
    if (process.env.TORCHTS_VERBOSE) console.log("losses", losses, "python", fx.losses);
    losses.forEach((l, i) => expect(l, `loss at step ${i}`).to.be.closeTo(fx.losses[i], 1e-4));
    // Training changed the weights and statistics as in Python. torchts's Adam is PyTorch 1.13's op sequence
    // (2.x updates exp_avg with lerp_), and another libtorch rounds conv gradients differently; Adam turns a last-bit
    // difference in a near-zero gradient into a difference of up to lr per step. So the weights agree to 1e-4 only
    // against PyTorch 1.13 on libtorch 1.13.
    const exact = sameTorch(fx.torch) && LIBTORCH_MM === "1.13";
    const wtol = exact ? 1e-4 : 1e-2;
    const after = model.stateDict();
    for (const [k, v] of Object.entries(fx.after)) expectClose(after[k].flatten().narrow(0, 0, Math.min(16, after[k].numel())), v as any, wtol, k);
    expect(after["classifier.2.num_batches_tracked"].item()).to.equal(fx.numBatchesTracked);
    const bias = model.classifier.at(5) as nn.Linear;
    expectClose(opt.state.get(bias.bias!)!.exp_avg, fx.expAvgSample, 1e-5, "Adam exp_avg of classifier.5.bias");
    expect(opt.state.get(bias.bias!)!.step.item()).to.equal(fx.steps);
    model.eval();
    torch.manualSeed(fx.evalSeed);
    const logits = torch.noGrad(() => model.forward(torch.randn(fx.evalShape)));
    expectClose(logits, fx.evalLogits, wtol, "eval logits");
  });

  it("a different seed gives different losses (the comparison can fail)", () => {
    const model = new Cifar10CNN();
    model.loadStateDict(pythonWeights());
    const opt = new optim.Adam(model.parameters(), { lr: fx.lr });
    torch.manualSeed(fx.dataSeed + 1);
    const loss = torch.tidy(() => {
      const l = nn.functional.crossEntropy(model.forward(torch.randn([fx.batch, 3, 32, 32])), torch.randint(0, 10, [fx.batch]));
      l.backward();
      opt.step();
      return l.item();
    });
    expect(Math.abs(loss - fx.losses[0])).to.be.greaterThan(1e-3);
  });

  it("liveTensors stays constant over 1,000 training steps (forward, CrossEntropyLoss, backward, Adam, in tidy)", () => {
    torch.setNumThreads(threads);
    torch.manualSeed(0);
    const model = new Cifar10CNN();
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    const criterion = new nn.CrossEntropyLoss();
    const x = torch.randn([2, 3, 32, 32]);
    const y = torch.tensor([3, 7]);
    const step = () => torch.tidy(() => {
      opt.zeroGrad();
      const loss = criterion.forward(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    });
    for (let i = 0; i < 20; i++) step();  // optimizer state and allocator pools settle
    const live0 = torch.memory().liveTensors;
    const bytes0 = torch.memory().liveBytes;
    const rss0 = process.memoryUsage().rss;
    const counts: number[] = [];
    let last = 0;
    for (let i = 0; i < 1000; i++) {
      last = step();
      if (i % 100 === 99) counts.push(torch.memory().liveTensors);
    }
    const rssGrowth = process.memoryUsage().rss - rss0;
    if (process.env.TORCHTS_VERBOSE) console.log(`live ${live0}, RSS growth ${(rssGrowth / 2 ** 20).toFixed(1)} MiB`);
    expect(Number.isFinite(last)).to.equal(true);
    expect(counts).to.deep.equal(counts.map(() => live0));
    expect(torch.memory().liveBytes).to.equal(bytes0);
    expect(rssGrowth, `RSS grew by ${(rssGrowth / 2 ** 20).toFixed(1)} MiB`).to.be.below(64 * 2 ** 20);
    torch.dispose([x, y]);
    opt.dispose();
  });
});

// The training step's fast paths (native/linear.cc, native/fused_adam.cc) must give libtorch's own results bit for bit.
describe("training-step kernels equal libtorch's op sequences bit for bit", () => {
  const native = require("../lib/native").native;
  const wide = (shape: number[]) => torch.tidy(() => torch.randn(shape).mul(torch.callOp("aten::exp", torch.randn(shape).mul(2))));

  it(`nn.Linear forward and gradients equal aten::linear's (kernel here: ${native.NnLinearBackend()})`, () => {
    torch.manualSeed(7);
    for (const [n, k, m, bias] of [[8, 2048, 256, true], [64, 256, 10, true], [3, 100, 10, false], [33, 70, 17, true]] as [number, number, number, boolean][]) {
      torch.tidy(() => {
        const lin = new nn.Linear(k, m, { bias });
        const x = wide([n, k]).requiresGrad_(true), g = wide([n, m]);
        const y = lin.forward(x);
        y.backward(g);
        const [gx, gw, gb] = [x.grad!, lin.weight.grad!, bias ? lin.bias!.grad : null];
        const x2 = x.detach().requiresGrad_(true), w2 = lin.weight.detach().requiresGrad_(true);
        const b2 = bias ? lin.bias!.detach().requiresGrad_(true) : null;
        const y2: Tensor = torch.callOp("aten::linear", x2, w2, b2);
        y2.backward(g);
        const where = `${n}x${k} -> ${m}${bias ? "" : " (no bias)"}`;
        expect(y.equal(y2), `output ${where}`).to.equal(true);
        expect(y.gradFn, "grad_fn as PyTorch's").to.equal(bias ? "AddmmBackward0" : "MmBackward0");
        expect(gx.equal(x2.grad!), `input grad ${where}`).to.equal(true);
        expect(gw.equal(w2.grad!), `weight grad ${where}`).to.equal(true);
        if (bias) expect(gb!.equal(b2!.grad!), `bias grad ${where}`).to.equal(true);
        expect(torch.noGrad(() => lin.forward(x)).equal(y2), `no_grad output ${where}`).to.equal(true);
        const xt = x.detach().t().contiguous().t();  // the same values, column-major
        // The fast kernel makes its input contiguous; aten::linear (where the probe turned the kernel off) gives
        // its own bits for a column-major input, as PyTorch's nn.Linear does.
        const ref = native.NnLinearBackend() === "aten" ? torch.callOp("aten::linear", xt, w2.detach(), b2 ? b2.detach() : null) : y2;
        expect(torch.noGrad(() => lin.forward(xt)).equal(ref), `column-major input ${where}`).to.equal(true);
      });
    }
  });

  it("nn.Linear second derivatives (createGraph) match aten::linear's", () => {
    torch.manualSeed(8);
    torch.tidy(() => {
      const lin = new nn.Linear(6, 4);
      const x = torch.randn([5, 6], { requiresGrad: true });
      const [gx] = torch.autograd.grad(lin.forward(x).pow(2).sum(), [x], { createGraph: true }) as Tensor[];
      const [gw] = torch.autograd.grad(gx.pow(2).sum(), [lin.weight]) as Tensor[];
      const x2 = x.detach().requiresGrad_(true), w2 = lin.weight.detach().requiresGrad_(true);
      const [gx2] = torch.autograd.grad((torch.callOp("aten::linear", x2, w2, lin.bias) as Tensor).pow(2).sum(), [x2], { createGraph: true }) as Tensor[];
      const [gw2] = torch.autograd.grad(gx2.pow(2).sum(), [w2]) as Tensor[];
      expect(gx.allclose(gx2, { rtol: 1e-5, atol: 1e-6 })).to.equal(true);
      expect(gw.allclose(gw2, { rtol: 1e-5, atol: 1e-6 })).to.equal(true);
    });
  });

  it(`nn.MaxPool2d(2) in training: output and gradient equal aten::max_pool2d_with_indices' (fast pass here: ${native.NnFastMaxPool()})`, () => {
    torch.manualSeed(10);
    torch.tidy(() => {
      const pool = new nn.MaxPool2d(2);
      const x = torch.randint(-3, 4, [4, 5, 12, 10]).to(torch.float32);  // ties
      const xs = x.requiresGrad_(true), g = torch.randn([4, 5, 6, 5]);
      const y = pool.forward(xs);
      y.backward(g);
      const x2 = xs.detach().requiresGrad_(true);
      const [y2] = torch.callOp("aten::max_pool2d_with_indices", x2, [2, 2], [2, 2], [0, 0], [1, 1], false) as Tensor[];
      y2.backward(g);
      expect(y.equal(y2), "output").to.equal(true);
      expect(y.gradFn).to.equal("MaxPool2DWithIndicesBackward0");
      expect(xs.grad!.equal(x2.grad!), "input gradient").to.equal(true);
    });
  });

  it(`Adam and AdamW steps equal PyTorch's op sequence (fused pass here: ${native.OptimFusedAdam()})`, () => {
    // _single_tensor_adam(w) of the installed PyTorch, op for op, with torchts tensor ops (2.x: lerp_ for the first moment).
    const v2 = Number(torch.buildInfo.libtorchVersion.split(".")[0]) >= 2;
    function reference(p: Tensor, g: Tensor, m: Tensor, v: Tensor, step: number, o: { lr: number; b1: number; b2: number; eps: number; wd: number; maximize: boolean; decoupled: boolean }) {
      torch.tidy(() => {
        let grad: Tensor = o.maximize ? torch.callOp("aten::neg", g) : g;
        if (o.decoupled) p.mul_(1 - o.lr * o.wd);
        else if (o.wd !== 0) grad = grad.add(p, { alpha: o.wd });
        if (v2) m.inplace("aten::lerp_", grad, 1 - o.b1);
        else m.mul_(o.b1).add_(grad, { alpha: 1 - o.b1 });
        v.mul_(o.b2).inplace("aten::addcmul_", grad, grad, { value: 1 - o.b2 });
        const bc1 = 1 - o.b1 ** step, bc2 = 1 - o.b2 ** step;
        const denom = (torch.callOp("aten::sqrt", v) as Tensor).div(Math.sqrt(bc2)).add_(o.eps);
        p.inplace("aten::addcdiv_", m, denom, { value: -(o.lr / bc1) });
      });
    }
    torch.manualSeed(9);
    const cases = [
      { n: 4096, opts: { lr: 1e-3, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 0 }, decoupled: false },
      { n: 4096, opts: { lr: 3e-2, betas: [0.8, 0.99] as [number, number], eps: 1e-6, weightDecay: 1e-2, maximize: true }, decoupled: false },
      { n: 65536, opts: { lr: 1e-3, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 1e-2 }, decoupled: true },
      { n: 10, opts: { lr: 1e-3, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 0 }, decoupled: false },
    ];
    for (const c of cases) {
      const p = new nn.Parameter(wide([c.n]));
      const opt = c.decoupled ? new optim.AdamW([p], c.opts) : new optim.Adam([p], c.opts);
      const rp = torch.keep(p.detach().clone()), rm = torch.keep(torch.zeros([c.n])), rv = torch.keep(torch.zeros([c.n]));
      const o = { lr: c.opts.lr, b1: c.opts.betas[0], b2: c.opts.betas[1], eps: c.opts.eps, wd: c.opts.weightDecay, maximize: !!(c.opts as any).maximize, decoupled: c.decoupled };
      for (let s = 1; s <= 3; s++) {
        const g = wide([c.n]);
        p.grad = g;
        opt.step();
        reference(rp, g, rm, rv, s, o);
        g.dispose();
      }
      const st = opt.state.get(p)!;
      expect(p.equal(rp), `param n=${c.n}`).to.equal(true);
      expect(st.exp_avg.equal(rm), `exp_avg n=${c.n}`).to.equal(true);
      expect(st.exp_avg_sq.equal(rv), `exp_avg_sq n=${c.n}`).to.equal(true);
      opt.dispose();
      torch.dispose([p, rp, rm, rv]);
    }
  });
});
