// API.md, line by line: every name and spelling of the public API contract (docs: /work/shared/API.md) used
// exactly as written there, with numbers checked against Python PyTorch. Reference values come from
// scripts/fixtures/api_contract.py (test/fixtures/api_contract/api.json); interop checks run /usr/bin/python3 on
// files written here and are skipped when Python's torch is absent.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as torch from "../lib";
import { nn, optim, data, vision, jit, cuda, amp, distributed, train } from "../lib";
import { loadFixture, expectMatches } from "./helpers";
import { hasPythonTorch, requirePython, py, pyJson, tmpdir, rmrf } from "./io_helpers";
const F = nn.functional;

const R = loadFixture("api_contract", "api.json");

/** Captures console.warn and process warnings while fn runs. */
function captureWarnings<T>(fn: () => T): { value: T; warnings: string[] } {
  const warnings: string[] = [];
  const origWarn = console.warn, origEmit = process.emitWarning;
  console.warn = (...a: any[]) => { warnings.push(a.map(String).join(" ")); };
  (process as any).emitWarning = (w: any) => { warnings.push(String(w?.message ?? w)); };
  try { return { value: fn(), warnings }; } finally { console.warn = origWarn; (process as any).emitWarning = origEmit; }
}
const closeArr = (a: number[], b: number[], tol: number, where = "") => {
  expect(a.length, where).to.equal(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i]), `${where}[${i}]: ${v} vs ${b[i]}`).to.be.at.most(tol * Math.max(1, Math.abs(b[i]))));
};

describe("API.md contract", function () {
  this.timeout(120000);

  describe("Package and namespaces", () => {
    it("imports torch and the namespaces; F = nn.functional", () => {
      for (const ns of [nn, optim, data, vision, jit, cuda, amp, distributed, train]) expect(ns).to.be.an("object");
      expect(F.relu).to.be.a("function");
      expect(F).to.equal(torch.nn.functional);
      expect(require("../package.json").name).to.equal("torchts");
    });
  });

  describe("Tensors", () => {
    it("torch.tensor with { dtype, device, requiresGrad }", () => {
      const t = torch.tensor([[1, 2], [3, 4]], { dtype: torch.float32, device: "cpu", requiresGrad: false });
      expect(t.dtype).to.equal(torch.float32);
      expect(t.device).to.equal("cpu");
      expect(t.requiresGrad).to.equal(false);
      expect(t.toArray()).to.deep.equal([[1, 2], [3, 4]]);
      expect(torch.tensor([1, 2], { requiresGrad: true, dtype: torch.float64 }).requiresGrad).to.equal(true);
      // JS writes Python's [2.0, 3.0] as [2, 3]: with requiresGrad and no dtype, the default float dtype
      const w = torch.tensor([2.0, 3.0], { requiresGrad: true });
      expect(w.dtype).to.equal(torch.float32);
      expect(w.requiresGrad).to.equal(true);
      expect(torch.tensor([2.0, 3.0]).dtype).to.equal(torch.int64);
    });

    it("fromTypedArray copies unless { share: true }", () => {
      const buf = new Float32Array([1, 2, 3, 4, 5, 6]).buffer;
      const copy = torch.fromTypedArray(new Float32Array(buf), [2, 3]);
      const shared = torch.fromTypedArray(new Float32Array(buf), [2, 3], { share: true });
      new Float32Array(buf)[0] = 99;
      expect(copy.toArray()).to.deep.equal([[1, 2, 3], [4, 5, 6]]);
      expect(shared.toArray()).to.deep.equal([[99, 2, 3], [4, 5, 6]]);
      shared.add_(1);
      expect(new Float32Array(buf)[5]).to.equal(7);
      expect(copy.dtype).to.equal(torch.float32);
    });

    it("zeros/ones/full/empty/arange/linspace/eye/zerosLike equal PyTorch's", () => {
      expectMatches(torch.zeros([2, 3]), { dtype: "float32", shape: [2, 3], data: [0, 0, 0, 0, 0, 0] });
      expectMatches(torch.ones([2, 3]), { dtype: "float32", shape: [2, 3], data: [1, 1, 1, 1, 1, 1] });
      expectMatches(torch.full([2], 7), R["full_2_7"]);          // int64, as in PyTorch
      expectMatches(torch.full([2], 7.5), R["full_2_7.5"]);
      const e = torch.empty([2, 3]);
      expect(e.shape).to.deep.equal([2, 3]);
      expect(e.dtype).to.equal(torch.float32);
      expectMatches(torch.arange(0, 10, 1), R["arange_0_10_1"]);
      expectMatches(torch.arange(0, 1, 0.25), R["arange_float"]);
      expectMatches(torch.linspace(0, 1, 5), R["linspace_0_1_5"]);
      expectMatches(torch.eye(3), R["eye_3"]);
      const z = torch.zerosLike(torch.tensor([[1.5, 2]], { dtype: torch.float64 }));
      expectMatches(z, { dtype: "float64", shape: [1, 2], data: [0, 0] });
      expectMatches(torch.onesLike(torch.tensor([1, 2])), { dtype: "int64", shape: [2], data: [1, 1] });
    });

    it("manualSeed: rand/randn/randint give Python's numbers", () => {
      torch.manualSeed(0);
      expectMatches(torch.randn([3, 4]), R["randn_3x4_seed0"], 1e-6);
      torch.manualSeed(0);
      expectMatches(torch.rand([5]), R["rand_5_seed0"], 1e-6);
      torch.manualSeed(0);
      expectMatches(torch.randint(0, 10, [8]), R["randint_0_10_8_seed0"]);
      torch.manualSeed(0);
      const seq = [torch.randn([2]), torch.rand([2]), torch.randint(0, 10, [3])];
      expectMatches(seq, { list: R["seq_randn_rand_randint_seed0"] }, 1e-6);
    });

    it("setNumThreads / getNumThreads", () => {
      const before = torch.getNumThreads();
      torch.setNumThreads(1);
      expect(torch.getNumThreads()).to.equal(1);
      torch.setNumThreads(before);
      expect(torch.getNumThreads()).to.equal(before);
    });

    it("shape (readonly number[]), dtype (every listed dtype), device", () => {
      const t = torch.zeros([2, 3, 4]);
      expect(t.shape).to.deep.equal([2, 3, 4]);
      const s = t.shape as number[];
      try { s[0] = 99; } catch { /* frozen is fine */ }
      expect(t.shape).to.deep.equal([2, 3, 4]);
      const dts = [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool];
      expect(dts.map(String)).to.deep.equal(["torch.float32", "torch.float64", "torch.float16", "torch.bfloat16", "torch.int64",
        "torch.int32", "torch.int16", "torch.int8", "torch.uint8", "torch.bool"]);
      for (const d of dts) expect(torch.zeros([2], { dtype: d }).dtype).to.equal(d);
      expect(t.device).to.equal("cpu");
    });

    it("to(\"cuda\") / cuda() give a clear Error without a GPU; to(float16); cpu()", function () {
      const t = torch.tensor([[1, 2], [3, 4]], { dtype: torch.float32 });
      if (!cuda.isAvailable()) {
        expect(() => t.to("cuda")).to.throw(Error, /CUDA is not available/);
        expect(() => t.cuda()).to.throw(Error, /CUDA is not available/);
      } else {
        expect(t.to("cuda").device).to.equal("cuda:0");
        expect(t.cuda().device).to.equal("cuda:0");
      }
      const h = t.to(torch.float16);
      expect(h.dtype).to.equal(torch.float16);
      expect(h.toArray()).to.deep.equal([[1, 2], [3, 4]]);
      expect(t.cpu().device).to.equal("cpu");
      expect(t.to("cpu").device).to.equal("cpu");
    });

    it("toArray (nested), data() (TypedArray copy), item()", () => {
      const t = torch.tensor([[1.5, 2], [3, 4]]);
      expect(t.toArray()).to.deep.equal([[1.5, 2], [3, 4]]);
      const d = t.data();
      expect(d).to.be.instanceOf(Float32Array);
      expect(Array.from(d as Float32Array)).to.deep.equal([1.5, 2, 3, 4]);
      (d as Float32Array)[0] = 100;
      expect(t.toArray()[0][0]).to.equal(1.5);        // a copy
      expect(torch.tensor(3.5).item()).to.equal(3.5);
      expect(torch.tensor([7]).item()).to.equal(7);
    });

    it("toString() prints like PyTorch's repr", () => {
      const make: Record<string, () => torch.Tensor> = {
        "tensor([[1, 2], [3, 4]], float32)": () => torch.tensor([[1, 2], [3, 4]], { dtype: torch.float32 }),
        "tensor([[1, 2], [3, 4]])": () => torch.tensor([[1, 2], [3, 4]]),
        "tensor([1.5, -2.25, 1e-3])": () => torch.tensor([1.5, -2.25, 1e-3]),
        "tensor([1e10, 1.0])": () => torch.tensor([1e10, 1.0], { dtype: torch.float32 }),   // JS has no float literal 1.0
        "tensor([true, false])": () => torch.tensor([true, false]),
        "tensor(3.5)": () => torch.tensor(3.5),
        "tensor([1, 2], float64)": () => torch.tensor([1, 2], { dtype: torch.float64 }),
        "tensor([1, 2], float16)": () => torch.tensor([1, 2], { dtype: torch.float16 }),
        "tensor([1, 2], int32)": () => torch.tensor([1, 2], { dtype: torch.int32 }),
        "tensor([1, 2], uint8)": () => torch.tensor([1, 2], { dtype: torch.uint8 }),
        "tensor([0.5, 2], requiresGrad)": () => torch.tensor([0.5, 2.0], { requiresGrad: true }),
        "zeros([2, 0])": () => torch.zeros([2, 0]),
        "arange(0, 2000).float()": () => torch.arange(0, 2000).float(),
        "randn([2, 3]) seed0": () => { torch.manualSeed(0); return torch.randn([2, 3]); },
      };
      for (const [k, f] of Object.entries(make)) expect(f().toString(), k).to.equal(R.reprs[k]);
      expect(Object.keys(make).sort()).to.deep.equal(Object.keys(R.reprs).sort());
    });

    it("t.add(u).mul(2).relu().sum({ dim: 1, keepdim: true }); t.matmul(u); t.add_(1) returns t", () => {
      const t = torch.tensor([[1., 2.], [3., 4.]], { dtype: torch.float32 });
      const u = torch.tensor([[0.5, -3.], [1., -10.]]);
      expectMatches(t.add(u).mul(2).relu().sum({ dim: 1, keepdim: true }), R.chain);
      expectMatches(t.matmul(u), R.matmul);
      const r = t.add_(1);
      expect(r).to.equal(t);
      expect(t.toArray()).to.deep.equal([[2, 3], [4, 5]]);
    });

    it("view/reshape/permute/transpose/flatten/squeeze/unsqueeze", () => {
      const t = torch.arange(0, 24).reshape([2, 3, 4]);
      expect(t.view([6, 4]).shape).to.deep.equal([6, 4]);
      expect(t.view(-1).shape).to.deep.equal([24]);
      expect(t.view(4, -1).shape).to.deep.equal([4, 6]);
      expect(t.reshape(3, 8).shape).to.deep.equal([3, 8]);
      expect(t.permute(2, 0, 1).shape).to.deep.equal([4, 2, 3]);
      expect(t.permute([2, 0, 1]).stride()).to.deep.equal([1, 12, 4]);
      expect(t.transpose(0, 1).shape).to.deep.equal([3, 2, 4]);
      expect(t.flatten(1).shape).to.deep.equal([2, 12]);
      expect(torch.zeros([1, 3, 1, 2]).squeeze().shape).to.deep.equal([3, 2]);
      expect(torch.zeros([1, 3, 1, 2]).squeeze(2).shape).to.deep.equal([1, 3, 2]);
      expect(t.unsqueeze(0).shape).to.deep.equal([1, 2, 3, 4]);
    });

    it("index([torch.slice(0, 2), 1]); argmax({ dim: 1 }); cat; stack", () => {
      expectMatches(torch.arange(0, 12).reshape([3, 4]).index([torch.slice(0, 2), 1]), R.index_arange12_slice02_1);
      expectMatches(torch.tensor([[0.5, -3.], [1., -10.]]).argmax({ dim: 1 }), R.argmax_dim1);
      const a = torch.ones([2, 3]), b = torch.zeros([1, 3]);
      expect(torch.cat([a, b], 0).shape).to.deep.equal([3, 3]);
      expect(torch.cat([a, a], 1).shape).to.deep.equal([2, 6]);
      expect(torch.stack([a, a]).shape).to.deep.equal([2, 2, 3]);
      expect(torch.stack([a, a], 1).shape).to.deep.equal([2, 2, 3]);
      expect(torch.stack([a, a], 2).shape).to.deep.equal([2, 3, 2]);
      const u = torch.tensor([[0.5, -3.], [1., -10.]]);
      expect(u.softmax({ dim: 1 }).equal(u.softmax(1))).to.equal(true);          // option style like argmax({ dim })
      expect(u.logSoftmax({ dim: 0 }).equal(u.logSoftmax(0))).to.equal(true);
    });

    it("torch.ops.aten.<anyOp>(...) through the dispatcher", () => {
      const x = torch.tensor([[1, -2], [3, -4]], { dtype: torch.float32 });
      expect(torch.ops.aten.abs(x).toArray()).to.deep.equal([[1, 2], [3, 4]]);
      expect(torch.ops.aten.addmm(torch.ones([2, 2]), torch.ones([2, 2]), torch.ones([2, 2])).toArray()).to.deep.equal([[3, 3], [3, 3]]);
      expect(torch.ops.aten.sum(x, [1]).toArray()).to.deep.equal([-1, -1]);
      expect(torch.ops.aten.logsumexp(torch.zeros([2, 3]), [1]).toArray()[0]).to.be.closeTo(Math.log(3), 1e-6);
      expect(() => (torch.ops.aten as any).no_such_op_xyz(x)).to.throw(Error, /no_such_op_xyz/);
    });
  });

  describe("Autograd", () => {
    it("w.mul(w).sum().backward(); w.grad; torch.autograd.grad([y], [w])", () => {
      torch.manualSeed(0);
      const w = torch.randn([3], { requiresGrad: true });
      expectMatches(w, R.autograd_w, 1e-6);
      expect(w.grad).to.equal(null);
      const y = w.mul(w).sum(); y.backward();
      expectMatches(w.grad, R.autograd_grad, 1e-6);
      const y2 = w.mul(w).sum();
      const g = torch.autograd.grad([y2], [w]);
      expect(g).to.have.length(1);
      expectMatches(g[0], R.autograd_grad, 1e-6);
      // second order: Python gives [12., 27.] (grad_fn=<MulBackward0>) and [12., 18.]
      const v = torch.tensor([2.0, 3.0], { requiresGrad: true });
      const [g1] = torch.autograd.grad([v.pow(3).sum()], [v], { createGraph: true });
      expect(g1!.toString()).to.equal("tensor([12., 27.], grad_fn=<MulBackward0>)");
      expect(torch.autograd.grad([g1!.sum()], [v])[0]!.toArray()).to.deep.equal([12, 18]);
    });

    it("noGrad / enableGrad / detach", () => {
      const w = torch.ones([2], { requiresGrad: true });
      const model = new nn.Linear(2, 1);
      const x = torch.ones([1, 2]);
      expect(torch.noGrad(() => model.forward(x)).requiresGrad).to.equal(false);
      expect(model.forward(x).requiresGrad).to.equal(true);
      expect(torch.noGrad(() => torch.enableGrad(() => w.mul(2))).requiresGrad).to.equal(true);
      const d = w.mul(2).detach();
      expect(d.requiresGrad).to.equal(false);
      expect(d.toArray()).to.deep.equal([2, 2]);
    });
  });

  describe("Memory: deterministic release", () => {
    it("tidy frees everything made inside but the result", () => {
      const before = torch.memory().liveTensors;
      const loss = torch.tidy(() => { const a = torch.ones([3]); const b = a.mul(2); return b.sum(); });
      expect(torch.memory().liveTensors).to.equal(before + 1);
      expect(loss.item()).to.equal(6);
      loss.dispose();
      expect(torch.memory().liveTensors).to.equal(before);
    });

    it("dispose() is idempotent; using a disposed tensor throws a clear Error", () => {
      const t = torch.ones([3]);
      t.dispose(); t.dispose();
      expect(() => t.add(1)).to.throw(Error, /disposed/);
      expect(() => t.toArray()).to.throw(Error, /disposed/);
      expect(() => t.shape).to.throw(Error, /disposed/);
    });

    it("using t = ... (Symbol.dispose)", () => {
      expect(typeof (torch.Tensor.prototype as any)[(Symbol as any).dispose]).to.equal("function");
      const before = torch.memory().liveTensors;
      let ref: torch.Tensor;
      { using t = torch.randn([1000]); ref = t; expect(torch.memory().liveTensors).to.equal(before + 1); }
      expect(torch.memory().liveTensors).to.equal(before);
      expect(ref.isDisposed).to.equal(true);
    });

    it("memory() gives { liveTensors, liveBytes }; a tidy training loop keeps liveTensors constant", () => {
      const m = torch.memory();
      expect(m.liveTensors).to.be.a("number");
      expect(m.liveBytes).to.be.a("number");
      torch.manualSeed(0);
      const model = new nn.Linear(4, 2);
      const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
      const x = torch.randn([8, 4]), y = torch.randn([8, 2]);
      const counts: number[] = [];
      for (let i = 0; i < 5; i++) {
        torch.tidy(() => { opt.zeroGrad(); const loss = F.mseLoss(model.forward(x), y); loss.backward(); opt.step(); });
        counts.push(torch.memory().liveTensors);
      }
      expect(new Set(counts.slice(1)).size).to.equal(1);
    });
  });

  describe("Modules", () => {
    class Net extends nn.Module {
      features = new nn.Sequential(new nn.Conv2d(3, 32, 3, { padding: 1 }), new nn.ReLU());
      head = new nn.Linear(32, 10);
      forward(x: torch.Tensor): torch.Tensor { return this.head.forward(this.features.forward(x).mean([2, 3])); }
    }
    class BNNet extends nn.Module {
      features = new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.Dropout(0.5));
      head = new nn.Linear(4, 2);
      constructor() { super(); this.registerBuffer("scale", torch.ones([2])); }
      forward(x: torch.Tensor): torch.Tensor { return this.head.forward(this.features.forward(x).mean([2, 3])).mul((this as any).scale); }
    }

    it("the Net example: fields register in order; forward equals Python's after the same seed", () => {
      torch.manualSeed(0);
      const model = new Net();
      torch.manualSeed(1);
      const x = torch.randn([2, 3, 8, 8]);
      expectMatches(model.forward(x), R.net_forward_seed0_x_seed1, 1e-5);
      expect(Object.keys(model.stateDict())).to.deep.equal(R.net_state_keys);
      expect(model.toString()).to.equal(R.net_repr);
    });

    it("parameters/namedParameters/buffers/children/modules", () => {
      const model = new Net();
      expect(model.parameters().reduce((n, p) => n + p.numel(), 0)).to.equal(R.net_param_count);
      expect(model.namedParameters().map(([n]) => n)).to.deep.equal(R.net_named_parameters);
      expect(model.buffers()).to.have.length(0);
      expect(model.children().map((m) => m.constructor.name)).to.deep.equal(R.net_children);
      expect(model.modules().map((m) => m.constructor.name)).to.deep.equal(R.net_modules);
      const bn = new BNNet();
      expect(bn.namedBuffers().map(([n]) => n)).to.deep.equal(R.bnnet_buffers);
      expect(bn.buffers()).to.have.length(R.bnnet_buffers.length);
      expect(Object.keys(bn.stateDict())).to.deep.equal(R.bnnet_state_keys);
    });

    it("train()/eval()/training are recursive; Dropout and BatchNorm obey them (values vs Python)", () => {
      torch.manualSeed(0);
      const m = new BNNet();
      torch.manualSeed(1);
      const x = torch.randn([3, 3, 5, 5]);
      expect(m.training).to.equal(true);
      expectMatches(m.forward(x), R.bnnet_train_out, 1e-5);
      expectMatches((m.features.get(1) as nn.BatchNorm2d).runningMean, R.bnnet_running_mean, 1e-5);
      expect(m.eval()).to.equal(m);
      expect(m.training).to.equal(false);
      for (const c of m.modules()) expect(c.training).to.equal(false);
      expectMatches(m.forward(x), R.bnnet_eval_out, 1e-5);
      const a = m.forward(x), b = m.forward(x);
      expect(a.equal(b)).to.equal(true);                       // eval: dropout off, running stats used
      m.train();
      for (const c of m.modules()) expect(c.training).to.equal(true);
      m.train(false);
      expect(m.features.training).to.equal(false);
    });

    it("to(\"cuda\") error without GPU; zeroGrad; requiresGrad_(false); apply(fn)", () => {
      const model = new Net();
      if (!cuda.isAvailable()) expect(() => model.to("cuda")).to.throw(Error, /CUDA is not available/);
      expect(model.to("cpu")).to.equal(model);
      model.forward(torch.randn([1, 3, 4, 4])).sum().backward();
      expect(model.head.weight.grad).to.not.equal(null);
      model.zeroGrad();
      const g = model.head.weight.grad;
      expect(g === null || g.abs().sum().item() === 0).to.equal(true);
      expect(model.requiresGrad_(false)).to.equal(model);
      expect(model.parameters().every((p) => !p.requiresGrad)).to.equal(true);
      model.requiresGrad_(true);
      const seen: string[] = [];
      expect(model.apply((m) => { seen.push(m.constructor.name); if (m instanceof nn.Linear) nn.init.zeros_(m.weight); })).to.equal(model);
      expect(seen).to.deep.equal(["Conv2d", "ReLU", "Sequential", "Linear", "Net"]);     // children first, as PyTorch
      expect(model.head.weight.abs().sum().item()).to.equal(0);
    });

    it("stateDict keys exactly PyTorch's; loadStateDict(sd, { strict: true })", () => {
      const a = new Net(), b = new Net();
      const sd = a.stateDict();
      expect(Object.keys(sd)).to.deep.equal(["features.0.weight", "features.0.bias", "head.weight", "head.bias"]);
      const r = b.loadStateDict(sd, { strict: true });
      expect(r.missingKeys).to.deep.equal([]);
      expect(r.unexpectedKeys).to.deep.equal([]);
      expect(b.head.weight.equal(a.head.weight)).to.equal(true);
      const partial: any = { ...sd }; delete partial["head.bias"]; partial["extra.weight"] = torch.zeros([1]);
      expect(() => b.loadStateDict(partial, { strict: true })).to.throw(Error, /Missing key\(s\).*head\.bias[\s\S]*Unexpected key\(s\).*extra\.weight/);
      const r2 = b.loadStateDict(partial, { strict: false });
      expect(r2.missingKeys).to.deep.equal(["head.bias"]);
      expect(r2.unexpectedKeys).to.deep.equal(["extra.weight"]);
      const bad: any = { ...sd, "head.weight": torch.zeros([3, 3]) };
      expect(() => b.loadStateDict(bad)).to.throw(Error, /size mismatch for head\.weight/);
    });

    it("nn.summary(model, [1, 3, 32, 32]): layers, output shapes, params, totals (Python's counts)", () => {
      const model = new Net();
      const lines: string[] = [];
      const orig = console.log;
      console.log = (...a: any[]) => { lines.push(a.join(" ")); };
      let s: nn.ModelSummary;
      try { s = nn.summary(model, [1, 3, 32, 32]); } finally { console.log = orig; }
      const text = s!.toString();
      expect(lines.join("\n")).to.contain("Total params: 1,226");
      expect(s!.totalParams).to.equal(R.net_param_count);
      expect(s!.trainableParams).to.equal(R.net_param_count);
      expect(s!.nonTrainableParams).to.equal(0);
      expect(text).to.match(/features\.0 \(Conv2d\)\s+\[1, 32, 32, 32\]\s+896/);
      expect(text).to.match(/head \(Linear\)\s+\[1, 10\]\s+330/);
    });

    it("submodules and nn.Parameters assigned as fields register in field order; registerBuffer", () => {
      class M extends nn.Module {
        b = new nn.Linear(2, 2);
        alpha = new nn.Parameter(torch.ones([1]));
        a = new nn.Linear(2, 1);
        constructor() { super(); this.registerBuffer("steps", torch.zeros([1])); }
        forward(x: torch.Tensor) { return this.a.forward(this.b.forward(x)).mul(this.alpha); }
      }
      const m = new M();
      // Python: own parameters, own buffers, then children in assignment order
      expect(Object.keys(m.stateDict())).to.deep.equal(["alpha", "steps", "b.weight", "b.bias", "a.weight", "a.bias"]);
      expect(m.namedParameters().map(([n]) => n)).to.deep.equal(["alpha", "b.weight", "b.bias", "a.weight", "a.bias"]);
    });

    describe("Layers with PyTorch-style options: forward values vs Python (seed 0 init, seed 1 input, train mode)", () => {
      const ctors: Record<string, () => nn.Module> = {
        Conv1d: () => new nn.Conv1d(4, 6, 3, { stride: 2, padding: 1 }),
        Conv2d_same_dil_groups_nobias: () => new nn.Conv2d(4, 6, 3, { padding: "same", dilation: 2, groups: 2, bias: false }),
        Conv2d_stride_pad: () => new nn.Conv2d(4, 6, [3, 3], { stride: [2, 2], padding: [1, 1] }),
        ConvTranspose2d: () => new nn.ConvTranspose2d(4, 3, 3, { stride: 2, padding: 1, outputPadding: 1 }),
        Linear: () => new nn.Linear(6, 3),
        Linear_nobias: () => new nn.Linear(6, 3, { bias: false }),
        BatchNorm1d: () => new nn.BatchNorm1d(4, { eps: 1e-5, momentum: 0.1, affine: true, trackRunningStats: true }),
        BatchNorm2d: () => new nn.BatchNorm2d(4),
        LayerNorm: () => new nn.LayerNorm([3, 3], { elementwiseAffine: true, eps: 1e-5 }),
        GroupNorm: () => new nn.GroupNorm(2, 4, { eps: 1e-5, affine: true }),
        Dropout: () => new nn.Dropout(0.5),
        Dropout2d: () => new nn.Dropout2d(0.5),
        ReLU: () => new nn.ReLU(),
        LeakyReLU: () => new nn.LeakyReLU(0.2),
        GELU: () => new nn.GELU(),
        GELU_tanh: () => new nn.GELU({ approximate: "tanh" }),
        SiLU: () => new nn.SiLU(),
        Sigmoid: () => new nn.Sigmoid(),
        Tanh: () => new nn.Tanh(),
        Softmax: () => new nn.Softmax({ dim: 1 }),
        LogSoftmax: () => new nn.LogSoftmax(1),
        MaxPool2d: () => new nn.MaxPool2d(2),
        MaxPool2d_opts: () => new nn.MaxPool2d(3, { stride: 2, padding: 1 }),
        AvgPool2d: () => new nn.AvgPool2d(2, { stride: 2 }),
        AdaptiveAvgPool2d: () => new nn.AdaptiveAvgPool2d([1, 1]),
        Flatten: () => new nn.Flatten(),
        Flatten_start2: () => new nn.Flatten({ startDim: 2 }),
        Identity: () => new nn.Identity(),
        Embedding: () => new nn.Embedding(10, 3, { paddingIdx: 0 }),
        Sequential: () => new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(16, 2)),
      };
      const input = (spec: string): torch.Tensor => {
        const p = spec.split(" ");
        return p[0] === "randn" ? torch.randn(p.slice(1).map(Number)) : torch.randint(0, Number(p[1]), p.slice(2).map(Number));
      };
      it("covers every layer named in API.md", () => {
        const named = ["Conv1d", "Conv2d", "ConvTranspose2d", "Linear", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm", "Dropout",
          "Dropout2d", "ReLU", "LeakyReLU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "MaxPool2d", "AvgPool2d",
          "AdaptiveAvgPool2d", "Flatten", "Identity", "Embedding", "Sequential", "ModuleList", "ModuleDict"];
        for (const n of named) expect((nn as any)[n], n).to.be.a("function");
        for (const n of named.filter((n) => !n.startsWith("Module"))) expect(Object.keys(ctors).some((k) => k.split("_")[0] === n), n).to.equal(true);
        expect(Object.keys(ctors).sort()).to.deep.equal(Object.keys(R.layers).sort());
      });
      for (const name of Object.keys(ctors)) {
        it(name, () => {
          const ref = R.layers[name];
          torch.manualSeed(0);
          const layer = ctors[name]();
          torch.manualSeed(1);
          const y = layer.forward(input(ref.input));
          expectMatches(y, ref.out, 1e-5, name);
          expect(layer.toString()).to.equal(ref.repr);
          expect(layer.parameters().reduce((n, p) => n + p.numel(), 0)).to.equal(ref.params);
        });
      }
      it("ModuleList and ModuleDict register as PyTorch's", () => {
        const ml = new nn.ModuleList([new nn.Linear(2, 2), new nn.ReLU()]);
        const md = new nn.ModuleDict({ a: new nn.Linear(2, 2), b: new nn.ReLU() });
        class Holder extends nn.Module { l = ml; d = md; }
        expect(Object.keys(new Holder().stateDict())).to.deep.equal(R.holder_state_keys);
        expect(ml.length).to.equal(2);
        expect(ml.get(0)).to.equal(ml.at(0));
        expect([...ml].map((m) => m.constructor.name)).to.deep.equal(["Linear", "ReLU"]);
        ml.append(new nn.Tanh());
        expect(ml.length).to.equal(3);
        expect(md.get("a")).to.be.instanceOf(nn.Linear);
        expect(md.keys()).to.deep.equal(["a", "b"]);
      });
    });

    it("nn.functional forms equal the modules", () => {
      torch.manualSeed(0);
      const x = torch.randn([2, 4, 6, 6]);
      const conv = new nn.Conv2d(4, 6, 3, { padding: "same" });
      const close = (a: torch.Tensor, b: torch.Tensor) => expect(a.sub(b).abs().max().item()).to.be.below(1e-6);
      close(F.conv2d(x, conv.weight, conv.bias, { padding: "same" }), conv.forward(x));
      const lin = new nn.Linear(6, 3);
      close(F.linear(x, lin.weight, lin.bias), lin.forward(x));
      close(F.relu(x), new nn.ReLU().forward(x));
      close(F.leakyRelu(x, 0.2), new nn.LeakyReLU(0.2).forward(x));
      close(F.gelu(x), new nn.GELU().forward(x));
      close(F.silu(x), new nn.SiLU().forward(x));
      close(F.sigmoid(x), x.sigmoid());
      close(F.tanh(x), x.tanh());
      close(F.softmax(x, 1), new nn.Softmax(1).forward(x));
      close(F.logSoftmax(x, 1), new nn.LogSoftmax(1).forward(x));
      close(F.maxPool2d(x, 2), new nn.MaxPool2d(2).forward(x));
      close(F.avgPool2d(x, 2), new nn.AvgPool2d(2).forward(x));
      close(F.adaptiveAvgPool2d(x, 1), new nn.AdaptiveAvgPool2d(1).forward(x));
      close(F.layerNorm(x, [6]), new nn.LayerNorm(6).forward(x));
      close(F.groupNorm(x, 2), new nn.GroupNorm(2, 4).forward(x));
      close(F.dropout(x, { p: 0.5, training: false }), x);
      const emb = new nn.Embedding(10, 3);
      const idx = torch.tensor([[1, 2], [3, 9]]);
      close(F.embedding(idx, emb.weight), emb.forward(idx));
    });

    it("nn.init initialisers equal Python's after the same seed", () => {
      const inits: Record<string, (w: torch.Tensor) => void> = {
        "kaimingNormal_": (w) => nn.init.kaimingNormal_(w),
        "kaimingNormal_fan_out_relu": (w) => nn.init.kaimingNormal_(w, { mode: "fan_out", nonlinearity: "relu" }),
        "kaimingUniform_a_sqrt5": (w) => nn.init.kaimingUniform_(w, { a: Math.sqrt(5) }),
        "xavierUniform_": (w) => nn.init.xavierUniform_(w),
        "xavierNormal_gain2": (w) => nn.init.xavierNormal_(w, { gain: 2.0 }),
        "normal_0_0.02": (w) => nn.init.normal_(w, 0, 0.02),
        "uniform_-0.1_0.1": (w) => nn.init.uniform_(w, -0.1, 0.1),
        "truncNormal_": (w) => nn.init.truncNormal_(w, { std: 0.02 }),
        "orthogonal_": (w) => nn.init.orthogonal_(w),
      };
      expect(Object.keys(inits).sort()).to.deep.equal(Object.keys(R.init).sort());
      for (const [k, f] of Object.entries(inits)) {
        torch.manualSeed(0);
        const w = torch.empty([3, 4]);
        f(w);
        expectMatches(w, R.init[k], 1e-5, k);
      }
    });

    it("losses: every one listed, values vs Python", () => {
      const logits = torch.tensor([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0], [0.3, 0.3, -0.2]]);
      const target = torch.tensor([1, 2, 0]);
      const probs = torch.tensor([[0.2, 0.7, 0.1], [0.0, 0.5, 0.5], [1.0, 0.0, 0.0]]);
      const bt = torch.tensor([[1, 0, 1], [0, 0, 1], [1, 1, 0]], { dtype: torch.float32 });
      const weight = torch.tensor([1.0, 2.0, 0.5]);
      const got: Record<string, number> = {
        "CrossEntropyLoss()": new nn.CrossEntropyLoss().forward(logits, target).item(),
        "CrossEntropyLoss() probs": new nn.CrossEntropyLoss().forward(logits, probs).item(),
        "CrossEntropyLoss({labelSmoothing: 0.1})": new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }).forward(logits, target).item(),
        "CrossEntropyLoss({weight})": new nn.CrossEntropyLoss({ weight }).forward(logits, target).item(),
        "CrossEntropyLoss({weight, labelSmoothing: 0.2})": new nn.CrossEntropyLoss({ weight, labelSmoothing: 0.2 }).forward(logits, target).item(),
        "CrossEntropyLoss({weight, labelSmoothing: 0.2}) probs": new nn.CrossEntropyLoss({ weight, labelSmoothing: 0.2 }).forward(logits, probs).item(),
        "CrossEntropyLoss({reduction: 'sum', ignoreIndex: 1})": new nn.CrossEntropyLoss({ reduction: "sum", ignoreIndex: 1 }).forward(logits, target).item(),
        "NLLLoss()": new nn.NLLLoss().forward(logits.logSoftmax(1), target).item(),
        "NLLLoss({weight})": new nn.NLLLoss({ weight }).forward(logits.logSoftmax(1), target).item(),
        "MSELoss()": new nn.MSELoss().forward(logits, bt).item(),
        "L1Loss()": new nn.L1Loss().forward(logits, bt).item(),
        "L1Loss({reduction: 'sum'})": new nn.L1Loss({ reduction: "sum" }).forward(logits, bt).item(),
        "BCELoss()": new nn.BCELoss().forward(logits.sigmoid(), bt).item(),
        "BCELoss({weight})": new nn.BCELoss({ weight }).forward(logits.sigmoid(), bt).item(),
        "BCEWithLogitsLoss()": new nn.BCEWithLogitsLoss().forward(logits, bt).item(),
        "BCEWithLogitsLoss({posWeight})": new nn.BCEWithLogitsLoss({ posWeight: weight }).forward(logits, bt).item(),
      };
      expect(Object.keys(got).sort()).to.deep.equal(Object.keys(R.losses).sort());
      for (const [k, v] of Object.entries(got)) expect(v, k).to.be.closeTo(R.losses[k], 1e-6);
      expectMatches(new nn.CrossEntropyLoss({ reduction: "none" }).forward(logits, target), R.losses_none["CrossEntropyLoss({reduction: 'none'})"], 1e-6);
      expectMatches(new nn.MSELoss({ reduction: "none" }).forward(logits, bt), R.losses_none["MSELoss({reduction: 'none'})"], 1e-6);
      expect(F.crossEntropy(logits, target, { labelSmoothing: 0.1 }).item()).to.be.closeTo(R.losses["CrossEntropyLoss({labelSmoothing: 0.1})"], 1e-6);
    });
  });

  describe("Optimisers and schedules", () => {
    function trajectory(make: (m: nn.Linear) => optim.Optimizer) {
      torch.manualSeed(0);
      const model = new nn.Linear(3, 2);
      const x = torch.randn([4, 3]), yt = torch.randn([4, 2]);
      const opt = make(model);
      const losses: number[] = [];
      for (let i = 0; i < 4; i++) {
        opt.zeroGrad(); const loss = F.mseLoss(model.forward(x), yt); loss.backward(); opt.step();
        losses.push(loss.item());
      }
      return { losses, model };
    }
    const cases: Record<string, (m: nn.Linear) => optim.Optimizer> = {
      "Adam({lr: 1e-3, weightDecay: 0})": (m) => new optim.Adam(m.parameters(), { lr: 1e-3, weightDecay: 0 }),
      "Adam({lr: 0.05, weightDecay: 0.1, betas: [0.8, 0.99], amsgrad: true})": (m) => new optim.Adam(m.parameters(), { lr: 0.05, weightDecay: 0.1, betas: [0.8, 0.99], amsgrad: true }),
      "SGD({lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4})": (m) => new optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 }),
      "SGD({lr: 0.1})": (m) => new optim.SGD(m.parameters(), { lr: 0.1 }),
      "AdamW({lr: 0.05})": (m) => new optim.AdamW(m.parameters(), { lr: 0.05 }),
      "AdamW({lr: 0.05, weightDecay: 0.1})": (m) => new optim.AdamW(m.parameters(), { lr: 0.05, weightDecay: 0.1 }),
      "RMSprop({lr: 0.01})": (m) => new optim.RMSprop(m.parameters(), { lr: 0.01 }),
      "RMSprop({lr: 0.01, alpha: 0.9, momentum: 0.5, centered: true})": (m) => new optim.RMSprop(m.parameters(), { lr: 0.01, alpha: 0.9, momentum: 0.5, centered: true }),
      "SGD([{params: [weight], lr: 0.5}, {params: [bias]}], {lr: 0.1, momentum: 0.9})": (m) => new optim.SGD([{ params: [m.weight], lr: 0.5 }, { params: [m.bias!] }], { lr: 0.1, momentum: 0.9 }),
    };
    it("covers Python's cases", () => expect(Object.keys(cases).sort()).to.deep.equal(Object.keys(R.optim).sort()));
    for (const [k, make] of Object.entries(cases)) {
      it(`${k}: 4-step trajectory equals Python's`, () => {
        const { losses, model } = trajectory(make);
        closeArr(losses, R.optim[k].losses, 1e-5, k);
        expectMatches(model.weight, R.optim[k].weight, 1e-5, `${k} weight`);
        expectMatches(model.bias, R.optim[k].bias, 1e-5, `${k} bias`);
      });
    }

    it("opt.stateDict() / opt.loadStateDict(sd) resume the same trajectory", () => {
      const run = (resume: boolean) => {
        torch.manualSeed(0);
        const model = new nn.Linear(3, 2);
        const x = torch.randn([4, 3]), yt = torch.randn([4, 2]);
        let opt = new optim.Adam(model.parameters(), { lr: 0.05 });
        const losses: number[] = [];
        for (let i = 0; i < 4; i++) {
          if (resume && i === 2) {
            const sd = opt.stateDict();
            expect(Object.keys(sd)).to.deep.equal(["state", "param_groups"]);
            opt = new optim.Adam(model.parameters(), { lr: 0.5 });
            opt.loadStateDict(sd);
            expect(opt.paramGroups[0].lr).to.equal(0.05);
          }
          opt.zeroGrad(); const loss = F.mseLoss(model.forward(x), yt); loss.backward(); opt.step(); losses.push(loss.item());
        }
        return losses;
      };
      expect(run(true)).to.deep.equal(run(false));
    });

    function lrs(make: (o: optim.SGD) => any, n = 10, metrics?: number[], key = "lr") {
      const p = torch.zeros([1], { requiresGrad: true });
      const opt = new optim.SGD([p], { lr: 0.1, momentum: 0.9 });
      const s = make(opt);
      const out: number[] = [];
      for (let i = 0; i < n; i++) { opt.step(); if (metrics) s.step(metrics[i]); else s.step(); out.push((opt.paramGroups[0] as any)[key]); }
      return out;
    }
    const S = optim.lrScheduler;
    const scheds: Record<string, [(o: optim.SGD) => any, number, number[]?]> = {
      "ReduceLROnPlateau({mode: 'min', factor: 0.5, patience: 5, minLr: 1e-6}) constant loss":
        [(o) => new S.ReduceLROnPlateau(o, { mode: "min", factor: 0.5, patience: 5, minLr: 1e-6 }), 20, new Array(20).fill(1.0)],
      "ReduceLROnPlateau({mode: 'max', factor: 0.1, patience: 1, threshold: 0.01, thresholdMode: 'abs', cooldown: 1, minLr: 1e-4})":
        [(o) => new S.ReduceLROnPlateau(o, { mode: "max", factor: 0.1, patience: 1, threshold: 0.01, thresholdMode: "abs", cooldown: 1, minLr: 1e-4 }), 10, [1, 2, 2, 2, 3, 3, 3, 3, 3, 3]],
      "StepLR({stepSize: 2, gamma: 0.5})": [(o) => new S.StepLR(o, { stepSize: 2, gamma: 0.5 }), 10],
      "MultiStepLR({milestones: [2, 5], gamma: 0.1})": [(o) => new S.MultiStepLR(o, { milestones: [2, 5], gamma: 0.1 }), 10],
      "ExponentialLR({gamma: 0.9})": [(o) => new S.ExponentialLR(o, { gamma: 0.9 }), 10],
      "CosineAnnealingLR({TMax: 5, etaMin: 0.01})": [(o) => new S.CosineAnnealingLR(o, { TMax: 5, etaMin: 0.01 }), 10],
      "OneCycleLR(1.0, {totalSteps: 10})": [(o) => new S.OneCycleLR(o, 1.0, { totalSteps: 10 }), 9],
      "OneCycleLR({maxLr: 1.0, epochs: 2, stepsPerEpoch: 5, pctStart: 0.4, annealStrategy: 'linear', divFactor: 10, finalDivFactor: 100})":
        [(o) => new S.OneCycleLR(o, { maxLr: 1.0, epochs: 2, stepsPerEpoch: 5, pctStart: 0.4, annealStrategy: "linear", divFactor: 10, finalDivFactor: 100 }), 9],
      "LinearLR({startFactor: 0.25, endFactor: 1.0, totalIters: 4})": [(o) => new S.LinearLR(o, { startFactor: 0.25, endFactor: 1.0, totalIters: 4 }), 10],
      "LinearLR()": [(o) => new S.LinearLR(o), 10],
    };
    it("schedulers: covers Python's cases", () => expect(Object.keys(scheds).sort()).to.deep.equal(Object.keys(R.sched).sort()));
    for (const [k, [make, n, metrics]] of Object.entries(scheds)) {
      it(`${k}: lr sequence equals Python's`, () => closeArr(lrs(make, n, metrics), R.sched[k], 1e-12, k));
    }
    it("ReduceLROnPlateau.step() without the metric: a clear TypeError", () => {
      const opt = new optim.SGD([torch.zeros([1], { requiresGrad: true })], { lr: 0.1 });
      const sched = new optim.lrScheduler.ReduceLROnPlateau(opt, { mode: "min", factor: 0.5, patience: 5, minLr: 1e-6 });
      expect(() => (sched as any).step()).to.throw(TypeError, /metric.*required/);
      sched.step(torch.tensor(0.5));
    });
    it("OneCycleLR cycles momentum as Python's", () => {
      closeArr(lrs((o) => new S.OneCycleLR(o, 1.0, { totalSteps: 10 }), 9, undefined, "momentum"), R.sched_onecycle_momentum, 1e-12);
    });
  });

  describe("Data", () => {
    const T = vision.transforms;
    let root: string;
    before(() => { root = tmpdir("api-data"); });
    after(() => rmrf(root));

    /** CIFAR-10 binary version: n records (label byte, 3072 pixel bytes R,G,B planes) per batch. */
    function writeCifarBin(dir: string, n: number) {
      const d = path.join(dir, "cifar-10-batches-bin");
      fs.mkdirSync(d, { recursive: true });
      const files = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"];
      files.forEach((f, k) => {
        const b = Buffer.alloc(n * 3073);
        for (let r = 0; r < n; r++) { b[r * 3073] = (r + k) % 10; for (let p = 0; p < 3072; p++) b[r * 3073 + 1 + p] = (p * 7 + r * 13 + k) % 256; }
        fs.writeFileSync(path.join(d, f), b);
      });
    }

    it("the transforms line: T.Compose([...]) as written; values vs torchvision after the same seed", () => {
      const tf = T.Compose([new T.RandomHorizontalFlip(), new T.RandomCrop(32, { padding: 4 }), new T.ToTensor(),
        new T.Normalize([0.4914, 0.4822, 0.4465], [0.247, 0.2435, 0.2616])]);
      const img = torch.arange(0, 32 * 32 * 3).reshape([32, 32, 3]).mul(7).remainder(256).to(torch.uint8);
      torch.manualSeed(0);
      for (const ref of R.transforms_seed0_4draws) {
        const o: torch.Tensor = tf.forward(T.asHWCImage(img));
        expect(o.shape).to.deep.equal(ref.shape);
        expect(o.dtype).to.equal(torch.float32);
        expect(o.double().sum().item()).to.be.closeTo(ref.sum, 1e-2);
        const w = o.double().flatten().mul(torch.arange(0, o.numel()).remainder(97).double()).sum().item();
        expect(w).to.be.closeTo(ref.wsum, 1e-1);
        closeArr(Array.from(o.flatten().index([torch.slice(0, 40)]).data() as Float32Array), ref.head, 1e-5);
      }
    });

    it("CIFAR10({ root, train: true, download: true, transform }) on a test-written folder, DataLoader as written", () => {
      writeCifarBin(root, 20);
      const transform = T.Compose([new T.RandomHorizontalFlip(), new T.RandomCrop(32, { padding: 4 }), new T.ToTensor(),
        new T.Normalize([0.4914, 0.4822, 0.4465], [0.247, 0.2435, 0.2616])]);
      const ds = new vision.datasets.CIFAR10({ root, train: true, download: true, transform });
      expect(ds.length).to.equal(100);
      const [x0, y0] = ds.getItem(0);
      expect(x0.shape).to.deep.equal([3, 32, 32]);
      expect(y0).to.equal(0);
      const test = new vision.datasets.CIFAR10({ root, train: false, download: true });
      expect(test.length).to.equal(20);
      const loader = new data.DataLoader(ds, { batchSize: 64, shuffle: true, numWorkers: 2, dropLast: false });
      const sizes: number[] = [];
      for (const [images, labels] of loader) { expect(images.shape.slice(1)).to.deep.equal([3, 32, 32]); sizes.push(labels.shape[0]); }
      expect(sizes).to.deep.equal([64, 36]);
    });

    it("CIFAR10/CIFAR100 read torchvision-layout folders (cifar-10-batches-py, cifar-100-python, written by Python) like torchvision", function () {
      requirePython(this, true);
      const dir = tmpdir("api-cifar-py");
      try {
        const ref = pyJson(`
import numpy as np, pickle, os, sys, json
root = sys.argv[1]
d = os.path.join(root, "cifar-10-batches-py"); os.makedirs(d)
rng = np.random.RandomState(0)
for name, n in [("data_batch_%d" % i, 3) for i in range(1, 6)] + [("test_batch", 2)]:
    with open(os.path.join(d, name), "wb") as f:
        pickle.dump({"batch_label": name, "data": rng.randint(0, 256, (n, 3072)).astype(np.uint8),
                     "labels": [int(v) for v in rng.randint(0, 10, n)], "filenames": ["x.png"] * n}, f)
with open(os.path.join(d, "batches.meta"), "wb") as f:
    pickle.dump({"label_names": ["c%d" % i for i in range(10)], "num_cases_per_batch": 3}, f, protocol=2)
import torchvision, torchvision.datasets.cifar as C
C.check_integrity = lambda *a, **k: True   # the test's files are not the official ones
ds = torchvision.datasets.CIFAR10(root, train=True)
d = os.path.join(root, "cifar-100-python"); os.makedirs(d)
for name, n in [("train", 5), ("test", 3)]:
    with open(os.path.join(d, name), "wb") as f:
        pickle.dump({"data": rng.randint(0, 256, (n, 3072)).astype(np.uint8), "fine_labels": [int(v) for v in rng.randint(0, 100, n)],
                     "coarse_labels": [int(v) for v in rng.randint(0, 20, n)]}, f)
with open(os.path.join(d, "meta"), "wb") as f:
    pickle.dump({"fine_label_names": ["f%d" % i for i in range(100)], "coarse_label_names": ["c%d" % i for i in range(20)]}, f)
c100 = torchvision.datasets.CIFAR100(root, train=True)
print(json.dumps({"n": len(ds), "targets": ds.targets, "classes": ds.classes, "sum": int(ds.data.astype(np.int64).sum()),
                  "px": ds.data[4, 5, 6].tolist(), "shape": list(ds.data.shape),
                  "c100": {"targets": c100.targets, "classes": c100.classes, "sum": int(c100.data.astype(np.int64).sum())}}))`, dir);
        const ds = new vision.datasets.CIFAR10({ root: dir, train: true, download: true });
        expect(ds.length).to.equal(ref.n);
        expect(ds.targets).to.deep.equal(ref.targets);
        expect(ds.classes).to.deep.equal(ref.classes);
        expect(ds.data.shape).to.deep.equal(ref.shape);
        expect(ds.data.to(torch.int64).sum().item()).to.equal(ref.sum);
        expect(ds.data.index([4, 5, 6]).toArray()).to.deep.equal(ref.px);
        expect(new vision.datasets.CIFAR10({ root: dir, train: false }).length).to.equal(2);
        const tds = new vision.datasets.CIFAR10({ root: dir, train: true, download: true, transform: T.Compose([new T.ToTensor()]) });
        const labels: number[] = [];
        for (const [images, ls] of new data.DataLoader(tds, { batchSize: 4, shuffle: false, numWorkers: 2 })) {
          expect(images.shape.slice(1)).to.deep.equal([3, 32, 32]);
          labels.push(...(ls.toArray() as number[]));
        }
        expect(labels).to.deep.equal(ref.targets);
        const c100 = new vision.datasets.CIFAR100({ root: dir, train: true, download: true });
        expect(c100.targets).to.deep.equal(ref.c100.targets);
        expect(c100.classes).to.deep.equal(ref.c100.classes);
        expect(c100.data.to(torch.int64).sum().item()).to.equal(ref.c100.sum);
      } finally { rmrf(dir); }
    });

    it("MNIST, FashionMNIST (IDX files), CIFAR100, ImageFolder", async () => {
      const idx = (magic: number, dims: number[], body: Buffer) => {
        const h = Buffer.alloc(4 + 4 * dims.length);
        h.writeUInt32BE(magic, 0); dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
        return Buffer.concat([h, body]);
      };
      for (const name of ["MNIST", "FashionMNIST"]) {
        const raw = path.join(root, name, "raw");
        fs.mkdirSync(raw, { recursive: true });
        for (const [pre, n] of [["train", 6], ["t10k", 4]] as const) {
          fs.writeFileSync(path.join(raw, `${pre}-images-idx3-ubyte`), idx(0x803, [n, 28, 28], Buffer.alloc(n * 784, 17)));
          fs.writeFileSync(path.join(raw, `${pre}-labels-idx1-ubyte`), idx(0x801, [n], Buffer.from(Array.from({ length: n }, (_, i) => i % 10))));
        }
        const D = (vision.datasets as any)[name];
        const ds = new D({ root, train: true, download: true, transform: new T.ToTensor() });
        expect(ds.length, name).to.equal(6);
        const [x, y] = ds.getItem(3);
        expect(x.shape).to.deep.equal([1, 28, 28]);
        expect(x.max().item()).to.be.closeTo(17 / 255, 1e-6);
        expect(y).to.equal(3);
        expect(new D({ root, train: false }).length).to.equal(4);
      }
      const c100 = path.join(root, "cifar-100-binary");
      fs.mkdirSync(c100, { recursive: true });
      for (const [f, n] of [["train.bin", 5], ["test.bin", 3]] as const) {
        const b = Buffer.alloc(n * 3074);
        for (let r = 0; r < n; r++) { b[r * 3074] = r; b[r * 3074 + 1] = 50 + r; }
        fs.writeFileSync(path.join(c100, f), b);
      }
      const c = new vision.datasets.CIFAR100({ root, train: true });
      expect(c.length).to.equal(5);
      expect(c.targets).to.deep.equal([50, 51, 52, 53, 54]);
      // ImageFolder: root/class/xxx.png
      const sharp = require("sharp");
      const imf = path.join(root, "folder");
      for (const [cls, color] of [["cat", 10], ["dog", 200]] as const) {
        fs.mkdirSync(path.join(imf, cls), { recursive: true });
        for (let i = 0; i < 2; i++)
          await sharp(Buffer.alloc(8 * 6 * 3, color), { raw: { width: 8, height: 6, channels: 3 } }).png().toFile(path.join(imf, cls, `${i}.png`));
      }
      const folder = new vision.datasets.ImageFolder({ root: imf, transform: new T.ToTensor() } as any);
      expect(folder.classes).to.deep.equal(["cat", "dog"]);
      expect(folder.length).to.equal(4);
      const [img, lab] = folder.getItem(2);
      expect(img.shape).to.deep.equal([3, 6, 8]);
      expect(lab).to.equal(1);
      expect(img.max().item()).to.be.closeTo(200 / 255, 1e-6);
    });

    it("data.TensorDataset, data.Subset, data.randomSplit", () => {
      const xs = torch.arange(0, 30).reshape([10, 3]).float(), ys = torch.arange(0, 10);
      const ds = new data.TensorDataset(xs, ys);
      expect(ds.length).to.equal(10);
      const [x3, y3] = ds.getItem(3);
      expect(x3.toArray()).to.deep.equal([9, 10, 11]);
      expect(y3.item()).to.equal(3);
      const sub = new data.Subset(ds, [7, 2]);
      expect(sub.length).to.equal(2);
      expect(sub.getItem(0)[1].item()).to.equal(7);
      torch.manualSeed(0);
      const [a, b] = data.randomSplit(ds, [7, 3]);
      expect([a.length, b.length]).to.deep.equal([7, 3]);
      const all = [...Array(7).keys()].map((i) => a.getItem(i)[1].item()).concat([...Array(3).keys()].map((i) => b.getItem(i)[1].item()));
      expect([...all].sort((p, q) => p - q)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const [c, d] = data.randomSplit(ds, [0.5, 0.5]);
      expect([c.length, d.length]).to.deep.equal([5, 5]);
    });

    it("randomSplit with a seeded generator gives torch.utils.data.random_split's indices", function () {
      requirePython(this);
      const ref = pyJson(`
import torch, json
from torch.utils.data import random_split
a, b = random_split(range(10), [7, 3], generator=torch.Generator().manual_seed(42))
print(json.dumps([list(a.indices), list(b.indices)]))`);
      const [a, b] = data.randomSplit(new data.TensorDataset(torch.arange(0, 10)), [7, 3], new torch.Generator().manualSeed(42));
      expect((a as any).indices).to.deep.equal(ref[0]);
      expect((b as any).indices).to.deep.equal(ref[1]);
    });

    it("DataLoader({ batchSize: 64, shuffle: true, numWorkers: 2, dropLast: false }): for ... of and for await", async () => {
      const n = 150;
      const xs = torch.arange(0, n * 2).reshape([n, 2]).float(), ys = torch.arange(0, n);
      const ds = new data.TensorDataset(xs, ys);
      const loader = new data.DataLoader(ds, { batchSize: 64, shuffle: true, numWorkers: 2, dropLast: false });
      expect(loader.length).to.equal(3);
      const seen: number[] = [], sizes: number[] = [];
      for (const [images, labels] of loader) {
        sizes.push(images.shape[0]);
        seen.push(...(labels.toArray() as number[]));
        expect(images.index([torch.slice(0, null), 0]).toArray()).to.deep.equal((labels.toArray() as number[]).map((v) => v * 2));
      }
      expect(sizes).to.deep.equal([64, 64, 22]);
      expect([...seen].sort((a, b) => a - b)).to.deep.equal([...Array(n).keys()]);
      expect(seen).to.not.deep.equal([...Array(n).keys()]);          // shuffled
      const seen2: number[] = [];
      for await (const [, labels] of loader) seen2.push(...(labels.toArray() as number[]));
      expect([...seen2].sort((a, b) => a - b)).to.deep.equal([...Array(n).keys()]);
      const dl = new data.DataLoader(ds, { batchSize: 64, shuffle: false, numWorkers: 2, dropLast: true });
      const s2: number[] = [];
      for await (const [, labels] of dl) s2.push(labels.shape[0]);
      expect(s2).to.deep.equal([64, 64]);
    });
  });

  describe("Saving, loading, TorchScript", () => {
    let dir: string;
    before(() => { dir = tmpdir("api-io"); });
    after(() => rmrf(dir));
    class Net extends nn.Module {
      features = new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU());
      head = new nn.Linear(8, 10);
      forward(x: torch.Tensor): torch.Tensor { return this.head.forward(this.features.forward(x).mean([2, 3])); }
    }

    it("torch.save(model.stateDict(), \"model.pt\") / torch.load round trip", () => {
      torch.manualSeed(0);
      const model = new Net();
      const file = path.join(dir, "model.pt");
      torch.save(model.stateDict(), file);
      const sd = torch.load(file);
      expect(Object.keys(sd)).to.deep.equal(Object.keys(model.stateDict()));
      const m2 = new Net();
      m2.loadStateDict(sd, { strict: true });
      for (const [k, v] of Object.entries(model.stateDict())) expect((m2.stateDict() as any)[k].equal(v), k).to.equal(true);
    });

    it("Python's torch.load reads torch.save's file; torch.load reads Python's torch.save", function () {
      requirePython(this);
      torch.manualSeed(0);
      const model = new Net();
      const file = path.join(dir, "for_py.pt");
      torch.save(model.stateDict(), file);
      const pyFile = path.join(dir, "from_py.pt");
      const out = pyJson(`
import torch, json, sys
sd = torch.load(sys.argv[1])
torch.save({"w": torch.arange(6.).reshape(2, 3), "n": torch.tensor([1, 2]), "lst": [torch.ones(2)]}, sys.argv[2])
print(json.dumps({"keys": list(sd.keys()), "sum": float(sd["head.weight"].double().sum()),
                  "nbt": int(sd["features.1.num_batches_tracked"]), "dtype": str(sd["features.1.num_batches_tracked"].dtype)}))`, file, pyFile);
      expect(out.keys).to.deep.equal(Object.keys(model.stateDict()));
      expect(out.sum).to.be.closeTo(model.head.weight.double().sum().item(), 1e-9);
      expect(out.nbt).to.equal(0);
      expect(out.dtype).to.equal("torch.int64");
      const back = torch.load(pyFile);
      expect(back.w.toArray()).to.deep.equal([[0, 1, 2], [3, 4, 5]]);
      expect(back.n.dtype).to.equal(torch.int64);
      expect(back.lst[0].toArray()).to.deep.equal([1, 1]);
    });

    it("torch.safetensors.save(sd, path) / torch.safetensors.load(path)", function () {
      torch.manualSeed(0);
      const model = new Net();
      const file = path.join(dir, "model.safetensors");
      torch.safetensors.save(model.stateDict(), file);
      const sd = torch.safetensors.load(file);
      expect(Object.keys(sd).sort()).to.deep.equal(Object.keys(model.stateDict()).sort());
      for (const [k, v] of Object.entries(model.stateDict())) expect(sd[k].equal(v), k).to.equal(true);
      if (hasPythonTorch()) {
        const ok = py(`
import sys, json, struct
b = open(sys.argv[1], "rb").read(); n = struct.unpack("<Q", b[:8])[0]; h = json.loads(b[8:8 + n])
print(h["head.weight"]["dtype"], h["head.weight"]["shape"])`, file).trim();
        expect(ok).to.equal("F32 [10, 8]");
      }
    });

    it("jit.trace(model, [example]).save(); jit.load(path, { device: \"cpu\" }); forward; await forwardAsync; Python runs it", async function () {
      torch.manualSeed(0);
      const model = new Net();
      model.eval();
      const example = torch.randn([2, 3, 8, 8]);
      const expected = model.forward(example);
      const scripted = jit.trace(model, [example]);
      const file = path.join(dir, "model_ts.pt");
      scripted.save(file);
      const m = jit.load(file, { device: "cpu" });
      const a = m.forward(example) as torch.Tensor;
      const b = (await m.forwardAsync(example)) as torch.Tensor;
      expect(a.sub(expected).abs().max().item()).to.be.below(1e-5);
      expect(b.sub(expected).abs().max().item()).to.be.below(1e-5);
      if (hasPythonTorch()) {
        const xf = path.join(dir, "x.pt");
        torch.save(example, xf);
        const s = pyJson(`
import torch, sys, json
m = torch.jit.load(sys.argv[1]); x = torch.load(sys.argv[2])
print(json.dumps(m(x).flatten().tolist()))`, file, xf);
        closeArr(s, Array.from(expected.flatten().data() as Float32Array), 1e-5);
      }
    });
  });

  describe("Vision models", () => {
    it("resnet18/34/50, vgg16, efficientnetB0, convnextTiny exist; resnet18 has torchvision's keys and counts", function () {
      for (const n of ["resnet18", "resnet34", "resnet50", "vgg16", "efficientnetB0", "convnextTiny"]) expect((vision.models as any)[n], n).to.be.a("function");
      const m = vision.models.resnet18();
      const keys = Object.keys(m.stateDict());
      expect(keys.length).to.equal(122);
      expect(keys.slice(0, 6)).to.deep.equal(["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked"]);
      expect(keys[keys.length - 1]).to.equal("fc.bias");
      expect(m.parameters().reduce((n, p) => n + p.numel(), 0)).to.equal(11689512);
      m.eval();
      expect(torch.noGrad(() => m.forward(torch.zeros([1, 3, 64, 64]))).shape).to.deep.equal([1, 1000]);
    });
    it("the other builders' state-dict keys and parameter counts equal torchvision's", function () {
      requirePython(this, true);
      this.timeout(120000);
      const ref = pyJson(`
import torchvision.models as M, json
out = {}
for n in ["resnet34", "resnet50", "vgg16", "efficientnet_b0", "convnext_tiny"]:
    m = getattr(M, n)()
    sd = m.state_dict()
    out[n] = {"n": len(sd), "first": list(sd)[:3], "last": list(sd)[-1], "params": sum(p.numel() for p in m.parameters())}
print(json.dumps(out))`);
      const names: Record<string, string> = { resnet34: "resnet34", resnet50: "resnet50", vgg16: "vgg16", efficientnetB0: "efficientnet_b0", convnextTiny: "convnext_tiny" };
      for (const [ts, pyn] of Object.entries(names)) {
        const m = (vision.models as any)[ts]();
        const keys = Object.keys(m.stateDict());
        expect(keys.length, ts).to.equal(ref[pyn].n);
        expect(keys.slice(0, 3), ts).to.deep.equal(ref[pyn].first);
        expect(keys[keys.length - 1], ts).to.equal(ref[pyn].last);
        expect(m.parameters().reduce((n: number, p: torch.Tensor) => n + p.numel(), 0), ts).to.equal(ref[pyn].params);
      }
    });
  });

  describe("GPU (checked on CPU when there is none)", () => {
    it("cuda.isAvailable(); cuda.deviceCount(); cuda.synchronize(); cuda.memoryAllocated()", () => {
      expect(cuda.isAvailable()).to.be.a("boolean");
      expect(cuda.deviceCount()).to.be.a("number");
      expect(cuda.memoryAllocated()).to.be.a("number");
      if (!cuda.isAvailable()) {
        expect(cuda.deviceCount()).to.equal(0);
        expect(cuda.memoryAllocated()).to.equal(0);                  // as torch.cuda.memory_allocated() without CUDA
        expect(() => cuda.synchronize()).to.throw(Error, /CUDA is not available/);   // Python raises too
      } else {
        cuda.synchronize();
      }
    });
    it("torch.backends.cudnn.benchmark = true is settable", () => {
      const before = torch.backends.cudnn.benchmark;
      torch.backends.cudnn.benchmark = true;
      expect(torch.backends.cudnn.benchmark).to.equal(true);
      torch.backends.cudnn.benchmark = before;
      expect(torch.backends.cudnn.benchmark).to.equal(before);
    });
    it("torch.autocast(\"cuda\", { dtype: torch.bfloat16 }, fn) warns and runs without CUDA; amp.GradScaler constructible", function () {
      if (cuda.isAvailable()) this.skip();
      const { value, warnings } = captureWarnings(() => torch.autocast("cuda", { dtype: torch.bfloat16 }, () => torch.ones([2, 2]).matmul(torch.ones([2, 2]))));
      expect(value.dtype).to.equal(torch.float32);
      expect(value.toArray()).to.deep.equal([[2, 2], [2, 2]]);
      expect(warnings.join("\n")).to.match(/CUDA is not available\. Disabling autocast/);
      const s = captureWarnings(() => new amp.GradScaler());
      const scaler = s.value;
      expect(s.warnings.join("\n")).to.match(/GradScaler is enabled, but CUDA is not available/);
      expect(scaler.isEnabled()).to.equal(false);
      const loss = torch.ones([1], { requiresGrad: true }).sum();
      expect(scaler.scale(loss)).to.equal(loss);                  // disabled: identity, as in PyTorch
    });
    it("x.contiguous({ memoryFormat: torch.channelsLast }) strides equal Python's", () => {
      const x = torch.randn([2, 3, 4, 5]).contiguous({ memoryFormat: torch.channelsLast });
      expect(x.stride()).to.deep.equal(R.channels_last_stride_2x3x4x5);
      expect(x.isContiguous({ memoryFormat: torch.channelsLast })).to.equal(true);
      expect(x.isContiguous()).to.equal(false);
    });
  });

  describe("Training helpers", () => {
    let dir: string;
    before(() => { dir = tmpdir("api-train"); });
    after(() => rmrf(dir));

    it("train.ProgressBar, train.History, train.plotHistory(history, \"curves.png\")", async () => {
      let out = "";
      const stream: any = { write: (c: string) => { out += c; return true; }, isTTY: false };
      const bar = new train.ProgressBar({ total: 10, epoch: 0, epochs: 2, stream });
      bar.update(5, { loss: 0.5 });
      bar.update(10, { loss: 0.25 });
      bar.stop();
      expect(out).to.match(/Epoch 1\/2/);
      expect(out).to.match(/loss 0\.2500/);
      const h = new train.History();
      h.add(0, { loss: 1.0, val_loss: 1.2 }); h.add(1, { loss: 0.5, val_loss: 0.9 });
      expect(h.history).to.deep.equal({ loss: [1.0, 0.5], val_loss: [1.2, 0.9] });
      const file = path.join(dir, "curves.png");
      await train.plotHistory(h, file);
      const png = fs.readFileSync(file);
      expect(png.subarray(0, 8).toString("hex")).to.equal("89504e470d0a1a0a");
    });

    it("train.EarlyStopping({ patience, restoreBestWeights }) in train.fit(model, { optimizer, loss, data, epochs, validationSplit, callbacks })", async () => {
      torch.manualSeed(0);
      const model = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 3));
      const x = torch.randn([60, 4]);
      const y = torch.randint(0, 3, [60]);      // noise labels: validation loss soon stops improving
      const optimizer = new optim.Adam(model.parameters(), { lr: 0.05 });
      const es = new train.EarlyStopping({ patience: 2, restoreBestWeights: true });
      let bestWeights: torch.Tensor | null = null, best = Infinity;
      const spy = { onEpochEnd: (_e: number, logs: any) => { if (logs.val_loss < best) { best = logs.val_loss; bestWeights?.dispose(); bestWeights = torch.keep((model.get(0) as nn.Linear).weight.clone()); } } };
      const history = await train.fit(model, { optimizer, loss: new nn.CrossEntropyLoss(), data: [x, y], epochs: 30, validationSplit: 0.2,
        callbacks: [spy, es], verbose: 0, batchSize: 16 });
      expect(history).to.be.instanceOf(train.History);
      expect(history.keys).to.include.members(["loss", "val_loss", "accuracy", "val_accuracy"]);
      expect(history.length).to.be.below(30);                        // stopped early
      const vl = history.get("val_loss");
      const bestEpoch = vl.indexOf(Math.min(...vl));
      expect(history.length).to.equal(bestEpoch + 1 + 2);            // patience 2 after the best epoch
      expect((model.get(0) as nn.Linear).weight.equal(bestWeights!)).to.equal(true); // restored
      expect(history.history.loss.every((v) => Number.isFinite(v))).to.equal(true);
    });
  });
});
